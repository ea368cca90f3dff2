import type { Role } from "../../auth/permissions.js";

/**
 * What alerts are about. Pure data shared with the dashboard: each rule's label and whom it
 * reaches by default. `platform_errors` is raised by the checks from platform API health, `webhook_disabled` by webhook delivery.
 */
export const alertRules = [
  "post_failed",
  "connection_problem",
  "token_expiring",
  "worker_down",
  "publishing_late",
  "platform_errors",
  "webhook_disabled",
] as const;

export type AlertRule = (typeof alertRules)[number];

export const alertChannels = ["in_app", "email"] as const;
export type AlertChannel = (typeof alertChannels)[number];

export const alertRuleLabels: Record<AlertRule, string> = {
  post_failed: "A post failed or may not have arrived",
  connection_problem: "An account's connection expired, became invalid or is rate limited",
  token_expiring: "An account's access will expire and cannot be renewed by itself",
  worker_down: "No worker is running: scheduled posts are not going out",
  publishing_late: "Posts are going out later than scheduled",
  platform_errors: "A platform's API is failing often",
  webhook_disabled: "A webhook endpoint was disabled after failed deliveries",
};

/** Rules whose e-mail is on by default for admins: what stops posts from going out. */
const emailedToAdminsByDefault: ReadonlySet<AlertRule> = new Set([
  "post_failed",
  "connection_problem",
  "worker_down",
  "webhook_disabled",
]);

/** A member's channels for a rule when they have chosen none: in-app for all, e-mail for failures to ADMIN and above. */
export function defaultChannels(role: Role, rule: AlertRule): Record<"inApp" | "email", boolean> {
  const admin = role === "ADMIN" || role === "SUPER_ADMIN";
  return { inApp: true, email: admin && emailedToAdminsByDefault.has(rule) };
}
