import { and, asc, count, eq, inArray, like, or, sql } from "drizzle-orm";
import { z } from "zod";
import type { Database, Transaction } from "../db/client.js";
import { campaignCostKind, campaignCosts, campaignGoalKind, campaigns, posts } from "../db/schema.js";
import { invalidInput, notFound } from "../errors.js";
import { fromMinorUnits } from "./money.js";

type Executor = Database | Transaction;
type CampaignRow = typeof campaigns.$inferSelect;
type CostRow = typeof campaignCosts.$inferSelect;

export const campaignView = z.object({
  id: z.uuid(),
  name: z.string(),
  /** The `utm_campaign` value of its tracked links. */
  slug: z.string(),
  startsOn: z.string(),
  endsOn: z.string().nullable(),
  currency: z.string(),
  goal: z
    .object({
      kind: z.enum(campaignGoalKind.enumValues),
      /** A count for clicks and conversions; an amount in the campaign's currency for revenue. */
      target: z.string(),
    })
    .nullable(),
  /** The sum of its cost entries, in its currency. */
  totalCost: z.string(),
  postCount: z.number(),
  createdAt: z.date(),
  updatedAt: z.date(),
});

export const costView = z.object({
  id: z.uuid(),
  kind: z.enum(campaignCostKind.enumValues),
  description: z.string(),
  amount: z.string(),
  incurredOn: z.string(),
  createdAt: z.date(),
});

export const viewOfCost = (cost: CostRow, currency: string): z.infer<typeof costView> => ({
  id: cost.id,
  kind: cost.kind,
  description: cost.description,
  amount: fromMinorUnits(cost.amountMinor, currency),
  incurredOn: cost.incurredOn,
  createdAt: cost.createdAt,
});

const goalOf = (campaign: CampaignRow) =>
  campaign.goalKind && campaign.goalTarget !== null
    ? {
        kind: campaign.goalKind,
        target:
          campaign.goalKind === "revenue"
            ? fromMinorUnits(campaign.goalTarget, campaign.currency)
            : String(campaign.goalTarget),
      }
    : null;

/** Campaigns as the API shows them, with their cost totals and post counts in two queries. */
export async function campaignViews(db: Executor, rows: CampaignRow[]): Promise<z.infer<typeof campaignView>[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((row) => row.id);
  const costs = await db
    .select({
      campaignId: campaignCosts.campaignId,
      total: sql<string>`coalesce(sum(${campaignCosts.amountMinor}), 0)`.mapWith(Number),
    })
    .from(campaignCosts)
    .where(inArray(campaignCosts.campaignId, ids))
    .groupBy(campaignCosts.campaignId);
  const postCounts = await db
    .select({ campaignId: posts.campaignId, posts: count() })
    .from(posts)
    .where(inArray(posts.campaignId, ids))
    .groupBy(posts.campaignId);
  return rows.map((row) => ({
    id: row.id,
    name: row.name,
    slug: row.slug,
    startsOn: row.startsOn,
    endsOn: row.endsOn,
    currency: row.currency,
    goal: goalOf(row),
    totalCost: fromMinorUnits(costs.find((cost) => cost.campaignId === row.id)?.total ?? 0, row.currency),
    postCount: postCounts.find((entry) => entry.campaignId === row.id)?.posts ?? 0,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  }));
}

/** The organization's campaign; another organization's is as absent as one that never existed. */
export async function ownedCampaign(db: Executor, organizationId: string, id: string): Promise<CampaignRow> {
  const [campaign] = await db
    .select()
    .from(campaigns)
    .where(and(eq(campaigns.id, id), eq(campaigns.organizationId, organizationId)));
  if (!campaign) throw notFound("That campaign");
  return campaign;
}

/** A post's campaign must be the organization's own: a 400 naming the field otherwise. */
export async function assertCampaignForPost(
  db: Executor,
  organizationId: string,
  campaignId: string | null | undefined,
): Promise<void> {
  if (!campaignId) return;
  const [campaign] = await db
    .select({ id: campaigns.id })
    .from(campaigns)
    .where(and(eq(campaigns.id, campaignId), eq(campaigns.organizationId, organizationId)));
  if (!campaign)
    throw invalidInput("unknown_campaign", "campaignId: no such campaign in this organization.", "campaignId");
}

/** The campaign's name as a `utm_campaign` value: lower-case letters, digits and dashes. */
export function slugOf(name: string): string {
  const slug = name
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 60)
    .replace(/-+$/, "");
  return slug || "campaign";
}

/** A slug no other campaign of the organization has: the name's, numbered when taken. */
export async function freeSlug(db: Executor, organizationId: string, name: string): Promise<string> {
  const base = slugOf(name);
  const taken = await db
    .select({ slug: campaigns.slug })
    .from(campaigns)
    .where(
      and(
        eq(campaigns.organizationId, organizationId),
        or(eq(campaigns.slug, base), like(campaigns.slug, `${base}-%`)),
      ),
    );
  const used = new Set(taken.map((row) => row.slug));
  let candidate = base;
  for (let number = 2; used.has(candidate); number++) candidate = `${base}-${number}`;
  return candidate;
}

export async function costsOf(db: Executor, campaignId: string): Promise<CostRow[]> {
  return db
    .select()
    .from(campaignCosts)
    .where(eq(campaignCosts.campaignId, campaignId))
    .orderBy(asc(campaignCosts.incurredOn), asc(campaignCosts.createdAt));
}
