import { eq } from "drizzle-orm";
import type { FastifyRequest } from "fastify";
import type { Role } from "../../auth/permissions.js";
import type { AppContext } from "../../context.js";
import { postingSettings, type posts } from "../../db/schema.js";
import { forbidden } from "../../errors.js";
import { currentOrganization, currentUser } from "../../http/authorization.js";

/** Admins decide for the whole organization: approve, send back, and change anyone's posts. */
export const isAdministrator = (role: Role) => role === "ADMIN" || role === "SUPER_ADMIN";

/** A member changes only the posts they wrote; an admin anyone's in the organization. */
export function assertMayChange(
  request: FastifyRequest,
  post: Pick<typeof posts.$inferSelect, "authorUserId">,
  doing: string,
): void {
  if (isAdministrator(currentOrganization(request).role)) return;
  if (post.authorUserId !== currentUser(request).id)
    throw forbidden("not_your_post", `Only the post's author or an admin can ${doing} this post.`);
}

export async function requiresApproval(context: AppContext, organizationId: string): Promise<boolean> {
  const [settings] = await context.db
    .select({ requireApproval: postingSettings.requireApproval })
    .from(postingSettings)
    .where(eq(postingSettings.organizationId, organizationId));
  return settings?.requireApproval ?? false;
}

/** Where the organization requires approval, a member's post is submitted, never scheduled by them. */
export async function assertMaySchedule(context: AppContext, request: FastifyRequest, field: string): Promise<void> {
  const organization = currentOrganization(request);
  if (isAdministrator(organization.role)) return;
  if (await requiresApproval(context, organization.id))
    throw forbidden(
      "approval_required",
      "This organization requires an admin's approval before a post is scheduled: save it as a draft and submit it for approval.",
      field,
    );
}
