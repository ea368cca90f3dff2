import { and, eq, inArray, isNull, sql } from "drizzle-orm";
import type { AppContext } from "../context.js";
import type { Transaction } from "../db/client.js";
import {
  analyticsAccountDays,
  analyticsPostLatest,
  analyticsPostSnapshots,
  analyticsSchedule,
  analyticsUnavailable,
} from "../db/schema.js";

import { type Connection } from "../connections/store.js";
import type { AccountMetrics, MetricUnavailable, PlatformAnalytics, PostMetrics } from "../platforms/analytics.js";

import { DAY, nextPostRead } from "./cadence.js";
import { isPostMetric, latestColumn } from "./catalogue.js";
import { interactionsOf } from "./engagement.js";
import { refreshPlatformRollups, refreshPostRollups } from "./rollups.js";
import { dayOf } from "./schemas.js";

export async function storeAccount(context: AppContext, connection: Connection, metrics: AccountMetrics, now: number) {
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
    const days = rows.map((row) => row.day).sort();
    if (days.length > 0)
      await refreshPlatformRollups(tx, {
        organizationId: connection.organizationId,
        platform: connection.platform,
        since: days[0],
        until: days.at(-1),
      });
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

export type DueTarget = { targetId: string; postId: string; remoteId: string; publishedAt: Date };

export async function storePosts(
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
      const next = nextPostRead(now, target.publishedAt.getTime(), connection.id, windowMs);
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
    const days = batch.map((target) => dayOf(target.publishedAt.getTime())).sort();
    await refreshPostRollups(tx, {
      organizationId: connection.organizationId,
      platform: connection.platform,
      since: days[0],
      until: days.at(-1),
    });
  });
}
