import { count } from "drizzle-orm";
import { Gauge } from "prom-client";
import type { Logger } from "pino";
import { systemClock } from "../../clock.js";
import type { Database } from "../../db/client.js";
import { connections, connectionStatus } from "../../db/schema.js";
import { workerSigns } from "../../jobs/presence.js";
import { queues, type Queue } from "../../jobs/queue.js";
import { platformIds } from "../../platforms/profiles.js";
import type { Metrics } from "./instruments.js";

/** pg-boss 10's job states (its `job_state` type). */
const jobStates = ["created", "retry", "active", "completed", "cancelled", "failed"] as const;

/**
 * A gauge set from the database at each scrape. A query that fails (the database is restarting)
 * leaves the gauge empty for that scrape (NaN when it has no labels: unknown, not zero) rather than
 * failing the whole scrape or showing old values.
 */
function databaseGauge<Label extends string>(
  metrics: Metrics,
  logger: Logger,
  options: { name: string; help: string; labelNames?: readonly Label[]; read: (gauge: Gauge<Label>) => Promise<void> },
): void {
  new Gauge<Label>({
    name: options.name,
    help: options.help,
    labelNames: options.labelNames ?? [],
    registers: [metrics.registry],
    async collect() {
      this.reset();
      try {
        await options.read(this);
      } catch (error) {
        this.reset();
        if (!options.labelNames?.length) this.set(Number.NaN);
        logger.warn({ err: error, metric: options.name }, "a metric could not be read from the database");
      }
    },
  });
}

/**
 * What the database holds, read when Prometheus scrapes: every process reports the same figures
 * (they are the database's, not the process's), so dashboards take one process's or the max.
 */
export function collectFromDatabase(
  metrics: Metrics,
  options: { db: Database; queue: Queue; staleAfterMs: number; logger: Logger },
): void {
  const { db, queue, logger } = options;

  databaseGauge(metrics, logger, {
    name: "marketsage_queue_jobs",
    help: "Jobs in pg-boss by queue and state",
    labelNames: ["queue", "state"] as const,
    async read(gauge) {
      // Every product queue in every state, zeros included, so an alert on a state sees it empty too.
      for (const name of Object.values(queues)) for (const state of jobStates) gauge.set({ queue: name, state }, 0);
      for (const row of await queue.depths()) gauge.set({ queue: row.queue, state: row.state }, row.total);
    },
  });

  databaseGauge(metrics, logger, {
    name: "marketsage_connections",
    help: "Connected accounts by platform and status",
    labelNames: ["platform", "status"] as const,
    async read(gauge) {
      const rows = await db
        .select({ platform: connections.platform, status: connections.status, total: count() })
        .from(connections)
        .groupBy(connections.platform, connections.status);
      for (const platform of platformIds)
        for (const status of connectionStatus.enumValues) gauge.set({ platform, status }, 0);
      for (const row of rows) gauge.set({ platform: row.platform, status: row.status }, Number(row.total));
    },
  });

  // Liveness is read in real time, as /api/health reads it: a test moving the app's clock does not age a beat.
  databaseGauge(metrics, logger, {
    name: "marketsage_workers_live",
    help: "Workers whose heartbeat is fresh and whose presence lock is held",
    async read(gauge) {
      const seenSince = new Date(systemClock.now() - options.staleAfterMs);
      gauge.set((await workerSigns(db, { seenSince })).live);
    },
  });

  databaseGauge(metrics, logger, {
    name: "marketsage_worker_heartbeat_age_seconds",
    help: "Seconds since the last heartbeat of any worker (+Inf when no worker has ever beaten)",
    async read(gauge) {
      const now = systemClock.now();
      const { lastSeenAt } = await workerSigns(db, { seenSince: new Date(now - options.staleAfterMs) });
      gauge.set(lastSeenAt === null ? Number.POSITIVE_INFINITY : Math.max(0, (now - lastSeenAt.getTime()) / 1000));
    },
  });
}
