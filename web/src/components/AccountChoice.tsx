import type { Connection } from "../api";
import { PlatformMark } from "./PlatformMark";
import { Card } from "./ui";

/** The accounts a post goes to, as checkboxes. */
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
        {accounts.map((connection) => (
          <li key={connection.id}>
            <label>
              <input
                type="checkbox"
                checked={selected.includes(connection.id)}
                onChange={(event) =>
                  onChange(
                    event.target.checked ? [...selected, connection.id] : selected.filter((id) => id !== connection.id),
                  )
                }
              />
              <PlatformMark platform={connection.platform} />
              <span>
                {connection.name}
                {connection.isSandbox ? <span className="badge badge-sandbox">Sandbox</span> : null}
              </span>
            </label>
          </li>
        ))}
      </ul>
      {error ? <span className="field-error">{error}</span> : null}
    </Card>
  );
}
