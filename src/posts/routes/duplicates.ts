import { and, eq } from "drizzle-orm";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { AppContext } from "../../context.js";
import { posts } from "../../db/schema.js";
import { notFound } from "../../errors.js";
import { currentOrganization } from "../../http/authorization.js";
import { duplicateWarnings } from "../duplicates.js";
import { chosenConnections } from "./drafts.js";
import { versionsView } from "./schemas.js";

export const duplicateWarningView = z.object({
  code: z.literal("duplicate_text"),
  connectionId: z.uuid(),
  accountName: z.string(),
  message: z.string(),
  matches: z.array(z.object({ postId: z.uuid(), state: z.enum(["scheduled", "published"]), at: z.date() })),
});

export const duplicateCheckRoutes: FastifyPluginAsyncZod<AppContext> = async (app, context) => {
  app.post(
    "/api/posts/check-duplicates",
    {
      config: { access: "posts:create" },
      schema: {
        tags: ["posts"],
        summary:
          "Before scheduling: which chosen accounts already have this text, recent or scheduled, on a platform that refuses the same text twice",
        body: z.object({
          content: z.string().max(70_000),
          link: z.string().max(2_000).optional(),
          connectionIds: z.array(z.uuid("must be connection ids")).max(100, "choose at most 100 accounts"),
          versions: versionsView.optional().describe("The post's per-network versions, as the composer holds them"),
          /** The post being edited, which is no duplicate of itself. */
          excludePostId: z.uuid("must be a post id").optional(),
        }),
        response: { 200: z.object({ warnings: z.array(duplicateWarningView) }) },
      },
    },
    async (request) => {
      const organizationId = currentOrganization(request).id;
      const { content, link, versions, connectionIds, excludePostId } = request.body;
      if (excludePostId) {
        const [post] = await context.db
          .select({ id: posts.id })
          .from(posts)
          .where(and(eq(posts.organizationId, organizationId), eq(posts.id, excludePostId)));
        if (!post) throw notFound("That post", "excludePostId");
      }
      const chosen = await chosenConnections(context, organizationId, [...new Set(connectionIds)]);
      return {
        warnings: await duplicateWarnings(context, organizationId, {
          post: { content, link: link ?? null, mediaIds: [], options: {}, versions: versions ?? {} },
          targets: chosen.map((connection) => ({ platform: connection.platform, connectionId: connection.id })),
          excludePostId,
        }),
      };
    },
  );
};
