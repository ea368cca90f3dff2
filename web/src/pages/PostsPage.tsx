import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Link } from "react-router";
import { api, type Post, type PostTarget } from "../api";
import { Button, Card, PageHeader } from "../components/ui";
import { formatInZone, viewerZone } from "../time";
import { PlatformMark } from "../components/PlatformMark";
import { UnconfirmedTarget } from "../components/UnconfirmedTarget";

const stateLabels: Record<PostTarget["state"], string> = {
  queued: "Queued",
  publishing: "Publishing",
  published: "Published",
  failed: "Failed",
  unknown: "Unconfirmed",
  cancelled: "Cancelled",
};

const statusLabels: Record<Post["status"], string> = {
  draft: "Draft",
  awaiting_approval: "Awaiting approval",
  scheduled: "Scheduled",
  publishing: "Publishing",
  published: "Published",
  partially_published: "Partly published",
  failed: "Failed",
  cancelled: "Cancelled",
};

const when = (post: Post) => post.scheduledAt ?? post.createdAt;

function PostCard({ post }: { post: Post }) {
  const queryClient = useQueryClient();
  const refresh = () => queryClient.invalidateQueries({ queryKey: ["posts"] });
  const retry = useMutation({
    mutationFn: (targetId: string) =>
      api("POST", "/api/posts/{id}/targets/{targetId}/retry", { path: { id: post.id, targetId } }),
    onSettled: refresh,
  });
  const cancel = useMutation({
    mutationFn: () => api("DELETE", "/api/posts/{id}", { path: { id: post.id } }),
    onSettled: refresh,
  });
  const reschedule = useMutation({
    mutationFn: (at: string) =>
      api("PATCH", "/api/posts/{id}", { path: { id: post.id }, body: { scheduledAt: new Date(at).toISOString() } }),
    onSettled: refresh,
  });
  const editable = post.status === "scheduled";
  return (
    <li className="post" data-testid="post">
      <div className="post-header">
        <span className={`status status-post-${post.status}`}>{statusLabels[post.status]}</span>
        <span className="muted small">
          {post.scheduledAt ? "Scheduled for " : "Posted "}
          {formatInZone(when(post))} ({viewerZone})
        </span>
      </div>
      <p className="post-text">{post.content || <span className="muted">(media only)</span>}</p>
      {post.media.length ? <p className="muted small">{post.media.map((item) => item.fileName).join(", ")}</p> : null}
      <ul className="targets">
        {post.targets.map((target) => (
          <li key={target.id}>
            <PlatformMark platform={target.platform} />
            <span className="target-name">
              {target.accountName}
              {target.isSandbox ? <span className="badge badge-sandbox">Sandbox</span> : null}
            </span>
            <span className={`status status-target-${target.state}`}>{stateLabels[target.state]}</span>
            {target.url ? (
              <a href={target.url} target="_blank" rel="noreferrer">
                View post
              </a>
            ) : null}
            {target.state === "failed" ? (
              <Button
                variant="secondary"
                onClick={() => retry.mutate(target.id)}
                busy={retry.isPending && retry.variables === target.id}
              >
                Retry
              </Button>
            ) : null}
            {target.state === "unknown" ? (
              <UnconfirmedTarget post={post} target={target} onResolved={refresh} />
            ) : target.error && target.state === "published" ? (
              // Published, but not quite as asked (a video the platform kept private).
              <span className="muted small target-error">{target.error}</span>
            ) : target.error ? (
              <span className="field-error target-error">{target.error}</span>
            ) : null}
          </li>
        ))}
      </ul>
      {editable ? (
        <div className="row">
          <label className="small muted" htmlFor={`reschedule-${post.id}`}>
            Move to
          </label>
          <input
            id={`reschedule-${post.id}`}
            type="datetime-local"
            onChange={(event) => event.target.value && reschedule.mutate(event.target.value)}
          />
          <Button variant="ghost" onClick={() => cancel.mutate()} busy={cancel.isPending}>
            Cancel post
          </Button>
        </div>
      ) : null}
    </li>
  );
}

function startOfWeek(date: Date): Date {
  const start = new Date(date);
  start.setHours(0, 0, 0, 0);
  start.setDate(start.getDate() - ((start.getDay() + 6) % 7));
  return start;
}

