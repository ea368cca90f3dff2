import { bigint, date, index, pgEnum, pgTable, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { createdAt, tenant, users } from "./identity.js";

/** What a campaign is measured against; revenue is attributed by conversions. */
export const campaignGoalKind = pgEnum("campaign_goal_kind", ["clicks", "conversions", "revenue"]);

/**
 * A group of posts with dates, a goal and what it cost. Money is kept in the currency's minor
 * units (cents; yen have none), so sums are exact: never a float.
 */
export const campaigns = pgTable(
  "campaigns",
  {
    id: uuid("id").primaryKey(),
    organizationId: tenant(),
    name: text("name").notNull(),
    /** The `utm_campaign` value of the campaign's tracked links: stable when the name changes. */
    slug: text("slug").notNull(),
    startsOn: date("starts_on", { mode: "string" }).notNull(),
    endsOn: date("ends_on", { mode: "string" }),
    goalKind: campaignGoalKind("goal_kind"),
    /** A count for clicks and conversions, minor units of `currency` for revenue. */
    goalTarget: bigint("goal_target", { mode: "number" }),
    /** ISO 4217 code; every amount of the campaign (costs, revenue goal) is in it. */
    currency: text("currency").notNull(),
    createdByUserId: uuid("created_by_user_id").references(() => users.id, { onDelete: "set null" }),
    createdAt: createdAt(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [
    index("campaigns_organization_idx").on(table.organizationId, table.startsOn),
    uniqueIndex("campaigns_slug_unique").on(table.organizationId, table.slug),
  ],
);

export const campaignCostKind = pgEnum("campaign_cost_kind", ["paid_boost", "production", "other"]);

/** A cost entered by hand against a campaign (a paid boost, a shoot), in the campaign's currency. */
export const campaignCosts = pgTable(
  "campaign_costs",
  {
    id: uuid("id").primaryKey(),
    organizationId: tenant(),
    campaignId: uuid("campaign_id")
      .notNull()
      .references(() => campaigns.id, { onDelete: "cascade" }),
    kind: campaignCostKind("kind").notNull(),
    description: text("description").notNull(),
    amountMinor: bigint("amount_minor", { mode: "number" }).notNull(),
    incurredOn: date("incurred_on", { mode: "string" }).notNull(),
    createdByUserId: uuid("created_by_user_id").references(() => users.id, { onDelete: "set null" }),
    createdAt: createdAt(),
  },
  (table) => [
    index("campaign_costs_campaign_idx").on(table.campaignId, table.incurredOn),
    index("campaign_costs_organization_idx").on(table.organizationId),
  ],
);
