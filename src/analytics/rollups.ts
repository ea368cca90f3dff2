import { getTableColumns, sql } from "drizzle-orm";
import type { Database, Transaction } from "../db/client.js";
import { analyticsPostMonths } from "../db/schema.js";
import type { PlatformId } from "../platforms/profiles.js";
import { monthOf, shiftDay, shiftMonth } from "./schemas.js";

/**
 * The daily sums a report reads, recomputed from the values they sum for the days just read:
 * recomputed, never incremented, so a sum is always exactly the stored values it covers.
 */

/** The best posts kept per day and month: as many as a report shows, so a range's best are always among them. */
export const TOP_POSTS = 5;

/** Every sum a post rollup keeps, in its columns' order: a month's are the sums of its days'. */
const sumColumns = Object.values(getTableColumns(analyticsPostMonths))
  .map((column) => column.name)
  .filter((name) => !["organization_id", "platform", "month", "top"].includes(name));
const countColumns = new Set(["posts", "rate_posts", "reach_posts"]);
const replacedOnConflict = sql.raw([...sumColumns, "top"].map((column) => `${column} = excluded.${column}`).join(", "));

const rated = (basis: string) => sql.raw(`${basis} > 0 and interactions is not null`);

/**
 * One refresh of an organization's rollups at a time, until its transaction ends. Without it, two
 * workers storing posts of one day each summed the day before the other committed, and the one
 * committing last wrote its sums over the other's: a rollup missing values that are stored.
 * Waiting here, the second sums what the first committed.
 */
async function lockRollups(db: Database | Transaction, organizationId: string): Promise<void> {
  await db.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`analytics-rollups:${organizationId}`}, 0))`);
}

/**
 * The post days of an organization's posts on a platform published from `since` to `until` (UTC
 * days), then the months those days are in.
 */
export async function refreshPostRollups(
  db: Database | Transaction,
  scope: { organizationId: string; platform?: PlatformId; since?: string; until?: string },
): Promise<void> {
  const day = sql.raw(`(published_at at time zone 'UTC')::date`);
  const where = sql`organization_id = ${scope.organizationId}
      ${scope.platform ? sql`and platform = ${scope.platform}` : sql``}
      ${scope.since ? sql`and published_at >= ${new Date(`${scope.since}T00:00:00Z`)}` : sql``}
      ${scope.until ? sql`and published_at < ${new Date(`${shiftDay(scope.until, 1)}T00:00:00Z`)}` : sql``}`;
  await lockRollups(db, scope.organizationId);
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
      from ranked where place <= ${TOP_POSTS}
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
    on conflict (organization_id, platform, day) do update set ${replacedOnConflict}`);
  await refreshPostMonths(db, scope);
}

/** The months holding the post days from `since` to `until`, each summed from its days. */
async function refreshPostMonths(
  db: Database | Transaction,
  scope: { organizationId: string; platform?: PlatformId; since?: string; until?: string },
): Promise<void> {
  const month = sql.raw(`date_trunc('month', day::timestamp)::date`);
  const sums = sql.raw(
    sumColumns
      .map((column) => (countColumns.has(column) ? `sum(${column})::int as ${column}` : `sum(${column}) as ${column}`))
      .join(", "),
  );
  await db.execute(sql`
    with days as (
      select * from analytics_post_days
      where organization_id = ${scope.organizationId}
        ${scope.platform ? sql`and platform = ${scope.platform}` : sql``}
        ${scope.since ? sql`and day >= ${monthOf(scope.since)}` : sql``}
        ${scope.until ? sql`and day < ${shiftMonth(monthOf(scope.until), 1)}` : sql``}
    ), ranked as (
      select organization_id, platform, ${month} as month, entry,
        row_number() over (
          partition by organization_id, platform, ${month} order by (entry->>1)::float8 desc, (entry->>0)::uuid
        ) as place
      from days cross join lateral jsonb_array_elements(days.top) as entry
    ), tops as (
      select organization_id, platform, month, jsonb_agg(entry order by place) as top
      from ranked where place <= ${TOP_POSTS}
      group by organization_id, platform, month
    ), sums as (
      select organization_id, platform, ${month} as month, ${sums}
      from days group by organization_id, platform, ${month}
    )
    insert into analytics_post_months (organization_id, platform, month, ${sql.raw(sumColumns.join(", "))}, top)
    select sums.*, coalesce(tops.top, '[]'::jsonb)
    from sums left join tops using (organization_id, platform, month)
    on conflict (organization_id, platform, month) do update set ${replacedOnConflict}`);
}

/**
 * The platform days of an organization's account metrics on a platform from `since` to `until`,
 * then the months those days are in, each packed from its days.
 */
export async function refreshPlatformRollups(
  db: Database | Transaction,
  scope: { organizationId: string; platform?: PlatformId; since?: string; until?: string },
): Promise<void> {
  const platform = scope.platform ? sql`and platform = ${scope.platform}` : sql``;
  await lockRollups(db, scope.organizationId);
  await db.execute(sql`
    insert into analytics_platform_days (organization_id, platform, day, values)
    select organization_id, platform, day, jsonb_object_agg(metric, total)
    from (
      select organization_id, platform, day, metric, sum(value) as total
      from analytics_account_days
      where organization_id = ${scope.organizationId} ${platform}
        ${scope.since ? sql`and day >= ${scope.since}` : sql``}
        ${scope.until ? sql`and day <= ${scope.until}` : sql``}
      group by organization_id, platform, day, metric
    ) as sums
    group by organization_id, platform, day
    on conflict (organization_id, platform, day) do update set values = excluded.values`);
  const month = sql.raw(`date_trunc('month', day::timestamp)::date`);
  await db.execute(sql`
    insert into analytics_platform_months (organization_id, platform, month, days)
    select organization_id, platform, ${month}, jsonb_object_agg(day, values)
    from analytics_platform_days
    where organization_id = ${scope.organizationId} ${platform}
      ${scope.since ? sql`and day >= ${monthOf(scope.since)}` : sql``}
      ${scope.until ? sql`and day < ${shiftMonth(monthOf(scope.until), 1)}` : sql``}
    group by organization_id, platform, ${month}
    on conflict (organization_id, platform, month) do update set days = excluded.days`);
}
