import { eq } from "drizzle-orm";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { audited, requestOrigin } from "../../audit/audit.js";
import type { AppContext } from "../../context.js";
import { postTargets } from "../../db/schema.js";
import { conflict } from "../../errors.js";
import { currentOrganization } from "../../http/authorization.js";
import { refreshPostStatus } from "../publish.js";
import { enqueueAll } from "./drafts.js";
import { sendableContent } from "../../links/store.js";
import { contentOfPost, sameContent } from "../content.js";
import { assertMayChange } from "./access.js";
import { postView, targetParams } from "./schemas.js";
import { lockedTarget, ownedPost, viewOfPost } from "./views.js";

export const retryPostRoutes: FastifyPluginAsyncZod<AppContext> = async (app, context) => {
  const { db } = context;

  app.post(
    "/api/posts/:id/targets/:targetId/retry",
    {
      config: { access: "posts:create" },
      schema: {
        tags: ["posts"],
        summary: "Try a failed (or unconfirmed) account again",
        params: targetParams,
        response: { 200: z.object({ post: postView }) },
      },
    },
    async (request) => {
      const organization = currentOrganization(request);
      const post = await ownedPost(db, organization.id, request.params.id);
      assertMayChange(request, post, "retry");
      const dueAt = new Date(context.clock.now());
      await audited(
        db,
        async (tx) => {
          const target = await lockedTarget(tx, post.id, request.params.targetId);
          if (target.state !== "failed" && target.state !== "unknown")
            throw conflict("not_failed", `This account is ${target.state}; only failed ones are retried.`);
          // The earlier text may be on the account: sending the edited one is a person's call (resolve).
          if (
            target.state === "unknown" &&
            target.sentContent &&
            !sameContent(target.sentContent, await sendableContent(tx, contentOfPost(post), target))
          )
            throw conflict(
              "confirm_not_posted",
              "This account's post may have gone out with its earlier content, and it has been edited since. Check the account: if it did post, say so; if not, choose Post it again to send the edited content.",
            );
          await tx
            .update(postTargets)
            .set({ state: "queued", dueAt, error: null, updatedAt: dueAt })
            .where(eq(postTargets.id, target.id));
          await refreshPostStatus(context, post.id, tx);
          await enqueueAll(context, tx, [{ id: target.id, platform: target.platform, dueAt }]);
          return target.platform;
        },
        (platform) => ({
          action: "post.retried",
          organizationId: organization.id,
          ...requestOrigin(request),
          target: { type: "post", id: post.id },
          details: { platform },
        }),
      );
      return { post: await viewOfPost(context, organization.id, post.id) };
    },
  );
};
