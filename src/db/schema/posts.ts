import { sql } from "drizzle-orm";
import {
  boolean,
  index,
  integer,
  jsonb,
  pgEnum,
  pgTable,
  real,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";
import type { PlatformId, PostOptions } from "../../platforms/profiles.js";
import type { PostVersions } from "../../posts/versions.js";
import { campaigns } from "./campaigns.js";
import { connections } from "./connections.js";
import { createdAt, tenant, users } from "./identity.js";

/** A file uploaded for posts; served to platforms that fetch media at an unguessable URL. */
export const media = pgTable(
  "media",
  {
    id: uuid("id").primaryKey(),
    organizationId: tenant(),
    uploadedByUserId: uuid("uploaded_by_user_id").references(() => users.id, { onDelete: "set null" }),
    fileName: text("file_name").notNull(),
    contentType: text("content_type").notNull(),
    sizeBytes: integer("size_bytes").notNull(),
    /** Read from the file's header when the format allows; null when unknown. */
    width: integer("width"),
    height: integer("height"),
    durationSeconds: real("duration_seconds"),
    /** The secret part of the public URL; platforms fetch /media/{token}/{fileName}. */
    publicToken: text("public_token").notNull().unique(),
    createdAt: createdAt(),
  },
  (table) => [index("media_organization_idx").on(table.organizationId)],
);

export const postStatus = pgEnum("post_status", [
  /** Saved without a schedule: no jobs, its platform rules only warned about. */
  "draft",
  /** Submitted by a member where the organization requires approval: no jobs until an admin approves. */
  "awaiting_approval",
  "scheduled",
  "publishing",
  "published",
  "partially_published",
  "failed",
  "cancelled",
]);

/** What a member wrote once, for several accounts; each account's delivery is a post target. */
export const posts = pgTable(
  "posts",
  {
    id: uuid("id").primaryKey(),
    organizationId: tenant(),
    authorUserId: uuid("author_user_id").references(() => users.id, { onDelete: "set null" }),
    content: text("content").notNull(),
    link: text("link"),
    mediaIds: uuid("media_ids").array().notNull().default([]),
    /** Per-platform choices, keyed by platform id, each read by its platform's profile. */
    options: jsonb("options").$type<PostOptions>().notNull().default({}),
    /** Per-platform and per-account overrides of the shared content (versions.ts resolves a target's). */
    versions: jsonb("versions").$type<PostVersions>().notNull().default({}),
    /** When to publish, in UTC; null means now. */
    scheduledAt: timestamp("scheduled_at", { withTimezone: true }),
    /** The IANA zone the author scheduled in, so the time can be shown as they meant it; null when not said. */
    timeZone: text("time_zone"),
    status: postStatus("status").notNull(),
    createdAt: createdAt(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
    cancelledAt: timestamp("cancelled_at", { withTimezone: true }),
    /** An admin's word on sending the post back to its author as a draft; cleared when it is approved. */
    reviewComment: text("review_comment"),
    reviewedByUserId: uuid("reviewed_by_user_id").references(() => users.id, { onDelete: "set null" }),
    campaignId: uuid("campaign_id").references(() => campaigns.id, { onDelete: "set null" }),
  },
  (table) => [
    index("posts_organization_idx").on(table.organizationId, table.scheduledAt),
    index("posts_campaign_idx").on(table.campaignId),
  ],
);

export const targetState = pgEnum("target_state", [
  "queued",
  "publishing",
  "published",
  "failed",
  "unknown",
  "cancelled",
]);

export interface TargetProgress {
  partIds?: string[];
  processing?: {
    /** The platform's own state (publish's StillProcessing answer). */
    state: Record<string, unknown>;
    /** Epoch milliseconds after which the platform is no longer waited for. */
    deadline: number;
    checks: number;
    checkAt: number;
    waitingFor: string;
  };
}

/** A target's resolved content and its platform's options, as one attempt sent them. */
export interface SentContent {
  content: string;
  link: string | null;
  mediaIds: string[];
  options: Record<string, unknown>;
}

/**
 * One post to one account: queued → publishing → published, failed or unknown. A worker marks
 * it publishing before calling the platform; one that finds it publishing reconciles first.
 */
export const postTargets = pgTable(
  "post_targets",
  {
    id: uuid("id").primaryKey(),
    organizationId: tenant(),
    postId: uuid("post_id")
      .notNull()
      .references(() => posts.id, { onDelete: "cascade" }),
    connectionId: uuid("connection_id")
      .notNull()
      .references(() => connections.id, { onDelete: "cascade" }),
    platform: text("platform").$type<PlatformId>().notNull(),
    state: targetState("state").notNull().default("queued"),
    attempts: integer("attempts").notNull().default(0),
    dueAt: timestamp("due_at", { withTimezone: true }).notNull(),
    publishingStartedAt: timestamp("publishing_started_at", { withTimezone: true }),
    /** The worker and job holding the target while it is publishing: a dead worker's targets are reconciled at once. */
    claimedByWorker: text("claimed_by_worker"),
    claimedJobId: text("claimed_job_id"),
    publishedAt: timestamp("published_at", { withTimezone: true }),
    remotePostId: text("remote_post_id"),
    remoteUrl: text("remote_url"),
    /**
     * Parts already on the platform (X thread replies), so a retry continues instead of repeating
     * them; and what the platform is still processing (containers, a video), so a check, a
     * takeover or a retry continues from it instead of creating or uploading it again.
     */
    progress: jsonb("progress").$type<TargetProgress>().notNull().default({}),
    /**
     * What the last attempt sent, as resolved when it was claimed: an unconfirmed target whose
     * content was edited since is not sent again before a person says the earlier one did not go out.
     */
    sentContent: jsonb("sent_content").$type<SentContent>(),
    error: text("error"),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
    createdAt: createdAt(),
  },
  (table) => [
    uniqueIndex("post_targets_unique").on(table.postId, table.connectionId),
    // Two targets can never be the same remote post: reconciliation that would claim one twice fails here.
    uniqueIndex("post_targets_remote_post_unique")
      .on(table.connectionId, table.remotePostId)
      .where(sql`${table.remotePostId} is not null`),
    index("post_targets_due_idx").on(table.state, table.dueAt),
    index("post_targets_organization_idx").on(table.organizationId),
  ],
);

/** How an organization runs its posting: whether a member's posts wait for an admin's approval. */
export const postingSettings = pgTable("posting_settings", {
  organizationId: tenant().primaryKey(),
  requireApproval: boolean("require_approval").notNull().default(false),
  /**
   * Whether links in posts are rewritten to tracked short links. Off until an admin turns it on:
   * the short links point at the app's public address, which must be reachable from the internet.
   */
  trackLinks: boolean("track_links").notNull().default(false),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
});
