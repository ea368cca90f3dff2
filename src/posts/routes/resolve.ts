import { eq } from "drizzle-orm";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { audited, requestOrigin } from "../../audit/audit.js";
import type { AppContext } from "../../context.js";
import { postTargets } from "../../db/schema.js";
import { conflict } from "../../errors.js";
import { currentOrganization } from "../../http/authorization.js";
import { refreshPostStatus } from "../publish.js";
import { linkProblem } from "../validation.js";
import { enqueueAll } from "./drafts.js";
import { assertMayChange } from "./access.js";
import { postView, targetParams } from "./schemas.js";
import { lockedTarget, ownedPost, viewOfPost } from "./views.js";

const resolution = z
  .object({
    /** published: it went out (the product sends nothing); post_again: it did not, so send it now. */
    outcome: z.enum(["published", "post_again"]),
    /** Where the person found it; the platform's own link, so any host will do. */
    url: z
      .url("must be a URL")
      .max(2_000)
      .superRefine((value, issues) => {
        const problem = linkProblem(value, { publicHostsOnly: false });
        if (problem) issues.addIssue({ code: "custom", message: problem });
      })
      .optional(),
  })
  .refine((body) => body.outcome === "published" || body.url === undefined, {
    path: ["url"],
    message: "is only for a post that did go out",
  });

/**
 * A person settles what the product could not find out: a target left `unknown` (its answer was
 * lost and the platform could not or would not be asked) either went out — recorded as published,
 * with the link they found — or did not, and is sent again now.
 */
export const resolvePostRoutes: FastifyPluginAsyncZod<AppContext> = async (app, context) => {
  const { db } = context;

  app.post(
    "/api/posts/:id/targets/:targetId/resolve",
    {
      config: { access: "posts:create" },
      schema: {
        tags: ["posts"],
        summary: "Say whether an unconfirmed account's post went out",
        params: targetParams,
        body: resolution,
        response: { 200: z.object({ post: postView }) },
      },
    },
    async (request) => {
      const organization = currentOrganization(request);
      const post = await ownedPost(db, organization.id, request.params.id);
      assertMayChange(request, post, "resolve");
      const body = request.body;
      const now = new Date(context.clock.now());
      await audited(
        db,
        async (tx) => {
          const target = await lockedTarget(tx, post.id, request.params.targetId);
          if (target.state !== "unknown")
            throw conflict("not_unknown", `This account is ${target.state}; only unconfirmed ones are resolved.`);
          if (body.outcome === "published") {
            await tx
              .update(postTargets)
              .set({ state: "published", remoteUrl: body.url ?? null, publishedAt: now, error: null, updatedAt: now })
              .where(eq(postTargets.id, target.id));
          } else {
            await tx
              .update(postTargets)
              .set({ state: "queued", dueAt: now, error: null, updatedAt: now })
              .where(eq(postTargets.id, target.id));
            await enqueueAll(context, tx, [{ id: target.id, platform: target.platform, dueAt: now }]);
          }
          await refreshPostStatus(context, post.id, tx);
          return target.platform;
        },
        (platform) => ({
          action: "post.resolved",
          organizationId: organization.id,
          ...requestOrigin(request),
          target: { type: "post", id: post.id },
          details: {
            platform,
            outcome: body.outcome,
            ...(body.url ? { url: body.url } : {}),
          },
        }),
      );
      return { post: await viewOfPost(context, organization.id, post.id) };
    },
  );
};
