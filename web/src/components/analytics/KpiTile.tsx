import type { ReactNode } from "react";
import { describeChange, formatCount, formatRate } from "./format";
import { UnavailableReason, type PlatformUnavailable } from "./UnavailableList";

function Figure({
  value,
  previous,
  kind,
  periodLabel,
  testId,
}: {
  value: number;
  previous: number | null;
  kind: "count" | "rate";
  periodLabel: string;
  testId: string;
}) {
  const change = describeChange(value, previous, kind);
  return (
    <>
      <p className="kpi-value" data-testid={testId}>
        {kind === "rate" ? formatRate(value) : formatCount(value)}
      </p>
      <p className={`kpi-change kpi-change-${change?.direction ?? "none"}`}>
        {change ? (
          <>
            <span aria-hidden>{change.direction === "up" ? "▲" : change.direction === "down" ? "▼" : "■"}</span>{" "}
            {change.text} <span className="muted">vs {periodLabel}</span>
          </>
        ) : (
          <span className="muted">Nothing to compare in the {periodLabel}</span>
        )}
      </p>
    </>
  );
}

/**
 * One headline figure with its change against the previous period of equal length. Where the
 * platforms give no figure the tile says "Unavailable" with each reason, never 0; where some
 * platforms give one and others not, the figure stands and the others' reasons are listed.
 */
export function KpiTile({
  label,
  value,
  previous,
  kind = "count",
  periodLabel,
  detail,
  unavailable = [],
  loading = false,
}: {
  label: string;
  value: number | null;
  previous: number | null;
  kind?: "count" | "rate";
  /** "previous 30 days": what the change is measured against. */
  periodLabel: string;
  detail?: ReactNode;
  unavailable?: PlatformUnavailable[];
  loading?: boolean;
}) {
  const id = `kpi-${label.toLowerCase().replace(/\W+/g, "-")}`;
  return (
    <section className="kpi" aria-labelledby={id} data-testid={id}>
      <h3 id={id} className="kpi-label">
        {label}
      </h3>
      {loading ? (
        <p className="kpi-value muted" aria-busy>
          …
        </p>
      ) : value === null ? (
        <p className="kpi-value kpi-unavailable">Unavailable</p>
      ) : (
        <Figure value={value} previous={previous} kind={kind} periodLabel={periodLabel} testId={`${id}-value`} />
      )}
      {!loading && unavailable.length ? (
        <ul className="kpi-reasons">
          {unavailable.map((entry) => (
            <li key={`${entry.platform ?? ""}:${entry.account ?? ""}:${entry.metric}:${entry.reason}`}>
              {entry.account ? `${entry.account}: ` : ""}
              <UnavailableReason entry={entry} />
            </li>
          ))}
        </ul>
      ) : !loading && value === null ? (
        <p className="small muted">Metrics appear after the first collection.</p>
      ) : null}
      {detail ? <div className="small muted">{detail}</div> : null}
    </section>
  );
}
