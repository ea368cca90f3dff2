import { z } from "zod";
import type { Clock } from "../../clock.js";
import { postStatus, targetState } from "../../db/schema.js";
import { dateTime, platformId } from "../../http/schemas.js";
import { postOptionsSchema } from "../../platforms/profiles.js";
import { linkProblem } from "../validation.js";

/** How far ahead a post can be scheduled: far enough for any campaign, near enough to mean it. */
const MAX_SCHEDULE_AHEAD_MS = 2 * 365 * 24 * 3_600_000;
/** More accounts than any organization posts one message to at once. */
const MAX_ACCOUNTS_PER_POST = 100;

/**
 * The compose and edit bodies; a link must point to a public host in production. An edit's
 * fields have no defaults: a field left out keeps the post's value (a reschedule sends only
 * scheduledAt).
 */
export function postSchemas(options: { publicLinksOnly: boolean; clock: Clock }) {
  const fields = {
    content: z.string().max(70_000),
    link: z
      .url("must be a URL")
      .max(2_000)
      .superRefine((value, issues) => {
        const problem = linkProblem(value, { publicHostsOnly: options.publicLinksOnly });
        if (problem) issues.addIssue({ code: "custom", message: problem });
      }),
    mediaIds: z.array(z.uuid("must be media ids")).max(20),
    scheduledAt: dateTime().refine(
      (value) => Date.parse(value) <= options.clock.now() + MAX_SCHEDULE_AHEAD_MS,
      "must be within two years from now",
    ),
    options: postOptionsSchema,
  };
  const compose = z.object({
    content: fields.content.default(""),
    link: fields.link.optional(),
    mediaIds: fields.mediaIds.default([]),
    connectionIds: z
      .array(z.uuid("must be connection ids"))
      .min(1, "choose at least one account")
      .max(MAX_ACCOUNTS_PER_POST, `choose at most ${MAX_ACCOUNTS_PER_POST} accounts`)
      .transform((ids) => [...new Set(ids)]),
    scheduledAt: fields.scheduledAt.optional(),
    options: fields.options.default({}),
  });
  return { compose, edit: z.object(fields).partial() };
}

export const postParams = z.object({ id: z.uuid("must be a post id") });

export const mediaView = z.object({
  id: z.uuid(),
  fileName: z.string(),
  contentType: z.string(),
  sizeBytes: z.number(),
  url: z.string(),
});

const targetView = z.object({
  id: z.uuid(),
  connectionId: z.uuid(),
  platform: platformId,
  accountName: z.string(),
  isSandbox: z.boolean(),
  state: z.enum(targetState.enumValues),
  attempts: z.number(),
  dueAt: z.date(),
  publishedAt: z.date().nullable(),
  postId: z.string().nullable(),
  url: z.string().nullable(),
  error: z.string().nullable(),
});

export const postView = z.object({
  id: z.uuid(),
  content: z.string(),
  link: z.string().nullable(),
  media: z.array(mediaView),
  options: z.record(z.string(), z.unknown()),
  scheduledAt: z.date().nullable(),
  status: z.enum(postStatus.enumValues),
  createdAt: z.date(),
  targets: z.array(targetView),
});

export const targetParams = z.object({ id: z.uuid("must be a post id"), targetId: z.uuid("must be a target id") });
