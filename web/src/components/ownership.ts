import type { Post } from "../api";
import { useSession } from "../session";

/** ADMIN and above decide for the whole organization: approve, send back, change anyone's posts. */
export function useAdministers(): boolean {
  const role = useSession().activeOrganization?.role;
  return role === "ADMIN" || role === "SUPER_ADMIN";
}

/** Whether the viewer may change a post: its author, or an admin (the API decides the same way). */
export function useMayChange(): (post: Post) => boolean {
  const { user } = useSession();
  const administers = useAdministers();
  return (post) => administers || post.authorUserId === user.id;
}
