import { Link } from "react-router";
import type { PlatformId } from "../../../../src/platforms/profiles";
import { formatInZone } from "../../time";
import { PlatformMark } from "../PlatformMark";
import { formatCount, formatRate, metricLabel, platformName } from "./format";

export interface TopPost {
  postId: string;
  text: string;
  thumbnailUrl?: string | null;
  url?: string | null;
  publishedAt: string;
  /** Normalized metric → value; a metric absent here has no figure for this post. */
  metrics: Record<string, number | null | undefined>;
}

/** The figures a top post shows, in this order, where it has them. */
const shown = ["views", "reach", "engagements", "reactions", "comments", "shares", "clicks"];

/** Interactions ÷ views for one post (analytics.md §9), or null where either is missing. */
function postRate(metrics: TopPost["metrics"]): number | null {
  const views = metrics.views;
  const parts = ["reactions", "comments", "shares", "saves"].map((metric) => metrics[metric]);
  if (!views || parts.every((value) => value === null || value === undefined)) return null;
  return parts.reduce<number>((sum, value) => sum + (value ?? 0), 0) / views;
}

/** A post that did well: its thumbnail, text, platform, a link to it and its figures. */
export function TopPostCard({ post, platform, rank }: { post: TopPost; platform: PlatformId; rank: number }) {
  const rate = postRate(post.metrics);
  const figures = shown.filter((metric) => typeof post.metrics[metric] === "number");
  return (
    <li className="top-post" data-testid="top-post">
      {post.thumbnailUrl ? (
        <img className="top-post-thumbnail" src={post.thumbnailUrl} alt="" loading="lazy" />
      ) : (
        <span className="top-post-thumbnail top-post-no-media" aria-hidden>
          {rank}
        </span>
      )}
      <div className="top-post-body">
        <p className="top-post-platform small">
          <PlatformMark platform={platform} /> {platformName(platform)} · {formatInZone(post.publishedAt)}
        </p>
        <p className="top-post-text">{post.text || <span className="muted">(media only)</span>}</p>
        <dl className="top-post-metrics">
          {figures.map((metric) => (
            <div key={metric}>
              <dt>{metricLabel(metric)}</dt>
              <dd>{formatCount(post.metrics[metric] as number)}</dd>
            </div>
          ))}
          {rate !== null ? (
            <div>
              <dt>Engagement rate</dt>
              <dd>{formatRate(rate)}</dd>
            </div>
          ) : null}
        </dl>
        <p className="small row">
          {post.url ? (
            <a href={post.url} target="_blank" rel="noreferrer">
              Open on {platformName(platform)}
            </a>
          ) : null}
          <Link to={`/analytics/posts/${post.postId}`}>History</Link>
        </p>
      </div>
    </li>
  );
}
