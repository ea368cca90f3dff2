import { and, eq, gte, lte, sql } from "drizzle-orm";
import type { AppContext } from "../context.js";
import { campaignCosts, campaigns } from "../db/schema.js";
import { notFound } from "../errors.js";
import { fromMinorUnits } from "../campaigns/money.js";
import { amountPer, returnOnInvestment } from "./money.js";
import { attributionWindowDays } from "./record.js";
import { campaignConversionTotal, sumClicks, trackedClickTotals, type DayRange } from "./totals.js";

/**
 * A campaign's return: attributed revenue (conversion values in the campaign's currency), cost
 * (its cost entries), and what they rest on. Values in other currencies are listed apart, never
 * converted or added: no exchange rate is known to the product.
 */
export async function campaignRoi(
  context: AppContext,
  organizationId: string,
  campaignId: string,
  range: DayRange = {},
) {
  const { db } = context;
  const [campaign] = await db
    .select({ id: campaigns.id, name: campaigns.name, currency: campaigns.currency })
    .from(campaigns)
    .where(and(eq(campaigns.id, campaignId), eq(campaigns.organizationId, organizationId)));
  if (!campaign) throw notFound("That campaign", "campaignId");
  const [costs] = await db
    .select({
      entries: sql<number>`count(*)`.mapWith(Number),
      minor: sql<number>`coalesce(sum(${campaignCosts.amountMinor}), 0)`.mapWith(Number),
    })
    .from(campaignCosts)
    .where(
      and(
        eq(campaignCosts.campaignId, campaignId),
        eq(campaignCosts.organizationId, organizationId),
        range.start ? gte(campaignCosts.incurredOn, range.start) : undefined,
        range.end ? lte(campaignCosts.incurredOn, range.end) : undefined,
      ),
    );
  const [converted, clicksByPlatform, windowDays] = await Promise.all([
    campaignConversionTotal(db, organizationId, campaignId, range),
    trackedClickTotals(context, organizationId, { ...range, campaignId }),
    attributionWindowDays(db, organizationId),
  ]);
  const cost = fromMinorUnits(costs?.minor ?? 0, campaign.currency);
  const inCurrency = converted.values.find((entry) => entry.currency === campaign.currency);
  const revenue = inCurrency?.value ?? "0.00";
  const clicks = sumClicks(clicksByPlatform.values());
  const roi = returnOnInvestment(revenue, cost);
  return {
    campaignId: campaign.id,
    currency: campaign.currency,
    range: { start: range.start ?? null, end: range.end ?? null },
    attributionWindowDays: windowDays,
    revenue,
    cost,
    costEntries: costs?.entries ?? 0,
    roi,
    roiNote: roi === null ? "no cost entered" : null,
    costPerClick: amountPer(cost, clicks.clicks),
    costPerConversion: amountPer(cost, converted.count),
    clicks,
    conversions: {
      count: converted.count,
      withValueInCurrency: inCurrency?.conversions ?? 0,
      otherCurrencies: converted.values.filter((entry) => entry.currency !== campaign.currency),
    },
  };
}
