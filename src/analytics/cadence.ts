import { createHash } from "node:crypto";

/**
 * When metrics are read. A post: every 15 minutes while younger than 48 hours (engagement moves
 * fast), hourly to 7 days, daily to 90 days, then no more (its last values stand). An account:
 * daily. Each account's reads fall at its own offset inside the interval, drawn from a hash of its
 * id, so a thousand accounts are spread over the window instead of all read at minute 0; an
 * account's posts share its offset, so the posts of one age that come due together are read in
 * one call where the platform reads several (`postsPerRead`): offsets per post made every read a
 * call of its own, which a daily quota of units cannot pay for a few hundred accounts
 * (`npm run bench:collection`).
 */

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

export const postCadence = [
  { untilAgeMs: 48 * HOUR, everyMs: 15 * MINUTE },
  { untilAgeMs: 7 * DAY, everyMs: HOUR },
  { untilAgeMs: 90 * DAY, everyMs: DAY },
] as const;
/** How long after publishing a post is still read. */
export const POST_READ_HORIZON_MS = postCadence.at(-1)!.untilAgeMs;
export const ACCOUNT_EVERY_MS = DAY;
/** Account days re-read on every daily collection: some platforms' figures settle over 48 hours. */
export const ACCOUNT_REREAD_DAYS = 3;

/** A stable fraction in [0, 1) from an id. */
export function spreadOf(id: string): number {
  return createHash("sha256").update(id).digest().readUInt32BE(0) / 2 ** 32;
}

/** The cadence's intervals, each a whole number of the one before. */
const nestedIntervals = [15 * MINUTE, HOUR, DAY];

/**
 * A subject's offset in an interval, spread evenly over it. Each interval's offset is one of the
 * shorter interval's slots (the hourly read falls on one of the 15-minute reads, the daily one on
 * an hourly read), so an account's posts of every age, and the account itself, come due together
 * and share a call: offsets drawn apart per interval put an account's hourly read beside its four
 * 15-minute ones, five calls an hour where four read everything.
 */
function offsetIn(everyMs: number, subjectId: string): number {
  if (!nestedIntervals.includes(everyMs)) return Math.floor(spreadOf(subjectId) * everyMs);
  let offset = 0;
  let shorter = 1;
  for (const interval of nestedIntervals) {
    offset += Math.floor(spreadOf(`${subjectId}:${interval}`) * (interval / shorter)) * shorter;
    if (interval === everyMs) return offset;
    shorter = interval;
  }
  return offset;
}

/** The first instant after `after` that falls on the subject's offset in an interval. */
export function nextSlot(after: number, everyMs: number, subjectId: string): number {
  const offset = offsetIn(everyMs, subjectId);
  return Math.floor((after - offset) / everyMs) * everyMs + offset + everyMs;
}

/**
 * A post's next read after `after`, at its account's offset (`accountId`), or null once it is past
 * the horizon. A platform that stops answering earlier (`windowMs`) gets a last read an hour
 * before its window closes.
 */
export function nextPostRead(after: number, publishedAt: number, accountId: string, windowMs?: number): number | null {
  const horizon = Math.min(POST_READ_HORIZON_MS, windowMs ?? Infinity);
  const age = after - publishedAt;
  if (age >= horizon) return null;
  const step = postCadence.find((candidate) => age < candidate.untilAgeMs) ?? postCadence.at(-1)!;
  const next = nextSlot(after, step.everyMs, accountId);
  const lastRead = publishedAt + horizon - HOUR;
  if (windowMs !== undefined && windowMs < POST_READ_HORIZON_MS && next > lastRead)
    return after < lastRead ? lastRead : null;
  return next - publishedAt >= POST_READ_HORIZON_MS ? null : next;
}
