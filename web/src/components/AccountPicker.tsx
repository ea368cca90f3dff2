import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { api } from "../api";
import { PlatformMark } from "./PlatformMark";
import { Avatar, Button, FormError } from "./ui";

/** The dialog after a consent that can post as several accounts: which of them the organization connects. */
export function AccountPicker({ grantId, onDone }: { grantId: string; onDone: (count: number) => void }) {
  const queryClient = useQueryClient();
  const path = { grantId };
  const grant = useQuery({
    queryKey: ["grant", grantId],
    queryFn: () => api("GET", "/api/social-media/grants/{grantId}", { path }),
  });
  const [chosen, setChosen] = useState<string[] | null>(null);
  const selection =
    chosen ??
    grant.data?.accounts.filter((account) => !account.alreadyConnected).map((account) => account.externalId) ??
    [];
  const save = useMutation({
    mutationFn: () => api("POST", "/api/social-media/grants/{grantId}", { path, body: { externalIds: selection } }),
    onSuccess: (result) => {
      void queryClient.invalidateQueries({ queryKey: ["connections"] });
      onDone(result.connections.length);
    },
  });
  return (
    <div className="modal-backdrop" role="dialog" aria-modal="true" aria-labelledby="picker-title">
      <div className="modal">
        {grant.error ? (
          <>
            <h2 id="picker-title">This choice has expired</h2>
            <p className="muted">Account choices last 15 minutes. Connect again to pick your accounts.</p>
            <Button variant="secondary" onClick={() => onDone(0)}>
              Close
            </Button>
          </>
        ) : grant.data ? (
          <>
            <div className="platform-header">
              <PlatformMark platform={grant.data.platform} />
              <div>
                <h2 id="picker-title">Choose what to connect</h2>
                <p className="muted small">
                  This login can post as several accounts. Pick the ones your organization should use.
                </p>
              </div>
            </div>
            <ul className="picker">
              {grant.data.accounts.map((account) => (
                <li key={account.externalId}>
                  <label>
                    <input
                      type="checkbox"
                      checked={selection.includes(account.externalId)}
                      onChange={(event) =>
                        setChosen(
                          event.target.checked
                            ? [...selection, account.externalId]
                            : selection.filter((id) => id !== account.externalId),
                        )
                      }
                    />
                    <Avatar name={account.name} />
                    <span>
                      <strong>{account.name}</strong>
                      <span className="muted small">
                        {account.kind.replace("_", " ")}
                        {account.alreadyConnected ? " · already connected (will be reconnected)" : ""}
                      </span>
                    </span>
                  </label>
                </li>
              ))}
            </ul>
            <FormError error={save.error} />
            <div className="row">
              <Button onClick={() => save.mutate()} busy={save.isPending} disabled={selection.length === 0}>
                Connect {selection.length} {selection.length === 1 ? "account" : "accounts"}
              </Button>
              <Button variant="ghost" onClick={() => onDone(0)}>
                Cancel
              </Button>
            </div>
          </>
        ) : (
          <p className="muted">Loading accounts…</p>
        )}
      </div>
    </div>
  );
}
