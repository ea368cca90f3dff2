import { and, eq, inArray, isNull, ne, sql } from "drizzle-orm";
import { transactionExecutor, type Transaction } from "../../db/client.js";
import { alertPreferences, alertReceipts, alerts, memberships } from "../../db/schema.js";
import type { AppContext } from "../../context.js";
import { queues } from "../../jobs/queue.js";
import { raiseEvent } from "../events.js";
import { defaultChannels, type AlertRule } from "./rules.js";

export type Alert = typeof alerts.$inferSelect;

export interface AlertInput {
  organizationId: string;
  rule: AlertRule;
  severity: Alert["severity"];
  title: string;
  message: string;
  /** Occurrences with the same key while the alert is open are one incident. */
  incidentKey: string;
  subject?: { type: string; id: string };
}

/** One open alert per disabled endpoint, resolved when a person enables it again. */
export const webhookDisabledKey = (endpointId: string) => `webhook_disabled:${endpointId}`;

export interface AlertEmailJob {
  alertId: string;
  userId: string;
}

/** A failed e-mail is tried again, waiting longer each time (pg-boss's exponential backoff from 10 s), for about an hour. */
const EMAIL_RETRY = { retryLimit: 8, retryDelay: 10, retryBackoff: true } as const;

/**
 * Records an occurrence: a new alert, or one more occurrence of the open one with the same key
 * (its message updated to the latest). Only a new alert is announced — an `alert.raised` event,
 * a receipt per member who wants it in-app, an e-mail job per member who wants it by e-mail — so
 * an incident reaches each person once however often it repeats. With `onlyIfNew`, a repeat
 * changes nothing: for checks that find the same condition every time they look.
 */
export async function raiseAlert(
  context: AppContext,
  tx: Transaction,
  input: AlertInput,
  options: { onlyIfNew?: boolean } = {},
): Promise<{ alert: Alert; opened: boolean } | undefined> {
  const now = new Date(context.clock.now());
  const values = {
    organizationId: input.organizationId,
    rule: input.rule,
    severity: input.severity,
    title: input.title,
    message: input.message,
    incidentKey: input.incidentKey,
    subjectType: input.subject?.type ?? null,
    subjectId: input.subject?.id ?? null,
    firstAt: now,
    lastAt: now,
    changedAt: sql`clock_timestamp()`,
  };
  // The arbiter is the partial unique index on open incidents, named by its own predicate.
  const target = [alerts.organizationId, alerts.incidentKey];
  const openIncident = sql`resolved_at is null`;
  const insert = tx.insert(alerts).values(values);
  const [alert] = await (options.onlyIfNew
    ? insert.onConflictDoNothing({ target, where: openIncident }).returning()
    : insert
        .onConflictDoUpdate({
          target,
          targetWhere: openIncident,
          set: {
            occurrences: sql`${alerts.occurrences} + 1`,
            severity: input.severity,
            title: input.title,
            message: input.message,
            lastAt: now,
            changedAt: sql`clock_timestamp()`,
          },
        })
        .returning());
  if (!alert) return undefined;
  const opened = alert.occurrences === 1;
  if (opened) await announce(context, tx, alert);
  return { alert, opened };
}

async function announce(context: AppContext, tx: Transaction, alert: Alert) {
  await raiseEvent(tx, {
    organizationId: alert.organizationId,
    type: "alert.raised",
    data: {
      alert: alert.id,
      rule: alert.rule,
      severity: alert.severity,
      title: alert.title,
      message: alert.message,
      ...(alert.subjectType && alert.subjectId ? { [alert.subjectType]: alert.subjectId } : {}),
    },
  });
  const members = await tx
    .select({
      userId: memberships.userId,
      role: memberships.role,
      inApp: alertPreferences.inApp,
      email: alertPreferences.email,
    })
    .from(memberships)
    .leftJoin(
      alertPreferences,
      and(
        eq(alertPreferences.organizationId, memberships.organizationId),
        eq(alertPreferences.userId, memberships.userId),
        eq(alertPreferences.rule, alert.rule),
      ),
    )
    .where(and(eq(memberships.organizationId, alert.organizationId), ne(memberships.role, "GUEST")));
  const recipients = members
    .map((member) => {
      const defaults = defaultChannels(member.role, alert.rule);
      return { userId: member.userId, inApp: member.inApp ?? defaults.inApp, email: member.email ?? defaults.email };
    })
    .filter((member) => member.inApp || member.email);
  if (recipients.length === 0) return;
  await tx.insert(alertReceipts).values(
    recipients.map((recipient) => ({
      alertId: alert.id,
      userId: recipient.userId,
      organizationId: alert.organizationId,
      inApp: recipient.inApp,
    })),
  );
  if (!context.config.mail) return;
  for (const recipient of recipients.filter((member) => member.email)) {
    await context.queue.boss.send(
      queues.alertEmail,
      { alertId: alert.id, userId: recipient.userId } satisfies AlertEmailJob,
      { ...EMAIL_RETRY, singletonKey: `${alert.id}:${recipient.userId}`, db: transactionExecutor(tx) },
    );
  }
}

/** Closes the open alerts with these keys (the condition is over); answers those it closed. */
export async function resolveAlerts(
  context: AppContext,
  tx: Transaction,
  scope: { organizationId?: string; incidentKeys: string[]; resolvedByUserId?: string },
): Promise<Alert[]> {
  if (scope.incidentKeys.length === 0) return [];
  return tx
    .update(alerts)
    .set({
      resolvedAt: new Date(context.clock.now()),
      resolvedByUserId: scope.resolvedByUserId ?? null,
      changedAt: sql`clock_timestamp()`,
    })
    .where(
      and(
        scope.organizationId ? eq(alerts.organizationId, scope.organizationId) : undefined,
        inArray(alerts.incidentKey, scope.incidentKeys),
        isNull(alerts.resolvedAt),
      ),
    )
    .returning();
}
