import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { useSearchParams } from "react-router";
import type { BotForm } from "../../../src/platforms/profile";
import { platformProfiles } from "../../../src/platforms/profiles";
import { api, roleCan, type Connection, type GrantChoice, type PlatformId, type PlatformInfo } from "../api";
import { Avatar, Button, Card, Field, fieldError, FormError, PageHeader, RelativeTime } from "../components/ui";
import { useSession } from "../session";

const statusLabels: Record<Connection["status"], string> = {
  healthy: "Healthy",
  expired: "Expired",
  invalid: "Needs reconnecting",
  rate_limited: "Rate limited",
  disconnected: "Disconnected",
};

export function PlatformMark({ platform }: { platform: PlatformId }) {
  const look = platformProfiles[platform].presentation;
  return (
    <span className="platform-mark" style={{ background: look.color }} aria-hidden>
      {look.glyph}
    </span>
  );
}

async function startConnect(platform: PlatformId) {
  const { authorizeUrl } = await api<{ authorizeUrl: string }>("POST", `/api/social-media/connect/${platform}`);
  window.location.assign(authorizeUrl);
}

function ConnectionRow({ connection, canManage }: { connection: Connection; canManage: boolean }) {
  const queryClient = useQueryClient();
  const refresh = () => queryClient.invalidateQueries({ queryKey: ["connections"] });
  const check = useMutation({
    mutationFn: () => api("POST", `/api/social-media/connections/${connection.id}/check`),
    onSettled: refresh,
  });
  const reconnect = useMutation({ mutationFn: () => startConnect(connection.platform) });
  const disconnect = useMutation({
    mutationFn: () => api("DELETE", `/api/social-media/connections/${connection.id}`),
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
        {platformProfiles[connection.platform].connectsWith === "oauth" ? (
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

/** A bot platform's connect form: the organization's own bot, and the channel it posts in. */
function BotConnectForm({ platform, form: bot }: { platform: PlatformInfo; form: BotForm }) {
  const queryClient = useQueryClient();
  const [form, setForm] = useState({ botToken: "", chat: "" });
  const connect = useMutation({
    mutationFn: () => api("POST", `/api/social-media/bot/${platform.id}`, form),
    onSuccess: () => {
      setForm({ botToken: "", chat: "" });
      void queryClient.invalidateQueries({ queryKey: ["connections"] });
    },
  });
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    connect.mutate();
  };
  return (
    <form className="bot-form" onSubmit={onSubmit} noValidate>
      <p className="muted small">{bot.instructions}</p>
      <Field
        label="Bot token"
        name="botToken"
        placeholder={bot.token.example}
        autoComplete="off"
        value={form.botToken}
        onChange={(event) => setForm({ ...form, botToken: event.target.value })}
        error={fieldError(connect.error, "botToken")}
      />
      <Field
        label="Channel"
        name="chat"
        placeholder={bot.chat.example}
        value={form.chat}
        onChange={(event) => setForm({ ...form, chat: event.target.value })}
        error={fieldError(connect.error, "chat")}
      />
      <FormError error={connect.error} fields={["botToken", "chat"]} />
      <div className="row">
        <Button type="submit" busy={connect.isPending}>
          Connect channel
        </Button>
        {platform.example ? (
          <button
            type="button"
            className="link-button"
            onClick={() => setForm({ botToken: platform.example!.botToken, chat: platform.example!.channel })}
          >
            Use the sandbox demo bot
          </button>
        ) : null}
      </div>
    </form>
  );
}

function PlatformCard({
  platform,
  connections,
  canConnect,
  canManage,
}: {
  platform: PlatformInfo;
  connections: Connection[];
  canConnect: boolean;
  canManage: boolean;
}) {
  const connect = useMutation({ mutationFn: () => startConnect(platform.id) });
  const profile = platformProfiles[platform.id];
  return (
    <section className="card platform-card" aria-label={platform.name} data-testid={`platform-${platform.id}`}>
      <div className="platform-header">
        <PlatformMark platform={platform.id} />
        <div>
          <h2>
            {platform.name}
            {platform.mode === "sandbox" ? (
              <span
                className="badge badge-sandbox"
                title="A local emulator of the platform: nothing is posted for real."
              >
                Sandbox
              </span>
            ) : null}
          </h2>
          <p className="muted small">{profile.presentation.blurb}</p>
        </div>
      </div>
      {connections.length > 0 ? (
        <ul className="connections">
          {connections.map((connection) => (
            <ConnectionRow key={connection.id} connection={connection} canManage={canManage} />
          ))}
        </ul>
      ) : null}
      {platform.mode === "unavailable" ? (
        <div className="callout">
          Not configured on this server. Set <code>{platform.missingVariables.join("</code> and <code>")}</code>
          {platform.redirectUri ? (
            <>
              , and register <code className="link-box">{platform.redirectUri}</code> as the app's redirect URI.
            </>
          ) : (
            "."
          )}
        </div>
      ) : canConnect ? (
        profile.bot ? (
          <BotConnectForm platform={platform} form={profile.bot} />
        ) : (
          <div>
            <FormError error={connect.error} />
            <Button
              variant={connections.length ? "secondary" : "primary"}
              onClick={() => connect.mutate()}
              busy={connect.isPending}
            >
              {connections.length ? "Connect another account" : `Connect ${platform.name}`}
            </Button>
          </div>
        )
      ) : null}
    </section>
  );
}

function AccountPicker({ grantId, onDone }: { grantId: string; onDone: (count: number) => void }) {
  const queryClient = useQueryClient();
  const grant = useQuery({
    queryKey: ["grant", grantId],
    queryFn: () => api<GrantChoice>("GET", `/api/social-media/grants/${grantId}`),
  });
  const [chosen, setChosen] = useState<string[] | null>(null);
  const selection =
    chosen ??
    grant.data?.accounts.filter((account) => !account.alreadyConnected).map((account) => account.externalId) ??
    [];
  const save = useMutation({
    mutationFn: () =>
      api<{ connections: Connection[] }>("POST", `/api/social-media/grants/${grantId}`, { externalIds: selection }),
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

export function SocialMediaPage() {
  const { activeOrganization } = useSession();
  const role = activeOrganization!.role;
  const [params, setParams] = useSearchParams();
  const platforms = useQuery({
    queryKey: ["platforms"],
    queryFn: () => api<{ platforms: PlatformInfo[] }>("GET", "/api/social-media/platforms"),
  });
  const connections = useQuery({
    queryKey: ["connections"],
    queryFn: () => api<{ connections: Connection[] }>("GET", "/api/social-media/connections"),
  });
  const [notice, setNotice] = useState<string | null>(null);

  const grantId = params.get("choose");
  const error = params.get("error");
  const connectedCount = params.get("connected");
  const platformName =
    platforms.data?.platforms.find((platform) => platform.id === params.get("platform"))?.name ?? "the platform";
  const clearParams = () => setParams({}, { replace: true });
  const list = connections.data?.connections ?? [];
  const unhealthy = list.filter((connection) => connection.status !== "healthy").length;

  return (
    <>
      <PageHeader
        title="Social accounts"
        description="Connect your organization's own accounts. Tokens are encrypted with your organization's key and never shown, not even to admins."
      />
      {connectedCount ? (
        <div className="alert alert-success" role="status">
          <span>
            Connected {connectedCount} {platformName} {connectedCount === "1" ? "account" : "accounts"}.
          </span>
          <button className="link-button" onClick={clearParams}>
            Dismiss
          </button>
        </div>
      ) : null}
      {notice ? (
        <div className="alert alert-success" role="status">
          <span>{notice}</span>
          <button className="link-button" onClick={() => setNotice(null)}>
            Dismiss
          </button>
        </div>
      ) : null}
      {error ? (
        <div className="alert alert-error" role="alert">
          <strong>Could not connect {platformName}.</strong> {params.get("message") ?? "Please try again."}{" "}
          <button className="link-button" onClick={clearParams}>
            Dismiss
          </button>
        </div>
      ) : null}
      {list.length > 0 ? (
        <p className="muted">
          {list.length} connected {list.length === 1 ? "account" : "accounts"}
          {unhealthy ? ` · ${unhealthy} need${unhealthy === 1 ? "s" : ""} attention` : " · all healthy"}
        </p>
      ) : null}
      <div className="platform-grid">
        {platforms.data?.platforms.map((platform) => (
          <PlatformCard
            key={platform.id}
            platform={platform}
            connections={list.filter((connection) => connection.platform === platform.id)}
            canConnect={roleCan.connectAccounts(role)}
            canManage={roleCan.manageTokens(role)}
          />
        ))}
      </div>
      {grantId ? (
        <AccountPicker
          grantId={grantId}
          onDone={(count) => {
            clearParams();
            if (count > 0) setNotice(`Connected ${count} ${count === 1 ? "account" : "accounts"}.`);
          }}
        />
      ) : null}
      <Card>
        <p className="muted small">
          Accounts are checked every 15 minutes and tokens are renewed before they expire. Problems appear here and in
          the audit log.
        </p>
      </Card>
    </>
  );
}
