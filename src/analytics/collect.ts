import { and, asc, eq, inArray, isNotNull, isNull, lte, ne, sql } from "drizzle-orm";
import type { AppContext } from "../context.js";
import type { Transaction } from "../db/client.js";
import {
  analyticsAccountDays,
  analyticsPostLatest,
  analyticsPostSnapshots,
  analyticsSchedule,
  analyticsUnavailable,
  connections,
  postTargets,
} from "../db/schema.js";
import { platformAccess, platformCall } from "../connections/access.js";
import { recordFailure, refreshConnection } from "../connections/health.js";
import { openTokens, type Connection } from "../connections/store.js";
import type {
  AccountMetrics,
  MetricUnavailable,
  PlatformAnalytics,
  PostMetrics,
  PostToMeasure,
} from "../platforms/analytics.js";
import { platforms } from "../platforms/index.js";
import { PlatformError } from "../platforms/platform.js";
import { chargeRead } from "./budget.js";
import { ACCOUNT_EVERY_MS, ACCOUNT_REREAD_DAYS, DAY, nextPostRead, nextSlot, POST_READ_HORIZON_MS } from "./cadence.js";
import { isPostMetric, latestColumn } from "./catalogue.js";
import { interactionsOf } from "./engagement.js";
import { shiftDay } from "./schemas.js";

/** Posts read in one job at most: the rest stay due for the next. */
const POSTS_PER_JOB = 1_000;
/** Published targets given a schedule per sweep at most. */
const SCHEDULES_PER_SWEEP = 5_000;

export const analyticsOf = (connection: Pick<Connection, "platform">): PlatformAnalytics | undefined =>
  platforms[connection.platform].analytics;

const dayOf = (epochMs: number) => new Date(epochMs).toISOString().slice(0, 10);

/**
 * Gives every measurable connection an account schedule (due now: its first collection reads
 * the history the platform still has) and every published post of one a post schedule, spread
 * by the target's id. Disconnected accounts and platforms without analytics are left out.
 */
export async function ensureSchedules(context: AppContext, connectionIds?: readonly string[]): Promise<void> {
  const { db } = context;
  const now = context.clock.now();
  const measurable = (
    await db
      .select({ id: connections.id, organizationId: connections.organizationId, platform: connections.platform })
      .from(connections)
      .leftJoin(analyticsSchedule, eq(analyticsSchedule.subjectId, connections.id))
      .where(
        and(
          ne(connections.status, "disconnected"),
          isNull(analyticsSchedule.subjectId),
          connectionIds ? inArray(connections.id, [...connectionIds]) : undefined,
        ),
      )
  ).filter((connection) => analyticsOf(connection));
  if (measurable.length > 0)
    await db
      .insert(analyticsSchedule)
      .values(
        measurable.map((connection) => ({
          subjectId: connection.id,
          kind: "account" as const,
          organizationId: connection.organizationId,
          connectionId: connection.id,
          nextDueAt: new Date(now),
        })),
      )
      .onConflictDoNothing();
  const unscheduled = await db
    .select({
      id: postTargets.id,
      organizationId: postTargets.organizationId,
      connectionId: postTargets.connectionId,
      platform: postTargets.platform,
      publishedAt: postTargets.publishedAt,
    })
    .from(postTargets)
    .leftJoin(analyticsSchedule, eq(analyticsSchedule.subjectId, postTargets.id))
    .where(
      and(
        eq(postTargets.state, "published"),
        isNotNull(postTargets.remotePostId),
        isNull(analyticsSchedule.subjectId),
        sql`${postTargets.publishedAt} > ${new Date(now - POST_READ_HORIZON_MS)}`,
        connectionIds ? inArray(postTargets.connectionId, [...connectionIds]) : undefined,
      ),
    )
    .limit(SCHEDULES_PER_SWEEP);
  const rows = unscheduled.flatMap((target) => {
    const analytics = analyticsOf(target);
    if (!analytics?.readPosts || !target.publishedAt) return [];
    const windowMs = analytics.postWindowDays ? analytics.postWindowDays * DAY : undefined;
    const publishedAt = target.publishedAt.getTime();
    // A post is first read at its first slot after publishing: at once when that has passed.
    const first = nextPostRead(publishedAt, publishedAt, target.id, windowMs);
    return [
      {
        subjectId: target.id,
        kind: "post" as const,
        organizationId: target.organizationId,
        connectionId: target.connectionId,
        targetId: target.id,
        nextDueAt: first === null ? null : new Date(first),
      },
    ];
  });
  if (rows.length > 0) await db.insert(analyticsSchedule).values(rows).onConflictDoNothing();
}

