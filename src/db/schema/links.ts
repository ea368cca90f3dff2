import { bigserial, boolean, date, index, pgTable, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import type { PlatformId } from "../../platforms/profiles.js";
import { campaigns } from "./campaigns.js";
import { connections } from "./connections.js";
import { createdAt, tenant } from "./identity.js";
import { posts, postTargets } from "./posts.js";

/**
 * A short link `/l/{code}` standing for one URL of one post target (platform + account + post).
 * Created once with the target, so every attempt and reconciliation sends the same text; the
 * destination (the URL with its UTM parameters) may change while the post is edited, the code never.
 */
export const trackedLinks = pgTable(
  "tracked_links",
  {
    id: uuid("id").primaryKey(),
    organizationId: tenant(),
    /** Random base62, unguessable: the only thing the redirect looks up. */
    code: text("code").notNull(),
    postId: uuid("post_id")
      .notNull()
      .references(() => posts.id, { onDelete: "cascade" }),
    targetId: uuid("target_id")
      .notNull()
      .references(() => postTargets.id, { onDelete: "cascade" }),
    connectionId: uuid("connection_id")
      .notNull()
      .references(() => connections.id, { onDelete: "cascade" }),
    platform: text("platform").$type<PlatformId>().notNull(),
    campaignId: uuid("campaign_id").references(() => campaigns.id, { onDelete: "set null" }),
    /** The URL as the author wrote it. */
    originalUrl: text("original_url").notNull(),
    /** Where the redirect sends a visitor: the original URL with the UTM parameters added. */
    destinationUrl: text("destination_url").notNull(),
    createdAt: createdAt(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [
    uniqueIndex("tracked_links_code_unique").on(table.code),
    uniqueIndex("tracked_links_target_url_unique").on(table.targetId, table.originalUrl),
    index("tracked_links_post_idx").on(table.postId),
    index("tracked_links_organization_idx").on(table.organizationId),
  ],
);

/**
 * One visit of a short link. The post, account, platform and campaign are copied from the link so
 * reports group clicks without joins. No address is kept: `visitorHash` is a hash of address and
 * user agent with the day's salt, so a visitor is recognisable within a day and never after.
 */
export const linkClicks = pgTable(
  "link_clicks",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    organizationId: tenant(),
    linkId: uuid("link_id")
      .notNull()
      .references(() => trackedLinks.id, { onDelete: "cascade" }),
    postId: uuid("post_id")
      .notNull()
      .references(() => posts.id, { onDelete: "cascade" }),
    connectionId: uuid("connection_id")
      .notNull()
      .references(() => connections.id, { onDelete: "cascade" }),
    platform: text("platform").$type<PlatformId>().notNull(),
    campaignId: uuid("campaign_id").references(() => campaigns.id, { onDelete: "set null" }),
    /** Given to the landing page (the `msclid` parameter) so a conversion can name the click it came from. */
    clickId: text("click_id").notNull(),
    clickedAt: timestamp("clicked_at", { withTimezone: true }).notNull(),
    isBot: boolean("is_bot").notNull(),
    /** The crawler or link-preview fetcher recognised by its user agent; null for a person. */
    botName: text("bot_name"),
    visitorHash: text("visitor_hash").notNull(),
  },
  (table) => [
    uniqueIndex("link_clicks_click_id_unique").on(table.clickId),
    index("link_clicks_link_idx").on(table.linkId, table.clickedAt),
    index("link_clicks_post_idx").on(table.postId),
    index("link_clicks_organization_idx").on(table.organizationId, table.clickedAt),
    index("link_clicks_campaign_idx").on(table.campaignId),
  ],
);

/** The day's secret mixed into visitor hashes; a day's row is deleted once the day is over. */
export const clickSalts = pgTable("click_salts", {
  day: date("day", { mode: "string" }).primaryKey(),
  salt: text("salt").notNull(),
  createdAt: createdAt(),
});
