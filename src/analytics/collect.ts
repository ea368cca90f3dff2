import { and, asc, eq, inArray, lte } from "drizzle-orm";
import type { AppContext } from "../context.js";

import { analyticsSchedule, connections, postTargets } from "../db/schema.js";
import { recordFailure, withFreshToken } from "../connections/health.js";
import { openTokens, type Connection } from "../connections/store.js";
import type { AccountMetrics, PlatformAnalytics, PostMetrics, PostToMeasure } from "../platforms/analytics.js";

import { PlatformError } from "../platforms/platform.js";
import { chargeRead } from "./budget.js";
import { ACCOUNT_EVERY_MS, ACCOUNT_REREAD_DAYS, DAY, nextSlot, POST_READ_HORIZON_MS } from "./cadence.js";
import { analyticsOf } from "./catalogue.js";

import { dayOf, shiftDay } from "./schemas.js";
import { storeAccount, storePosts } from "./store.js";

/** Posts read in one job at most: the rest stay due for the next. */
const POSTS_PER_JOB = 1_000;

export type CollectionOutcome =
  | { kind: "skipped"; reason: string }
  | { kind: "collected"; accountReads: number; postReads: number; deferredUntil?: Date; error?: string };

/** Where a read stopped early: a spent budget or a platform's refusal, which leaves the rest due. */
class Stop extends Error {
  constructor(
    readonly retryAt: Date,
    readonly reason: string,
  ) {
    super(reason);
  }
}

/**
 * Reads what is due for one connection: its due posts in batches, then its account (the history
 * on the first collection, in slices the platform accepts; the last days after), each read
 * charged against the platform's budgets first. An unhealthy connection is not read (its last
 * values stand). A platform failure is kept with the schedule; only a token failure changes the
 * connection's health, as publishing does.
 */
export async function collectConnection(context: AppContext, connectionId: string): Promise<CollectionOutcome> {
  const { db } = context;
  const [connection] = await db.select().from(connections).where(eq(connections.id, connectionId));
  if (!connection) return { kind: "skipped", reason: "no such connection" };
  if (connection.status !== "healthy") return { kind: "skipped", reason: `the connection is ${connection.status}` };
  const analytics = analyticsOf(connection);
  if (!analytics) return { kind: "skipped", reason: "the platform offers no analytics" };
  if (!(await openTokens(context, connection))) return { kind: "skipped", reason: "the connection holds no token" };
  const account = { externalId: connection.externalId, details: connection.details, scopes: connection.scopes };
  const charge = async (kind: "posts" | "account", cost: number, postsNewToday = 0) => {
    const now = context.clock.now();
    const charged = await chargeRead(db, {
      platform: connection.platform,
      connectionId: connection.id,
      budgets: analytics.budgets.map((budget) => ({
        ...budget,
        calls: Math.floor(budget.calls * context.config.analytics.budgetShare),
      })),
      kind,
      cost,
      postsNewToday,
      now,
    });
    if (!charged.allowed) {
      const { calls, perMs, scope } = charged.budget;
      const budget = `${calls} per ${Math.round(perMs / 60_000)} min, ${scope}`;
      throw new Stop(
        charged.retryAt,
        charged.paced
          ? `read budget paced (${budget}: spent evenly over its window, shared by every account); deferred`
          : `read budget spent (${budget}); deferred`,
      );
    }
  };
  let accountReads = 0;
  let postReads = 0;
  try {
    // Posts first: young ones are read every 15 minutes, and a long history read on connect must
    // not spend the budget they need.
    postReads = await collectPosts(context, connection, analytics, async (batch, newToday) => {
      await charge("posts", analytics.cost.posts, newToday);
      // An access token that expired since the last refresh is renewed and the read made again, as publishing does.
      return withFreshToken(context, connection, {}, (call) =>
        analytics.readPosts!(call.api, account, batch, call.context),
      );
    });
    accountReads = await collectAccount(context, connection, analytics, async (range) => {
      await charge("account", analytics.cost.account);
      return withFreshToken(context, connection, {}, (call) =>
        analytics.readAccount(call.api, account, range, call.context),
      );
    });
    return { kind: "collected", accountReads, postReads };
  } catch (error) {
    if (error instanceof Stop) {
      await deferDue(context, connection.id, error.retryAt, error.reason);
      return { kind: "collected", accountReads, postReads, deferredUntil: error.retryAt, error: error.reason };
    }
    if (!(error instanceof PlatformError)) throw error;
    const failure = error.failure;
    // withFreshToken has renewed an expired token already: one still refused is the grant's end.
    if (failure.kind === "token_expired" || failure.kind === "token_invalid")
      await recordFailure(context, connection, error);
    const retryAt = failure.kind === "rate_limited" ? failure.retryAt : new Date(context.clock.now() + 15 * 60_000);
    await deferDue(context, connection.id, retryAt, error.message);
    return { kind: "collected", accountReads, postReads, deferredUntil: retryAt, error: error.message };
  }
}

