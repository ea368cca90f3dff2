import { Link } from "react-router";
import type { PlatformId } from "../../../../src/platforms/profiles";
import { PlatformMark } from "../PlatformMark";
import { describeUnavailable, metricLabel, type Unavailable } from "./format";

export interface PlatformUnavailable extends Unavailable {
  platform?: PlatformId;
  /** The account it concerns, where it is one account's and not the whole platform's. */
  account?: string;
}

/** One metric without a figure, with the reason and, for a missing permission, the way to grant it. */
export function UnavailableReason({ entry }: { entry: PlatformUnavailable }) {
  return (
    <span className="unavailable-reason">
      {describeUnavailable(entry, entry.platform)}
      {entry.reason === "permission" ? (
        <>
          {" "}
          <Link to="/social-media">Reconnect</Link>
        </>
      ) : null}
    </span>
  );
}

/** Every metric without a figure, listed with its platform (and account) and the reason. */
export function UnavailableList({ entries }: { entries: PlatformUnavailable[] }) {
  if (entries.length === 0) return null;
  return (
    <ul className="unavailable-list" aria-label="Metrics without a figure">
      {entries.map((entry) => (
        <li key={`${entry.platform ?? ""}:${entry.account ?? ""}:${entry.metric}:${entry.reason}`}>
          {entry.platform ? <PlatformMark platform={entry.platform} /> : null}
          <strong>{metricLabel(entry.metric)}</strong>
          {entry.account ? <span className="muted">{entry.account}</span> : null}
          <UnavailableReason entry={entry} />
        </li>
      ))}
    </ul>
  );
}
