import type { Logger } from "pino";
import type { SqlExecutor } from "./client.js";

/** How often the embedded database's tables are looked over: autovacuum's own nap is a minute. */
const VACUUM_EVERY_MS = 5 * 60_000;

interface TableStatistics {
  schema: string;
  table: string;
  /** Past the dead-row threshold; otherwise only past the analyze one. */
  vacuum: boolean;
}

const quoted = (identifier: string) => `"${identifier.replaceAll('"', '""')}"`;

/**
 * Does for the embedded database what autovacuum does for a server. PGlite runs PostgreSQL
 * without its background workers: `autovacuum` reads "on", yet no table is ever vacuumed or
 * analyzed, so the dead rows of every update (job states, analytics schedules, read budgets,
 * sessions) pile up in tables and indexes, and the planner keeps the statistics of an empty
 * database. Each table past autovacuum's default thresholds (dead rows over 50 + 20 % of the live
 * ones; changes since the last analyze over 50 + 10 %) is vacuumed or analyzed, one statement a
 * table, since PGlite runs one statement at a time and everything else waits behind it.
 * Returns the tables it worked on.
 */
export async function vacuumEmbedded(executor: SqlExecutor): Promise<string[]> {
  const { rows } = await executor.executeSql(
    `select schemaname as schema, relname as table,
            n_dead_tup > 50 + 0.2 * n_live_tup as vacuum
       from pg_stat_user_tables
      where n_dead_tup > 50 + 0.2 * n_live_tup or n_mod_since_analyze > 50 + 0.1 * n_live_tup`,
  );
  const done: string[] = [];
  for (const { schema, table, vacuum } of rows as TableStatistics[]) {
    const name = `${quoted(schema)}.${quoted(table)}`;
    await executor.executeSql(vacuum ? `vacuum (analyze) ${name}` : `analyze ${name}`);
    done.push(`${schema}.${table}`);
  }
  return done;
}

/** Looks the tables over every few minutes while the embedded worker runs. */
export function startEmbeddedVacuum(executor: SqlExecutor, logger: Logger): () => Promise<void> {
  let running: Promise<unknown> = Promise.resolve();
  const timer = setInterval(() => {
    running = vacuumEmbedded(executor).then(
      (tables) => {
        if (tables.length > 0) logger.info({ tables }, "embedded database vacuumed");
      },
      (error: unknown) => logger.warn({ err: error }, "embedded database vacuum failed"),
    );
  }, VACUUM_EVERY_MS);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await running;
  };
}
