import { hostname } from "node:os";
import { randomUUID } from "node:crypto";
import { lt } from "drizzle-orm";
import type { Logger } from "pino";
import { deleteExpiredSessions } from "../auth/sessions.js";
import { deleteExpiredIdempotencyRecords } from "../http/idempotency.js";
import { systemClock } from "../clock.js";
import { startConnectionJobs } from "../connections/jobs.js";
import { startPublishJobs } from "../posts/jobs.js";
import { startEventDispatch } from "../monitoring/events.js";
import { pruneCallLog } from "../monitoring/call-log.js";
import { startWebhookJobs } from "../webhooks/jobs.js";
import { eventSinks } from "../monitoring/sinks.js";
import { startAlertChecks } from "../monitoring/alerts/checks.js";
import { startAnalyticsJobs } from "../analytics/jobs.js";
import { startReportJobs } from "../reports/jobs.js";
import { closeAll, type Database, type DatabaseHandle } from "../db/client.js";
import { startEmbeddedVacuum } from "../db/embedded-vacuum.js";
import { workerHeartbeats } from "../db/schema.js";
import type { AppContext } from "../context.js";
import { holdPresence } from "./presence.js";
import { queues } from "./queue.js";

export interface Worker {
  id: string;
  stop(): Promise<void>;
}

/** Heartbeats of workers gone longer than this are deleted, so the table does not grow. */
const FORGET_WORKER_AFTER_MS = 24 * 3_600_000;

/**
 * Beats are stamped with the system's time, not the app's clock, and aged by it too (presence.ts):
 * whether a process is alive is a matter of real time, which a test moving the clock does not change.
 */
async function beat(db: Database, worker: { id: string; startedAt: Date; presenceKey: number }) {
  const now = new Date(systemClock.now());
  await db
    .insert(workerHeartbeats)
    .values({
      workerId: worker.id,
      hostname: hostname(),
      pid: process.pid,
      startedAt: worker.startedAt,
      seenAt: now,
      presenceKey: worker.presenceKey,
    })
    .onConflictDoUpdate({ target: workerHeartbeats.workerId, set: { seenAt: now } });
}

/** Takes jobs from every queue and tells /api/health, by heartbeat, that it is alive. */
export async function startWorker(options: {
  context: AppContext;
  database: DatabaseHandle;
  logger: Logger;
}): Promise<Worker> {
  const { context, logger } = options;
  const { db, queue, config } = context;
  const presence = await holdPresence(options.database, logger);
  const worker = { id: randomUUID(), startedAt: new Date(systemClock.now()), presenceKey: presence.key };
  const { boss } = queue;
  const pollingIntervalSeconds = config.worker.pollingIntervalSeconds;
  const stops: (() => Promise<unknown>)[] = [() => presence.stop()];
  const stopAll = async () => {
    await closeAll(stops);
  };

  let timer: NodeJS.Timeout | undefined;
  try {
    await boss.work(queues.purgeExpiredSessions, { pollingIntervalSeconds, batchSize: 20 }, async () => {
      const sessions = await deleteExpiredSessions(db, { clock: context.clock });
      await db
        .delete(workerHeartbeats)
        .where(lt(workerHeartbeats.seenAt, new Date(systemClock.now() - FORGET_WORKER_AFTER_MS)));
      await pruneCallLog(context);
      await deleteExpiredIdempotencyRecords(db, context.clock);
      logger.info({ sessions }, "purged expired sessions");
    });
    stops.push(() => boss.offWork(queues.purgeExpiredSessions));
    await boss.schedule(queues.purgeExpiredSessions, "17 * * * *");
    stops.push(await startConnectionJobs(context, logger));
    stops.push(await startPublishJobs(context, { id: worker.id, logger, fence: presence.fence }));
    stops.push(await startWebhookJobs(context, logger));
    stops.push(startEventDispatch(context, eventSinks, logger));
    stops.push(await startAlertChecks(context, logger));
    stops.push(await startAnalyticsJobs(context, logger));
    stops.push(await startReportJobs(context, logger));
    if (options.database.kind === "pglite") stops.push(startEmbeddedVacuum(options.database.executor, logger));
    await beat(db, worker);
    timer = setInterval(() => {
      beat(db, worker).catch((error) => logger.error({ err: error }, "worker heartbeat failed"));
    }, config.worker.heartbeatIntervalMs);
  } catch (error) {
    await stopAll();
    throw error;
  }
  logger.info({ workerId: worker.id }, "worker started");

  return {
    id: worker.id,
    async stop() {
      clearInterval(timer);
      await stopAll();
    },
  };
}
