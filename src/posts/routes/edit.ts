import { randomUUID } from "node:crypto";
import { and, eq, inArray } from "drizzle-orm";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { audited, requestOrigin, type AuditEntry } from "../../audit/audit.js";
import type { AppContext } from "../../context.js";
import { posts, postTargets } from "../../db/schema.js";
import { conflict, invalidInput } from "../../errors.js";
import { currentOrganization } from "../../http/authorization.js";
import { assertCampaignForPost } from "../../campaigns/store.js";
import { syncPostLinks } from "../../links/store.js";
import { contentOfPost, isEditable, mergeVersions, notStarted, resolvedFor, sameContent } from "../content.js";
import { refreshPostStatus } from "../publish.js";
import { assertMayChange, assertMaySchedule, isAdministrator, requiresApproval } from "./access.js";
import {
  assertVersionsForAccounts,
  chosenConnections,
  contentProblems,
  dueTime,
  enqueueAll,
  refuseProblems,
} from "./drafts.js";
import { duplicateProblems } from "../duplicates.js";
import { postAnswer, postParams, postSchemas } from "./schemas.js";
import { ownedPost, viewOfPost } from "./views.js";

type PostRow = typeof posts.$inferSelect;
type TargetRow = typeof postTargets.$inferSelect;

/** Statuses without jobs: nothing goes out until the post is scheduled. */
const unscheduled: ReadonlySet<PostRow["status"]> = new Set(["draft", "awaiting_approval"]);

/** The fields that change what a post says or where it goes, as opposed to when. */
const contentFields = ["content", "link", "mediaIds", "options", "versions", "connectionIds"] as const;

/** The fields an edit named, in the audit entry's words. */
const changedFields = (body: Record<string, unknown>) => Object.keys(body).filter((key) => body[key] !== undefined);

/**
 * Refuses a change to a target whose content can no longer change (published, publishing, or
 * being retried), and a change of accounts or time once any account has started.
 */
function assertChangesAllowed(
  post: PostRow,
  targets: TargetRow[],
  next: ReturnType<typeof contentOfPost>,
  changes: { accounts: boolean; time: boolean },
) {
  for (const target of targets) {
    if (isEditable(target)) continue;
    if (!sameContent(resolvedFor(contentOfPost(post), target), resolvedFor(next, target)))
      throw conflict(
        "target_started",
        `The post to ${target.platform} has ${target.state === "published" ? "been published" : "started publishing"}, so its content can no longer change; give the other accounts versions of their own instead.`,
        "content",
      );
  }
  if (targets.every(notStarted)) return;
  if (changes.accounts)
    throw conflict(
      "already_publishing",
      "This post has started publishing: its accounts can no longer change.",
      "connectionIds",
    );
  if (changes.time)
    throw conflict(
      "already_publishing",
      "This post has started publishing: its time can no longer change.",
      "scheduledAt",
    );
}

