import { date, index, integer, pgEnum, pgTable, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { organizations, tenant, users } from "./identity.js";
import { campaigns } from "./campaigns.js";
import { media } from "./posts.js";

export const reportRangeKinds = ["fixed", "last_7_days", "last_month", "month_to_date"] as const;
export const reportScheduleKinds = ["none", "weekly", "monthly"] as const;
export const reportSendingStates = ["sending", "sent", "failed"] as const;

export const reportRangeKind = pgEnum("report_range_kind", reportRangeKinds);
export const reportScheduleKind = pgEnum("report_schedule_kind", reportScheduleKinds);
export const reportSendingState = pgEnum("report_sending_state", reportSendingStates);

/**
 * A client report's definition: what it covers (the organization, or one campaign), over which
 * days (fixed, or relative to when it is read or sent), and to whom and when it is e-mailed.
 */
export const reports = pgTable(
  "reports",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    organizationId: tenant(),
    title: text("title").notNull(),
    /** Null: the whole organization. A campaign's report goes with the campaign. */
    campaignId: uuid("campaign_id").references(() => campaigns.id, { onDelete: "cascade" }),
    rangeKind: reportRangeKind("range_kind").notNull(),
    /** Only for a fixed range. */
    rangeStart: date("range_start", { mode: "string" }),
    rangeEnd: date("range_end", { mode: "string" }),
    recipients: text("recipients").array().notNull(),
    scheduleKind: reportScheduleKind("schedule_kind").notNull().default("none"),
    /** ISO weekday, 1 (Monday) to 7, for a weekly schedule. */
    scheduleWeekday: integer("schedule_weekday"),
    /** Day of the month, 1 to 28 (every month has it), for a monthly schedule. */
    scheduleMonthDay: integer("schedule_month_day"),
    scheduleHour: integer("schedule_hour"),
    /** IANA zone the schedule's day and hour, and the relative ranges' days, are read in. */
    timeZone: text("time_zone").notNull().default("UTC"),
    createdByUserId: uuid("created_by_user_id").references(() => users.id, { onDelete: "set null" }),
    /** By the app's clock: a schedule sends only periods that begin after this. */
    createdAt: timestamp("created_at", { withTimezone: true }).notNull(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull(),
  },
  (table) => [
    index("reports_organization_idx").on(table.organizationId, table.createdAt),
    index("reports_schedule_idx").on(table.scheduleKind),
  ],
);

/**
 * Each scheduled sending of a report, one per period (`2026-W48`, `2026-11`): the row is claimed
 * before the e-mail goes, so two workers or a repeated tick send a period once.
 */
export const reportSendings = pgTable(
  "report_sendings",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    organizationId: tenant(),
    reportId: uuid("report_id")
      .notNull()
      .references(() => reports.id, { onDelete: "cascade" }),
    periodKey: text("period_key").notNull(),
    rangeStart: date("range_start", { mode: "string" }).notNull(),
    rangeEnd: date("range_end", { mode: "string" }).notNull(),
    state: reportSendingState("state").notNull(),
    attempts: integer("attempts").notNull().default(1),
    claimedAt: timestamp("claimed_at", { withTimezone: true }).notNull(),
    sentAt: timestamp("sent_at", { withTimezone: true }),
    error: text("error"),
  },
  (table) => [
    uniqueIndex("report_sendings_period_unique").on(table.reportId, table.periodKey),
    index("report_sendings_report_idx").on(table.reportId, table.claimedAt),
  ],
);

/**
 * Read-only links to one report, for people without an account. The token is shown once and
 * kept only as its SHA-256, like an API key.
 */
export const reportShareLinks = pgTable(
  "report_share_links",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    organizationId: tenant(),
    reportId: uuid("report_id")
      .notNull()
      .references(() => reports.id, { onDelete: "cascade" }),
    tokenHash: text("token_hash").notNull(),
    createdByUserId: uuid("created_by_user_id").references(() => users.id, { onDelete: "set null" }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull(),
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
    revokedAt: timestamp("revoked_at", { withTimezone: true }),
  },
  (table) => [
    uniqueIndex("report_share_links_token_unique").on(table.tokenHash),
    index("report_share_links_report_idx").on(table.reportId),
  ],
);

/** The organization's logo on its reports: an image from its media library. */
export const organizationLogos = pgTable("organization_logos", {
  organizationId: uuid("organization_id")
    .primaryKey()
    .references(() => organizations.id, { onDelete: "cascade" }),
  mediaId: uuid("media_id")
    .notNull()
    .references(() => media.id, { onDelete: "cascade" }),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull(),
});
