import { sql, type SQL } from "drizzle-orm";
import { selectRows, type Database } from "../db/client.js";
import type { MetricName, UnavailableReason } from "../platforms/analytics.js";
import type { PlatformId } from "../platforms/profiles.js";
import { analyticsPostLatest } from "../db/schema.js";
import { latestColumn, type PostMetricName } from "./catalogue.js";
import { TOP_POSTS } from "./rollups.js";
import { monthOf, shiftDay, shiftMonth, type ReportFilters } from "./schemas.js";

type Sums = Partial<Record<PostMetricName, number | null>>;

/** A platform's sums over the posts published in the range (see rollups.ts for what each covers). */
export type PlatformSums = Sums & {
  platform: PlatformId;
  posts: number;
  interactions: number | null;
  rateInteractions: number | null;
  rateViews: number | null;
  ratePosts: number;
  reachInteractions: number | null;
  reachBasis: number | null;
  reachPosts: number;
};

/** One of a platform's best posts, with its latest values and what it said and showed. */
export type BestPost = Sums & {
  platform: PlatformId;
  place: number;
  targetId: string;
  postId: string;
  connectionId: string;
  publishedAt: string;
  interactions: number | null;
  text: string;
  url: string | null;
  thumbnail: { publicToken: string; fileName: string; contentType: string } | null;
};

export type UnavailableNote = {
  platform: PlatformId;
  metric: MetricName;
  reason: UnavailableReason;
  message: string;
  reconnectFor: string | null;
  accounts: number;
  posts: number;
};

export interface ReportData {
  accounts: { platform: PlatformId; count: number }[];
  sums: PlatformSums[];
  best: BestPost[];
  /** The months the range touches: per platform, each day's account metrics summed over its accounts. */
  series: { platform: PlatformId; days: Record<string, Partial<Record<MetricName, number>>> }[];
  notes: UnavailableNote[];
}

/** Each post metric's column (and interactions'), named as the report names them. */
const postColumns = Object.fromEntries(
  [...Object.entries(latestColumn), ["interactions", "interactions"] as const].map(([metric, key]) => [
    metric,
    analyticsPostLatest[key].name,
  ]),
);

const summed = (prefix: string) =>
  sql.raw(
    Object.entries(postColumns)
      .map(([name, column]) => `sum(${prefix}.${column}) as "${name}"`)
      .join(", "),
  );
const picked = (prefix: string) =>
  sql.raw(
    Object.entries(postColumns)
      .map(([name, column]) => `${prefix}.${column} as "${name}"`)
      .join(", "),
  );

/**
 * The range as the rollups cover it: the months wholly inside it from the month rollups
 * ([fullFrom, fullUntil)), the days at its edges from the day rollups, so a year reads about 12
 * rows per platform plus the days of its two partial months.
 */
export function rangeParts(start: string, end: string): { fullFrom: string; fullUntil: string } {
  const fullFrom = start === monthOf(start) ? start : shiftMonth(monthOf(start), 1);
  const fullUntil = monthOf(shiftDay(end, 1));
  return fullFrom < fullUntil ? { fullFrom, fullUntil } : { fullFrom: start, fullUntil: start };
}

/**
 * Everything GET /api/analytics reads, in one statement (one round trip): the accounts per
 * platform, each platform's sums and best posts from the rollups (whole months from the month
 * rollups, the edges from the day rollups), each day's account metrics, and why metrics are
 * missing. Each part comes back as JSON, parsed by the driver.
 */