export const editPostRoutes: FastifyPluginAsyncZod<AppContext> = async (app, context) => {
  const { db } = context;
  const { edit: editSchema } = postSchemas({ publicLinksOnly: context.config.isProduction, clock: context.clock });

  app.patch(
    "/api/posts/:id",
    {
      config: { access: "posts:create" },
      schema: {
        tags: ["posts"],
        summary:
          "Edit a post until it starts: only the fields named change (null clears one); a failed or unconfirmed account's content can change before it is retried. Jobs are replaced in the same transaction.",
        params: postParams,
        body: editSchema,
        response: { 200: postAnswer },
      },
    },
    async (request) => {
      const organization = currentOrganization(request);
      const body = request.body;
      const post = await ownedPost(db, organization.id, request.params.id);
      assertMayChange(request, post, "edit");
      if (post.cancelledAt) throw conflict("cancelled", "This post was cancelled and can no longer be edited.");
      await assertCampaignForPost(db, organization.id, body.campaignId);
      const targets = await db.select().from(postTargets).where(eq(postTargets.postId, post.id));

      // Where approval is required, a member's change to what an approved post says is approved again.
      const approvedAgain =
        post.status === "scheduled" &&
        body.draft === undefined &&
        contentFields.some((field) => body[field] !== undefined) &&
        targets.every(notStarted) &&
        !isAdministrator(organization.role) &&
        (await requiresApproval(context, organization.id));
      const status: PostRow["status"] =
        body.draft === true
          ? "draft"
          : body.draft === false && post.status === "draft"
            ? "scheduled"
            : approvedAgain
              ? "awaiting_approval"
              : post.status;
      if (body.draft === true && !targets.every(notStarted))
        throw conflict(
          "already_publishing",
          "This post has started publishing: it cannot become a draft again.",
          "draft",
        );
      if (body.draft === false && post.status === "draft") await assertMaySchedule(context, request, "draft");
      const willBeScheduled = !unscheduled.has(status);
      if (body.scheduledAt === null && willBeScheduled && post.scheduledAt)
        throw invalidInput(
          "time_required",
          "A scheduled post needs a time: choose one, or cancel the post.",
          "scheduledAt",
        );

      const next = {
        content: body.content ?? post.content,
        link: body.link === undefined ? post.link : body.link,
        mediaIds: body.mediaIds ?? post.mediaIds,
        options: body.options ?? post.options,
        versions: mergeVersions(post.versions, body.versions),
      };
      const scheduledAt =
        body.scheduledAt === undefined
          ? post.scheduledAt
          : body.scheduledAt === null
            ? null
            : new Date(body.scheduledAt);
      const becomingScheduled = willBeScheduled && unscheduled.has(post.status);
      const timeChanged = body.scheduledAt !== undefined || becomingScheduled;

      const connectionIds = body.connectionIds;
      const kept = connectionIds ? targets.filter((target) => connectionIds.includes(target.connectionId)) : targets;
      const removed = targets.filter((target) => !kept.includes(target));
      const added = connectionIds
        ? await chosenConnections(
            context,
            organization.id,
            connectionIds.filter((id) => !targets.some((target) => target.connectionId === id)),
          )
        : [];
      assertVersionsForAccounts(next.versions, [
        ...kept.map((target) => target.connectionId),
        ...added.map((connection) => connection.id),
      ]);
      if (willBeScheduled && kept.length + added.length === 0)
        throw invalidInput("invalid_accounts", "choose at least one account", "connectionIds");
      assertChangesAllowed(post, kept, next, { accounts: removed.length + added.length > 0, time: timeChanged });

      // The accounts whose content could still go out: checked by their platforms' rules.
      const outgoing = [
        ...kept.filter(isEditable),
        ...added.map((connection) => ({ platform: connection.platform, connectionId: connection.id })),
      ];
      const warnings = await contentProblems(context, organization.id, next, outgoing);
      if (willBeScheduled) refuseProblems(warnings);
      const dueAt = !timeChanged
        ? undefined
        : willBeScheduled
          ? dueTime(context, scheduledAt?.toISOString())
          : (scheduledAt ?? new Date(context.clock.now()));

      const entry: AuditEntry = {
        action: "post.updated",
        organizationId: organization.id,
        ...requestOrigin(request),
        target: { type: "post", id: post.id },
        details: {
          fields: changedFields(body),
          ...(dueAt ? { scheduledAt: dueAt.toISOString() } : {}),
          ...(status !== post.status ? { status } : {}),
        },
      };
      await audited(
        db,
        async (tx) => {
          const [locked] = await tx.select().from(posts).where(eq(posts.id, post.id)).for("update");
          const current = await tx.select().from(postTargets).where(eq(postTargets.postId, post.id)).for("update");
          if (!locked || locked.cancelledAt || locked.status !== post.status)
            throw conflict("changed_meanwhile", "This post changed meanwhile: reload it and try again.");
          // A target may have started between the checks above and this lock.
          assertChangesAllowed(
            locked,
            current.filter((target) => kept.some((one) => one.id === target.id)),
            next,
            { accounts: removed.length + added.length > 0, time: timeChanged },
          );
          const now = new Date(context.clock.now());
          await tx
            .update(posts)
            .set({
              ...next,
              scheduledAt,
              ...(body.timeZone !== undefined ? { timeZone: body.timeZone } : {}),
              ...(body.campaignId !== undefined ? { campaignId: body.campaignId } : {}),
              status: status === "scheduled" && !scheduledAt ? "publishing" : status,
              updatedAt: now,
            })
            .where(eq(posts.id, post.id));
          if (removed.length > 0)
            await tx.delete(postTargets).where(
              and(
                eq(postTargets.postId, post.id),
                inArray(
                  postTargets.id,
                  removed.map((target) => target.id),
                ),
              ),
            );
          const newTargets = added.map((connection) => ({
            id: randomUUID(),
            organizationId: organization.id,
            postId: post.id,
            connectionId: connection.id,
            platform: connection.platform,
            dueAt: dueAt ?? kept[0]?.dueAt ?? scheduledAt ?? now,
          }));
          if (newTargets.length > 0) await tx.insert(postTargets).values(newTargets);
          await syncPostLinks(
            tx,
            context,
            {
              ...next,
              id: post.id,
              organizationId: organization.id,
              campaignId: body.campaignId === undefined ? locked.campaignId : body.campaignId,
            },
            [
              ...current.filter((target) => kept.some((one) => one.id === target.id) && isEditable(target)),
              ...newTargets.map((target) => ({ ...target, attempts: 0 })),
            ],
          );
          if (dueAt)
            await tx
              .update(postTargets)
              .set({ dueAt, updatedAt: now })
              .where(
                and(eq(postTargets.postId, post.id), eq(postTargets.state, "queued"), eq(postTargets.attempts, 0)),
              );
          await refreshPostStatus(context, post.id, tx);
          if (!willBeScheduled) return;
          // The old jobs carry the old schedule and will find nothing to do.
          const toSend = [...kept.filter(notStarted), ...newTargets];
          if (dueAt || newTargets.length > 0)
            await enqueueAll(
              context,
              tx,
              toSend.map((target) => ({ id: target.id, platform: target.platform, dueAt: dueAt ?? target.dueAt })),
            );
        },
        entry,
      );
      const duplicates = await duplicateProblems(context, organization.id, {
        post: next,
        targets: outgoing.map(({ platform, connectionId }) => ({ platform, connectionId })),
        excludePostId: post.id,
      });
      return {
        post: await viewOfPost(context, organization.id, post.id),
        warnings: [...(willBeScheduled ? [] : warnings), ...duplicates],
      };
    },
  );
};
