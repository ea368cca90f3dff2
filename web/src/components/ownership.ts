import { can, type Post } from "../api";
import { useSession } from "../session";

/**
 * Whether the viewer decides on the organization's posts (posts:approve, ADMIN and above):
 * approves, sends back, and changes anyone's posts.
 */
export function useReviewsPosts(): boolean {
  const role = useSession().activeOrganization?.role;
  return role !== undefined && can(role, "posts:approve");
}

/** Whether the viewer may change a post: its author, or an admin (the API decides the same way). */
export function useMayChange(): (post: Post) => boolean {
  const { user } = useSession();
  const reviews = useReviewsPosts();
  return (post) => reviews || post.authorUserId === user.id;
}
