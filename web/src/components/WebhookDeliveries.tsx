import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { api } from "../api";
import { Button, RelativeTime } from "./ui";

const PAGE = 20;

/** An endpoint's deliveries, newest first, a page at a time: what was sent, what came back. */
export function WebhookDeliveries({ endpointId }: { endpointId: string }) {
  const [offset, setOffset] = useState(0);
  const deliveries = useQuery({
    queryKey: ["webhooks", endpointId, "deliveries", offset],
    queryFn: () =>
      api("GET", "/api/webhooks/endpoints/{endpointId}/deliveries", {
        path: { endpointId },
        query: { limit: PAGE, offset },
      }),
    // Deliveries are made in the background; the log follows them while it is open.
    refetchInterval: 5_000,
  });
  const list = deliveries.data?.deliveries ?? [];
  if (deliveries.isPending) return <p className="muted">Loading deliveries…</p>;
  if (list.length === 0 && offset === 0) return <p className="muted">Nothing has been sent to this endpoint yet.</p>;
  return (
    <div className="stack">
      <div className="table-scroll">
        <table className="table deliveries">
          <thead>
            <tr>
              <th>Event</th>
              <th>Status</th>
              <th>Response</th>
              <th>Duration</th>
              <th>Attempts</th>
              <th>When</th>
            </tr>
          </thead>
          <tbody>
            {list.map((delivery) => (
              <tr key={delivery.id}>
                <td>
                  <code className="action">{delivery.eventType}</code>
                  {delivery.error ? <div className="field-error">{delivery.error}</div> : null}
                </td>
                <td>
                  <span className={`status status-delivery-${delivery.state}`}>{delivery.state}</span>
                  {delivery.state === "pending" && delivery.nextAttemptAt ? (
                    <div className="muted small">
                      next <RelativeTime at={delivery.nextAttemptAt} />
                    </div>
                  ) : null}
                </td>
                <td>{delivery.responseStatus ?? "—"}</td>
                <td className="nowrap">{delivery.durationMs === null ? "—" : `${delivery.durationMs} ms`}</td>
                <td>{delivery.attempts}</td>
                <td className="muted nowrap">
                  <RelativeTime at={delivery.deliveredAt ?? delivery.createdAt} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {offset > 0 || deliveries.data?.hasMore ? (
        <div className="row">
          <Button variant="secondary" disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - PAGE))}>
            Newer
          </Button>
          <Button variant="secondary" disabled={!deliveries.data?.hasMore} onClick={() => setOffset(offset + PAGE)}>
            Older
          </Button>
        </div>
      ) : null}
    </div>
  );
}
