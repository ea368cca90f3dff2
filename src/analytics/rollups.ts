import { sql } from "drizzle-orm";
import type { Database, Transaction } from "../db/client.js";
import type { PlatformId } from "../platforms/profiles.js";
import { shiftDay } from "./schemas.js";

/**
 * The daily sums a report reads, recomputed from the values they sum for the days just read:
 * recomputed, never incremented, so a sum is always exactly the stored values it covers.
 */

const rated = (basis: string) => sql.raw(`${basis} > 0 and interactions is not null`);

/** The post days of an organization's posts on a platform published from `since` to `until` (UTC days). */
export async function refreshPostDays(
  db: Database | Transaction,
  scope: { organizationId: string; platform?: PlatformId; since?: string; until?: string },
): Promise<void> {
  const day = sql.raw(`(published_at at time zone 'UTC')::date`);
  await db.execute(sql`
    insert into analytics_post_days (
      organization_id, platform, day, posts, views, reach, engagements, reactions, comments, shares, saves,
      clicks, profile_visits, video_views, watch_time_minutes, interactions,
      rate_interactions, rate_views, rate_posts, reach_interactions, reach_basis, reach_posts
    )
    select organization_id, platform, ${day}, count(*)::int, sum(views), sum(reach), sum(engagements),
      sum(reactions), sum(comments), sum(shares), sum(saves), sum(clicks), sum(profile_visits),
      sum(video_views), sum(watch_time_minutes), sum(interactions),
      sum(interactions) filter (where ${rated("views")}), sum(views) filter (where ${rated("views")}),
      (count(*) filter (where ${rated("views")}))::int,
      sum(interactions) filter (where ${rated("reach")}), sum(reach) filter (where ${rated("reach")}),
      (count(*) filter (where ${rated("reach")}))::int
    from analytics_post_latest
    where organization_id = ${scope.organizationId}
      ${scope.platform ? sql`and platform = ${scope.platform}` : sql``}
      ${scope.since ? sql`and published_at >= ${new Date(`${scope.since}T00:00:00Z`)}` : sql``}
      ${scope.until ? sql`and published_at < ${new Date(`${shiftDay(scope.until, 1)}T00:00:00Z`)}` : sql``}
    group by organization_id, platform, ${day}
    on conflict (organization_id, platform, day) do update set
      posts = excluded.posts, views = excluded.views, reach = excluded.reach, engagements = excluded.engagements,
      reactions = excluded.reactions, comments = excluded.comments, shares = excluded.shares, saves = excluded.saves,
      clicks = excluded.clicks, profile_visits = excluded.profile_visits, video_views = excluded.video_views,
      watch_time_minutes = excluded.watch_time_minutes, interactions = excluded.interactions,
      rate_interactions = excluded.rate_interactions, rate_views = excluded.rate_views, rate_posts = excluded.rate_posts,
      reach_interactions = excluded.reach_interactions, reach_basis = excluded.reach_basis,
      reach_posts = excluded.reach_posts`);
}

/** The platform days of an organization's account metrics on a platform from `since` to `until`. */
export async function refreshPlatformDays(
  db: Database | Transaction,
  scope: { organizationId: string; platform?: PlatformId; since?: string; until?: string },
): Promise<void> {
  await db.execute(sql`
    insert into analytics_platform_days (organization_id, platform, day, values)
    select organization_id, platform, day, jsonb_object_agg(metric, total)
    from (
      select organization_id, platform, day, metric, sum(value) as total
      from analytics_account_days
      where organization_id = ${scope.organizationId}
        ${scope.platform ? sql`and platform = ${scope.platform}` : sql``}
        ${scope.since ? sql`and day >= ${scope.since}` : sql``}
        ${scope.until ? sql`and day <= ${scope.until}` : sql``}
      group by organization_id, platform, day, metric
    ) as sums
    group by organization_id, platform, day
    on conflict (organization_id, platform, day) do update set values = excluded.values`);
}
