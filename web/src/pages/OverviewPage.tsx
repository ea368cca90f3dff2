import { useQuery } from "@tanstack/react-query";
import { Link } from "react-router";
import { api, can, roleLabels, type Health } from "../api";
import { formatInZone } from "../time";
import { PlatformMark } from "../components/PlatformMark";
import { Avatar, Card, PageHeader, RelativeTime } from "../components/ui";
import { useSession } from "../session";
import { describeEvent } from "./AuditPage";
import { alertQueryKey } from "../alerts";
import { OverviewTiles } from "../components/analytics/OverviewTiles";

const troubled = new Set(["expired", "invalid", "rate_limited"]);
const statusLabels: Record<string, string> = {
  expired: "Access expired",
  invalid: "Reconnect needed",
  rate_limited: "Rate limited",
};

function StatusRow({ label, ok, detail }: { label: string; ok: boolean; detail: string }) {
  return (
    <li className="status-row">
      <span className={`dot ${ok ? "dot-ok" : "dot-bad"}`} aria-hidden />
      <div>
        <strong>{label}</strong>
        <p className="muted small">{detail}</p>
      </div>
    </li>
  );
}

export function OverviewPage() {
  const { user, activeOrganization } = useSession();
  const role = activeOrganization!.role;
  const organization = useQuery({
    queryKey: ["organization"],
    queryFn: () => api("GET", "/api/organization"),
  });
  const members = useQuery({
    queryKey: ["members"],
    queryFn: () => api("GET", "/api/organization/members"),
    enabled: can(role, "members:view"),
  });
  const invitations = useQuery({
    queryKey: ["invitations"],
    queryFn: () => api("GET", "/api/organization/invitations"),
    enabled: can(role, "members:manage"),
  });
  const activity = useQuery({
    queryKey: ["audit", "recent"],
    queryFn: () => api("GET", "/api/audit", { query: { limit: 6 } }),
    enabled: can(role, "audit:view"),
  });
  const connections = useQuery({
    queryKey: ["connections"],
    queryFn: () => api("GET", "/api/social-media/connections"),
    enabled: can(role, "connections:view"),
  });
  const posts = useQuery({
    queryKey: ["posts", "recent"],
    queryFn: () => api("GET", "/api/posts", { query: { limit: 5 } }),
    enabled: can(role, "posts:create"),
  });
  const openAlerts = useQuery({
    queryKey: [...alertQueryKey, "open"],
    queryFn: () => api("GET", "/api/alerts", { query: { unresolved: "true", limit: 5 } }),
    enabled: can(role, "alerts:view"),
  });
  const accountsInTrouble = connections.data?.connections.filter((connection) => troubled.has(connection.status)) ?? [];
  // An account already listed in trouble is not listed again by its connection alert.
  const alertsToShow =
    openAlerts.data?.alerts.filter(
      (alert) =>
        alert.rule !== "connection_problem" || !accountsInTrouble.some((account) => account.id === alert.subjectId),
    ) ?? [];
  const attention = accountsInTrouble.length > 0 || alertsToShow.length > 0;
  const health = useQuery({
    queryKey: ["health"],
    queryFn: async () => {
      const response = await fetch("/api/health");
      return (await response.json()) as Health;
    },
    refetchInterval: 15_000,
  });

  return (
    <>
      <PageHeader
        title={`Good to see you, ${user.name.split(" ")[0]}`}
        description={`${activeOrganization!.name} · you are ${roleLabels[role]} here`}
      />
      {attention ? (
        <section className="card attention" aria-labelledby="attention-title">
          <div className="card-header">
            <h2 id="attention-title">Needs attention</h2>
            <Link to="/alerts">All alerts</Link>
          </div>
          <ul className="activity">
            {accountsInTrouble.map((connection) => (
              <li key={connection.id}>
                <span className="attention-item">
                  <PlatformMark platform={connection.platform} />
                  <strong>{connection.name}</strong>
                  <span className={`status status-${connection.status}`}>{statusLabels[connection.status]}</span>
                </span>
                <Link to="/social-media" className="small nowrap">
                  Fix
                </Link>
              </li>
            ))}
            {alertsToShow.map((alert) => (
              <li key={alert.id}>
                <span className="attention-item">
                  <span className={`dot dot-${alert.severity}`} aria-hidden />
                  <Link to={`/alerts?alert=${alert.id}`}>{alert.title}</Link>
                </span>
                <span className="muted small nowrap">
                  <RelativeTime at={alert.lastAt} />
                </span>
              </li>
            ))}
          </ul>
        </section>
      ) : null}
      {can(role, "analytics:view") ? <OverviewTiles /> : null}
      <div className="grid">
        <Card title="Organization">
          {organization.data ? (
            <dl className="facts">
              <div>
                <dt>Name</dt>
                <dd>{organization.data.organization.name}</dd>
              </div>
              <div>
                <dt>Members</dt>
                <dd>{organization.data.organization.memberCount}</dd>
              </div>
              <div>
                <dt>Created</dt>
                <dd>
                  <RelativeTime at={organization.data.organization.createdAt} />
                </dd>
              </div>
              {invitations.data ? (
                <div>
                  <dt>Pending invitations</dt>
                  <dd>{invitations.data.invitations.length}</dd>
                </div>
              ) : null}
            </dl>
          ) : (
            <p className="muted">Loading…</p>
          )}
        </Card>

        {posts.data ? (
          <Card title="Latest posts" actions={<Link to="/compose">New post</Link>}>
            {posts.data.posts.length === 0 ? (
              <p className="callout">
                Nothing posted yet. <Link to="/compose">Compose your first post</Link>.
              </p>
            ) : (
              <ul className="activity">
                {posts.data.posts.map((post) => (
                  <li key={post.id}>
                    <span>
                      <span className={`status status-post-${post.status}`}>{post.status.replace("_", " ")}</span>{" "}
                      {post.content.slice(0, 60) || "(media)"}
                    </span>
                    <span className="muted small nowrap">
                      <Link to="/posts">{formatInZone(post.scheduledAt ?? post.createdAt)}</Link>
                    </span>
                  </li>
                ))}
              </ul>
            )}
          </Card>
        ) : null}

        {connections.data ? (
          <Card
            title="Social accounts"
            actions={<Link to="/social-media">{connections.data.connections.length ? "Manage" : "Connect"}</Link>}
          >
            {connections.data.connections.length === 0 ? (
              <p className="callout">
                No accounts yet. <Link to="/social-media">Connect your organization's social accounts</Link> to start
                posting.
              </p>
            ) : (
              <ul className="people">
                {connections.data.connections.slice(0, 6).map((connection) => (
                  <li key={connection.id}>
                    <PlatformMark platform={connection.platform} />
                    <div>
                      <strong>{connection.name}</strong>
                      <span className={`muted small`}>
                        {connection.status === "healthy" ? "Healthy" : "Needs attention"}
                      </span>
                    </div>
                  </li>
                ))}
              </ul>
            )}
          </Card>
        ) : null}

        {members.data ? (
          <Card title="Team" actions={<Link to="/team">{can(role, "members:manage") ? "Manage" : "View all"}</Link>}>
            <ul className="people">
              {members.data.members.slice(0, 6).map((member) => (
                <li key={member.userId}>
                  <Avatar name={member.name} />
                  <div>
                    <strong>{member.name}</strong>
                    <span className="muted small">{roleLabels[member.role]}</span>
                  </div>
                </li>
              ))}
            </ul>
            {can(role, "members:manage") && members.data.members.length === 1 ? (
              <p className="callout">
                Working alone so far. <Link to="/team">Invite your team</Link> to share the work.
              </p>
            ) : null}
          </Card>
        ) : null}

        <Card title="System status">
          {health.data ? (
            <ul className="status-list">
              <StatusRow label="Database" ok={health.data.database.ok} detail={health.data.database.detail} />
              <StatusRow label="Job queue" ok={health.data.queue.ok} detail={health.data.queue.detail} />
              <StatusRow label="Publishing worker" ok={health.data.worker.ok} detail={health.data.worker.detail} />
            </ul>
          ) : (
            <p className="muted">Checking…</p>
          )}
        </Card>

        {activity.data ? (
          <Card title="Recent activity" actions={<Link to="/audit">Audit log</Link>}>
            <ul className="activity">
              {activity.data.events.map((event) => (
                <li key={event.id}>
                  <span>{describeEvent(event)}</span>
                  <span className="muted small">
                    <RelativeTime at={event.createdAt} />
                  </span>
                </li>
              ))}
            </ul>
          </Card>
        ) : null}
      </div>
    </>
  );
}
