import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { AppContext } from "../../context.js";
import { currentOrganization } from "../../http/authorization.js";
import { duplicateWarnings } from "../duplicates.js";

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
          /** The post being edited, which is no duplicate of itself. */
          excludePostId: z.uuid("must be a post id").optional(),
        }),
        response: { 200: z.object({ warnings: z.array(duplicateWarningView) }) },
      },
    },
    async (request) => ({
      warnings: await duplicateWarnings(context, currentOrganization(request).id, request.body),
    }),
  );
};
