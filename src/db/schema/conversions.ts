import {
  bigint,
  index,
  integer,
  numeric,
  pgEnum,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";
import type { UnattributedReason } from "../../conversions/schemas.js";
import type { PlatformId } from "../../platforms/profiles.js";
import { campaigns } from "./campaigns.js";
import { connections } from "./connections.js";
import { createdAt, organizations, tenant } from "./identity.js";
import { linkClicks, trackedLinks } from "./links.js";
import { posts, postTargets } from "./posts.js";

/** How a conversion reached us: an API key's call, or the site script's public key. */
export const conversionSource = pgEnum("conversion_source", ["api", "site"]);

/** How a conversion was tied to a click: by the click id the redirect appended, or by its UTM values. */
export const attributionMethod = pgEnum("conversion_attribution", ["click_id", "utm"]);

/**
 * Each organization's conversion tracking: the public site key its pages' script presents (not a
 * secret: it only lets a browser record conversions, never read anything) and how long after a
 * click a conversion still counts for it.
 */
export const conversionSettings = pgTable(
  "conversion_settings",
  {
    organizationId: uuid("organization_id")
      .primaryKey()
      .references(() => organizations.id, { onDelete: "cascade" }),
    siteKey: text("site_key"),
    siteKeyCreatedAt: timestamp("site_key_created_at", { withTimezone: true }),
    attributionWindowDays: integer("attribution_window_days").notNull().default(7),
  },
  (table) => [uniqueIndex("conversion_settings_site_key_unique").on(table.siteKey)],
);

/**
 * A conversion on the organization's own site, at most once per event id, with the click it was
 * attributed to (copied down to post, account, platform and campaign as they were then), or none.
 * Values are exact decimals in their currency; nothing sums across currencies.
 */
export const conversions = pgTable(
  "conversions",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    organizationId: tenant(),
    /** The sender's own id of the event: a replay with the same id is the same conversion. */
    eventId: text("event_id").notNull(),
    eventName: text("event_name").notNull(),
    value: numeric("value", { precision: 20, scale: 4 }),
    /** ISO 4217, upper case; present whenever value is. */
    currency: text("currency"),
    occurredAt: timestamp("occurred_at", { withTimezone: true }).notNull(),
    receivedAt: createdAt(),
    source: conversionSource("source").notNull(),
    /** What the landing page received, kept as sent: the click id and the UTM values. */
    presentedClickId: text("presented_click_id"),
    utmSource: text("utm_source"),
    utmMedium: text("utm_medium"),
    utmCampaign: text("utm_campaign"),
    utmContent: text("utm_content"),
    attributedBy: attributionMethod("attributed_by"),
    /** Why an unattributed conversion is (no click given, an unknown click, outside the window…). */
    unattributedReason: text("unattributed_reason").$type<UnattributedReason>(),
    clickId: bigint("click_id", { mode: "number" }).references(() => linkClicks.id, { onDelete: "set null" }),
    linkId: uuid("link_id").references(() => trackedLinks.id, { onDelete: "set null" }),
    postId: uuid("post_id").references(() => posts.id, { onDelete: "set null" }),
    targetId: uuid("target_id").references(() => postTargets.id, { onDelete: "set null" }),
    connectionId: uuid("connection_id").references(() => connections.id, { onDelete: "set null" }),
    platform: text("platform").$type<PlatformId>(),
    campaignId: uuid("campaign_id").references(() => campaigns.id, { onDelete: "set null" }),
  },
  (table) => [
    uniqueIndex("conversions_event_unique").on(table.organizationId, table.eventId),
    index("conversions_occurred_idx").on(table.organizationId, table.occurredAt),
    index("conversions_campaign_idx").on(table.campaignId),
  ],
);
