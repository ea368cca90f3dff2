import { and, desc, eq, gte, lte } from "drizzle-orm";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { AppContext } from "../../context.js";
import { posts, postStatus } from "../../db/schema.js";
import { currentOrganization } from "../../http/authorization.js";
import { dateTime } from "../../http/schemas.js";
import { postParams, postView } from "./schemas.js";
import { inOneSnapshot, postViews, viewOfPost } from "./views.js";

export const listPostRoutes: FastifyPluginAsyncZod<AppContext> = async (app, context) => {
  app.get(
    "/api/posts",
    {
      config: { access: "posts:create" },
      schema: {
        tags: ["posts"],
        summary:
          "Posts, newest first, optionally between two times (the calendar), in one status (the approval queue: awaiting_approval) or in one campaign",
        querystring: z.object({
          from: dateTime().optional(),
          to: dateTime().optional(),
          status: z.enum(postStatus.enumValues).optional(),
          campaignId: z.uuid("must be a campaign id").optional(),
          limit: z.coerce.number().int().min(1).max(200).default(50),
        }),
        response: { 200: z.object({ posts: z.array(postView) }) },
      },
    },
    async (request) => {
      const organization = currentOrganization(request);
      const { from, to, status, campaignId, limit } = request.query;
      return inOneSnapshot(context, async (reader) => {
        const rows = await reader
          .select()
          .from(posts)
          .where(
            and(
              eq(posts.organizationId, organization.id),
              from ? gte(posts.createdAt, new Date(from)) : undefined,
              to ? lte(posts.createdAt, new Date(to)) : undefined,
              status ? eq(posts.status, status) : undefined,
              campaignId ? eq(posts.campaignId, campaignId) : undefined,
            ),
          )
          .orderBy(desc(posts.createdAt))
          .limit(limit);
        return { posts: await postViews(context, organization.id, rows, reader) };
      });
    },
  );

  app.get(
    "/api/posts/:id",
    {
      config: { access: "posts:create" },
      schema: {
        tags: ["posts"],
        summary: "One post and each account's result",
        params: postParams,
        response: { 200: z.object({ post: postView }) },
      },
    },
    async (request) => ({
      post: await viewOfPost(context, currentOrganization(request).id, request.params.id),
    }),
  );
};
