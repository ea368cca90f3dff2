import { useInfiniteQuery } from "@tanstack/react-query";
import { useState } from "react";
import { api, roleLabels, type AuditEvent, type Role } from "../api";
import { Button, Card, FormError, PageHeader, RelativeTime, SelectField } from "../components/ui";
import { NoAccess, isForbidden } from "../components/NoAccess";
import { useSession } from "../session";

const categories = [
  { value: "", label: "All activity" },
  { value: "auth.", label: "Sign-ins" },
  { value: "organization.", label: "Organization" },
  { value: "member.", label: "Members" },
  { value: "invitation.", label: "Invitations" },
  { value: "connection.", label: "Social accounts" },
  { value: "post.", label: "Posts" },
  { value: "vault.", label: "Encryption keys" },
  { value: "api_key.", label: "API keys" },
];

const periods = [
  { value: "", label: "Any time" },
  { value: "1", label: "Last 24 hours" },
  { value: "7", label: "Last 7 days" },
  { value: "30", label: "Last 30 days" },
];

const text = (value: unknown) => (typeof value === "string" || typeof value === "number" ? String(value) : "");
const role = (value: unknown) =>
  typeof value === "string" && value in roleLabels ? roleLabels[value as Role] : text(value);

/** One line a person can read for each recorded action. */
export function describeEvent(event: AuditEvent): string {
  const who = event.actorEmail ?? (event.actorApiKeyName ? `API key “${event.actorApiKeyName}”` : "The system");
  const details = event.details;
  switch (event.action) {
    case "auth.signed_up":
      return `${who} created an account`;
    case "auth.signed_in":
      return `${who} signed in`;
    case "auth.sign_in_failed":
      return `Failed sign-in for ${text(details.email)}`;
    case "auth.signed_out":
      return `${who} signed out`;
    case "organization.created":
      return `${who} created the organization ${text(details.name)}`;
    case "organization.renamed":
      return `${who} renamed the organization from ${text(details.from)} to ${text(details.to)}`;
    case "organization.switched":
      return `${who} switched to this organization`;
    case "invitation.created":
      return `${who} invited ${text(details.email)} as ${role(details.role)}`;
    case "invitation.revoked":
      return `${who} revoked the invitation of ${text(details.email)}`;
    case "invitation.accepted":
      return `${who} joined as ${role(details.role)}`;
    case "member.role_changed":
      return `${who} changed ${text(details.email)} from ${role(details.from)} to ${role(details.to)}`;
    case "member.removed":
      return `${who} removed ${text(details.email)}`;
    case "connection.connected":
      return `${who} connected ${text(details.name)} (${text(details.platform)}${details.sandbox ? ", sandbox" : ""})`;
    case "connection.reconnected":
      return `${who} reconnected ${text(details.name)} (${text(details.platform)})`;
    case "connection.disconnected":
      return `${who} disconnected ${text(details.name)} (${text(details.platform)})`;
    case "connection.connect_failed":
      return `${who} could not connect ${text(details.platform)}: ${text(details.message)}`;
    case "connection.token_refreshed":
      return `The token of ${text(details.name)} (${text(details.platform)}) was renewed`;
    case "connection.status_changed":
      return `${text(details.name)} (${text(details.platform)}) went from ${text(details.from)} to ${text(details.to)}`;
    case "post.created":
      return `${who} ${details.scheduledAt ? "scheduled" : "published"} a post to ${Array.isArray(details.platforms) ? details.platforms.join(", ") : "accounts"}`;
    case "post.updated":
      return `${who} edited a scheduled post`;
    case "post.cancelled":
      return `${who} cancelled a scheduled post`;
    case "post.published":
      return `A post went out on ${text(details.platform)}`;
    case "post.failed":
      return `A post failed on ${text(details.platform)}: ${text(details.reason)}`;
    case "post.retried":
      return `${who} retried a post on ${text(details.platform)}`;
    case "post.resolved":
      return details.outcome === "published"
        ? `${who} confirmed a post went out on ${text(details.platform)}`
        : `${who} had a post sent again on ${text(details.platform)}`;
    case "api_key.created":
      return `${who} created the API key “${text(details.name)}” (${role(details.role)})`;
    case "api_key.revoked":
      return `${who} revoked the API key “${text(details.name)}”`;
    case "api_key.used":
      return `${who} made a change: ${text(details.method)} ${text(details.route)}`;
    case "alert.resolved":
      return `${who} resolved the alert “${text(details.title)}”`;
    case "vault.keys_rotated":
      return `Encryption keys re-wrapped under master key v${text(details.masterKeyVersion)} (${text(details.rewrapped)} organizations)`;
    default:
      return `${who}: ${event.action}`;
  }
}

