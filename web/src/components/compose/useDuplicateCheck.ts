import { useQuery } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import type { PostVersions } from "../../../../src/posts/versions";
import { api } from "../../api";

/** How long typing must pause before the text is checked: one request per pause, not per key. */
const SETTLE_MS = 600;

export interface DuplicateDraft {
  content: string;
  link?: string;
  connectionIds: string[];
  /** A version of its own may give an account other text than the shared one. */
  versions?: PostVersions;
  /** When editing: the post itself, which is no duplicate of itself. */
  excludePostId?: string;
}

function useSettled<T>(value: T, delayMs: number): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), delayMs);
    return () => clearTimeout(timer);
  }, [value, delayMs]);
  return settled;
}

/**
 * Which chosen accounts already have this text, posted recently or scheduled, on a platform that
 * refuses the same text twice (`POST /api/posts/check-duplicates`). A warning, not a refusal:
 * show each `message` by the accounts; scheduling stays possible. Empty while the text is blank
 * or no account is chosen; a failed check shows no warning rather than blocking the composer.
 */
export function useDuplicateCheck(draft: DuplicateDraft) {
  const settled = useSettled(
    JSON.stringify({
      content: draft.content,
      link: draft.link || undefined,
      connectionIds: [...draft.connectionIds].sort(),
      versions: draft.versions,
      excludePostId: draft.excludePostId,
    }),
    SETTLE_MS,
  );
  const body = JSON.parse(settled) as DuplicateDraft;
  const query = useQuery({
    queryKey: ["duplicate-check", settled],
    queryFn: () => api("POST", "/api/posts/check-duplicates", { body }),
    enabled: body.content.trim() !== "" && body.connectionIds.length > 0,
    staleTime: 30_000,
  });
  return { warnings: query.data?.warnings ?? [], checking: query.isFetching };
}
