import { randomUUID } from "node:crypto";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { audited, requestOrigin, type AuditEntry } from "../../audit/audit.js";
import type { AppContext } from "../../context.js";
import { posts, postTargets } from "../../db/schema.js";
import { invalidInput } from "../../errors.js";
import { currentOrganization, currentUser } from "../../http/authorization.js";
import { assertCampaignForPost } from "../../campaigns/store.js";
import { syncPostLinks } from "../../links/store.js";
import { platformIds, platformProfiles } from "../../platforms/profiles.js";
import type { PostContent } from "../content.js";
import { duplicateProblems } from "../duplicates.js";
import { storeUpload, uploadLimits } from "../media.js";
import { nextFreeSlot } from "../slots.js";
import type { Problem } from "../validation.js";
import { assertMaySchedule } from "./access.js";
import {
  assertVersionsForAccounts,
  chosenConnections,
  contentProblems,
  dueTime,
  enqueueAll,
  refuseProblems,
} from "./drafts.js";
import { mediaView, postAnswer, postSchemas } from "./schemas.js";
import { mediaOf, viewOfPost } from "./views.js";

/** What the API document shows a script author: a scheduled cross-post with an image. */
const composeExample = {
  content: "Our spring menu is live: come taste it this weekend.",
  link: "https://example.com/spring",
  mediaIds: ["6f1c2a4e-8b0d-4c55-9a39-0b7f4d1e2a10"],
  connectionIds: ["1d2e3f40-5a6b-4c7d-8e9f-a0b1c2d3e4f5", "2e3f4051-6b7c-4d8e-9fa0-b1c2d3e4f5a6"],
  scheduledAt: "2026-12-01T09:00:00+01:00",
};

export const createPostRoutes: FastifyPluginAsyncZod<AppContext> = async (app, context) => {
  const { compose: composeSchema } = postSchemas({
    publicLinksOnly: context.config.isProduction,
    clock: context.clock,
  });

  app.get(
    "/api/posts/limits",
    {
      config: { access: "posts:create" },
      schema: {
        tags: ["posts"],
        summary: "What each platform accepts: the composer checks the same rules as the server",
        response: { 200: z.object({ limits: z.record(z.string(), z.unknown()) }) },
      },
    },
    async () => ({
      limits: Object.fromEntries(platformIds.map((id) => [id, platformProfiles[id].limits])),
    }),
  );

  app.post(
    "/api/media",
    {
      config: { access: "posts:create" },
      schema: {
        tags: ["posts"],
        summary:
          "Upload an image or video (multipart, one file in the field `file`), streamed to disk; its content must match its declared type",
        response: { 201: z.object({ media: mediaView }) },
      },
    },
    async (request, reply) => {
      const organization = currentOrganization(request);
      const record = await storeUpload(context, {
        organizationId: organization.id,
        userId: currentUser(request).id,
        parts: request.parts({ limits: uploadLimits(context.config.media.maxBytes) }),
      });
      return reply.status(201).send({ media: mediaOf(context, record) });
    },
  );

  app.post(
    "/api/posts",
    {
      config: { access: "posts:create", bodyExample: composeExample },
      schema: {
        tags: ["posts"],
        summary:
          "Compose once for several accounts, with per-platform and per-account versions; publish now, at scheduledAt, at the accounts' next free posting slot (queue: true), or save as a draft. Warnings name what the platforms would still refuse of a draft, and accounts that already have this text where the platform refuses the same text twice",
        body: composeSchema.safeExtend({
          queue: z
            .boolean()
            .optional()
            .describe("Instead of scheduledAt: the next posting slot free for every chosen account"),
        }),
        response: {
          201: postAnswer.extend({
            slot: z.object({ scheduledAt: z.string(), timeZone: z.string(), localTime: z.string() }).optional(),
          }),
        },
      },
    },
    async (request, reply) => {
      const organization = currentOrganization(request);
      const { queue, ...asked } = request.body;
      if (queue && asked.scheduledAt)
        throw invalidInput("queue_or_time", "Either pick a time or add to the queue, not both.", "queue");
      if (!asked.draft) await assertMaySchedule(context, request, "draft");
      const chosen = await chosenConnections(context, organization.id, asked.connectionIds);
      await assertCampaignForPost(context.db, organization.id, asked.campaignId);
      assertVersionsForAccounts(asked.versions, asked.connectionIds);
      const slot = queue
        ? await nextFreeSlot(context, { organizationId: organization.id, connectionIds: asked.connectionIds })
        : undefined;
      const body = { ...asked, scheduledAt: slot?.scheduledAt ?? asked.scheduledAt };
      const checked = await checkedPost(context, organization.id, body, chosen);
      const postId = await insertPost(context, {
        organizationId: organization.id,
        userId: currentUser(request).id,
        origin: requestOrigin(request),
        body,
        chosen,
        checked,
      });
      const duplicates = await duplicateProblems(context, organization.id, {
        post: checked.content,
        targets: chosen.map((connection) => ({ platform: connection.platform, connectionId: connection.id })),
        excludePostId: postId,
      });
      return reply.status(201).send({
        post: await viewOfPost(context, organization.id, postId),
        slot,
        warnings: [...(body.draft ? checked.warnings : []), ...duplicates],
      });
    },
  );
};

