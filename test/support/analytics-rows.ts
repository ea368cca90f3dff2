import { randomUUID } from "node:crypto";
import { interactionsOf } from "../../src/analytics/engagement.js";
import type { Database } from "../../src/db/client.js";
import {
  analyticsAccountDays,
  analyticsPostLatest,
  analyticsPostSnapshots,
  connections,
  posts,
  postTargets,
} from "../../src/db/schema.js";
import type { MetricName } from "../../src/platforms/analytics.js";
import type { PlatformId } from "../../src/platforms/profiles.js";

/**
 * Rows as the collector leaves them (a connection, a published post with its stored readings,
 * an account's days), written straight to the tables: for reports over more history than a test
 * can collect through the sandbox. Callers refresh the rollups as the collector does.
 */

export type PostValues = Partial<
  Record<"views" | "reach" | "reactions" | "comments" | "shares" | "saves" | "clicks", number | null>
>;

export function connectionRow(organizationId: string, platform: PlatformId, label: string) {
  return {
    id: randomUUID(),
    organizationId,
    platform,
    externalId: label,
    accountKind: "page",
    name: `Account ${label}`,
    status: "healthy" as const,
  };
}

/** A post published on one account, with its latest values and a snapshot of each. */
export function publishedPostRows(
  account: ReturnType<typeof connectionRow>,
  post: { label: string; publishedAt: Date; values: PostValues; fetchedAt: Date },
) {
  const postId = randomUUID();
  const targetId = randomUUID();
  const { organizationId } = account;
  const remoteId = `remote-${post.label}`;
  const base = { organizationId, connectionId: account.id, postId, targetId, remoteId };
  return {
    post: {
      id: postId,
      organizationId,
      content: `Post ${post.label}`,
      status: "published" as const,
      scheduledAt: post.publishedAt,
    },
    target: {
      id: targetId,
      organizationId,
      postId,
      connectionId: account.id,
      platform: account.platform,
      state: "published" as const,
      dueAt: post.publishedAt,
      publishedAt: post.publishedAt,
      remotePostId: remoteId,
      remoteUrl: `https://example.com/${post.label}`,
    },
    latest: {
      ...base,
      platform: account.platform,
      publishedAt: post.publishedAt,
      ...post.values,
      interactions: interactionsOf(post.values),
      sources: {},
      fetchedAt: post.fetchedAt,
    },
    snapshots: Object.entries(post.values).flatMap(([metric, value]) =>
      value == null
        ? []
        : [{ ...base, metric: metric as MetricName, source: metric, value, fetchedAt: post.fetchedAt }],
    ),
  };
}

export function accountDayRow(
  account: ReturnType<typeof connectionRow>,
  day: { day: string; metric: MetricName; value: number; fetchedAt: Date },
) {
  return {
    organizationId: account.organizationId,
    connectionId: account.id,
    platform: account.platform,
    source: day.metric,
    ...day,
  };
}

/** Inserts rows in slices a statement's parameters can hold. */
async function insertAll(db: Database, table: Parameters<Database["insert"]>[0], rows: unknown[], size = 2_000) {
  for (let index = 0; index < rows.length; index += size)
    await db.insert(table).values(rows.slice(index, index + size) as never);
}

export async function insertAnalyticsRows(
  db: Database,
  rows: {
    accounts: ReturnType<typeof connectionRow>[];
    posts: ReturnType<typeof publishedPostRows>[];
    days: ReturnType<typeof accountDayRow>[];
  },
) {
  await insertAll(db, connections, rows.accounts);
  await insertAll(
    db,
    posts,
    rows.posts.map((entry) => entry.post),
  );
  await insertAll(
    db,
    postTargets,
    rows.posts.map((entry) => entry.target),
  );
  await insertAll(
    db,
    analyticsPostLatest,
    rows.posts.map((entry) => entry.latest),
  );
  await insertAll(
    db,
    analyticsPostSnapshots,
    rows.posts.flatMap((entry) => entry.snapshots),
    5_000,
  );
  await insertAll(db, analyticsAccountDays, rows.days, 5_000);
}
