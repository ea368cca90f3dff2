import { and, eq, lt, sql, type SQL } from "drizzle-orm";
import type { Logger } from "pino";
import { audited, type AuditEntry } from "../audit/audit.js";
import { delayUntil } from "../clock.js";
import type { AppContext } from "../context.js";
import { transactionExecutor, type SqlExecutor, type Transaction } from "../db/client.js";
import { webhookDeliveries, webhookEndpoints } from "../db/schema.js";
import { queues } from "../jobs/queue.js";
import { sendWebhook, type AttemptOutcome } from "./send.js";
import { webhookSignature } from "./signature.js";
import { openSecret, TEST_EVENT_TYPE, type WebhookDelivery, type WebhookEndpoint } from "./store.js";
import { raiseAlert, webhookDisabledKey } from "../monitoring/alerts/alerts.js";

export interface DeliveryJob {
  deliveryId: string;
  /** When the job may run by the app's clock, in epoch milliseconds (see Queue.startDue). */
  runAt: number;
}

/** Waits before the 2nd, 3rd… attempt: 30 s, 2 min, 10 min, 1 h, then every 6 h. */
const RETRY_DELAYS_MS = [30_000, 120_000, 600_000, 3_600_000, 21_600_000];
export const retryDelayAfter = (attempts: number) => RETRY_DELAYS_MS[Math.min(attempts, RETRY_DELAYS_MS.length) - 1]!;

/** A worker process's deliveries in flight at once: a slow endpoint holds a slot, never a publication. */
const DELIVERY_CONCURRENCY = 10;

/**
 * Sends a delivery's next attempt at `runAt` (the app's clock; pg-boss is given the wait). Inside
 * a transaction (`executor`) it commits with the row that needs it. A job that fails outright (the
 * database went away while recording) is tried again by pg-boss, so delivery is at least once:
 * receivers tell repeats apart by `webhook-id`.
 */
export async function enqueueDelivery(
  context: AppContext,
  delivery: { id: string; attempts: number },
  options: { runAt: number; executor?: SqlExecutor },
): Promise<void> {
  const waitMs = delayUntil(context.clock, options.runAt);
  await context.queue.boss.send(
    queues.webhookDelivery,
    { deliveryId: delivery.id, runAt: options.runAt },
    {
      singletonKey: `${delivery.id}:${delivery.attempts}`,
      ...(waitMs > 0 ? { startAfter: waitMs / 1000 } : {}),
      retryLimit: 2,
      retryDelay: 30,
      expireInSeconds: Math.ceil(context.config.webhooks.timeoutMs / 1000) + 60,
      ...(options.executor ? { db: options.executor } : {}),
    },
  );
}

/** The message as sent: the stored payload, signed with the endpoint's current secret at the app's time. */
async function messageOf(context: AppContext, endpoint: WebhookEndpoint, delivery: WebhookDelivery) {
  const body = JSON.stringify(delivery.payload);
  const timestamp = Math.floor(context.clock.now() / 1000);
  const secret = await openSecret(context, endpoint);
  return {
    body,
    headers: {
      "content-type": "application/json",
      "user-agent": "MarketSage-Social-Webhooks",
      "webhook-id": delivery.id,
      "webhook-timestamp": String(timestamp),
      "webhook-signature": webhookSignature(secret, { id: delivery.id, timestamp, body }),
    },
  };
}

