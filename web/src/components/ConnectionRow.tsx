import { useMutation, useQueryClient } from "@tanstack/react-query";
import { platformProfiles } from "../../../src/platforms/profiles";
import { api, type Connection, type PlatformId } from "../api";
import { Avatar, Button, RelativeTime } from "./ui";

const statusLabels: Record<Connection["status"], string> = {
  healthy: "Healthy",
  expired: "Expired",
  invalid: "Needs reconnecting",
  rate_limited: "Rate limited",
  disconnected: "Disconnected",
};

/** Sends the browser to the platform's consent page; the platform sends it back to /social-media. */
export async function startConnect(platform: PlatformId, variant?: string | null) {
  const { authorizeUrl } = await api("POST", "/api/social-media/connect/{platform}", {
    path: { platform },
    ...(variant ? { query: { variant } } : {}),
  });
  window.location.assign(authorizeUrl);
}

export function ConnectionRow({ connection, canManage }: { connection: Connection; canManage: boolean }) {
  const queryClient = useQueryClient();
  const refresh = () => queryClient.invalidateQueries({ queryKey: ["connections"] });
  const path = { id: connection.id };
  const check = useMutation({
    mutationFn: () => api("POST", "/api/social-media/connections/{id}/check", { path }),
    onSettled: refresh,
  });
  const platform = connection.platform;
  // A reconnect goes through the app the connection was made with.
  const reconnect = useMutation({ mutationFn: () => startConnect(connection.platform, connection.variant) });
  const disconnect = useMutation({
    mutationFn: () => api("DELETE", "/api/social-media/connections/{id}", { path }),
    onSuccess: refresh,
  });
  const needsReconnect = connection.status === "expired" || connection.status === "invalid";
  return (
    <li className="connection" data-testid={`connection-${connection.platform}`}>
      <div className="connection-main">
        {connection.avatarUrl && !connection.isSandbox ? (
          <img className="avatar" src={connection.avatarUrl} alt="" />
        ) : (
          <Avatar name={connection.name} />
        )}
        <div className="connection-text">
          <strong>
            {connection.name}{" "}
            {connection.username && !connection.name.includes(connection.username) ? (
              <span className="muted small">@{connection.username}</span>
            ) : null}
          </strong>
          <span className="muted small">
            {connection.lastSuccessAt ? (
              <>
                Last success <RelativeTime at={connection.lastSuccessAt} />
              </>
            ) : (
              "Never reached"
            )}
            {" · "}
            {connection.tokenExpiresAt ? (
              <>
                token {new Date(connection.tokenExpiresAt) > new Date() ? "expires" : "expired"}{" "}
                <RelativeTime at={connection.tokenExpiresAt} />
                {connection.refreshable ? " (renewed automatically)" : ""}
              </>
            ) : (
              "token does not expire"
            )}
            {" · "}
            {connection.errorCount} {connection.errorCount === 1 ? "error" : "errors"}
          </span>
          {connection.lastError && connection.status !== "healthy" ? (
            <span className="field-error">{connection.lastError}</span>
          ) : null}
          {connection.status === "rate_limited" && connection.rateLimitedUntil ? (
            <span className="muted small">
              Paused until <RelativeTime at={connection.rateLimitedUntil} />
            </span>
          ) : null}
        </div>
        <span className={`status status-${connection.status}`}>{statusLabels[connection.status]}</span>
      </div>
      <div className="connection-actions">
        <Button variant="secondary" onClick={() => check.mutate()} busy={check.isPending}>
          Check now
        </Button>
        {platformProfiles[platform].connectsWith === "oauth" ? (
          <Button
            variant={needsReconnect ? "primary" : "secondary"}
            onClick={() => reconnect.mutate()}
            busy={reconnect.isPending}
          >
            Reconnect
          </Button>
        ) : null}
        {canManage ? (
          <Button
            variant="ghost"
            busy={disconnect.isPending}
            onClick={() => {
              if (
                window.confirm(
                  `Disconnect ${connection.name}? Its tokens are deleted; scheduled posts to it will fail until it is connected again.`,
                )
              )
                disconnect.mutate();
            }}
          >
            Disconnect
          </Button>
        ) : null}
      </div>
    </li>
  );
}
