import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { Link } from "react-router";
import { api, type Post } from "../api";
import { formatInZone } from "../time";
import { PlatformMark } from "./PlatformMark";
import { Button, Card, fieldError, FormError } from "./ui";

/** One submitted post: approve it (which schedules it), or send it back to its author saying what to change. */
function Submission({ post }: { post: Post }) {
  const queryClient = useQueryClient();
  const [sendingBack, setSendingBack] = useState(false);
  const [comment, setComment] = useState("");
  const refresh = () => queryClient.invalidateQueries({ queryKey: ["posts"] });
  const approve = useMutation({
    mutationFn: () => api("POST", "/api/posts/{id}/approve", { path: { id: post.id }, body: {} }),
    onSuccess: refresh,
  });
  const sendBack = useMutation({
    mutationFn: () => api("POST", "/api/posts/{id}/send-back", { path: { id: post.id }, body: { comment } }),
    onSuccess: refresh,
  });
  const commentId = `send-back-${post.id}`;
  const commentError = fieldError(sendBack.error, "comment");
  const submitSendBack = (event: FormEvent) => {
    event.preventDefault();
    sendBack.mutate();
  };
  return (
    <li className="submission" data-testid="submission">
      <p className="post-text">{post.content || <span className="muted">(media only)</span>}</p>
      <p className="muted small">
        {post.scheduledAt ? `For ${formatInZone(post.scheduledAt)}` : "To go out when approved"} ·{" "}
        {post.targets.map((target) => (
          <span key={target.id} className="submission-account">
            <PlatformMark platform={target.platform} /> {target.accountName}
          </span>
        ))}
      </p>
      {sendingBack ? (
        <form className="send-back" onSubmit={submitSendBack} noValidate>
          <label className="field-label" htmlFor={commentId}>
            What should the author change?
          </label>
          <textarea
            id={commentId}
            rows={3}
            required
            value={comment}
            aria-invalid={Boolean(commentError)}
            aria-describedby={commentError ? `${commentId}-error` : undefined}
            onChange={(event) => setComment(event.target.value)}
          />
          {commentError ? (
            <span id={`${commentId}-error`} className="field-error">
              {commentError}
            </span>
          ) : null}
          <FormError error={sendBack.error} fields={["comment"]} />
          <div className="row">
            <Button type="submit" variant="secondary" busy={sendBack.isPending}>
              Send back
            </Button>
            <Button type="button" variant="ghost" onClick={() => setSendingBack(false)}>
              Never mind
            </Button>
          </div>
        </form>
      ) : (
        <div className="row">
          <Button onClick={() => approve.mutate()} busy={approve.isPending}>
            Approve
          </Button>
          <Button variant="secondary" onClick={() => setSendingBack(true)}>
            Send back…
          </Button>
          <Link to={`/compose?post=${post.id}`}>Edit</Link>
        </div>
      )}
      <FormError error={approve.error} />
    </li>
  );
}

/** What members submitted and an admin has yet to decide on, oldest first. */
export function ApprovalQueue({ posts }: { posts: Post[] }) {
  const waiting = posts
    .filter((post) => post.status === "awaiting_approval")
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  if (waiting.length === 0) return null;
  return (
    <Card title={`Awaiting your approval (${waiting.length})`}>
      <ul className="posts">
        {waiting.map((post) => (
          <Submission key={post.id} post={post} />
        ))}
      </ul>
    </Card>
  );
}
