import { eq } from "drizzle-orm";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { audited, requestOrigin, type AuditEntry } from "../../audit/audit.js";
import type { AppContext } from "../../context.js";
import { posts, postTargets } from "../../db/schema.js";
import { conflict } from "../../errors.js";
import { currentOrganization } from "../../http/authorization.js";
import { assertMayChange } from "./access.js";
import { postParams } from "./schemas.js";
import { ownedPost } from "./views.js";

/** Target states past the point of no return: the platform has, or may have, the post. */
const underway: ReadonlySet<(typeof postTargets.$inferSelect)["state"]> = new Set([
  "publishing",
  "published",
  "unknown",
]);

export const cancelPostRoutes: FastifyPluginAsyncZod<AppContext> = async (app, context) => {
  const { db } = context;

  app.delete(
    "/api/posts/:id",
    {
      config: { access: "posts:create" },
      schema: {
        tags: ["posts"],
        summary: "Cancel a post that has not started publishing",
        params: postParams,
        response: { 204: z.null() },
      },
    },
    async (request, reply) => {
      const organization = currentOrganization(request);
      const post = await ownedPost(db, organization.id, request.params.id);
      assertMayChange(request, post, "cancel");
      const entry: AuditEntry = {
        action: "post.cancelled",
        organizationId: organization.id,
        ...requestOrigin(request),
        target: { type: "post", id: post.id },
      };
      await audited(
        db,
        async (tx) => {
          // The post before its targets, the order every writer of both keeps.
          await tx.select({ id: posts.id }).from(posts).where(eq(posts.id, post.id)).for("update");
          const targets = await tx.select().from(postTargets).where(eq(postTargets.postId, post.id)).for("update");
          if (targets.some((target) => underway.has(target.state))) {
            throw conflict(
              "already_publishing",
              "Part of this post is already published or publishing; it cannot be cancelled.",
            );
          }
          const now = new Date(context.clock.now());
          await tx
            .update(postTargets)
            .set({ state: "cancelled", updatedAt: now })
            .where(eq(postTargets.postId, post.id));
          await tx
            .update(posts)
            .set({ status: "cancelled", cancelledAt: now, updatedAt: now })
            .where(eq(posts.id, post.id));
        },
        entry,
      );
      return reply.status(204).send(null);
    },
  );
};
