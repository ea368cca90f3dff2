import { z } from "zod";
import type { Clock } from "../../clock.js";
import { postStatus, targetState } from "../../db/schema.js";
import { dateTime, platformId } from "../../http/schemas.js";
import { platformIds, postOptionsSchema, type PlatformId } from "../../platforms/profiles.js";
import { isKnownTimeZone } from "../slots.js";
import { linkProblem } from "../validation.js";

/** How far ahead a post can be scheduled: far enough for any campaign, near enough to mean it. */
const MAX_SCHEDULE_AHEAD_MS = 2 * 365 * 24 * 3_600_000;
/** More accounts than any organization posts one message to at once. */
const MAX_ACCOUNTS_PER_POST = 100;

/**
 * The compose and edit bodies; a link must point to a public host in production. An edit's
 * fields have no defaults: a field left out keeps the post's value (a reschedule sends only
 * scheduledAt), and null clears an optional one. Versions are edited one at a time: a version
 * named replaces that version, null removes it, and the versions not named are kept.
 */
export function postSchemas(options: { publicLinksOnly: boolean; clock: Clock }) {
  const link = z
    .url("must be a URL")
    .max(2_000)
    .superRefine((value, issues) => {
      const problem = linkProblem(value, { publicHostsOnly: options.publicLinksOnly });
      if (problem) issues.addIssue({ code: "custom", message: problem });
    });
  const fields = {
    content: z.string().max(70_000),
    link,
    mediaIds: z.array(z.uuid("must be media ids")).max(20),
    scheduledAt: dateTime().refine(
      (value) => Date.parse(value) <= options.clock.now() + MAX_SCHEDULE_AHEAD_MS,
      "must be within two years from now",
    ),
    timeZone: z
      .string()
      .max(100)
      .refine(isKnownTimeZone, "must be an IANA time zone, such as Europe/Paris")
      .describe("The IANA zone the time was chosen in, for showing it as the author meant it"),
    options: postOptionsSchema,
    connectionIds: z
      .array(z.uuid("must be connection ids"))
      .max(MAX_ACCOUNTS_PER_POST, `choose at most ${MAX_ACCOUNTS_PER_POST} accounts`)
      .transform((ids) => [...new Set(ids)]),
    campaignId: z.uuid("must be a campaign id").describe("The organization's campaign the post belongs to"),
  };
  const version = z.strictObject({
    content: fields.content.optional(),
    link: link.optional(),
    mediaIds: fields.mediaIds.optional(),
  });
  const versionsOf = <Version extends z.ZodType>(each: Version) =>
    z.strictObject({
      platforms: z
        .strictObject(
          Object.fromEntries(platformIds.map((id) => [id, each.optional()])) as Record<
            PlatformId,
            z.ZodOptional<Version>
          >,
        )
        .optional(),
      accounts: z
        .record(z.uuid("must be connection ids"), each)
        .refine((accounts) => Object.keys(accounts).length <= MAX_ACCOUNTS_PER_POST, "too many account versions")
        .optional(),
    });
  const compose = z
    .object({
      content: fields.content.default(""),
      link: fields.link.optional(),
      mediaIds: fields.mediaIds.default([]),
      versions: versionsOf(version).default({}),
      connectionIds: fields.connectionIds,
      scheduledAt: fields.scheduledAt.optional(),
      timeZone: fields.timeZone.optional(),
      options: fields.options.default({}),
      campaignId: fields.campaignId.optional(),
      /** Saved without scheduling; the platforms' rules come back as warnings, not refusals. */
      draft: z.boolean().default(false),
    })
    .superRefine((body, issues) => {
      if (!body.draft && body.connectionIds.length === 0)
        issues.addIssue({ code: "custom", path: ["connectionIds"], message: "choose at least one account" });
    });
  const edit = z.strictObject({
    content: fields.content.optional(),
    link: fields.link.nullable().optional(),
    mediaIds: fields.mediaIds.optional(),
    versions: versionsOf(version.nullable()).optional(),
    connectionIds: fields.connectionIds.optional(),
    scheduledAt: fields.scheduledAt.nullable().optional(),
    timeZone: fields.timeZone.nullable().optional(),
    options: fields.options.optional(),
    campaignId: fields.campaignId.nullable().optional(),
    /** true takes a post off the schedule back to a draft; false schedules a draft. */
    draft: z.boolean().optional(),
  });
  return { compose, edit };
}

/** A version as the API shows it, and the versions as stored. */
const versionView = z.object({
  content: z.string().optional(),
  link: z.string().optional(),
  mediaIds: z.array(z.string()).optional(),
});
export const versionsView = z.object({
  platforms: z.partialRecord(platformId, versionView).optional(),
  accounts: z.record(z.string(), versionView).optional(),
});

/** A platform rule a draft does not meet yet: reported, not refused, until it is scheduled. */
export const problemView = z.object({ field: z.string(), message: z.string() });

export const postParams = z.object({ id: z.uuid("must be a post id") });

export const mediaView = z.object({
  id: z.uuid(),
  fileName: z.string(),
  contentType: z.string(),
  sizeBytes: z.number(),
  url: z.string(),
});

const targetContent = z.object({ content: z.string(), link: z.string().nullable(), mediaIds: z.array(z.string()) });

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
  /** What this account is (or was) sent: its versions resolved over the shared post, its links as short links. */
  resolved: targetContent,
  /** What its last attempt sent, when it was attempted: it differs from resolved after an edit. */
  sent: targetContent.nullable(),
  /** The tracked short links its content is sent with, and their clicks (people's, unique per day, bots' apart). */
  links: z.array(
    z.object({
      code: z.string(),
      shortUrl: z.string(),
      originalUrl: z.string(),
      destinationUrl: z.string(),
      clicks: z.number(),
      uniqueClicks: z.number(),
      botClicks: z.number(),
    }),
  ),
  /** Whether its content may still be changed: not yet started, failed, or unconfirmed. */
  editable: z.boolean(),
});

export const postView = z.object({
  id: z.uuid(),
  content: z.string(),
  link: z.string().nullable(),
  media: z.array(mediaView),
  options: z.record(z.string(), z.unknown()),
  versions: versionsView,
  scheduledAt: z.date().nullable(),
  /** The IANA zone the post was scheduled in; null when its author did not say. */
  timeZone: z.string().nullable(),
  status: z.enum(postStatus.enumValues),
  authorUserId: z.uuid().nullable(),
  /** Why an admin sent the post back to its author; null once approved or never sent back. */
  reviewComment: z.string().nullable(),
  /** The campaign the post belongs to; null when none. */
  campaignId: z.uuid().nullable(),
  createdAt: z.date(),
  targets: z.array(targetView),
});

/** A post changed by a route, with what its platforms would still refuse (a draft's warnings). */
export const postAnswer = z.object({ post: postView, warnings: z.array(problemView) });

export const targetParams = z.object({ id: z.uuid("must be a post id"), targetId: z.uuid("must be a target id") });
