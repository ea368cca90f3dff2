import { randomUUID } from "node:crypto";
import { and, eq, inArray } from "drizzle-orm";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { audited, requestOrigin, type AuditEntry } from "../../audit/audit.js";
import type { AppContext } from "../../context.js";
import { connections, posts, postTargets } from "../../db/schema.js";
import { invalidInput } from "../../errors.js";
import { currentOrganization, currentUser } from "../../http/authorization.js";
import { platformIds, platformProfiles } from "../../platforms/profiles.js";
import { duplicateWarnings } from "../duplicates.js";
import { storeUpload, uploadLimits } from "../media.js";
import { nextFreeSlot } from "../slots.js";
import { checkContent, dueTime, enqueueAll } from "./drafts.js";
import { duplicateWarningView } from "./duplicates.js";
import { mediaView, postSchemas, postView } from "./schemas.js";
import { mediaOf, viewOfPost } from "./views.js";

/** Statuses a post cannot go out through until the account is connected again. */
const needsReconnecting: ReadonlySet<(typeof connections.$inferSelect)["status"]> = new Set([
  "disconnected",
  "invalid",
  "expired",
]);

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
          "Compose once for several accounts; publish now, at scheduledAt, or with queue: true at the accounts' next free posting slot. Warnings (not refusals) name accounts that already have this text where the platform refuses duplicates",
        body: composeSchema.extend({
          queue: z
            .boolean()
            .optional()
            .describe("Instead of scheduledAt: the next posting slot free for every chosen account"),
        }),
        response: {
          201: z.object({
            post: postView,
            slot: z.object({ scheduledAt: z.string(), timeZone: z.string(), localTime: z.string() }).optional(),
            warnings: z.array(duplicateWarningView),
          }),
        },
      },
    },
    async (request, reply) => {
      const organization = currentOrganization(request);
      const { queue, ...asked } = request.body;
      if (queue && asked.scheduledAt)
        throw invalidInput("queue_or_time", "Either pick a time or add to the queue, not both.", "queue");
      const chosen = await accountsFor(context, organization.id, asked.connectionIds);
      const slot = queue
        ? await nextFreeSlot(context, { organizationId: organization.id, connectionIds: asked.connectionIds })
        : undefined;
      const body = { ...asked, scheduledAt: slot?.scheduledAt ?? asked.scheduledAt };
      const dueAt = await checkedDueTime(context, organization.id, body, chosen);
      const postId = await insertPost(context, {
        organizationId: organization.id,
        userId: currentUser(request).id,
        origin: requestOrigin(request),
        body,
        chosen,
        dueAt,
      });
      return reply.status(201).send({
        post: await viewOfPost(context, organization.id, postId),
        slot,
        warnings: await duplicateWarnings(context, organization.id, { ...body, excludePostId: postId }),
      });
    },
  );
};

/** What a new post's body holds once its schema has parsed it. */
export type ComposeBody = z.output<ReturnType<typeof postSchemas>["compose"]>;
type Connection = typeof connections.$inferSelect;

/** The chosen accounts, refused unless each is the organization's and can take a post now. */
export async function accountsFor(
  context: AppContext,
  organizationId: string,
  connectionIds: string[],
): Promise<Connection[]> {
  const chosen = await context.db
    .select()
    .from(connections)
    .where(and(eq(connections.organizationId, organizationId), inArray(connections.id, connectionIds)));
  if (chosen.length !== connectionIds.length)
    throw invalidInput(
      "invalid_accounts",
      "Some of the chosen accounts are not connected to this organization.",
      "connectionIds",
    );
  const unusable = chosen.filter((connection) => needsReconnecting.has(connection.status));
  if (unusable.length > 0) {
    throw invalidInput(
      "accounts_need_reconnecting",
      `Reconnect ${unusable.map((connection) => connection.name).join(", ")} before posting to ${unusable.length === 1 ? "it" : "them"}.`,
      "connectionIds",
    );
  }
  return chosen;
}

/** Refuses what the chosen accounts' platforms would refuse, or a time in the past; answers when the post is due. */
export async function checkedDueTime(
  context: AppContext,
  organizationId: string,
  body: ComposeBody,
  chosen: Connection[],
): Promise<Date> {
  await checkContent(
    context,
    organizationId,
    body,
    chosen.map((connection) => connection.platform),
  );
  return dueTime(context, body.scheduledAt);
}

/** Writes a checked post, its targets and their jobs in one audited transaction; answers its id. */
export async function insertPost(
  context: AppContext,
  options: {
    organizationId: string;
    userId: string;
    origin: Pick<AuditEntry, "actor" | "ip" | "userAgent">;
    body: ComposeBody;
    chosen: Connection[];
    dueAt: Date;
  },
): Promise<string> {
  const { organizationId, body, chosen, dueAt } = options;
  const postId = randomUUID();
  const entry: AuditEntry = {
    action: "post.created",
    organizationId,
    ...options.origin,
    target: { type: "post", id: postId },
    details: {
      platforms: chosen.map((connection) => connection.platform),
      scheduledAt: body.scheduledAt ?? null,
    },
  };
  await audited(
    context.db,
    async (tx) => {
      await tx.insert(posts).values({
        id: postId,
        organizationId,
        authorUserId: options.userId,
        content: body.content,
        link: body.link ?? null,
        mediaIds: body.mediaIds,
        options: body.options,
        scheduledAt: body.scheduledAt ? dueAt : null,
        status: body.scheduledAt ? "scheduled" : "publishing",
      });
      const targets = chosen.map((connection) => ({
        id: randomUUID(),
        organizationId,
        postId,
        connectionId: connection.id,
        platform: connection.platform,
        dueAt,
      }));
      await tx.insert(postTargets).values(targets);
      // The jobs commit with the post: no post without its jobs, no job without its post.
      await enqueueAll(context, tx, targets);
    },
    entry,
  );
  return postId;
}