function WeekCalendar({ posts }: { posts: Post[] }) {
  const [weekStart, setWeekStart] = useState(() => startOfWeek(new Date()));
  const days = Array.from({ length: 7 }, (_, index) => new Date(weekStart.getTime() + index * 86_400_000));
  return (
    <Card
      title={`Week of ${weekStart.toLocaleDateString(undefined, { dateStyle: "medium" })}`}
      actions={
        <div className="row">
          <Button variant="secondary" onClick={() => setWeekStart(new Date(weekStart.getTime() - 7 * 86_400_000))}>
            ← Previous
          </Button>
          <Button variant="secondary" onClick={() => setWeekStart(startOfWeek(new Date()))}>
            This week
          </Button>
          <Button variant="secondary" onClick={() => setWeekStart(new Date(weekStart.getTime() + 7 * 86_400_000))}>
            Next →
          </Button>
        </div>
      }
    >
      <div className="week">
        {days.map((day) => {
          const items = posts.filter((post) => new Date(when(post)).toDateString() === day.toDateString());
          return (
            <div className="week-day" key={day.toISOString()}>
              <strong>{day.toLocaleDateString(undefined, { weekday: "short", day: "numeric" })}</strong>
              {items.map((post) => (
                <div className={`week-post status-post-${post.status}`} key={post.id} title={post.content}>
                  <span className="small">
                    {new Date(when(post)).toLocaleTimeString(undefined, { timeStyle: "short" })}
                  </span>{" "}
                  {post.content.slice(0, 40) || "(media)"}
                </div>
              ))}
            </div>
          );
        })}
      </div>
    </Card>
  );
}

function MonthCalendar({ posts }: { posts: Post[] }) {
  const [month, setMonth] = useState(() => {
    const now = new Date();
    return new Date(now.getFullYear(), now.getMonth(), 1);
  });
  const first = startOfWeek(month);
  const days = Array.from(
    { length: 42 },
    (_, index) => new Date(first.getFullYear(), first.getMonth(), first.getDate() + index),
  );
  const shift = (months: number) => setMonth(new Date(month.getFullYear(), month.getMonth() + months, 1));
  return (
    <Card
      title={month.toLocaleDateString(undefined, { month: "long", year: "numeric" })}
      actions={
        <div className="row">
          <Button variant="secondary" onClick={() => shift(-1)}>
            ← Previous
          </Button>
          <Button variant="secondary" onClick={() => shift(1)}>
            Next →
          </Button>
        </div>
      }
    >
      <div className="month">
        {days.map((day) => {
          const items = posts.filter((post) => new Date(when(post)).toDateString() === day.toDateString());
          return (
            <div
              className={day.getMonth() === month.getMonth() ? "month-day" : "month-day month-other"}
              key={day.toISOString()}
            >
              <span className="small muted">{day.getDate()}</span>
              {items.slice(0, 3).map((post) => (
                <div className={`week-post status-post-${post.status}`} key={post.id} title={post.content}>
                  {post.content.slice(0, 24) || "(media)"}
                </div>
              ))}
              {items.length > 3 ? <span className="small muted">+{items.length - 3} more</span> : null}
            </div>
          );
        })}
      </div>
    </Card>
  );
}

export function PostsPage() {
  const [view, setView] = useState<"list" | "week" | "month">("list");
  const posts = useQuery({
    queryKey: ["posts"],
    queryFn: () => api("GET", "/api/posts", { query: { limit: 200 } }),
    refetchInterval: (query) =>
      query.state.data?.posts.some((post) => post.status === "publishing" || post.status === "scheduled")
        ? 2_000
        : false,
  });
  const list = posts.data?.posts ?? [];
  return (
    <>
      <PageHeader
        title="Posts"
        description="Every post and what each account did with it."
        actions={
          <div className="row">
            <Button variant={view === "list" ? "primary" : "secondary"} onClick={() => setView("list")}>
              List
            </Button>
            <Button variant={view === "week" ? "primary" : "secondary"} onClick={() => setView("week")}>
              Week
            </Button>
            <Button variant={view === "month" ? "primary" : "secondary"} onClick={() => setView("month")}>
              Month
            </Button>
            <Link className="button button-secondary" to="/posts/import">
              Import CSV
            </Link>
            <Link className="button button-primary" to="/compose">
              New post
            </Link>
          </div>
        }
      />
      {view === "week" ? <WeekCalendar posts={list} /> : null}
      {view === "month" ? <MonthCalendar posts={list} /> : null}
      {view === "list" ? (
        list.length === 0 && !posts.isPending ? (
          <Card>
            <p className="muted">
              No posts yet. <Link to="/compose">Write the first one</Link>.
            </p>
          </Card>
        ) : (
          <ul className="posts">
            {list.map((post) => (
              <PostCard key={post.id} post={post} />
            ))}
          </ul>
        )
      ) : null}
    </>
  );
}