/** Makes a delivery's next attempt and records it; answers nothing when there is none to make. */
export async function attemptDelivery(context: AppContext, deliveryId: string): Promise<AttemptOutcome | undefined> {
  const [row] = await context.db
    .select({ delivery: webhookDeliveries, endpoint: webhookEndpoints })
    .from(webhookDeliveries)
    .innerJoin(webhookEndpoints, eq(webhookEndpoints.id, webhookDeliveries.endpointId))
    .where(eq(webhookDeliveries.id, deliveryId));
  if (!row || row.delivery.state !== "pending") return undefined;
  const { delivery, endpoint } = row;
  // A second job for an attempt already made (the sweep's, for one it took for lost) is early for the next.
  if (delivery.nextAttemptAt && delivery.nextAttemptAt.getTime() > context.clock.now()) return undefined;
  const isTest = delivery.eventType === TEST_EVENT_TYPE;
  // A test may be sent to a disabled endpoint, to see whether it is fit to enable again.
  const outcome: AttemptOutcome =
    endpoint.enabled || isTest
      ? await sendWebhook({
          url: endpoint.url,
          ...(await messageOf(context, endpoint, delivery)),
          timeoutMs: context.config.webhooks.timeoutMs,
          policy: context.config.webhooks,
        })
      : { delivered: false, status: null, durationMs: 0, error: "The endpoint was disabled before this delivery." };
  await recordAttempt(context, { delivery, endpoint, outcome, isTest, skipped: !endpoint.enabled && !isTest });
  return outcome;
}

/**
 * Writes an attempt's outcome, where no other run has recorded this attempt meanwhile; then the
 * next attempt's job, or the delivery's end and the endpoint's count of failed deliveries in a
 * row, which disables the endpoint (audited) when it reaches the limit.
 */
async function recordAttempt(
  context: AppContext,
  attempt: {
    delivery: WebhookDelivery;
    endpoint: WebhookEndpoint;
    outcome: AttemptOutcome;
    isTest: boolean;
    skipped: boolean;
  },
): Promise<void> {
  const { delivery, endpoint, outcome, isTest, skipped } = attempt;
  const { maxAttempts, disableAfterFailedDeliveries } = context.config.webhooks;
  const now = context.clock.now();
  const attempts = skipped ? delivery.attempts : delivery.attempts + 1;
  // A test is sent once: its answer is for the person waiting on it.
  const retries = !outcome.delivered && !skipped && !isTest && attempts < maxAttempts;
  const nextAttemptAt = retries ? now + retryDelayAfter(attempts) : null;
  const state = outcome.delivered ? "delivered" : retries ? "pending" : "failed";
  await audited(
    context.db,
    async (tx) => {
      const [recorded] = await tx
        .update(webhookDeliveries)
        .set({
          attempts,
          state,
          responseStatus: outcome.status,
          durationMs: outcome.durationMs,
          error: outcome.error,
          nextAttemptAt: nextAttemptAt === null ? null : new Date(nextAttemptAt),
          deliveredAt: outcome.delivered ? new Date(now) : null,
          updatedAt: new Date(now),
        })
        .where(
          and(
            eq(webhookDeliveries.id, delivery.id),
            eq(webhookDeliveries.state, "pending"),
            eq(webhookDeliveries.attempts, delivery.attempts),
          ),
        )
        .returning({ id: webhookDeliveries.id });
      if (!recorded || isTest) return null;
      if (nextAttemptAt !== null)
        await enqueueDelivery(
          context,
          { id: delivery.id, attempts },
          {
            runAt: nextAttemptAt,
            executor: transactionExecutor(tx),
          },
        );
      if (outcome.delivered) await countFailures(tx, endpoint.id, 0);
      if (state !== "failed" || skipped) return null;
      const failures = await countFailures(tx, endpoint.id, sql`${webhookEndpoints.consecutiveFailures} + 1`);
      if (failures < disableAfterFailedDeliveries) return null;
      const reason = `Disabled after ${failures} deliveries in a row failed, each after ${maxAttempts} attempts; the last: ${outcome.error}`;
      const [disabled] = await tx
        .update(webhookEndpoints)
        .set({ enabled: false, disabledAt: new Date(now), disabledReason: reason, updatedAt: new Date(now) })
        .where(and(eq(webhookEndpoints.id, endpoint.id), eq(webhookEndpoints.enabled, true)))
        .returning({ id: webhookEndpoints.id });
      if (!disabled) return null;
      await raiseAlert(context, tx, {
        organizationId: endpoint.organizationId,
        rule: "webhook_disabled",
        severity: "warning",
        title: `Webhook endpoint ${endpoint.url} was disabled`,
        message: `${reason}. Fix the receiver, then enable the endpoint on the Webhooks page; events meanwhile are not sent to it.`,
        incidentKey: webhookDisabledKey(endpoint.id),
        subject: { type: "webhook", id: endpoint.id },
      });
      return { reason, failures };
    },
    (disabled): AuditEntry | null =>
      disabled && {
        action: "webhook.disabled",
        organizationId: endpoint.organizationId,
        target: { type: "webhook", id: endpoint.id },
        details: { url: endpoint.url, reason: disabled.reason, failedDeliveries: disabled.failures },
      },
  );
  // Sent inside the transaction, the job could not be started early if the clock passed its time meanwhile.
  if (nextAttemptAt !== null && delayUntil(context.clock, nextAttemptAt) === 0)
    await context.queue.startDue(queues.webhookDelivery, context.clock.now());
}

