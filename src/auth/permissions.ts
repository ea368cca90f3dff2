/**
 * The role → permission table, the one place that decides who may do what.
 *
 * | role        | connect accounts | view connections | post     | manage tokens | resolve errors | analytics | collect analytics now | webhooks |
 * | SUPER_ADMIN | yes              | all orgs         | all orgs | yes           | yes            | all orgs  | all orgs              | all orgs |
 * | ADMIN       | yes              | own org          | own org  | own org       | own org        | own org   | own org               | own org  |
 * | USER        | yes              | own org          | own org  | no            | no             | own org   | no                    | no       |
 * | GUEST       | no               | no               | no       | no            | no             | no        | no                    | no       |
 *
 * Webhooks are an administrator's: an endpoint receives every event of the organization it is
 * subscribed to, and its secret signs them.
 *
 * Approving members' posts (posts:approve: approve, send back) is ADMIN and above; where an
 * organization requires approval, a USER's post is scheduled only that way.
 *
 * Alerts: SUPER_ADMIN, ADMIN and USER see and receive them (alerts:view); resolving one by hand
 * is ADMIN and above (alerts:manage). GUESTs receive none.
 *
 * API keys (apikeys:manage) are ADMIN and above, and managed from a session only: a key may not
 * mint keys that would outlive its own revocation. A key carries ADMIN's or USER's permissions,
 * never more than its creator's.
 *
 * Posting slots (slots:manage): everyone who posts reads an account's slots (connections:view) and
 * adds to its queue; changing them is ADMIN and above, since they set when the whole organization's
 * queued posts go out on that account.
 *
 * Client reports: SUPER_ADMIN, ADMIN and USER read them, their content and PDF (reports:view);
 * defining, scheduling, deleting them and creating or revoking their share links is ADMIN and
 * above (reports:manage), since a share link shows the organization's figures to anyone holding it
 * and a schedule e-mails them out. GUESTs see no report. The organization's logo on its reports
 * is changed with organization:manage.
 *
 * Campaigns: SUPER_ADMIN, ADMIN and USER see them and put their posts in one (campaigns:view);
 * creating, changing and deleting a campaign and entering its costs is ADMIN and above
 * (campaigns:manage), since costs are the organization's money. GUESTs see none.
 *
 * Conversions: recording one (conversions:record) is for ADMIN and USER, by key or session, as
 * posting is; the site key and the attribution window (conversions:manage) are ADMIN and above,
 * since the key lets any page record the organization's conversions.
 *
 * "All orgs" is not a permission: a SUPER_ADMIN acts as SUPER_ADMIN in whichever organization
 * is active, member or not (see effectiveRole in http/authorization.ts).
 */
export const permissions = [
  "organization:view",
  "organization:manage",
  "members:view",
  "members:manage",
  "audit:view",
  "connections:connect",
  "connections:view",
  "posts:create",
  "posts:approve",
  "tokens:manage",
  "errors:resolve",
  "analytics:view",
  /** Collecting now spends the platforms' read budgets, which the whole organization shares. */
  "analytics:refresh",
  "webhooks:view",
  "webhooks:manage",
  "alerts:view",
  "alerts:manage",
  "apikeys:manage",
  "slots:manage",
  "reports:view",
  "reports:manage",
  "campaigns:view",
  "campaigns:manage",
  "conversions:record",
  "conversions:manage",
] as const;

export type Permission = (typeof permissions)[number];

export const roles = ["SUPER_ADMIN", "ADMIN", "USER", "GUEST"] as const;
export type Role = (typeof roles)[number];
export type MembershipRole = Exclude<Role, "SUPER_ADMIN">;
export const membershipRoles = ["ADMIN", "USER", "GUEST"] as const satisfies readonly MembershipRole[];

export const rolePermissions: Record<Role, ReadonlySet<Permission>> = {
  SUPER_ADMIN: new Set(permissions),
  ADMIN: new Set(permissions),
  USER: new Set([
    "organization:view",
    "members:view",
    "connections:connect",
    "connections:view",
    "posts:create",
    "analytics:view",
    "alerts:view",
    "reports:view",
    "campaigns:view",
    "conversions:record",
  ]),
  GUEST: new Set(["organization:view"]),
};

export function can(role: Role, permission: Permission): boolean {
  return rolePermissions[role].has(permission);
}

/**
 * What a route requires. Every route declares one; the app refuses to start with a route that
 * does not (http/authorization.ts), and a test walks the route table with every role.
 * - public: anyone; signed-in: any session, no organization needed; control: the local
 *   operator's control token (keys:rotate against a running embedded server).
 */
export type RouteAccess = "public" | "signed-in" | "control" | Permission;
