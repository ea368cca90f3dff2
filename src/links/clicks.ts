import { createHash, randomBytes } from "node:crypto";
import { eq, lt, sql } from "drizzle-orm";
import type { FastifyBaseLogger } from "fastify";
import type { AppContext } from "../context.js";
import { databaseErrorCode } from "../db/client.js";
import { clickSalts, linkClicks } from "../db/schema.js";

/**
 * Clicks are recorded without the request waiting for the database: kept in memory and written
 * FLUSH_DELAY_MS after the first of a batch arrives, and at shutdown. The price: a crash loses at
 * most that batch. Small batches written often keep each batch's preparation on the server's
 * thread short (a second's clicks took 7–18 ms, during which no redirect was answered). The
 * visitor's address is held in memory only until its batch is written, and stored only as a hash
 * with the day's salt.
 */
const FLUSH_DELAY_MS = 100;
/** A database that stays away does not take the process's memory with it: the oldest clicks are dropped first. */
const MAX_PENDING = 100_000;
const BATCH_SIZE = 1_000;
/** PostgreSQL's foreign key violation: the link was deleted (with its post) before its click was written. */
const FOREIGN_KEY_VIOLATION = "23503";

export interface Click {
  linkId: string;
  organizationId: string;
  postId: string;
  connectionId: string;
  platform: (typeof linkClicks.$inferInsert)["platform"];
  campaignId: string | null;
  clickId: string;
  clickedAt: Date;
  botName: string | null;
  address: string;
  userAgent: string;
}

export interface ClickRecorder {
  record(click: Click): void;
  /** Writes what is pending; answers once every click recorded before the call is written. */
  flush(): Promise<void>;
  close(): Promise<void>;
}

/** A click's id for the landing page (`msclid`): random, so a conversion names a click nobody can guess. */
export const newClickId = () => randomBytes(12).toString("base64url");

const recorders = new WeakMap<AppContext, ClickRecorder>();

/** The process's recorder for an app: one per app, shared by the redirect and the readers. */
export function clickRecorderOf(context: AppContext, logger: FastifyBaseLogger): ClickRecorder {
  const existing = recorders.get(context);
  if (existing) return existing;
  const recorder = createRecorder(context, logger);
  recorders.set(context, recorder);
  return recorder;
}

/** Writes this process's pending clicks before a read, so a report includes the click just made. */
export async function flushClicks(context: AppContext): Promise<void> {
  await recorders.get(context)?.flush();
}

const utcDay = (at: Date) => at.toISOString().slice(0, 10);

function createRecorder(context: AppContext, logger: FastifyBaseLogger): ClickRecorder {
  let pending: Click[] = [];
  let writing: Promise<void> = Promise.resolve();
  const salts = new Map<string, string>();

  /** The day's salt, shared by every process through the database; older days' salts are deleted. */
  async function saltOf(day: string): Promise<string> {
    const known = salts.get(day);
    if (known) return known;
    await context.db
      .insert(clickSalts)
      .values({ day, salt: randomBytes(32).toString("base64url") })
      .onConflictDoNothing();
    const [row] = await context.db.select({ salt: clickSalts.salt }).from(clickSalts).where(eq(clickSalts.day, day));
    const today = utcDay(new Date(context.clock.now()));
    if (day === today) {
      await context.db.delete(clickSalts).where(lt(clickSalts.day, today));
      for (const old of salts.keys()) if (old < today) salts.delete(old);
    }
    salts.set(day, row!.salt);
    return row!.salt;
  }

  async function rowsOf(clicks: Click[]) {
    const rows: ClickRow[] = [];
    const saltOfDay = new Map<string, string>();
    for (const day of new Set(clicks.map((click) => utcDay(click.clickedAt)))) saltOfDay.set(day, await saltOf(day));
    for (const { address, userAgent, botName, ...click } of clicks) {
      const salt = saltOfDay.get(utcDay(click.clickedAt))!;
      const visitorHash = createHash("sha256").update(`${salt}\n${address}\n${userAgent}`).digest("base64url");
      rows.push({ ...click, isBot: botName !== null, botName, visitorHash });
    }
    return rows;
  }

  async function write(clicks: Click[]): Promise<void> {
    const rows = await rowsOf(clicks);
    try {
      await insertClicks(context, rows);
    } catch (error) {
      if (databaseErrorCode(error) !== FOREIGN_KEY_VIOLATION) throw error;
      // One click of a deleted link must not cost the batch: the others are written one by one.
      for (const row of rows)
        await context.db
          .insert(linkClicks)
          .values(row)
          .onConflictDoNothing()
          .catch((each: unknown) => {
            if (databaseErrorCode(each) !== FOREIGN_KEY_VIOLATION) throw each;
          });
    }
  }

  async function writePending(): Promise<void> {
    while (pending.length > 0) {
      const batch = pending.slice(0, BATCH_SIZE);
      pending = pending.slice(BATCH_SIZE);
      try {
        await write(batch);
      } catch (error) {
        // Kept for the next flush: the database may be back by then.
        pending = [...batch, ...pending].slice(-MAX_PENDING);
        logger.warn(
          { err: error, pending: pending.length },
          "could not write link clicks; keeping them for the next flush",
        );
        return;
      }
    }
  }

  let timer: NodeJS.Timeout | undefined;
  const flush = () => {
    clearTimeout(timer);
    timer = undefined;
    writing = writing.then(writePending);
    return writing;
  };

  return {
    record(click) {
      pending.push(click);
      if (pending.length > MAX_PENDING) pending.shift();
      timer ??= setTimeout(() => void flush(), FLUSH_DELAY_MS).unref();
    },
    flush,
    close: flush,
  };
}

type ClickRow = typeof linkClicks.$inferInsert;

const insertedColumns = Object.entries({
  organizationId: linkClicks.organizationId,
  linkId: linkClicks.linkId,
  postId: linkClicks.postId,
  connectionId: linkClicks.connectionId,
  platform: linkClicks.platform,
  campaignId: linkClicks.campaignId,
  clickId: linkClicks.clickId,
  clickedAt: linkClicks.clickedAt,
  isBot: linkClicks.isBot,
  botName: linkClicks.botName,
  visitorHash: linkClicks.visitorHash,
} satisfies Partial<Record<keyof ClickRow, unknown>>) as [keyof ClickRow, (typeof linkClicks)["clickId"]][];

/**
 * The batch as one JSON parameter: given as values, each value is a parameter the query builder
 * walks on the server's thread, a few milliseconds for each hundred clicks.
 */
async function insertClicks(context: AppContext, rows: ClickRow[]): Promise<void> {
  const records = rows.map((row) =>
    Object.fromEntries(insertedColumns.map(([key, column]) => [column.name, row[key] ?? null])),
  );
  const names = sql.join(
    insertedColumns.map(([, column]) => sql.identifier(column.name)),
    sql`, `,
  );
  const types = sql.join(
    insertedColumns.map(([, column]) => sql`${sql.identifier(column.name)} ${sql.raw(column.getSQLType())}`),
    sql`, `,
  );
  await context.db.execute(
    sql`insert into ${linkClicks} (${names}) select ${names} from json_to_recordset(${JSON.stringify(records)}::json) as click(${types}) on conflict do nothing`,
  );
}