/** Healthy connections with an account or a post due: one collection each. */
export async function dueConnections(context: AppContext): Promise<string[]> {
  const rows = await context.db
    .selectDistinct({ id: analyticsSchedule.connectionId })
    .from(analyticsSchedule)
    .innerJoin(connections, eq(connections.id, analyticsSchedule.connectionId))
    .where(and(lte(analyticsSchedule.nextDueAt, new Date(context.clock.now())), eq(connections.status, "healthy")));
  return rows.map((row) => row.id);
}

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
  const tokens = await openTokens(context, connection);
  if (!tokens) return { kind: "skipped", reason: "the connection holds no token" };
  const access = platformAccess(context, connection.platform, connection.variant);
  const call = platformCall(access, tokens.accessToken, {
    organizationId: connection.organizationId,
    connectionId: connection.id,
  });
  const account = { externalId: connection.externalId, details: connection.details };
  const charge = async (cost: number) => {
    const now = context.clock.now();
    const charged = await chargeRead(db, {
      platform: connection.platform,
      connectionId: connection.id,
      budgets: analytics.budgets.map((budget) => ({
        ...budget,
        calls: Math.floor(budget.calls * context.config.analytics.budgetShare),
      })),
      cost,
      now,
    });
    if (!charged.allowed)
      throw new Stop(
        charged.retryAt,
        `read budget spent (${charged.budget.calls} per ${Math.round(charged.budget.perMs / 60_000)} min, ${charged.budget.scope}); deferred`,
      );
  };
  let accountReads = 0;
  let postReads = 0;
  try {
    // Posts first: young ones are read every 15 minutes, and a long history read on connect must
    // not spend the budget they need.
    postReads = await collectPosts(context, connection, analytics, async (batch) => {
      await charge(analytics.cost.posts);
      return analytics.readPosts!(call.api, account, batch, call.context);
    });
    accountReads = await collectAccount(context, connection, analytics, async (range) => {
      await charge(analytics.cost.account);
      return analytics.readAccount(call.api, account, range, call.context);
    });
    return { kind: "collected", accountReads, postReads };
  } catch (error) {
    if (error instanceof Stop) {
      await deferDue(context, connection.id, error.retryAt, error.reason);
      return { kind: "collected", accountReads, postReads, deferredUntil: error.retryAt, error: error.reason };
    }
    if (!(error instanceof PlatformError)) throw error;
    const failure = error.failure;
    if (failure.kind === "token_expired" && connection.refreshTokenCiphertext) {
      // Renewed for the next collection; until then what was due stays due.
      await refreshConnection(context, connection.id, { force: true });
    } else if (failure.kind === "token_expired" || failure.kind === "token_invalid") {
      await recordFailure(context, connection, error);
    }
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

async function storeAccount(context: AppContext, connection: Connection, metrics: AccountMetrics, now: number) {
  const fetchedAt = new Date(now);
  const base = {
    organizationId: connection.organizationId,
    connectionId: connection.id,
    platform: connection.platform,
  };
  const rows = [
    ...metrics.days.flatMap((day) =>
      day.readings.map((reading) => ({
        ...base,
        day: day.day,
        metric: reading.metric,
        source: reading.source,
        value: reading.value,
        fetchedAt,
      })),
    ),
    ...metrics.current.map((reading) => ({
      ...base,
      day: dayOf(now),
      metric: reading.metric,
      source: reading.source,
      value: reading.value,
      fetchedAt,
    })),
  ].filter((row) => Number.isFinite(row.value));
  await context.db.transaction(async (tx) => {
    for (let index = 0; index < rows.length; index += 500)
      await tx
        .insert(analyticsAccountDays)
        .values(rows.slice(index, index + 500))
        .onConflictDoUpdate({
          target: [analyticsAccountDays.connectionId, analyticsAccountDays.day, analyticsAccountDays.metric],
          set: {
            value: sql`excluded.value`,
            source: sql`excluded.source`,
            fetchedAt: sql`excluded.fetched_at`,
          },
        });
    const answered = [...new Set(rows.map((row) => row.metric))];
    await noteUnavailable(tx, connection, null, metrics.unavailable, answered, fetchedAt);
  });
}

/**
 * Keeps why metrics are missing for an account (no target) or a post, and clears the notes of
 * metrics that now have a value.
 */
async function noteUnavailable(
  tx: Transaction,
  connection: Connection,
  targetId: string | null,
  unavailable: readonly MetricUnavailable[],
  answered: readonly string[],
  notedAt: Date,
) {
  const subject = targetId ? eq(analyticsUnavailable.targetId, targetId) : isNull(analyticsUnavailable.targetId);
  if (answered.length > 0)
    await tx
      .delete(analyticsUnavailable)
      .where(
        and(
          eq(analyticsUnavailable.connectionId, connection.id),
          subject,
          inArray(analyticsUnavailable.metric, answered as never[]),
        ),
      );
  const notes = unavailable.filter((note) => !answered.includes(note.metric));
  if (notes.length === 0) return;
  await tx
    .insert(analyticsUnavailable)
    .values(
      notes.map((note) => ({
        organizationId: connection.organizationId,
        connectionId: connection.id,
        targetId,
        metric: note.metric,
        reason: note.reason,
        message: note.message,
        source: note.source ?? null,
        reconnectFor: note.reconnectFor ?? null,
        notedAt,
      })),
    )
    .onConflictDoUpdate({
      target: [analyticsUnavailable.connectionId, analyticsUnavailable.targetId, analyticsUnavailable.metric],
      set: {
        reason: sql`excluded.reason`,
        message: sql`excluded.message`,
        source: sql`excluded.source`,
        reconnectFor: sql`excluded.reconnect_for`,
        notedAt: sql`excluded.noted_at`,
      },
    });
}

async function collectPosts(
  context: AppContext,
  connection: Connection,
  analytics: PlatformAnalytics,
  read: (batch: PostToMeasure[]) => Promise<PostMetrics[]>,
): Promise<number> {
  if (!analytics.readPosts) return 0;
  const { db } = context;
  const due = await db
    .select({
      targetId: postTargets.id,
      postId: postTargets.postId,
      remoteId: postTargets.remotePostId,
      publishedAt: postTargets.publishedAt,
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
    const answers = await read(batch.map((row) => ({ remoteId: row.remoteId, publishedAt: row.publishedAt })));
    reads += 1;
    await storePosts(context, connection, analytics, batch, answers);
  }
  return reads;
}

type DueTarget = { targetId: string; postId: string; remoteId: string; publishedAt: Date };

async function storePosts(
  context: AppContext,
  connection: Connection,
  analytics: PlatformAnalytics,
  batch: readonly DueTarget[],
  answers: readonly PostMetrics[],
) {
  const now = context.clock.now();
  const fetchedAt = new Date(now);
  const windowMs = analytics.postWindowDays ? analytics.postWindowDays * DAY : undefined;
  await context.db.transaction(async (tx) => {
    const existing = await tx
      .select()
      .from(analyticsPostLatest)
      .where(
        inArray(
          analyticsPostLatest.targetId,
          batch.map((target) => target.targetId),
        ),
      );
    for (const target of batch) {
      const answer = answers.find((candidate) => candidate.remoteId === target.remoteId);
      const readings = (answer?.readings ?? []).filter(
        (reading) => isPostMetric(reading.metric) && Number.isFinite(reading.value),
      );
      if (readings.length > 0) {
        await tx.insert(analyticsPostSnapshots).values(
          readings.map((reading) => ({
            organizationId: connection.organizationId,
            connectionId: connection.id,
            postId: target.postId,
            targetId: target.targetId,
            remoteId: target.remoteId,
            metric: reading.metric,
            source: reading.source,
            value: reading.value,
            fetchedAt,
          })),
        );
        const previous = existing.find((row) => row.targetId === target.targetId);
        const values: Record<string, number | null> = {};
        const sources = { ...(previous?.sources ?? {}) };
        for (const reading of readings) {
          if (!isPostMetric(reading.metric)) continue;
          values[latestColumn[reading.metric]] = reading.value;
          sources[reading.metric] = reading.source;
        }
        const merged = { ...previous, ...values } as Record<string, number | null | undefined>;
        const row = {
          targetId: target.targetId,
          organizationId: connection.organizationId,
          connectionId: connection.id,
          postId: target.postId,
          platform: connection.platform,
          remoteId: target.remoteId,
          publishedAt: target.publishedAt,
          ...values,
          interactions: interactionsOf({
            reactions: merged.reactions,
            comments: merged.comments,
            shares: merged.shares,
            saves: merged.saves,
          }),
          sources,
          fetchedAt,
        };
        await tx
          .insert(analyticsPostLatest)
          .values(row)
          .onConflictDoUpdate({
            target: analyticsPostLatest.targetId,
            set: { ...values, interactions: row.interactions, sources, fetchedAt },
          });
      }
      await noteUnavailable(
        tx,
        connection,
        target.targetId,
        answer?.unavailable ?? [],
        readings.map((reading) => reading.metric),
        fetchedAt,
      );
      const next = nextPostRead(now, target.publishedAt.getTime(), target.targetId, windowMs);
      await tx
        .update(analyticsSchedule)
        .set({
          nextDueAt: next === null ? null : new Date(next),
          lastCollectedAt: fetchedAt,
          lastError: null,
          lastErrorAt: null,
        })
        .where(eq(analyticsSchedule.subjectId, target.targetId));
    }
  });
}

/**
 * Makes everything of an organization's connections due now (their accounts and the posts still
 * read) so the next collection reads them, within budgets as ever.
 */
export async function makeDueNow(context: AppContext, connectionIds: readonly string[]): Promise<Map<string, number>> {
  const now = new Date(context.clock.now());
  await ensureSchedules(context, connectionIds);
  const posts = new Map<string, number>();
  if (connectionIds.length === 0) return posts;
  await context.db
    .update(analyticsSchedule)
    .set({ nextDueAt: now })
    .where(and(inArray(analyticsSchedule.connectionId, [...connectionIds]), isNotNull(analyticsSchedule.nextDueAt)));
  const counts = await context.db
    .select({ connectionId: analyticsSchedule.connectionId, count: sql<number>`count(*)`.mapWith(Number) })
    .from(analyticsSchedule)
    .where(
      and(
        inArray(analyticsSchedule.connectionId, [...connectionIds]),
        eq(analyticsSchedule.kind, "post"),
        isNotNull(analyticsSchedule.nextDueAt),
      ),
    )
    .groupBy(analyticsSchedule.connectionId);
  for (const row of counts) posts.set(row.connectionId, row.count);
  return posts;
}
