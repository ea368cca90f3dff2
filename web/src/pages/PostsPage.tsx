import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Link } from "react-router";
import { api, can, type Post, type PostTarget } from "../api";
import { Button, Card, FormError, PageHeader } from "../components/ui";
import { formatInZone, timeInOwnZone, viewerZone } from "../time";
import { ConfirmDialog } from "../components/ConfirmDialog";
import { NoAccess, isForbidden } from "../components/NoAccess";
import { PlatformMark } from "../components/PlatformMark";
import { UnconfirmedTarget } from "../components/UnconfirmedTarget";
import { TargetFigures } from "../components/analytics/TargetFigures";
import { usePostMetrics } from "../components/analytics/usePostMetrics";
import { useSession } from "../session";
import { ApprovalQueue } from "../components/ApprovalQueue";
import { useReviewsPosts, useMayChange } from "../components/ownership";
import { Calendar, postTime } from "./CalendarPage";

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

/** A post can be edited until publishing starts, and a failed or unconfirmed account's part after (edit, then retry). */
const editable = (post: Post) => post.status !== "cancelled" && post.targets.some((target) => target.editable);

/** A draft or a submitted post: nothing is queued for it until it is scheduled. */
const planned = (post: Post) => post.status === "draft" || post.status === "awaiting_approval";

/** A planned post has a time it is meant for; only the schedule makes it a promise. */
function timeLabel(post: Post): string {
  if (planned(post)) return post.scheduledAt ? "Planned for " : "Written ";
  return post.scheduledAt ? "Scheduled for " : "Posted ";
}

/** Until any part of it goes out, a post can be called off. */
const cancellable = (post: Post) =>
  post.status === "draft" || post.status === "awaiting_approval" || post.status === "scheduled";

const filters = [
  { value: "all", label: "All", keeps: () => true },
  { value: "draft", label: "Drafts", keeps: (post: Post) => post.status === "draft" },
  {
    value: "awaiting_approval",
    label: "Awaiting approval",
    keeps: (post: Post) => post.status === "awaiting_approval",
  },
  { value: "scheduled", label: "Scheduled", keeps: (post: Post) => post.status === "scheduled" },
  {
    value: "attention",
    label: "Needs attention",
    keeps: (post: Post) => post.targets.some((target) => target.state === "failed" || target.state === "unknown"),
  },
  {
    value: "published",
    label: "Published",
    keeps: (post: Post) => post.status === "published" || post.status === "partially_published",
  },
] as const;

type Filter = (typeof filters)[number]["value"];

/** Why an admin sent the post back: shown to its author above the post until it is approved. */
function ReviewNote({ comment }: { comment: string }) {
  return (
    <div className="review-note" role="note">
      <strong className="small">Sent back by an admin</strong>
      <p>{comment}</p>
    </div>
  );
}