export async function reportData(db: Database, organizationId: string, filters: ReportFilters): Promise<ReportData> {
  const platformIn = (column: SQL) =>
    filters.platforms
      ? sql`and ${column} in (${sql.join(
          filters.platforms.map((platform) => sql`${platform}`),
          sql`, `,
        )})`
      : sql``;
  const { fullFrom, fullUntil } = rangeParts(filters.start, filters.end);
  const rollupColumns = sql.raw(
    `platform, posts, ${Object.values(postColumns).join(", ")}, rate_interactions, rate_views, rate_posts, ` +
      `reach_interactions, reach_basis, reach_posts, top`,
  );
  const [row] = await selectRows<ReportData>(
    db,
    sql`
    with parts as (
      select ${rollupColumns} from analytics_post_months
      where organization_id = ${organizationId} and month >= ${fullFrom} and month < ${fullUntil}
        ${platformIn(sql`platform`)}
      union all
      select ${rollupColumns} from analytics_post_days
      where organization_id = ${organizationId} and day >= ${filters.start} and day < ${fullFrom}
        ${platformIn(sql`platform`)}
      union all
      select ${rollupColumns} from analytics_post_days
      where organization_id = ${organizationId} and day >= ${fullUntil} and day <= ${filters.end}
        ${platformIn(sql`platform`)}
    ), candidates as (
      select platform, (entry->>0)::uuid as target_id,
        row_number() over (
          partition by platform order by (entry->>1)::float8 desc, (entry->>0)::uuid
        ) as place
      from parts cross join lateral jsonb_array_elements(parts.top) as entry
    )
    select
      (select coalesce(json_agg(accounts), '[]') from (
        select platform, count(*)::int as count from connections
        where organization_id = ${organizationId} ${platformIn(sql`platform`)}
        group by platform
      ) as accounts) as accounts,
      (select coalesce(json_agg(sums), '[]') from (
        select platform, sum(posts)::int as posts, ${summed("parts")},
          sum(rate_interactions) as "rateInteractions", sum(rate_views) as "rateViews",
          sum(rate_posts)::int as "ratePosts", sum(reach_interactions) as "reachInteractions",
          sum(reach_basis) as "reachBasis", sum(reach_posts)::int as "reachPosts"
        from parts group by platform
      ) as sums) as sums,
      (select coalesce(json_agg(best order by best.platform, best.place), '[]') from (
        select candidates.platform, candidates.place, latest.target_id as "targetId",
          latest.post_id as "postId", latest.connection_id as "connectionId",
          latest.published_at as "publishedAt", ${picked("latest")},
          post.content as text, target.remote_url as url, thumbnail.thumbnail
        from candidates
        -- By key, one best post at a time ("offset 0" keeps the planner from flattening these into
        -- a hash join, which reads every post of the organization: embedded PostgreSQL has no
        -- statistics to know better).
        cross join lateral (
          select * from analytics_post_latest where target_id = candidates.target_id offset 0
        ) as latest
        cross join lateral (select remote_url from post_targets where id = latest.target_id offset 0) as target
        cross join lateral (select content, media_ids from posts where id = latest.post_id offset 0) as post
        left join lateral (
          select json_build_object(
            'publicToken', public_token, 'fileName', file_name, 'contentType', content_type
          ) as thumbnail
          from media where id = post.media_ids[1] and organization_id = ${organizationId} offset 0
        ) as thumbnail on true
        where candidates.place <= ${TOP_POSTS}
      ) as best) as best,
      (select coalesce(json_agg(months), '[]') from (
        select platform, days from analytics_platform_months
        where organization_id = ${organizationId} and month >= ${monthOf(filters.start)} and month <= ${filters.end}
          ${platformIn(sql`platform`)}
      ) as months) as series,
      (select coalesce(json_agg(notes order by notes.metric), '[]') from (
        select connections.platform, unavailable.metric, unavailable.reason, unavailable.message,
          unavailable.reconnect_for as "reconnectFor",
          count(distinct unavailable.connection_id)::int as accounts, count(unavailable.target_id)::int as posts
        from analytics_unavailable as unavailable
        join connections on connections.id = unavailable.connection_id
        where unavailable.organization_id = ${organizationId} ${platformIn(sql`connections.platform`)}
        group by connections.platform, unavailable.metric, unavailable.reason, unavailable.message,
          unavailable.reconnect_for
      ) as notes) as notes`,
  );
  return row!;
}
