import { useQuery } from "@tanstack/react-query";
import { Link } from "react-router";
import { RelativeTime } from "../ui";
import { basisLabels, formatCount, formatRate } from "./format";
import { analyticsKeys, fetchOverview } from "./queries";
import type { OverviewMetrics } from "./types";

type Freshness = OverviewMetrics["reach"]["freshness"];

/** "Live", or when the stored figure was collected and how often it is. */
function FreshnessNote({ freshness }: { freshness: Freshness }) {
  if (freshness.kind === "live") return <p className="freshness">Live</p>;
  return (
    <p className="freshness">
      {freshness.asOf ? (
        <>
          Collected <RelativeTime at={freshness.asOf} />
        </>
      ) : (
        "Not collected yet"
      )}
      {freshness.refreshMinutes
        ? ` · every ${freshness.refreshMinutes === 60 ? "hour" : `${freshness.refreshMinutes} minutes`}`
        : ""}
    </p>
  );
}

function Tile({ label, figure, freshness }: { label: string; figure: string | null; freshness: Freshness }) {
  const id = `overview-${label.toLowerCase().replace(/\W+/g, "-")}`;
  return (
    <section className="kpi" aria-labelledby={id} data-testid={id}>
      <h3 id={id} className="kpi-label">
        {label}
      </h3>
      {figure === null ? (
        <p className="kpi-value kpi-unavailable">No figure</p>
      ) : (
        <p className="kpi-value" data-testid={`${id}-value`}>
          {figure}
        </p>
      )}
      <FreshnessNote freshness={freshness} />
    </section>
  );
}

/**
 * The integration guide's four dashboard figures: active connections and posts today (live),
 * engagement rate (collected every 15 minutes) and reach (hourly), each saying how fresh it is.
 */
export function OverviewTiles() {
  const overview = useQuery({
    queryKey: analyticsKeys.overview,
    queryFn: fetchOverview,
    refetchInterval: 60_000,
  });
  if (overview.error) return null;
  const data = overview.data;
  return (
    <section className="overview-metrics" aria-label="Today's figures">
      <div className="card-header">
        <h2>At a glance</h2>
        <Link to="/analytics">Analytics</Link>
      </div>
      {data ? (
        <div className="kpis kpis-compact">
          <Tile
            label="Active connections"
            figure={formatCount(data.activeConnections.value)}
            freshness={data.activeConnections.freshness}
          />
          <Tile label="Posts today" figure={formatCount(data.postsToday.value)} freshness={data.postsToday.freshness} />
          <Tile
            label="Engagement rate"
            figure={data.engagementRate.value === null ? null : formatRate(data.engagementRate.value)}
            freshness={data.engagementRate.freshness}
          />
          <Tile
            label="Reach"
            figure={data.reach.value === null ? null : formatCount(data.reach.value)}
            freshness={data.reach.freshness}
          />
        </div>
      ) : (
        <p className="muted">Loading…</p>
      )}
      {data ? (
        <p className="small muted">
          Rate and reach over posts published {data.range.start} to {data.range.end};{" "}
          {basisLabels[data.engagementRate.basis] ?? data.engagementRate.basis}.
        </p>
      ) : null}
    </section>
  );
}
