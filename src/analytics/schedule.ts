import { and, eq, inArray, isNotNull, isNull, lte, ne, sql } from "drizzle-orm";
import type { AppContext } from "../context.js";

import { analyticsSchedule, connections, postTargets } from "../db/schema.js";
import { queues } from "../jobs/queue.js";

import { DAY, nextPostRead, POST_READ_HORIZON_MS } from "./cadence.js";
import { analyticsOf } from "./catalogue.js";

/** Published targets given a schedule per sweep at most. */
const SCHEDULES_PER_SWEEP = 5_000;

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
    const first = nextPostRead(publishedAt, publishedAt, target.connectionId, windowMs);
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

/** Healthy connections with an account or a post due and no collection waiting: one collection each. */
export async function dueConnections(context: AppContext): Promise<string[]> {
  const waiting = await context.queue.waitingKeys(queues.analyticsCollect);
  const rows = await context.db
    .selectDistinct({ id: analyticsSchedule.connectionId })
    .from(analyticsSchedule)
    .innerJoin(connections, eq(connections.id, analyticsSchedule.connectionId))
    .where(and(lte(analyticsSchedule.nextDueAt, new Date(context.clock.now())), eq(connections.status, "healthy")));
  return rows.map((row) => row.id).filter((id) => !waiting.has(id));
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
