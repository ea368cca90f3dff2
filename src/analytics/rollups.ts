import { sql } from "drizzle-orm";
import type { Database, Transaction } from "../db/client.js";
import type { PlatformId } from "../platforms/profiles.js";
import { shiftDay } from "./schemas.js";

/**
 * The daily sums a report reads, recomputed from the values they sum for the days just read:
 * recomputed, never incremented, so a sum is always exactly the stored values it covers.
 */

/** The best posts kept per day: as many as a report shows, so a range's best are always among them. */
export const TOP_PER_DAY = 5;

const rated = (basis: string) => sql.raw(`${basis} > 0 and interactions is not null`);

/** The post days of an organization's posts on a platform published from `since` to `until` (UTC days). */
export async function refreshPostDays(
  db: Database | Transaction,
  scope: { organizationId: string; platform?: PlatformId; since?: string; until?: string },
): Promise<void> {
  const day = sql.raw(`(published_at at time zone 'UTC')::date`);
  const where = sql`organization_id = ${scope.organizationId}
      ${scope.platform ? sql`and platform = ${scope.platform}` : sql``}
      ${scope.since ? sql`and published_at >= ${new Date(`${scope.since}T00:00:00Z`)}` : sql``}
      ${scope.until ? sql`and published_at < ${new Date(`${shiftDay(scope.until, 1)}T00:00:00Z`)}` : sql``}`;
  await db.execute(sql`
    with ranked as (
      select organization_id, platform, ${day} as day, target_id, interactions,
        row_number() over (
          partition by organization_id, platform, ${day} order by interactions desc, target_id
        ) as place
      from analytics_post_latest
      where ${where} and interactions is not null
    ), tops as (
      select organization_id, platform, day,
        jsonb_agg(jsonb_build_array(target_id, interactions) order by place) as top
      from ranked where place <= ${TOP_PER_DAY}
      group by organization_id, platform, day
    ), sums as (
      select organization_id, platform, ${day} as day, count(*)::int as posts, sum(views) as views,
        sum(reach) as reach, sum(engagements) as engagements, sum(reactions) as reactions,
        sum(comments) as comments, sum(shares) as shares, sum(saves) as saves, sum(clicks) as clicks,
        sum(profile_visits) as profile_visits, sum(video_views) as video_views,
        sum(watch_time_minutes) as watch_time_minutes, sum(interactions) as interactions,
        sum(interactions) filter (where ${rated("views")}) as rate_interactions,
        sum(views) filter (where ${rated("views")}) as rate_views,
        (count(*) filter (where ${rated("views")}))::int as rate_posts,
        sum(interactions) filter (where ${rated("reach")}) as reach_interactions,
        sum(reach) filter (where ${rated("reach")}) as reach_basis,
        (count(*) filter (where ${rated("reach")}))::int as reach_posts
      from analytics_post_latest
      where ${where}
      group by organization_id, platform, ${day}
    )
    insert into analytics_post_days (
      organization_id, platform, day, posts, views, reach, engagements, reactions, comments, shares, saves,
      clicks, profile_visits, video_views, watch_time_minutes, interactions,
      rate_interactions, rate_views, rate_posts, reach_interactions, reach_basis, reach_posts, top
    )
    select sums.*, coalesce(tops.top, '[]'::jsonb)
    from sums left join tops using (organization_id, platform, day)
    on conflict (organization_id, platform, day) do update set
      posts = excluded.posts, views = excluded.views, reach = excluded.reach, engagements = excluded.engagements,
      reactions = excluded.reactions, comments = excluded.comments, shares = excluded.shares, saves = excluded.saves,
      clicks = excluded.clicks, profile_visits = excluded.profile_visits, video_views = excluded.video_views,
      watch_time_minutes = excluded.watch_time_minutes, interactions = excluded.interactions,
      rate_interactions = excluded.rate_interactions, rate_views = excluded.rate_views, rate_posts = excluded.rate_posts,
      reach_interactions = excluded.reach_interactions, reach_basis = excluded.reach_basis,
      reach_posts = excluded.reach_posts, top = excluded.top`);
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