export function AuditPage() {
  const { activeOrganization } = useSession();
  const isSuperAdmin = activeOrganization!.role === "SUPER_ADMIN";
  const [category, setCategory] = useState("");
  const [period, setPeriod] = useState("");
  const [scope, setScope] = useState<"organization" | "installation">("organization");

  const events = useInfiniteQuery({
    queryKey: ["audit", category, period, scope],
    initialPageParam: 0,
    queryFn: ({ pageParam }) => {
      const query = {
        limit: 50,
        scope,
        action: category || undefined,
        since: period ? new Date(Date.now() - Number(period) * 86_400_000).toISOString() : undefined,
        before: pageParam || undefined,
      };
      return api("GET", "/api/audit", { query });
    },
    getNextPageParam: (page) => page.nextCursor ?? undefined,
  });
  const rows = events.data?.pages.flatMap((page) => page.events) ?? [];
  if (isForbidden(events.error))
    return (
      <>
        <PageHeader title="Audit log" description="Who did what, when and from where." />
        <NoAccess what="the audit log" />
      </>
    );

  return (
    <>
      <PageHeader
        title="Audit log"
        description="Who did what, when and from where. Entries cannot be edited or deleted."
      />
      <Card>
        <div className="filters">
          <SelectField
            label="Activity"
            name="category"
            value={category}
            onChange={(event) => setCategory(event.target.value)}
          >
            {categories.map((option) => (
              <option key={option.value} value={option.value}>
                {option.label}
              </option>
            ))}
          </SelectField>
          <SelectField label="Period" name="period" value={period} onChange={(event) => setPeriod(event.target.value)}>
            {periods.map((option) => (
              <option key={option.value} value={option.value}>
                {option.label}
              </option>
            ))}
          </SelectField>
          {isSuperAdmin ? (
            <SelectField
              label="Scope"
              name="scope"
              value={scope}
              onChange={(event) => setScope(event.target.value as typeof scope)}
            >
              <option value="organization">This organization</option>
              <option value="installation">Whole installation</option>
            </SelectField>
          ) : null}
        </div>
        {events.isError ? (
          <FormError error={events.error} />
        ) : rows.length === 0 && !events.isPending ? (
          <p className="muted empty">Nothing recorded for these filters.</p>
        ) : (
          <table className="table audit-table stack-table">
            <thead>
              <tr>
                <th>When</th>
                <th>What</th>
                {scope === "installation" ? <th>Organization</th> : null}
                <th>Action</th>
                <th>From</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((event) => (
                <tr key={event.id}>
                  <td className="muted nowrap" data-label="When">
                    <RelativeTime at={event.createdAt} />
                  </td>
                  <td>{describeEvent(event)}</td>
                  {scope === "installation" ? (
                    <td className="muted" data-label="Organization">
                      {event.organizationName ?? "—"}
                    </td>
                  ) : null}
                  <td data-label="Action">
                    <code className="action">{event.action}</code>
                  </td>
                  <td className="muted" data-label="From">
                    {event.ip ?? "—"}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {events.hasNextPage ? (
          <div className="center">
            <Button variant="secondary" onClick={() => events.fetchNextPage()} busy={events.isFetchingNextPage}>
              Load older entries
            </Button>
          </div>
        ) : null}
      </Card>
    </>
  );
}
