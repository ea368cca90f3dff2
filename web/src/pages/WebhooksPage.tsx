import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { api, can, type WebhookEndpoint } from "../api";
import { Button, Card, CopyButton, FormError, PageHeader, RelativeTime } from "../components/ui";
import { WebhookDeliveries } from "../components/WebhookDeliveries";
import { WebhookEndpointForm } from "../components/WebhookEndpointForm";
import { useSession } from "../session";

/** A secret as the server answered it, this once: the page forgets it when it is closed. */
function SecretNotice({ secret, onClose }: { secret: string; onClose: () => void }) {
  return (
    <div className="alert alert-success" role="status">
      <div>
        <strong>Copy the signing secret now: it will not be shown again.</strong> Your receiver checks each
        request&apos;s <code>webhook-signature</code> with it.
        <code className="link-box">{secret}</code>
      </div>
      <div className="row nowrap">
        <CopyButton text={secret} label="Copy secret" />
        <Button variant="ghost" onClick={onClose}>
          Done
        </Button>
      </div>
    </div>
  );
}

function EndpointCard({
  endpoint,
  canManage,
  onSecret,
}: {
  endpoint: WebhookEndpoint;
  canManage: boolean;
  onSecret: (secret: string) => void;
}) {
  const queryClient = useQueryClient();
  const [editing, setEditing] = useState(false);
  const [showLog, setShowLog] = useState(false);
  const path = { endpointId: endpoint.id };
  const refresh = () => queryClient.invalidateQueries({ queryKey: ["webhooks"] });
  const sendTest = useMutation({
    mutationFn: () => api("POST", "/api/webhooks/endpoints/{endpointId}/test", { path }),
    onSuccess: () => {
      setShowLog(true);
      void refresh();
    },
  });
  const rotate = useMutation({
    mutationFn: () => api("POST", "/api/webhooks/endpoints/{endpointId}/rotate-secret", { path }),
    onSuccess: (answer) => onSecret(answer.secret),
  });
  const enable = useMutation({
    mutationFn: () => api("POST", "/api/webhooks/endpoints/{endpointId}/enable", { path }),
    onSuccess: refresh,
  });
  const remove = useMutation({
    mutationFn: () => api("DELETE", "/api/webhooks/endpoints/{endpointId}", { path }),
    onSuccess: refresh,
  });
  const error = sendTest.error ?? rotate.error ?? enable.error ?? remove.error;

  return (
    <li className="connection webhook" data-testid={`webhook-${endpoint.id}`}>
      <div className="connection-main">
        <div className="connection-text">
          <strong className="webhook-url">{endpoint.url}</strong>
          {endpoint.description ? <span className="muted small">{endpoint.description}</span> : null}
          <div className="webhook-events">
            {endpoint.events.map((type) => (
              <code key={type} className="action">
                {type}
              </code>
            ))}
          </div>
        </div>
        <span className={`status ${endpoint.enabled ? "status-healthy" : "status-invalid"}`}>
          {endpoint.enabled ? "Enabled" : "Disabled"}
        </span>
      </div>
      {!endpoint.enabled && endpoint.disabledReason ? (
        <div className="alert alert-error">
          <div>
            {endpoint.disabledReason}
            {endpoint.disabledAt ? (
              <span className="muted small">
                {" "}
                (<RelativeTime at={endpoint.disabledAt} />)
              </span>
            ) : null}
            <div className="small">Fix the receiver, send a test event, then enable the endpoint again.</div>
          </div>
        </div>
      ) : endpoint.consecutiveFailures > 0 ? (
        <p className="field-error">
          {endpoint.consecutiveFailures} deliveries in a row failed; the endpoint is disabled if this goes on.
        </p>
      ) : null}
      {editing ? <WebhookEndpointForm endpoint={endpoint} onDone={() => setEditing(false)} /> : null}
      {canManage && !editing ? (
        <div className="connection-actions">
          <Button variant="secondary" busy={sendTest.isPending} onClick={() => sendTest.mutate()}>
            Send test event
          </Button>
          {!endpoint.enabled ? (
            <Button busy={enable.isPending} onClick={() => enable.mutate()}>
              Enable
            </Button>
          ) : null}
          <Button variant="secondary" onClick={() => setEditing(true)}>
            Edit
          </Button>
          <Button
            variant="secondary"
            busy={rotate.isPending}
            onClick={() => {
              if (window.confirm("Make a new signing secret? The current one stops verifying at once."))
                rotate.mutate();
            }}
          >
            Rotate secret
          </Button>
          <Button
            variant="ghost"
            busy={remove.isPending}
            onClick={() => {
              if (window.confirm(`Delete the endpoint ${endpoint.url} and its delivery log?`)) remove.mutate();
            }}
          >
            Delete
          </Button>
        </div>
      ) : null}
      <FormError error={error} />
      <button className="link-button" onClick={() => setShowLog(!showLog)} aria-expanded={showLog}>
        {showLog ? "Hide deliveries" : "Show deliveries"}
      </button>
      {showLog ? <WebhookDeliveries endpointId={endpoint.id} /> : null}
    </li>
  );
}

export function WebhooksPage() {
  const { activeOrganization } = useSession();
  const canManage = can(activeOrganization!.role, "webhooks:manage");
  const [adding, setAdding] = useState(false);
  const [secret, setSecret] = useState<string>();
  const endpoints = useQuery({ queryKey: ["webhooks"], queryFn: () => api("GET", "/api/webhooks/endpoints") });
  const list = endpoints.data?.endpoints ?? [];

  return (
    <>
      <PageHeader
        title="Webhooks"
        description="Tell your own systems when posts go out or fail, as signed HTTPS requests."
        actions={
          canManage && !adding ? (
            <Button
              onClick={() => {
                setAdding(true);
                setSecret(undefined);
              }}
            >
              Add endpoint
            </Button>
          ) : null
        }
      />
      <div className="stack">
        {secret ? <SecretNotice secret={secret} onClose={() => setSecret(undefined)} /> : null}
        {adding ? (
          <Card title="New endpoint">
            <WebhookEndpointForm
              onDone={(created) => {
                setAdding(false);
                if (created) setSecret(created.secret);
              }}
            />
          </Card>
        ) : null}
        <Card title="Endpoints">
          <FormError error={endpoints.error} />
          {endpoints.isPending ? (
            <p className="muted">Loading…</p>
          ) : list.length === 0 ? (
            <p className="muted empty">No endpoints yet. Add one to be told of posts as they go out.</p>
          ) : (
            <ul className="connections">
              {list.map((endpoint) => (
                <EndpointCard key={endpoint.id} endpoint={endpoint} canManage={canManage} onSecret={setSecret} />
              ))}
            </ul>
          )}
        </Card>
      </div>
    </>
  );
}
