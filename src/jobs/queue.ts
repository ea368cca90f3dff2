import { sql } from "drizzle-orm";
import PgBoss from "pg-boss";
import type { Logger } from "pino";
import type { Config } from "../config.js";
import {
  selectRows,
  startupLocks,
  untilReachable,
  withAdvisoryLock,
  type DatabaseHandle,
  type SqlExecutor,
} from "../db/client.js";
import { wakeups, type Announcement } from "./wakeups.js";

/** Every queue the product uses, by name. */
export const queues = {
  purgeExpiredSessions: "maintenance.purge-expired-sessions",
  refreshSweep: "connections.refresh-sweep",
  refresh: "connections.refresh",
  healthSweep: "connections.health-sweep",
  check: "connections.check",
  publish: "posts.publish",
  webhookDelivery: "webhooks.deliver",
  alertEmail: "alerts.email",
  alertChecks: "alerts.checks",
  analyticsSweep: "analytics.sweep",
  analyticsCollect: "analytics.collect",
  reportsSweep: "reports.sweep",
  /** Once a cron job; each worker now sweeps on its own interval. Unscheduled at start, so older databases stop making its jobs. */
  retiredDueSweep: "posts.due-sweep",
} as const;

/**
 * At most one waiting job per key (a connection, a target and its schedule). Not "stately": that
 * also refuses to start a job while one with its key is active, and a dead worker's job stays
 * active until it expires, which would hold a publication for minutes. Our own locks and the
 * target states keep a second run harmless.
 */
const policies: Partial<Record<(typeof queues)[keyof typeof queues], PgBoss.QueuePolicy>> = {
  [queues.refresh]: "short",
  [queues.check]: "short",
  [queues.publish]: "short",
  [queues.webhookDelivery]: "short",
  [queues.analyticsCollect]: "short",
};

export interface Queue {
  boss: PgBoss;
  /** Jobs by state, straight from pg-boss's table: what /api/health reports. */
  counts(): Promise<Record<string, number>>;
  /** Jobs by queue and state, for the queue depth metric. */
  depths(): Promise<{ queue: string; state: string; total: number }[]>;
  /**
   * Starts now the waiting jobs of a queue whose `runAt` (in their data: when they may run by the
   * app's clock, in epoch milliseconds) has come. pg-boss waits out a job's start by the
   * database's time, so after the clock jumps forward this is what spares them the jump.
   */
  startDue(name: string, now: number): Promise<void>;
  /**
   * Tells the workers that a job was sent to `name` that may start `waitMs` from now; given the
   * transaction's executor, they hear of it when the job commits (wakeups.ts).
   */
  announce(name: string, waitMs: number, executor?: SqlExecutor): Promise<void>;
  /** Hears every announcement, and `undefined` when some may have been missed; answers how to stop. */
  listen(listener: (announcement: Announcement | undefined) => void): Promise<() => Promise<void>>;
  /** The database's time, and when the earliest waiting job of a queue may start by it (none when none waits). */
  nextStart(name: string): Promise<{ nowMs: number; startsAtMs?: number }>;
  /** The singleton keys of a queue's jobs waiting to run (not those running). */
  waitingKeys(name: string): Promise<Set<string>>;
  stop(): Promise<void>;
}

export async function startQueue(handle: DatabaseHandle, config: Config, logger: Logger): Promise<Queue> {
  const connection =
    handle.kind === "postgres" ? { connectionString: handle.url, max: 4 } : { db: handle.executor as PgBoss.Db };
  // A failed start leaves pg-boss half started, so each try gets a new instance.
  const boss = await untilReachable(logger, "starting the job queue", async () => {
    const candidate = new PgBoss({ ...connection, schedule: true, supervise: true, migrate: true });
    candidate.on("error", (error) => logger.error({ err: error }, "job queue error"));
    try {
      return await candidate.start();
    } catch (error) {
      await candidate.stop({ graceful: false, wait: false }).catch(() => undefined);
      throw error;
    }
  });
  // pg-boss's createQueue deadlocks when processes run it at once on an empty server.
  const createQueues = async () => {
    for (const name of Object.values(queues)) {
      if (!(await boss.getQueue(name)))
        await boss.createQueue(name, policies[name] ? { name, policy: policies[name] } : undefined);
    }
  };
  await untilReachable(logger, "creating queues", () =>
    handle.kind === "postgres" ? withAdvisoryLock(handle.pool, startupLocks.queues, createQueues) : createQueues(),
  );
  const signals = wakeups(handle, logger);
  const executor: SqlExecutor =
    handle.kind === "postgres" ? { executeSql: (text, values) => handle.pool.query(text, values) } : handle.executor;
  return {
    boss,
    async counts() {
      const rows = await selectRows<{ state: string; total: number }>(
        handle.db,
        sql`select state::text as state, count(*)::int as total from pgboss.job group by state`,
      );
      return Object.fromEntries(rows.map((row) => [row.state, Number(row.total)]));
    },
    async depths() {
      const rows = await selectRows<{ queue: string; state: string; total: number }>(
        handle.db,
        sql`select name as queue, state::text as state, count(*)::int as total from pgboss.job group by name, state`,
      );
      return rows.map((row) => ({ ...row, total: Number(row.total) }));
    },
    async startDue(name, now) {
      await handle.db.execute(
        sql`update pgboss.job set start_after = now()
            where name = ${name} and state < 'active' and start_after > now() and (data->>'runAt')::bigint <= ${now}`,
      );
    },
    announce: (name, waitMs, through = executor) => signals.announce(name, waitMs, through),
    listen: (listener) => signals.listen(listener),
    async nextStart(name) {
      const [row] = await selectRows<{ now_ms: string; starts_at_ms: string | null }>(
        handle.db,
        sql`select floor(extract(epoch from now()) * 1000)::bigint as now_ms,
                   floor(extract(epoch from min(start_after)) * 1000)::bigint as starts_at_ms
            from pgboss.job where name = ${name} and state < 'active'`,
      );
      return { nowMs: Number(row!.now_ms), ...(row?.starts_at_ms ? { startsAtMs: Number(row.starts_at_ms) } : {}) };
    },
    async waitingKeys(name) {
      const rows = await selectRows<{ key: string }>(
        handle.db,
        sql`select singleton_key as key from pgboss.job
            where name = ${name} and state < 'active' and singleton_key is not null`,
      );
      return new Set(rows.map((row) => row.key));
    },
    stop: () => boss.stop({ graceful: true, wait: true, timeout: 10_000 }),
  };
}
