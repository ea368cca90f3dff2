import { and, eq, inArray, isNotNull, isNull, lt, sql } from "drizzle-orm";
import type { Logger } from "pino";
import { systemClock } from "../../clock.js";
import { alerts, connections, organizations, platformCalls, postTargets } from "../../db/schema.js";
import type { AppContext } from "../../context.js";
import { workerSigns } from "../../jobs/presence.js";
import { queues } from "../../jobs/queue.js";
import { platformProfiles } from "../../platforms/profiles.js";
import type { PlatformId } from "../../platforms/profiles.js";
import { healthWindows, platformApiHealth } from "../api-health.js";
import { raiseAlert, resolveAlerts } from "./alerts.js";

export const tokenExpiryKey = (connectionId: string) => `token_expiring:${connectionId}`;
const LATENESS_KEY = "publishing_late";
const WORKER_DOWN_KEY = "worker_down";
const platformErrorsKey = (platform: PlatformId) => `platform_errors:${platform}`;

const dayFormat = new Intl.DateTimeFormat("en-GB", { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" });

/**
 * Accounts whose access token runs out within the warning and has no refresh token: nothing will
 * renew it, so a person must reconnect. Alerts of accounts no longer in that state (reconnected,
 * refreshed, disconnected) are resolved.
 */
export async function checkTokenExpiry(context: AppContext): Promise<void> {
  const now = context.clock.now();
  const expiring = await context.db
    .select()
    .from(connections)
    .where(
      and(
        inArray(connections.status, ["healthy", "rate_limited"]),
        isNull(connections.refreshTokenCiphertext),
        isNotNull(connections.tokenExpiresAt),
        lt(connections.tokenExpiresAt, new Date(now + context.config.alerts.tokenExpiryWarningMs)),
      ),
    );
  const open = await context.db
    .select({ organizationId: alerts.organizationId, incidentKey: alerts.incidentKey })
    .from(alerts)
    .where(and(eq(alerts.rule, "token_expiring"), isNull(alerts.resolvedAt)));
  const stillExpiring = new Set(expiring.map((connection) => tokenExpiryKey(connection.id)));
  await context.db.transaction(async (tx) => {
    for (const connection of expiring) {
      const platform = platformProfiles[connection.platform].name;
      const expiresAt = connection.tokenExpiresAt!;
      const days = Math.max(0, Math.ceil((expiresAt.getTime() - now) / 86_400_000));
      await raiseAlert(
        context,
        tx,
        {
          organizationId: connection.organizationId,
          rule: "token_expiring",
          severity: "warning",
          title: `${connection.name} on ${platform} must be reconnected within ${days} day${days === 1 ? "" : "s"}`,
          message: `${platform} gave this account access until ${dayFormat.format(expiresAt)} UTC and no way to renew it. Reconnect the account before then, or its posts will fail.`,
          incidentKey: tokenExpiryKey(connection.id),
          subject: { type: "connection", id: connection.id },
        },
        { onlyIfNew: true },
      );
    }
    const over = open.filter((alert) => !stillExpiring.has(alert.incidentKey));
    for (const alert of over)
      await resolveAlerts(context, tx, { organizationId: alert.organizationId, incidentKeys: [alert.incidentKey] });
  });
}

/**
 * Connection alerts whose account is fine again by a way that raises no status event (a
 * reconnect saves the account healthy; a disconnect ends it): resolved on the next check.
 */
export async function checkConnectionRecovery(context: AppContext): Promise<void> {
  const recovered = await context.db
    .select({ organizationId: alerts.organizationId, incidentKey: alerts.incidentKey })
    .from(alerts)
    .innerJoin(connections, eq(alerts.subjectId, sql`${connections.id}::text`))
    .where(
      and(
        eq(alerts.rule, "connection_problem"),
        isNull(alerts.resolvedAt),
        inArray(connections.status, ["healthy", "disconnected"]),
      ),
    );
  if (recovered.length === 0) return;
  await context.db.transaction(async (tx) => {
    for (const alert of recovered)
      await resolveAlerts(context, tx, { organizationId: alert.organizationId, incidentKeys: [alert.incidentKey] });
  });
}

/** Organizations with queued targets past due by more than the bound: their posts are going out late. */
export async function checkLateness(context: AppContext): Promise<void> {
  const bound = context.config.alerts.publishingLateMs;
  const late = await context.db
    .select({
      organizationId: postTargets.organizationId,
      count: sql<number>`count(*)::int`,
      oldestDueAt: sql<string>`min(${postTargets.dueAt})`,
    })
    .from(postTargets)
    .where(and(eq(postTargets.state, "queued"), lt(postTargets.dueAt, new Date(context.clock.now() - bound))))
    .groupBy(postTargets.organizationId);
  const open = await context.db
    .select({ organizationId: alerts.organizationId })
    .from(alerts)
    .where(and(eq(alerts.rule, "publishing_late"), isNull(alerts.resolvedAt)));
  const lateOrganizations = new Set(late.map((row) => row.organizationId));
  const minutes = Math.round(bound / 60_000);
  await context.db.transaction(async (tx) => {
    for (const row of late) {
      const count = Number(row.count);
      await raiseAlert(
        context,
        tx,
        {
          organizationId: row.organizationId,
          rule: "publishing_late",
          severity: "warning",
          title: `${count} post${count === 1 ? " is" : "s are"} more than ${minutes} minutes late`,
          message: `The oldest was due at ${dayFormat.format(new Date(row.oldestDueAt))} UTC. Posts are waiting for a worker or for a platform's limit to reset.`,
          incidentKey: LATENESS_KEY,
        },
        { onlyIfNew: true },
      );
    }
    for (const alert of open.filter((row) => !lateOrganizations.has(row.organizationId)))
      await resolveAlerts(context, tx, { organizationId: alert.organizationId, incidentKeys: [LATENESS_KEY] });
  });
}

/**
 * Platforms failing an organization's calls over the last five minutes (platform API health's
 * window): down, or an error rate at or above ALERT_PLATFORM_ERROR_RATE_PERCENT over at least
 * ALERT_PLATFORM_ERROR_MIN_CALLS calls. One alert per platform and organization while it lasts;
 * resolved by the check once the platform is back under the bar (or no longer called).
 */
export async function checkPlatformErrors(context: AppContext): Promise<void> {
  const windowMs = healthWindows["5m"];
  const { errorRate: bar, minCalls } = context.config.alerts.platformErrors;
  const calling = await context.db
    .selectDistinct({ organizationId: platformCalls.organizationId })
    .from(platformCalls)
    .where(
      and(
        isNotNull(platformCalls.organizationId),
        sql`${platformCalls.at} >= ${new Date(context.clock.now() - windowMs)}`,
      ),
    );
  const open = await context.db
    .select({ organizationId: alerts.organizationId, incidentKey: alerts.incidentKey })
    .from(alerts)
    .where(and(eq(alerts.rule, "platform_errors"), isNull(alerts.resolvedAt)));
  const failing = new Set<string>();
  for (const { organizationId } of calling) {
    const health = await platformApiHealth(context, { organizationId: organizationId!, windowMs });
    await context.db.transaction(async (tx) => {
      for (const [platform, window] of Object.entries(health) as [PlatformId, (typeof health)[PlatformId]][]) {
        const errorRate = window.errorRate ?? 0;
        if (window.state !== "down" && (window.calls < minCalls || errorRate < bar)) continue;
        failing.add(`${organizationId}:${platformErrorsKey(platform)}`);
        const name = platformProfiles[platform].name;
        const percent = Math.round(errorRate * 100);
        await raiseAlert(
          context,
          tx,
          {
            organizationId: organizationId!,
            rule: "platform_errors",
            severity: window.state === "down" ? "critical" : "warning",
            title: `${name}'s API is ${window.state === "down" ? "down" : "failing"} for this organization`,
            message: `${percent} % of ${window.calls} calls to ${name} failed in the last five minutes${window.lastError ? `; the last: ${window.lastError.operation} (${window.lastError.failureKind ?? window.lastError.statusClass})` : ""}. Posts to it are retried; see Platform health.`,
            incidentKey: platformErrorsKey(platform),
          },
          { onlyIfNew: true },
        );
      }
    });
  }
  await context.db.transaction(async (tx) => {
    for (const alert of open.filter((row) => !failing.has(`${row.organizationId}:${row.incidentKey}`)))
      await resolveAlerts(context, tx, { organizationId: alert.organizationId, incidentKeys: [alert.incidentKey] });
  });
}

/**
 * The worker's periodic checks: a cron job (one worker takes each run), and at once when the
 * clock jumps, as the connection sweeps do.
 */
export async function startAlertChecks(context: AppContext, logger: Logger): Promise<() => Promise<void>> {
  const { boss } = context.queue;
  const check = async () => {
    await checkTokenExpiry(context);
    await checkConnectionRecovery(context);
    await checkLateness(context);
    await checkPlatformErrors(context);
  };
  await boss.work(queues.alertChecks, { pollingIntervalSeconds: context.config.worker.pollingIntervalSeconds }, check);
  await boss.schedule(queues.alertChecks, "* * * * *");
  const stopListening = context.clock.onAdvance?.(() => {
    check().catch((error: unknown) => logger.warn({ err: error }, "alert checks after the clock moved failed"));
  });
  return async () => {
    stopListening?.();
    await boss.offWork(queues.alertChecks);
  };
}

/**
 * Run by API processes, since a worker cannot report its own absence: with no live worker for
 * longer than the bound, every organization is alerted (scheduled posts of all of them stop); the
 * alerts resolve when a worker is back. Real time, as liveness is (presence.ts).
 */
export function watchWorkers(context: AppContext, logger: Logger, intervalMs = 5_000): () => Promise<void> {
  let downSince: number | undefined = systemClock.now();
  let running = Promise.resolve();
  const look = async () => {
    const now = systemClock.now();
    const { live } = await workerSigns(context.db, { seenSince: new Date(now - context.config.worker.staleAfterMs) });
    if (live > 0) {
      downSince = undefined;
      await context.db.transaction((tx) => resolveAlerts(context, tx, { incidentKeys: [WORKER_DOWN_KEY] }));
      return;
    }
    downSince ??= now;
    if (now - downSince < context.config.alerts.workerDownMs) return;
    const everyOrganization = await context.db.select({ id: organizations.id }).from(organizations);
    const seconds = Math.round((now - downSince) / 1000);
    await context.db.transaction(async (tx) => {
      for (const organization of everyOrganization)
        await raiseAlert(
          context,
          tx,
          {
            organizationId: organization.id,
            rule: "worker_down",
            severity: "critical",
            title: "No worker is running: scheduled posts are not going out",
            message: `No worker has been seen for ${seconds} seconds. Start a worker (npm start, or the worker role); posts due meanwhile go out when one runs.`,
            incidentKey: WORKER_DOWN_KEY,
          },
          { onlyIfNew: true },
        );
    });
  };
  const timer = setInterval(() => {
    running = running
      .then(look)
      .catch((error: unknown) => logger.warn({ err: error }, "checking for live workers failed; trying again"));
  }, intervalMs);
  return async () => {
    clearInterval(timer);
    await running;
  };
}
