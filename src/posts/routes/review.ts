import { eq } from "drizzle-orm";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { audited, requestOrigin } from "../../audit/audit.js";
import type { AppContext } from "../../context.js";
import { posts, postTargets } from "../../db/schema.js";
import { conflict } from "../../errors.js";
import { currentOrganization, currentUser } from "../../http/authorization.js";
import { dateTime } from "../../http/schemas.js";
import { contentOfPost } from "../content.js";
import { refreshPostStatus } from "../publish.js";
import { assertMayChange, requiresApproval } from "./access.js";
import { contentProblems, dueTime, enqueueAll, refuseProblems } from "./drafts.js";
import { postAnswer, postParams } from "./schemas.js";
import { ownedPost, viewOfPost } from "./views.js";

type PostRow = typeof posts.$inferSelect;

/** Refuses a step the post is not ready for, saying what state it is in. */
function assertStatus(post: PostRow, expected: PostRow["status"], doing: string) {
  if (post.status !== expected)
    throw conflict(
      "wrong_status",
      `Only a post that is ${expected.replace("_", " ")} can be ${doing}; this one is ${post.status.replace("_", " ")}.`,
    );
}

/**
 * Approval, where an organization requires it: a member submits a draft, an admin approves it
 * (which schedules it) or sends it back to its author as a draft with a comment. Each step is
 * audited; nothing is scheduled before approval.
 */
export const reviewPostRoutes: FastifyPluginAsyncZod<AppContext> = async (app, context) => {
  const { db } = context;

  app.post(
    "/api/posts/:id/submit",
    {
      config: { access: "posts:create" },
      schema: {
        tags: ["posts"],
        summary: "Submit a draft for an admin's approval (where the organization requires it)",
        params: postParams,
        response: { 200: postAnswer },
      },
    },
    async (request) => {
      const organization = currentOrganization(request);
      const post = await ownedPost(db, organization.id, request.params.id);
      assertMayChange(request, post, "submit");
      assertStatus(post, "draft", "submitted");
      if (!(await requiresApproval(context, organization.id)))
        throw conflict(
          "approval_not_required",
          "This organization does not require approval: schedule the post instead.",
        );
      const targets = await db.select().from(postTargets).where(eq(postTargets.postId, post.id));
      if (targets.length === 0)
        throw conflict("no_accounts", "Choose at least one account before submitting.", "connectionIds");
      refuseProblems(await contentProblems(context, organization.id, contentOfPost(post), targets));
      await audited(
        db,
        async (tx) => {
          const [locked] = await tx.select().from(posts).where(eq(posts.id, post.id)).for("update");
          assertStatus(locked!, "draft", "submitted");
          await tx
            .update(posts)
            .set({ status: "awaiting_approval", updatedAt: new Date(context.clock.now()) })
            .where(eq(posts.id, post.id));
        },
        {
          action: "post.submitted",
          organizationId: organization.id,
          ...requestOrigin(request),
          target: { type: "post", id: post.id },
        },
      );
      return { post: await viewOfPost(context, organization.id, post.id), warnings: [] };
    },
  );

  app.post(
    "/api/posts/:id/approve",
    {
      config: { access: "posts:approve" },
      schema: {
        tags: ["posts"],
        summary: "Approve a submitted post: it is scheduled at its time, or at scheduledAt when its time has passed",
        params: postParams,
        body: z.object({ scheduledAt: dateTime().optional() }).default({}),
        response: { 200: postAnswer },
      },
    },
    async (request) => {
      const organization = currentOrganization(request);
      const post = await ownedPost(db, organization.id, request.params.id);
      assertStatus(post, "awaiting_approval", "approved");
      const targets = await db.select().from(postTargets).where(eq(postTargets.postId, post.id));
      refuseProblems(await contentProblems(context, organization.id, contentOfPost(post), targets));
      const wanted = request.body.scheduledAt ?? post.scheduledAt?.toISOString();
      const dueAt = dueTime(context, wanted);
      const reviewer = currentUser(request);
      await audited(
        db,
        async (tx) => {
          const [locked] = await tx.select().from(posts).where(eq(posts.id, post.id)).for("update");
          assertStatus(locked!, "awaiting_approval", "approved");
          const now = new Date(context.clock.now());
          await tx
            .update(posts)
            .set({
              status: wanted ? "scheduled" : "publishing",
              scheduledAt: wanted ? dueAt : null,
              reviewComment: null,
              reviewedByUserId: reviewer.id,
              updatedAt: now,
            })
            .where(eq(posts.id, post.id));
          await tx.update(postTargets).set({ dueAt, updatedAt: now }).where(eq(postTargets.postId, post.id));
          await refreshPostStatus(context, post.id, tx);
          await enqueueAll(
            context,
            tx,
            targets.map((target) => ({ id: target.id, platform: target.platform, dueAt })),
          );
        },
        {
          action: "post.approved",
          organizationId: organization.id,
          ...requestOrigin(request),
          target: { type: "post", id: post.id },
          details: { scheduledAt: wanted ? dueAt.toISOString() : null, authorUserId: post.authorUserId },
        },
      );
      return { post: await viewOfPost(context, organization.id, post.id), warnings: [] };
    },
  );

  app.post(
    "/api/posts/:id/send-back",
    {
      config: { access: "posts:approve" },
      schema: {
        tags: ["posts"],
        summary: "Send a submitted post back to its author as a draft, with a comment",
        params: postParams,
        body: z.object({ comment: z.string().trim().min(1, "say what to change").max(2_000) }),
        response: { 200: postAnswer },
      },
    },
    async (request) => {
      const organization = currentOrganization(request);
      const post = await ownedPost(db, organization.id, request.params.id);
      assertStatus(post, "awaiting_approval", "sent back");
      const reviewer = currentUser(request);
      await audited(
        db,
        async (tx) => {
          const [locked] = await tx.select().from(posts).where(eq(posts.id, post.id)).for("update");
          assertStatus(locked!, "awaiting_approval", "sent back");
          await tx
            .update(posts)
            .set({
              status: "draft",
              reviewComment: request.body.comment,
              reviewedByUserId: reviewer.id,
              updatedAt: new Date(context.clock.now()),
            })
            .where(eq(posts.id, post.id));
        },
        {
          action: "post.sent_back",
          organizationId: organization.id,
          ...requestOrigin(request),
          target: { type: "post", id: post.id },
          details: { comment: request.body.comment, authorUserId: post.authorUserId },
        },
      );
      return { post: await viewOfPost(context, organization.id, post.id), warnings: [] };
    },
  );
};
