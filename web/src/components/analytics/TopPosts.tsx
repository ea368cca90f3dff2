import { useQuery } from "@tanstack/react-query";
import { Link } from "react-router";
import { api, can } from "../../api";
import { useSession } from "../../session";
import { Card } from "../ui";
import { platformsOf } from "./figures";
import { shiftDay, type DayRange } from "./range";
import { TopPostCard } from "./TopPostCard";
import type { AnalyticsReport } from "./types";

/**
 * Whether any post went out in the range, for an empty report: the report counts measured posts,
 * so one published but not collected yet is told apart from none published.
 */
function usePublishedInRange(range: DayRange, enabled: boolean) {
  const posts = useQuery({
    queryKey: ["posts", "published-in", range],
    queryFn: () =>
      api("GET", "/api/posts", {
        query: { from: `${range.start}T00:00:00Z`, to: `${shiftDay(range.end, 1)}T00:00:00Z`, limit: 200 },
      }),
    enabled,
  });
  return posts.data?.posts.some((post) => post.targets.some((target) => target.state === "published")) ?? false;
}

/** The range's best posts across the platforms (or the chosen account's), or why there are none. */
export function TopPosts({ report, account, range }: { report: AnalyticsReport; account: string; range: DayRange }) {
  const { activeOrganization } = useSession();
  const unmeasured = report.total.posts === 0;
  const publishedInRange = usePublishedInRange(range, unmeasured && can(activeOrganization!.role, "posts:create"));
  const posts = platformsOf(report)
    .flatMap((platform) => platform.topPosts)
    .filter((post) => !account || post.connectionId === account)
    .sort((a, b) => (b.metrics.views ?? -1) - (a.metrics.views ?? -1));
  return (
    <Card title="Top posts">
      {unmeasured && publishedInRange ? (
        <p className="callout">
          Posts published in this range appear here with their figures after the first collection.
        </p>
      ) : unmeasured ? (
        <p className="callout">
          No posts published in this range. <Link to="/compose">Write one</Link> or choose a longer range.
        </p>
      ) : posts.length === 0 ? (
        <p className="muted">None of this account's posts is among the best of the range.</p>
      ) : (
        <ol className="top-posts">
          {posts.map((post, index) => (
            <TopPostCard key={post.targetId} post={post} rank={index + 1} />
          ))}
        </ol>
      )}
    </Card>
  );
}
