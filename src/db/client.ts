import { fork } from "node:child_process";
import { once } from "node:events";
import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import type { SQL } from "drizzle-orm";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { migrate as migratePglite } from "drizzle-orm/pglite/migrator";
import { drizzle as drizzlePostgres } from "drizzle-orm/node-postgres";
import { migrate as migratePostgres } from "drizzle-orm/node-postgres/migrator";
import pg from "pg";
import type { Logger } from "pino";
import type { Config } from "../config.js";
import { projectPath } from "../paths.js";
import { PgliteThread } from "./pglite-remote.js";
import * as schema from "./schema.js";

export type Database = PgDatabase<PgQueryResultHKT, typeof schema>;
export type Transaction = Parameters<Parameters<Database["transaction"]>[0]>[0];

/**
 * PGlite's PostgreSQL keeps its shared buffers inside the WebAssembly memory, which never
 * shrinks, and writes the whole pool when it starts, so every megabyte of it is resident: the
 * default 128 MB made up a third of an idle process. One embedded user with a small working set
 * is served as fast from 16 MB (the analytics read benchmark unchanged), the rest left to the
 * operating system's page cache (README, Benchmarks).
 */
const pgliteSettings = ["shared_buffers = 16MB"];

/** What pg-boss needs to run SQL when it does not own the connection (PGlite). */
export interface SqlExecutor {
  executeSql(text: string, values?: unknown[]): Promise<{ rows: unknown[] }>;
}

export type DatabaseHandle = {
  db: Database;
  close(): Promise<void>;
} & (
  { kind: "pglite"; executor: SqlExecutor; pglite: PgliteThread } | { kind: "postgres"; url: string; pool: pg.Pool }
);

const migrationsFolder = projectPath("src/db/migrations");

/** Advisory lock ids: start-up steps that several processes must not run at once on one server. */
export const startupLocks = { migrations: 72_617_001, queues: 72_617_002 } as const;

/** Runs `work` while this process holds a session advisory lock; other processes wait for it. */
export async function withAdvisoryLock<T>(
  pool: pg.Pool,
  lockId: number | string,
  work: (client: pg.PoolClient) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query("select pg_advisory_lock($1)", [lockId]);
    return await work(client);
  } finally {
    await client.query("select pg_advisory_unlock($1)", [lockId]).catch(() => undefined);
    client.release();
  }
}

/**
 * When the server restarts or ends sessions, pg reports it as an "error" event on the pool (idle
 * clients) or on the client (one checked out between statements, as in a transaction or while a
 * lock is held). Unheard, either ends the process; heard, the broken client is dropped, the
 * statement in flight fails like any other, and the next one opens a new session.
 */
export function surviveServerRestarts(pool: pg.Pool, onLost: (error: Error) => void): void {
  pool.on("error", onLost);
  pool.on("connect", (client) => client.on("error", onLost));
}

/** PostgreSQL's SQLSTATE of a failed statement, found through the errors that wrap it (Drizzle's among them). */
export function databaseErrorCode(error: unknown): string | undefined {
  for (let cause = error; cause; cause = (cause as { cause?: unknown }).cause) {
    const code = (cause as { code?: unknown }).code;
    if (typeof code === "string" && /^[0-9A-Z]{5}$/.test(code)) return code;
  }
  return undefined;
}

/** Connection refused or reset, a session ended by the server, a server starting or shutting down. */
const UNREACHABLE_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "57P01", "57P02", "57P03"]);

export function isDatabaseUnreachable(error: unknown): boolean {
  for (let cause = error; cause; cause = (cause as { cause?: unknown }).cause) {
    const code = (cause as { code?: unknown }).code;
    if (typeof code === "string" && (UNREACHABLE_CODES.has(code) || code.startsWith("08"))) return true;
    if (cause instanceof Error && /Connection terminated/.test(cause.message)) return true;
  }
  return false;
}

const START_RETRY_DELAYS_MS = [500, 1_000, 2_000, 5_000, 10_000];
/** How long closing one half-started part may take before a start is tried again without it. */
const CLOSE_WITHIN_MS = 5_000;

/**
 * Closes what a failed start opened, each part within a bound: a pool whose server vanished can
 * wait forever for a client that will never come back, and with nothing else scheduled Node
 * would end the process while it waits.
 */
export async function closeAll(parts: (() => Promise<unknown>)[]): Promise<void> {
  for (const close of parts.reverse()) {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      close().catch(() => undefined),
      new Promise((resolve) => (timer = setTimeout(resolve, CLOSE_WITHIN_MS))),
    ]);
    clearTimeout(timer);
  }
}

/**
 * A start-up step that needs the server: while the server is unreachable (restarting, not up
 * yet) it is tried again, with a growing pause, instead of ending the process.
 */
