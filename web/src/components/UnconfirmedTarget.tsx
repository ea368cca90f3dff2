import { useMutation } from "@tanstack/react-query";
import { useState } from "react";
import { api, type Post, type PostTarget } from "../api";
import { Button, fieldError, FormError } from "./ui";

/**
 * An account whose post the product could not confirm: the reason says why, and a person who
 * has looked at the account says what happened. Resolving sends nothing unless they ask for it.
 */
export function UnconfirmedTarget({
  post,
  target,
  onResolved,
}: {
  post: Post;
  target: PostTarget;
  onResolved: () => void;
}) {
  const [url, setUrl] = useState("");
  const resolve = useMutation({
    mutationFn: (body: { outcome: "published"; url?: string } | { outcome: "post_again" }) =>
      api("POST", "/api/posts/{id}/targets/{targetId}/resolve", { path: { id: post.id, targetId: target.id }, body }),
    onSuccess: onResolved,
  });
  const busy = (outcome: string) => resolve.isPending && resolve.variables?.outcome === outcome;
  return (
    <div className="unconfirmed" data-testid="unconfirmed-target">
      {target.error ? <span className="field-error target-error">{target.error}</span> : null}
      <div className="row">
        <label className="small muted" htmlFor={`found-at-${target.id}`}>
          Link to the post (optional)
        </label>
        <input
          id={`found-at-${target.id}`}
          type="url"
          placeholder="https://"
          value={url}
          onChange={(event) => setUrl(event.target.value)}
          aria-invalid={fieldError(resolve.error, "url") ? true : undefined}
        />
        <Button
          variant="secondary"
          busy={busy("published")}
          onClick={() => resolve.mutate({ outcome: "published", ...(url.trim() ? { url: url.trim() } : {}) })}
        >
          It did post
        </Button>
        <Button variant="secondary" busy={busy("post_again")} onClick={() => resolve.mutate({ outcome: "post_again" })}>
          Post it again
        </Button>
      </div>
      <FormError error={resolve.error} />
    </div>
  );
}