/** A new post's body once its schema has parsed it. */
export type ComposeBody = z.output<ReturnType<typeof postSchemas>["compose"]>;
type Connection = Awaited<ReturnType<typeof chosenConnections>>[number];

/** A new post as its accounts' platforms see it, and when it is due. */
export interface CheckedPost {
  content: PostContent;
  /** What the platforms would refuse: refused outright unless the post is a draft. */
  warnings: Problem[];
  dueAt: Date;
}

/** Checks a new post's content against its accounts' platforms, and its time. */
export async function checkedPost(
  context: AppContext,
  organizationId: string,
  body: ComposeBody,
  chosen: Connection[],
): Promise<CheckedPost> {
  const content = {
    content: body.content,
    link: body.link ?? null,
    mediaIds: body.mediaIds,
    options: body.options,
    versions: body.versions,
  };
  const targetsOf = chosen.map((connection) => ({ platform: connection.platform, connectionId: connection.id }));
  const warnings = await contentProblems(context, organizationId, content, targetsOf);
  if (!body.draft) refuseProblems(warnings);
  // A draft keeps its time, if it has one, for when it is scheduled; a past one is asked for again then.
  const dueAt = body.draft
    ? body.scheduledAt
      ? new Date(body.scheduledAt)
      : new Date(context.clock.now())
    : dueTime(context, body.scheduledAt);
  return { content, warnings, dueAt };
}

/** Writes a checked post, its targets and their jobs (none for a draft) in one audited transaction; answers its id. */
export async function insertPost(
  context: AppContext,
  options: {
    organizationId: string;
    userId: string;
    origin: Pick<AuditEntry, "actor" | "ip" | "userAgent">;
    body: ComposeBody;
    chosen: Connection[];
    checked: CheckedPost;
  },
): Promise<string> {
  const { organizationId, body, chosen } = options;
  const { content, dueAt } = options.checked;
  const postId = randomUUID();
  const entry: AuditEntry = {
    action: "post.created",
    organizationId,
    ...options.origin,
    target: { type: "post", id: postId },
    details: {
      platforms: chosen.map((connection) => connection.platform),
      scheduledAt: body.scheduledAt ?? null,
      ...(body.draft ? { draft: true } : {}),
    },
  };
  await audited(
    context.db,
    async (tx) => {
      await tx.insert(posts).values({
        id: postId,
        organizationId,
        authorUserId: options.userId,
        ...content,
        scheduledAt: body.scheduledAt ? dueAt : null,
        timeZone: body.timeZone ?? null,
        campaignId: body.campaignId ?? null,
        status: body.draft ? "draft" : body.scheduledAt ? "scheduled" : "publishing",
      });
      const targets = chosen.map((connection) => ({
        id: randomUUID(),
        organizationId,
        postId,
        connectionId: connection.id,
        platform: connection.platform,
        dueAt,
      }));
      if (targets.length > 0) await tx.insert(postTargets).values(targets);
      await syncPostLinks(
        tx,
        context,
        { ...content, id: postId, organizationId, campaignId: body.campaignId ?? null },
        targets.map((target) => ({ ...target, attempts: 0 })),
      );
      // The jobs commit with the post: no post without its jobs, no job without its post. A draft has none.
      if (!body.draft) await enqueueAll(context, tx, targets);
    },
    entry,
  );
  return postId;
}
