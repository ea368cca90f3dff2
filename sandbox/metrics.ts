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