function PostCard({ post }: { post: Post }) {
  const mayChange = useMayChange()(post);
  const queryClient = useQueryClient();
  const refresh = () => queryClient.invalidateQueries({ queryKey: ["posts"] });
  const retry = useMutation({
    mutationFn: (targetId: string) =>
      api("POST", "/api/posts/{id}/targets/{targetId}/retry", { path: { id: post.id, targetId } }),
    onSettled: refresh,
  });
  const cancel = useMutation({
    mutationFn: () => api("DELETE", "/api/posts/{id}", { path: { id: post.id } }),
    onSuccess: () => setConfirmingCancel(false),
    onSettled: refresh,
  });
  const { activeOrganization } = useSession();
  const measurable =
    can(activeOrganization!.role, "analytics:view") && post.targets.some((target) => target.state === "published");
  const metrics = usePostMetrics(post.id, measurable);
  const [confirmingCancel, setConfirmingCancel] = useState(false);
  const ownZoneTime = post.scheduledAt ? timeInOwnZone(post.scheduledAt, post.timeZone) : undefined;
  return (
    <li className="post" data-testid="post" ref={metrics.observe}>
      <div className="post-header">
        <span className={`status status-post-${post.status}`}>{statusLabels[post.status]}</span>
        <span className="muted small">
          {timeLabel(post)}
          {formatInZone(postTime(post))} ({viewerZone}){ownZoneTime ? `, ${ownZoneTime}` : ""}
        </span>
      </div>
      {post.reviewComment && post.status === "draft" ? <ReviewNote comment={post.reviewComment} /> : null}
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
            {/* A draft's accounts are not queued for anything yet. */}
            {planned(post) ? null : (
              <span className={`status status-target-${target.state}`}>{stateLabels[target.state]}</span>
            )}
            {target.url ? (
              <a href={target.url} target="_blank" rel="noreferrer">
                View post
              </a>
            ) : null}
            {target.state === "failed" && mayChange ? (
              <Button
                variant="secondary"
                onClick={() => retry.mutate(target.id)}
                busy={retry.isPending && retry.variables === target.id}
              >
                Retry
              </Button>
            ) : null}
            {retry.isError && retry.variables === target.id ? <FormError error={retry.error} /> : null}
            {target.state === "unknown" ? (
              <UnconfirmedTarget post={post} target={target} onResolved={refresh} />
            ) : target.error && target.state === "published" ? (
              // Published, but not quite as asked (a video the platform kept private).
              <span className="muted small target-error">{target.error}</span>
            ) : target.error ? (
              <span className="field-error target-error">{target.error}</span>
            ) : null}
            {target.state === "published" && metrics.forTarget(target.id) ? (
              <TargetFigures target={metrics.forTarget(target.id)!} />
            ) : null}
          </li>
        ))}
      </ul>
      {measurable ? (
        <p className="small">
          <Link to={`/analytics/posts/${post.id}`}>Analytics history</Link>
        </p>
      ) : null}
      <div className="row post-actions">
        {mayChange && editable(post) ? (
          <Link className="button button-secondary" to={`/compose?post=${post.id}`}>
            Edit
          </Link>
        ) : null}
        {mayChange && cancellable(post) ? (
          <Button variant="ghost" onClick={() => setConfirmingCancel(true)}>
            Cancel post
          </Button>
        ) : null}
      </div>
      <ConfirmDialog
        open={confirmingCancel}
        title="Cancel this post?"
        confirmLabel="Cancel post"
        busy={cancel.isPending}
        onConfirm={() => cancel.mutate()}
        onClose={() => setConfirmingCancel(false)}
      >
        <p className="post-text">{post.content.slice(0, 140) || "(media only)"}</p>
        <p className="muted small">
          It will not go out to {post.targets.map((target) => target.accountName).join(", ")}. This cannot be undone.
        </p>
        <FormError error={cancel.error} />
      </ConfirmDialog>
    </li>
  );
}

export function PostsPage() {
  const [view, setView] = useState<"list" | "week" | "month">("list");
  const [filter, setFilter] = useState<Filter>("all");
  const posts = useQuery({
    queryKey: ["posts"],
    queryFn: () => api("GET", "/api/posts", { query: { limit: 200 } }),
    refetchInterval: (query) =>
      query.state.data?.posts.some(
        (post) =>
          post.status === "publishing" ||
          post.status === "scheduled" ||
          post.targets.some((target) => target.state === "queued" || target.state === "publishing"),
      )
        ? 2_000
        : false,
  });
  const reviews = useReviewsPosts();
  const list = posts.data?.posts ?? [];
  const shown = list.filter(filters.find((option) => option.value === filter)!.keeps);
  const viewButton = (value: typeof view, label: string) => (
    <Button
      variant={view === value ? "primary" : "secondary"}
      onClick={() => setView(value)}
      aria-pressed={view === value}
    >
      {label}
    </Button>
  );
  return (
    <>
      <PageHeader
        title="Posts"
        description="Every post and what each account did with it."
        actions={
          <div className="row">
            <div className="row" role="group" aria-label="View">
              {viewButton("list", "List")}
              {viewButton("week", "Week")}
              {viewButton("month", "Month")}
            </div>
            <Link className="button button-secondary" to="/posts/import">
              Import CSV
            </Link>
            <Link className="button button-primary" to="/compose">
              New post
            </Link>
          </div>
        }
      />
      {isForbidden(posts.error) ? <NoAccess what="the posts of this organization" /> : null}
      {reviews && view === "list" ? <ApprovalQueue posts={list} /> : null}
      {view !== "list" ? <Calendar posts={list} view={view} /> : null}
      {view === "list" && !isForbidden(posts.error) ? (
        <>
          <div className="filter-tabs" role="group" aria-label="Show">
            {filters.map((option) => (
              <Button
                key={option.value}
                variant={filter === option.value ? "primary" : "ghost"}
                aria-pressed={filter === option.value}
                onClick={() => setFilter(option.value)}
              >
                {option.label}
              </Button>
            ))}
          </div>
          {shown.length === 0 && !posts.isPending ? (
            <Card>
              <p className="muted">
                {list.length === 0 ? (
                  <>
                    No posts yet. <Link to="/compose">Write the first one</Link>.
                  </>
                ) : (
                  "No posts here."
                )}
              </p>
            </Card>
          ) : (
            <ul className="posts">
              {shown.map((post) => (
                <PostCard key={post.id} post={post} />
              ))}
            </ul>
          )}
        </>
      ) : null}
    </>
  );
}
