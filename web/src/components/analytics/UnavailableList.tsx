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

/**
 * Every metric without a figure, listed with its platform (and account) and the reason; the
 * metrics one reason covers are named together, so a platform that offers none of them is one line.
 */
export function UnavailableList({ entries }: { entries: PlatformUnavailable[] }) {
  const groups = new Map<string, { entry: PlatformUnavailable; metrics: string[] }>();
  for (const entry of entries) {
    const key = [entry.platform, entry.account, entry.reason, entry.message, entry.reconnectFor].join("\u0000");
    const group = groups.get(key);
    if (!group) groups.set(key, { entry, metrics: [entry.metric] });
    else if (!group.metrics.includes(entry.metric)) group.metrics.push(entry.metric);
  }
  if (groups.size === 0) return null;
  return (
    <ul className="unavailable-list" aria-label="Metrics without a figure">
      {[...groups].map(([key, { entry, metrics }]) => (
        <li key={key}>
          {entry.platform ? <PlatformMark platform={entry.platform} /> : null}
          <span>
            <strong>{metrics.map(metricLabel).join(", ")}</strong>
            {entry.account ? <span className="muted"> · {entry.account}</span> : null}{" "}
            <UnavailableReason entry={entry} />
          </span>
        </li>
      ))}
    </ul>
  );
}
