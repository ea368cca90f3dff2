import { and, eq, inArray, isNull } from "drizzle-orm";
import type { Transaction } from "../../db/client.js";
import { alerts, connections, postTargets } from "../../db/schema.js";
import type { AppContext } from "../../context.js";
import { platformProfiles, type PlatformId } from "../../platforms/profiles.js";
import type { EventSink, MonitoringEvent } from "../events.js";
import { raiseAlert, resolveAlerts } from "./alerts.js";

/** The platform's words, said to be its own (failure reasons usually already begin with the platform's name). */
const inWordsOf = (platform: string, reason: unknown, otherwise: string) =>
  typeof reason !== "string" || !reason ? otherwise : reason.startsWith(platform) ? reason : `${platform}: ${reason}`;

const platformName = (platform: unknown) =>
  platformProfiles[platform as PlatformId]?.name ?? (typeof platform === "string" ? platform : "the platform");

export const postFailureKey = (connectionId: string) => `post_failed:${connectionId}`;
export const connectionProblemKey = (connectionId: string) => `connection_problem:${connectionId}`;

/** The accounts of the targets the events are about, in one query for the batch. */
async function accountsOfTargets(tx: Transaction, events: MonitoringEvent[]) {
  const targetIds = events.map((event) => event.data.targetId).filter((id): id is string => typeof id === "string");
  if (targetIds.length === 0) return new Map<string, { connectionId: string; name: string }>();
  const rows = await tx
    .select({ targetId: postTargets.id, connectionId: postTargets.connectionId, name: connections.name })
    .from(postTargets)
    .innerJoin(connections, eq(connections.id, postTargets.connectionId))
    .where(inArray(postTargets.id, targetIds));
  return new Map(rows.map((row) => [row.targetId, row]));
}

/** Which of these incidents are open now: most published posts close nothing, and need no write. */
async function openIncidents(tx: Transaction, incidentKeys: string[]): Promise<Set<string>> {
  if (incidentKeys.length === 0) return new Set();
  const rows = await tx
    .select({ incidentKey: alerts.incidentKey })
    .from(alerts)
    .where(and(inArray(alerts.incidentKey, incidentKeys), isNull(alerts.resolvedAt)));
  return new Set(rows.map((row) => row.incidentKey));
}

const problemTitles: Record<string, string> = {
  expired: "access has expired",
  invalid: "must be reconnected",
  rate_limited: "is rate limited",
};

/**
 * Alerts from what happened: a post's failure or doubtful end (grouped per account, resolved by
 * the account's next published post) and a connection's trouble (resolved when it is healthy
 * again, or disconnected).
 */
export const alertSink: EventSink = {
  name: "alerts",
  async handle(context: AppContext, tx: Transaction, events: MonitoringEvent[]) {
    const accounts = await accountsOfTargets(tx, events);
    const failing = await openIncidents(
      tx,
      [...accounts.values()].map((account) => postFailureKey(account.connectionId)),
    );
    for (const event of events) {
      const { organizationId, data } = event;
      switch (event.type) {
        case "post.failed":
        case "post.unknown": {
          const account = accounts.get(String(data.targetId));
          if (!account) break;
          const platform = platformName(data.platform);
          const failed = event.type === "post.failed";
          failing.add(postFailureKey(account.connectionId));
          await raiseAlert(context, tx, {
            organizationId,
            rule: "post_failed",
            severity: failed ? "critical" : "warning",
            title: failed
              ? `A post to ${account.name} on ${platform} failed`
              : `A post to ${account.name} on ${platform} may not have arrived`,
            message: inWordsOf(platform, data.reason, `${platform} gave no reason.`),
            incidentKey: postFailureKey(account.connectionId),
            subject: { type: "post", id: String(data.post) },
          });
          break;
        }
        case "post.published": {
          const account = accounts.get(String(data.targetId));
          const key = account ? postFailureKey(account.connectionId) : undefined;
          if (!key || !failing.delete(key)) break;
          await resolveAlerts(context, tx, { organizationId, incidentKeys: [key] });
          break;
        }
        case "connection.status_changed": {
          const connectionId = String(data.connection);
          const to = String(data.to);
          const problem = problemTitles[to];
          if (!problem) {
            await resolveAlerts(context, tx, { organizationId, incidentKeys: [connectionProblemKey(connectionId)] });
            break;
          }
          const platform = platformName(data.platform);
          await raiseAlert(context, tx, {
            organizationId,
            rule: "connection_problem",
            severity: to === "rate_limited" ? "warning" : "critical",
            title: `${String(data.name)} on ${platform} ${problem}`,
            message: inWordsOf(
              platform,
              data.reason,
              to === "rate_limited"
                ? `${platform} asked us to slow down; posts wait for its limit to reset.`
                : `Reconnect the account on ${platform} so its posts can go out.`,
            ),
            incidentKey: connectionProblemKey(connectionId),
            subject: { type: "connection", id: connectionId },
          });
          break;
        }
        case "alert.raised":
          break;
        default: {
          const unhandled: never = event.type;
          throw new Error(`no alert rule reads ${String(unhandled)} events`);
        }
      }
    }
  },
};
