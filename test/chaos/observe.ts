import assert from "node:assert/strict";
import { setTimeout as delay } from "node:timers/promises";
import type pg from "pg";
import type { TargetOutcome, Violation } from "./invariants.js";
import { createPost, revisePost, type CreatedPost, type PlannedPost } from "./workload.js";
import type { ChaosPlatform, Organization } from "./world.js";

/** Creates the planned posts through the API, a few at a time, as several people composing at once would. */
export async function createAll(organizations: Organization[], plan: PlannedPost[]): Promise<CreatedPost[]> {
  const created: CreatedPost[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (next < plan.length) {
        const planned = plan[next++]!;
        created.push(await createPost(organizations[planned.organization]!, planned));
      }
    }),
  );
  return created;
}

/** Cancels, edits and moves what the plan says, once everything is created; a refused change is a violation. */
export async function reviseAll(organizations: Organization[], posts: CreatedPost[]): Promise<Violation[]> {
  const violations: Violation[] = [];
  for (const post of posts) {
    const refusal = await revisePost(organizations[post.plan.organization]!, post);
    if (refusal)
      violations.push({
        kind: "edit-refused",
        platform: post.plan.platforms.join(","),
        marker: post.marker,
        product: refusal,
        truth: `a valid ${post.plan.kind} post, still waiting for its time; the change named only what it changed`,
      });
  }
  return violations;
}

/** An unknown target on a platform that can be asked has this long to be asked again before it counts as its end. */
const UNKNOWN_GRACE_MS = 45_000;
/** The product cannot ask Telegram what was published (the Bot API has no channel history). */
const cannotBeAsked = new Set<string>(["telegram"]);
/** How often the drain looks at the targets (one small query); connections, through the API, every fifth time. */
const DRAIN_POLL_MS = 200;
const CONNECTION_POLL_EVERY = 5;

async function connectionStatuses(organizations: Organization[]) {
  const lists = await Promise.all(
    organizations.map(async (organization) => {
      const answer = await organization.client.get("/api/social-media/connections");
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      return answer.body.connections as { platform: string; name: string; status: string; lastError: string | null }[];
    }),
  );
  return lists.flat();
}

/** Targets still to settle, counted by platform and state: queued, publishing, or unknown and still to be asked. */
async function pendingTargets(database: pg.Pool): Promise<Record<string, number> | undefined> {
  const rows = await database
    .query<{ platform: string; state: string; total: number }>(
      `select platform, state, count(*)::int as total from post_targets
       where state in ('queued', 'publishing') or (state = 'unknown' and platform <> all($1::text[]) and updated_at > $2)
       group by platform, state`,
      [[...cannotBeAsked], new Date(Date.now() - UNKNOWN_GRACE_MS)],
    )
    .then((result) => result.rows)
    .catch(() => undefined);
  return rows && Object.fromEntries(rows.map((row) => [`${row.platform}:${row.state}`, row.total]));
}

/**
 * Waits, bounded, for every target to settle (published, failed, cancelled, or unknown for good)
 * and for every connection to be healthy again. Answers how long each took after the faults
 * stopped, or null when the bound passed first.
 */
export async function drain(options: {
  database: pg.Pool;
  organizations: Organization[];
  faultsStoppedAt: number;
  timeoutMs: number;
  connectionRecoveryMs: number;
  log: (line: string) => void;
}): Promise<{ drainMs: number | null; connectionsHealthyAfterMs: number | null }> {
  const deadline = options.faultsStoppedAt + options.timeoutMs;
  const connectionDeadline = options.faultsStoppedAt + options.connectionRecoveryMs;
  let drainMs: number | null = null;
  let connectionsHealthyAfterMs: number | null = null;
  let lastReport = 0;
  for (let poll = 0; Date.now() < Math.max(deadline, connectionDeadline); poll += 1) {
    if (drainMs === null && Date.now() < deadline) {
      const pending = await pendingTargets(options.database);
      if (pending && Object.keys(pending).length === 0) drainMs = Date.now() - options.faultsStoppedAt;
      else if (pending && Date.now() - lastReport > 10_000) {
        lastReport = Date.now();
        options.log(`  still settling: ${JSON.stringify(pending)}`);
      }
    }
    if (connectionsHealthyAfterMs === null && poll % CONNECTION_POLL_EVERY === 0) {
      const statuses = await connectionStatuses(options.organizations).catch(() => undefined);
      if (statuses?.every((connection) => connection.status === "healthy"))
        connectionsHealthyAfterMs = Date.now() - options.faultsStoppedAt;
    }
    const drainDone = drainMs !== null || Date.now() >= deadline;
    const connectionsDone = connectionsHealthyAfterMs !== null || Date.now() >= connectionDeadline;
    if (drainDone && connectionsDone) break;
    await delay(DRAIN_POLL_MS);
  }
  return { drainMs, connectionsHealthyAfterMs };
}

/** Every target as the API shows it to the organization, with the database's timing. */
export async function readOutcomes(
  database: pg.Pool,
  organizations: Organization[],
  posts: CreatedPost[],
): Promise<TargetOutcome[]> {
  const timing = new Map(
    (
      await database.query<{ id: string; due_at: Date; updated_at: Date }>(
        "select id, due_at, updated_at from post_targets",
      )
    ).rows.map((row) => [row.id, row]),
  );
  const outcomes: TargetOutcome[] = [];
  for (const post of posts) {
    const organization = organizations[post.plan.organization]!;
    const answer = await organization.client.get(`/api/posts/${post.id}`);
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    for (const target of answer.body.post.targets as {
      id: string;
      platform: ChaosPlatform;
      state: string;
      postId: string | null;
      error: string | null;
      attempts: number;
    }[]) {
      const row = timing.get(target.id);
      outcomes.push({
        id: target.id,
        postId: post.id,
        organization: organization.index,
        platform: target.platform,
        marker: post.marker,
        cancelled: post.cancelled,
        sandboxAccount: organization.accounts[target.platform].sandboxAccount,
        state: target.state,
        remoteId: target.postId,
        error: target.error,
        attempts: target.attempts,
        dueAt: row?.due_at.getTime() ?? post.createdAt,
        updatedAt: row?.updated_at.getTime() ?? Date.now(),
        threadParts: target.platform === "x" ? (post.plan.options.threadParts ?? []) : [],
        mediaCount: post.plan.photos + (post.plan.video ? 1 : 0),
      });
    }
  }
  return outcomes;
}

/** Connections still unhealthy once the faults have stopped and the recovery time has passed. */
export async function connectionViolations(organizations: Organization[]): Promise<Violation[]> {
  return (await connectionStatuses(organizations))
    .filter((connection) => connection.status !== "healthy")
    .map((connection) => ({
      kind: "connection-unhealthy" as const,
      platform: connection.platform,
      product: `${connection.name}: ${connection.status}${connection.lastError ? ` (${connection.lastError})` : ""}`,
      truth: "the faults have stopped and the grant was never revoked: the platform accepts it again",
    }));
}
