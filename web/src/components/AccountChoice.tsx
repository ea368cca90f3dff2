import { Link } from "react-router";
import type { Connection } from "../api";
import { formatInZone } from "../time";
import { PlatformMark } from "./PlatformMark";
import { Card } from "./ui";

/** Why a post cannot go to this account now; a rate limit only delays it, so it is no reason. */
export function unpostableReason(connection: Connection): string | undefined {
  if (connection.status === "expired") return "Its sign-in expired";
  if (connection.status === "invalid") return "Its access was revoked or refused";
  return undefined;
}

/**
 * The accounts a post goes to, as checkboxes. An account that cannot take a post stays in the
 * list, unchecked and disabled with the reason, so nobody wonders where it went.
 */
export function AccountChoice({
  accounts,
  selected,
  onChange,
  error,
}: {
  accounts: Connection[];
  selected: string[];
  onChange: (selected: string[]) => void;
  error?: string;
}) {
  return (
    <Card title="Accounts">
      {accounts.length === 0 ? (
        <p className="muted">No connected accounts yet: connect some on the Social accounts page.</p>
      ) : null}
      <ul className="account-choice">
        {accounts.map((connection) => {
          const reason = unpostableReason(connection);
          return (
            <li key={connection.id} className={reason ? "unpostable" : undefined}>
              <label>
                <input
                  type="checkbox"
                  disabled={reason !== undefined}
                  checked={!reason && selected.includes(connection.id)}
                  onChange={(event) =>
                    onChange(
                      event.target.checked
                        ? [...selected, connection.id]
                        : selected.filter((id) => id !== connection.id),
                    )
                  }
                />
                <PlatformMark platform={connection.platform} />
                <span>
                  {connection.name}
                  {connection.isSandbox ? <span className="badge badge-sandbox">Sandbox</span> : null}
                </span>
              </label>
              {reason ? (
                <span className="account-note">
                  {reason}: <Link to="/social-media">reconnect it</Link> to post here.
                </span>
              ) : connection.status === "rate_limited" && connection.rateLimitedUntil ? (
                <span className="account-note">
                  Rate limited until {formatInZone(connection.rateLimitedUntil)}: posts to it wait until then.
                </span>
              ) : null}
            </li>
          );
        })}
      </ul>
      {error ? <span className="field-error">{error}</span> : null}
    </Card>
  );
}
