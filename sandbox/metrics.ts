import { unitHash } from "./state.js";

/**
 * A metric that grows with a post's age, the same on every call and every run: a rate drawn
 * once from the key, times age in hours with diminishing returns. Never Math.random.
 */
export function grown(key: string, createdAt: number, now: number, perHour: number): number {
  const hours = Math.max(0, (now - createdAt) / 3_600_000);
  const rate = perHour * (0.5 + unitHash(key));
  return Math.floor(rate * hours ** 0.85);
}

/** A share of a grown total (clicks among impressions, likes among views), also stable. */
export function shareOf(key: string, total: number, low: number, high: number): number {
  return Math.floor(total * (low + (high - low) * unitHash(key)));
}

/**
 * The instant a post's counters last moved: they move once an hour of its age, as Meta's lifetime
 * insights settle in batches, so a test reading a value a moment after the product did sees the
 * very same one.
 */
export function lastMovedAt(createdAt: number, now: number): number {
  return createdAt + Math.max(0, Math.floor((now - createdAt) / 3_600_000)) * 3_600_000;
}

/** A Facebook post's deterministic counts: views grow with its age, by the hour; the rest are shares of them. */
export function postCounts(item: { id: string; createdAt: number }, now: number) {
  const views = grown(`${item.id}:views`, item.createdAt, lastMovedAt(item.createdAt, now), 120);
  const reach = shareOf(`${item.id}:reach`, views, 0.6, 0.9);
  const like = shareOf(`${item.id}:like`, reach, 0.03, 0.07);
  const love = shareOf(`${item.id}:love`, reach, 0, 0.02);
  return {
    views,
    reach,
    clicks: shareOf(`${item.id}:clicks`, reach, 0.02, 0.08),
    like,
    love,
    comments: shareOf(`${item.id}:comments`, reach, 0.002, 0.01),
    shares: shareOf(`${item.id}:shares`, reach, 0, 0.006),
  };
}

/** An Instagram media's deterministic insights: views grow with its age, by the hour; the rest are shares of them. */
export function mediaCounts(item: { id: string; createdAt: number }, now: number) {
  const views = grown(`${item.id}:views`, item.createdAt, lastMovedAt(item.createdAt, now), 90);
  const likes = shareOf(`${item.id}:likes`, views, 0.04, 0.1);
  const comments = shareOf(`${item.id}:comments`, views, 0.002, 0.01);
  const shares = shareOf(`${item.id}:shares`, views, 0.001, 0.01);
  const saved = shareOf(`${item.id}:saved`, views, 0.002, 0.02);
  return {
    reach: shareOf(`${item.id}:reach`, views, 0.55, 0.85),
    likes,
    comments,
    shares,
    saved,
    views,
    total_interactions: likes + comments + shares + saved,
  };
}

/** A Facebook video's deterministic counts: 3-second views grow with its age, by the hour; watch time is views × seconds each. */
export function videoCounts(item: { id: string; createdAt: number }, now: number) {
  const views = grown(`${item.id}:video_views`, item.createdAt, lastMovedAt(item.createdAt, now), 80);
  const secondsEach = 4 + Math.floor(unitHash(`${item.id}:seconds`) * 40);
  return {
    views,
    viewers: shareOf(`${item.id}:viewers`, views, 0.6, 0.9),
    totalTimeMs: views * secondsEach * 1000,
    likes: shareOf(`${item.id}:likes`, views, 0.02, 0.08),
    comments: shareOf(`${item.id}:comments`, views, 0.002, 0.01),
  };
}