export async function untilReachable<T>(logger: Logger, what: string, step: () => Promise<T>): Promise<T> {
  for (let failures = 0; ; failures += 1) {
    try {
      return await step();
    } catch (error) {
      if (!isDatabaseUnreachable(error)) throw error;
      const delayMs = START_RETRY_DELAYS_MS[Math.min(failures, START_RETRY_DELAYS_MS.length - 1)]!;
      logger.warn({ err: error, retryInMs: delayMs }, `${what}: database unreachable, trying again`);
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
  }
}

export async function openDatabase(config: Config, logger: Logger): Promise<DatabaseHandle> {
  if (config.database.kind === "postgres") {
    const pool = new pg.Pool({ connectionString: config.database.url, max: config.database.poolSize });
    surviveServerRestarts(pool, (error) => logger.warn({ err: error }, "database connection lost"));
    await untilReachable(logger, "migrating", () =>
      withAdvisoryLock(pool, startupLocks.migrations, (client) =>
        migratePostgres(drizzlePostgres(client, { schema }), { migrationsFolder }),
      ),
    );
    const db = drizzlePostgres(pool, { schema }) as unknown as Database;
    return { kind: "postgres", db, url: config.database.url, pool, close: () => pool.end() };
  }

  const directory = path.resolve(config.dataDir, "pglite");
  await mkdir(directory, { recursive: true });
  if (!existsSync(path.join(directory, "PG_VERSION"))) await initialiseInChildProcess(directory, logger);
  const pglite = await PgliteThread.open(directory, (error) => {
    // Every request and job of this process would fail from now on: better ended, and restarted
    // by whatever supervises it, than alive and useless. A crash loses no publication (claims
    // are fenced and reconciled) and at most 100 ms of link clicks.
    logger.fatal({ err: error }, "the embedded database stopped; ending the process");
    process.exit(1);
  });
  return {
    kind: "pglite",
    // Drizzle's driver uses only query and transaction, which the thread's client answers as PGlite does.
    db: drizzlePglite(pglite as unknown as PGlite, { schema }) as unknown as Database,
    pglite,
    executor: pgliteExecutor(pglite),
    close: () => pglite.close(),
  };
}

/** The embedded database in `directory`, created there when new, with every migration applied. */
export async function openMigratedPglite(directory: string) {
  const pglite = await PGlite.create(directory, { postgresqlconf: pgliteSettings });
  const db = drizzlePglite(pglite, { schema });
  await migratePglite(db, { migrationsFolder });
  return { pglite, db };
}

/**
 * Creating a database (initdb) and its first migration grow PGlite's WebAssembly memory, which
 * never shrinks, to about 140 MB more than a database opened afterwards needs. Done in a process
 * of its own that then ends, that memory goes back to the system; this process opens the result.
 */
async function initialiseInChildProcess(directory: string, logger: Logger): Promise<void> {
  logger.info({ directory }, "creating the embedded database");
  // The same extension as this file: .ts under tsx (whose loader the child inherits), .js when built.
  const script = fileURLToPath(
    new URL(`./pglite-init${path.extname(fileURLToPath(import.meta.url))}`, import.meta.url),
  );
  const child = fork(script, [directory], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
  const [code, signal] = (await once(child, "exit")) as [number | null, NodeJS.Signals | null];
  if (code !== 0)
    throw new Error(`creating the embedded database in ${directory} failed (${signal ?? `exit code ${code}`})`);
}

/**
 * pg-boss sends both parameterised single statements and multi-statement scripts (its own
 * migrations); PGlite takes the first through query() and the second only through exec().
 * PGlite runs one statement at a time, so no further serialisation is needed here.
 */
function pgliteExecutor(pglite: PgliteThread): SqlExecutor {
  return {
    async executeSql(text, values) {
      if (values?.length) return pglite.query(text, values);
      const results = await pglite.exec(text);
      return results.at(-1) ?? { rows: [] };
    },
  };
}

/** Rows of a raw query; both drivers answer with `rows`, which Drizzle's shared type hides. */
export async function selectRows<Row>(db: Database, query: SQL): Promise<Row[]> {
  const result = (await db.execute(query)) as unknown as { rows: Row[] };
  return result.rows;
}

/**
 * pg-boss's send() inside a Drizzle transaction, so a job commits or rolls back with the rows
 * that need it. Both drivers' transaction sessions hold a client with query(text, values).
 */
export function transactionExecutor(tx: Transaction): SqlExecutor {
  const client = (
    tx as unknown as { session: { client: { query(text: string, values?: unknown[]): Promise<{ rows: unknown[] }> } } }
  ).session.client;
  return { executeSql: (text, values) => client.query(text, values) };
}