/** Puts back what is due for a connection until a time, with why. */
async function deferDue(context: AppContext, connectionId: string, until: Date, reason: string) {
  const now = new Date(context.clock.now());
  await context.db
    .update(analyticsSchedule)
    .set({ nextDueAt: until, lastError: reason, lastErrorAt: now })
    .where(and(eq(analyticsSchedule.connectionId, connectionId), lte(analyticsSchedule.nextDueAt, now)));
}

/** The account's days to read now, in slices the platform takes: all its history the first time. */
export function accountRanges(analytics: PlatformAnalytics, today: string, backfilled: boolean) {
  const days = backfilled ? ACCOUNT_REREAD_DAYS : analytics.historyDays;
  const slice = Math.max(1, Math.min(analytics.accountRangeDays ?? days, days));
  const ranges: { since: string; until: string }[] = [];
  // Newest first: a budget that runs out mid-history leaves the recent days read.
  for (let offset = 0; offset < days; offset += slice)
    ranges.push({ since: shiftDay(today, -Math.min(days, offset + slice) + 1), until: shiftDay(today, -offset) });
  return ranges;
}

async function collectAccount(
  context: AppContext,
  connection: Connection,
  analytics: PlatformAnalytics,
  read: (range: { since: string; until: string }) => Promise<AccountMetrics>,
): Promise<number> {
  const { db } = context;
  const now = context.clock.now();
  const [schedule] = await db
    .select()
    .from(analyticsSchedule)
    .where(and(eq(analyticsSchedule.subjectId, connection.id), lte(analyticsSchedule.nextDueAt, new Date(now))));
  if (!schedule) return 0;
  const ranges = accountRanges(analytics, dayOf(now), schedule.backfilledAt !== null);
  for (const range of ranges) {
    const metrics = await read(range);
    await storeAccount(context, connection, metrics, now);
  }
  await db
    .update(analyticsSchedule)
    .set({
      lastCollectedAt: new Date(now),
      backfilledAt: schedule.backfilledAt ?? new Date(now),
      nextDueAt: new Date(nextSlot(now, ACCOUNT_EVERY_MS, connection.id)),
      lastError: null,
      lastErrorAt: null,
    })
    .where(eq(analyticsSchedule.subjectId, connection.id));
  return ranges.length;
}

async function collectPosts(
  context: AppContext,
  connection: Connection,
  analytics: PlatformAnalytics,
  read: (batch: PostToMeasure[], newToday: number) => Promise<PostMetrics[]>,
): Promise<number> {
  if (!analytics.readPosts) return 0;
  const { db } = context;
  const due = await db
    .select({
      targetId: postTargets.id,
      postId: postTargets.postId,
      remoteId: postTargets.remotePostId,
      publishedAt: postTargets.publishedAt,
      lastCollectedAt: analyticsSchedule.lastCollectedAt,
    })
    .from(analyticsSchedule)
    .innerJoin(postTargets, eq(postTargets.id, analyticsSchedule.targetId))
    .where(
      and(
        eq(analyticsSchedule.connectionId, connection.id),
        eq(analyticsSchedule.kind, "post"),
        lte(analyticsSchedule.nextDueAt, new Date(context.clock.now())),
      ),
    )
    .orderBy(asc(analyticsSchedule.nextDueAt))
    .limit(POSTS_PER_JOB);
  const now = context.clock.now();
  const horizon = Math.min(POST_READ_HORIZON_MS, analytics.postWindowDays ? analytics.postWindowDays * DAY : Infinity);
  // A post the clock has carried past what is read (the worker was down, the platform's window
  // closed) is not read again: its last values stand.
  const readable = (row: (typeof due)[number]): row is typeof row & { remoteId: string; publishedAt: Date } =>
    row.remoteId !== null && row.publishedAt !== null && now - row.publishedAt.getTime() < horizon;
  const past = due.filter((row) => !readable(row));
  if (past.length > 0)
    await db
      .update(analyticsSchedule)
      .set({ nextDueAt: null })
      .where(
        inArray(
          analyticsSchedule.subjectId,
          past.map((row) => row.targetId),
        ),
      );
  const measurable = due.filter(readable);
  const size = Math.max(1, analytics.postsPerRead);
  let reads = 0;
  for (let index = 0; index < measurable.length; index += size) {
    const batch = measurable.slice(index, index + size);
    const newToday = batch.filter(
      (row) => row.lastCollectedAt === null || dayOf(row.lastCollectedAt.getTime()) !== dayOf(now),
    ).length;
    const answers = await read(
      batch.map((row) => ({ remoteId: row.remoteId, publishedAt: row.publishedAt })),
      newToday,
    );
    reads += 1;
    await storePosts(context, connection, analytics, batch, answers);
  }
  return reads;
}
