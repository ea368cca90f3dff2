import { Link } from "react-router";
import { formatInZone } from "../../time";
import { PlatformMark } from "../PlatformMark";
import { formatCount, formatRate, metricLabel, platformName } from "./format";
import type { TopPostView } from "./types";

/** The figures a top post shows, in this order, where it has them. */
const shown = ["views", "reach", "reactions", "comments", "shares", "saves", "clicks"] as const;

/** A post that did well: its thumbnail, text, platform, a link to it and its figures. */
export function TopPostCard({ post, rank }: { post: TopPostView; rank: number }) {
  const { platform, engagementRate: rate } = post;
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
          {post.interactions !== null ? (
            <div>
              <dt>Engagements</dt>
              <dd>{formatCount(post.interactions)}</dd>
            </div>
          ) : null}
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
