-- Fills the month rollups from the day rollups kept before them; from now on each refresh of a
-- day refreshes its month (src/analytics/rollups.ts).
WITH ranked AS (
  SELECT organization_id, platform, date_trunc('month', day::timestamp)::date AS month, entry,
    row_number() OVER (
      PARTITION BY organization_id, platform, date_trunc('month', day::timestamp)
      ORDER BY (entry->>1)::float8 DESC, (entry->>0)::uuid
    ) AS place
  FROM analytics_post_days CROSS JOIN LATERAL jsonb_array_elements(analytics_post_days.top) AS entry
), tops AS (
  SELECT organization_id, platform, month, jsonb_agg(entry ORDER BY place) AS top
  FROM ranked WHERE place <= 5
  GROUP BY organization_id, platform, month
), sums AS (
  SELECT organization_id, platform, date_trunc('month', day::timestamp)::date AS month,
    sum(posts)::int AS posts, sum(views) AS views, sum(reach) AS reach, sum(engagements) AS engagements,
    sum(reactions) AS reactions, sum(comments) AS comments, sum(shares) AS shares, sum(saves) AS saves,
    sum(clicks) AS clicks, sum(profile_visits) AS profile_visits, sum(video_views) AS video_views,
    sum(watch_time_minutes) AS watch_time_minutes, sum(interactions) AS interactions,
    sum(rate_interactions) AS rate_interactions, sum(rate_views) AS rate_views, sum(rate_posts)::int AS rate_posts,
    sum(reach_interactions) AS reach_interactions, sum(reach_basis) AS reach_basis, sum(reach_posts)::int AS reach_posts
  FROM analytics_post_days
  GROUP BY organization_id, platform, date_trunc('month', day::timestamp)::date
)
INSERT INTO analytics_post_months (
  organization_id, platform, month, posts, views, reach, engagements, reactions, comments, shares, saves, clicks,
  profile_visits, video_views, watch_time_minutes, interactions, rate_interactions, rate_views, rate_posts,
  reach_interactions, reach_basis, reach_posts, top
)
SELECT sums.*, coalesce(tops.top, '[]'::jsonb) FROM sums LEFT JOIN tops USING (organization_id, platform, month);
--> statement-breakpoint
INSERT INTO analytics_platform_months (organization_id, platform, month, days)
SELECT organization_id, platform, date_trunc('month', day::timestamp)::date, jsonb_object_agg(day, values)
FROM analytics_platform_days
GROUP BY organization_id, platform, date_trunc('month', day::timestamp)::date;