async function countFailures(tx: Transaction, endpointId: string, value: number | SQL): Promise<number> {
  const [row] = await tx
    .update(webhookEndpoints)
    .set({ consecutiveFailures: value })
    .where(eq(webhookEndpoints.id, endpointId))
    .returning({ failures: webhookEndpoints.consecutiveFailures });
  return row?.failures ?? 0;
}

/** How late a pending delivery's attempt must be before its job counts as lost. */
const LOST_AFTER_MS = 10 * 60_000;
const SWEEP_INTERVAL_MS = 60_000;

/**
 * Sends again the deliveries whose job was lost (its own retries spent while the database was
 * away): pending, and due longer ago than any job could still be waiting or working.
 */
export async function sweepDeliveries(context: AppContext): Promise<number> {
  const now = context.clock.now();
  const lost = await context.db
    .select({ id: webhookDeliveries.id, attempts: webhookDeliveries.attempts })
    .from(webhookDeliveries)
    .where(
      and(eq(webhookDeliveries.state, "pending"), lt(webhookDeliveries.nextAttemptAt, new Date(now - LOST_AFTER_MS))),
    )
    .limit(100);
  for (const delivery of lost) await enqueueDelivery(context, delivery, { runAt: now });
  return lost.length;
}

/** Works the delivery queue, a bounded number at a time, apart from publishing's queue. */
export async function startWebhookJobs(context: AppContext, logger: Logger): Promise<() => Promise<void>> {
  const { boss } = context.queue;
  const deliveryWorker = await boss.work<DeliveryJob>(
    queues.webhookDelivery,
    { pollingIntervalSeconds: context.config.worker.pollingIntervalSeconds, batchSize: DELIVERY_CONCURRENCY },
    async (jobs) => {
      await Promise.all(
        jobs.map(async (job) => {
          try {
            const outcome = await attemptDelivery(context, job.data.deliveryId);
            if (outcome && !outcome.delivered)
              logger.info({ deliveryId: job.data.deliveryId, status: outcome.status }, "webhook attempt failed");
          } catch (error) {
            logger.warn({ err: error, deliveryId: job.data.deliveryId }, "webhook delivery could not be recorded");
            await boss.fail(queues.webhookDelivery, job.id, { message: "could not be recorded" });
          }
        }),
      );
    },
  );
  const sweep = () =>
    sweepDeliveries(context)
      .then((sent) => {
        if (sent > 0) logger.info({ sent }, "webhook sweep sent lost deliveries again");
      })
      .catch((error: unknown) => logger.warn({ err: error }, "webhook sweep failed; trying again shortly"));
  const timer = setInterval(() => void sweep(), SWEEP_INTERVAL_MS);
  // pg-boss waits in real time; when the clock jumps, the retries it made due are sent now.
  const stopListening = context.clock.onAdvance?.(() => {
    void context.queue
      .startDue(queues.webhookDelivery, context.clock.now())
      .then(() => boss.notifyWorker(deliveryWorker))
      .catch((error: unknown) => logger.warn({ err: error }, "starting due webhook deliveries failed"));
  });
  return async () => {
    stopListening?.();
    clearInterval(timer);
    await boss.offWork(queues.webhookDelivery);
  };
}
