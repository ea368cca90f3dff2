/**
 * Engagement rate, defined once for the server and the dashboard (pure: no imports beyond types).
 *
 * - Interactions = reactions + comments + shares + saves, each where the platform provides it.
 *   Clicks are left out (most platforms lack them) and platform composites (a platform's own
 *   "engagements") are kept but never used here.
 * - Rate = interactions ÷ views; by reach where the platform measures reach. Both read from the
 *   same snapshot.
 * - Over a period: Σ interactions ÷ Σ views over the posts that have both (a ratio of sums, not a
 *   mean of per-post rates), saying how many posts had no views to count.
 * - Null, never 0, when the denominator is 0 or missing.
 */

export const interactionParts = ["reactions", "comments", "shares", "saves"] as const;
export type InteractionPart = (typeof interactionParts)[number];

export type MetricValues = Partial<Record<InteractionPart | "views" | "reach", number | null>>;

/** The sum of the parts a post has; null when it has none of them. */
export function interactionsOf(values: MetricValues): number | null {
  const present = interactionParts.map((part) => values[part]).filter((value) => value != null);
  return present.length === 0 ? null : present.reduce((sum, value) => sum + value, 0);
}

export type RateBasis = "views" | "reach";

export interface EngagementRate {
  /** A fraction (0.05 = 5 %), or null when nothing could be divided by. */
  value: number | null;
  basis: RateBasis;
  /** Posts counted in the ratio. */
  posts: number;
  /** Posts left out because the basis was missing or 0. */
  postsWithoutViews: number;
}

/** Interactions and the basis of one post, as stored. */
export interface RatedPost {
  interactions: number | null;
  views: number | null;
  reach: number | null;
}

/** A single post's rate on a basis; null without interactions or a positive basis. */
export function postEngagementRate(post: RatedPost, basis: RateBasis = "views"): number | null {
  const denominator = post[basis];
  if (post.interactions == null || denominator == null || denominator <= 0) return null;
  return post.interactions / denominator;
}

/** The rate over a period's posts: Σ interactions ÷ Σ basis over the posts that have both. */
export function periodEngagementRate(posts: readonly RatedPost[], basis: RateBasis = "views"): EngagementRate {
  let interactions = 0;
  let denominator = 0;
  let counted = 0;
  let without = 0;
  for (const post of posts) {
    const base = post[basis];
    if (base == null || base <= 0 || post.interactions == null) {
      without += 1;
      continue;
    }
    interactions += post.interactions;
    denominator += base;
    counted += 1;
  }
  return {
    value: denominator > 0 ? interactions / denominator : null,
    basis,
    posts: counted,
    postsWithoutViews: without,
  };
}

/** The rate from sums already taken (a database's aggregate over the same posts). */
export function rateFromSums(sums: {
  interactions: number | null;
  basis: number | null;
  posts: number;
  postsWithoutBasis: number;
  basisName: RateBasis;
}): EngagementRate {
  const { interactions, basis } = sums;
  return {
    value: interactions != null && basis != null && basis > 0 ? interactions / basis : null,
    basis: sums.basisName,
    posts: sums.posts,
    postsWithoutViews: sums.postsWithoutBasis,
  };
}
