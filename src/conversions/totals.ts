import { and, count, countDistinct, eq, gte, inArray, isNotNull, isNull, lt, sql, type SQL } from "drizzle-orm";
import type { AnyPgColumn } from "drizzle-orm/pg-core";
import type { Database } from "../db/client.js";
import { conversions, linkClicks, trackedLinks } from "../db/schema.js";
import type { PlatformId } from "../platforms/profiles.js";
import { fromUnits, toUnits } from "./money.js";

const DAY_MS = 86_400_000;

/** Calendar days, UTC, both included; either side open when absent. */
export interface DayRange {
  start?: string;
  end?: string;
}

/** Instants in [start 00:00, the day after end 00:00) of a column. */
export function withinDays(column: AnyPgColumn, range: DayRange): SQL | undefined {
  return and(
    range.start ? gte(column, new Date(`${range.start}T00:00:00Z`)) : undefined,
    range.end ? lt(column, new Date(Date.parse(`${range.end}T00:00:00Z`) + DAY_MS)) : undefined,
  );
}

export interface ValueInCurrency {
  currency: string;
  /** Exact decimal text. */
  value: string;
  /** Conversions with a value in this currency. */
  conversions: number;
}

export interface ConversionTotal {
  count: number;
  /** One entry per currency: amounts in different currencies are never added together. */
  values: ValueInCurrency[];
}

export interface TrackedClicks {
  /** People's clicks on the short links. */
  human: number;
  /** Crawlers and link-preview fetchers, counted apart and never attributed. */
  bots: number;
  /** Distinct visitors per day, summed over the days (a visitor is recognisable for a day only). */
  uniqueVisitors: number;
}

/**
 * Conversions that occurred in the range, grouped by what `groupBy` picks (platform, campaign…)
 * and currency; a null group holds the unattributed.
 */
async function conversionRows(
  db: Database,
  organizationId: string,
  options: { range: DayRange; where?: SQL; groupBy: AnyPgColumn },
) {
  return db
    .select({
      group: options.groupBy,
      currency: conversions.currency,
      count: count(),
      value: sql<string | null>`sum(${conversions.value})::text`,
    })
    .from(conversions)
    .where(
      and(
        eq(conversions.organizationId, organizationId),
        withinDays(conversions.occurredAt, options.range),
        options.where,
      ),
    )
    .groupBy(options.groupBy, conversions.currency);
}

function totalsOf(rows: Awaited<ReturnType<typeof conversionRows>>): ConversionTotal {
  return {
    count: rows.reduce((sum, row) => sum + row.count, 0),
    values: rows
      .filter((row) => row.currency !== null)
      .map((row) => ({ currency: row.currency!, value: fromUnits(toUnits(row.value ?? "0")), conversions: row.count }))
      .sort((a, b) => a.currency.localeCompare(b.currency)),
  };
}

/** Conversions per platform they were attributed to, and those attributed to none. */
export async function conversionTotals(
  db: Database,
  organizationId: string,
  filters: DayRange & { platforms?: PlatformId[] },
): Promise<{ byPlatform: Map<PlatformId, ConversionTotal>; unattributed: ConversionTotal }> {
  const rows = await conversionRows(db, organizationId, {
    range: filters,
    where: filters.platforms
      ? sql`(${inArray(conversions.platform, filters.platforms)} or ${isNull(conversions.platform)})`
      : undefined,
    groupBy: conversions.platform,
  });
  const byPlatform = new Map<PlatformId, ConversionTotal>();
  for (const platform of new Set(rows.flatMap((row) => (row.group ? [row.group as PlatformId] : []))))
    byPlatform.set(platform, totalsOf(rows.filter((row) => row.group === platform)));
  return { byPlatform, unattributed: totalsOf(rows.filter((row) => row.group === null)) };
}

/** The conversions attributed to one campaign in the range. */
export async function campaignConversionTotal(
  db: Database,
  organizationId: string,
  campaignId: string,
  range: DayRange,
): Promise<ConversionTotal> {
  return totalsOf(
    await conversionRows(db, organizationId, {
      range,
      where: and(eq(conversions.campaignId, campaignId), isNotNull(conversions.attributedBy)),
      groupBy: conversions.campaignId,
    }),
  );
}

/** Clicks on the organization's short links in the range, per platform; or of one campaign. */
export async function trackedClickTotals(
  db: Database,
  organizationId: string,
  filters: DayRange & { platforms?: PlatformId[]; campaignId?: string },
): Promise<Map<PlatformId, TrackedClicks>> {
  const rows = await db
    .select({
      platform: linkClicks.platform,
      human: sql<number>`count(*) filter (where not ${linkClicks.isBot})`.mapWith(Number),
      bots: sql<number>`count(*) filter (where ${linkClicks.isBot})`.mapWith(Number),
      uniqueVisitors: countDistinct(sql`case when not ${linkClicks.isBot} then ${linkClicks.visitorHash} end`),
    })
    .from(linkClicks)
    .where(
      and(
        eq(linkClicks.organizationId, organizationId),
        withinDays(linkClicks.clickedAt, filters),
        filters.platforms ? inArray(linkClicks.platform, filters.platforms) : undefined,
        filters.campaignId ? eq(linkClicks.campaignId, filters.campaignId) : undefined,
      ),
    )
    .groupBy(linkClicks.platform);
  return new Map(rows.map(({ platform, ...clicks }) => [platform, clicks]));
}

export const noClicks: TrackedClicks = { human: 0, bots: 0, uniqueVisitors: 0 };

/** Adds per-platform click counts into one. */
export const sumClicks = (all: Iterable<TrackedClicks>): TrackedClicks =>
  [...all].reduce(
    (sum, clicks) => ({
      human: sum.human + clicks.human,
      bots: sum.bots + clicks.bots,
      uniqueVisitors: sum.uniqueVisitors + clicks.uniqueVisitors,
    }),
    noClicks,
  );

/** Adds conversion totals, each currency apart. */
export function sumConversions(all: readonly ConversionTotal[]): ConversionTotal {
  const byCurrency = new Map<string, { units: bigint; conversions: number }>();
  for (const entry of all.flatMap((total) => total.values)) {
    const sum = byCurrency.get(entry.currency) ?? { units: 0n, conversions: 0 };
    byCurrency.set(entry.currency, {
      units: sum.units + toUnits(entry.value),
      conversions: sum.conversions + entry.conversions,
    });
  }
  return {
    count: all.reduce((sum, total) => sum + total.count, 0),
    values: [...byCurrency]
      .map(([currency, sum]) => ({ currency, value: fromUnits(sum.units), conversions: sum.conversions }))
      .sort((a, b) => a.currency.localeCompare(b.currency)),
  };
}

export interface TargetTracking {
  humanClicks: number;
  botClicks: number;
  conversions: ConversionTotal;
}

/** Each post target's tracked clicks and attributed conversions, all time: what a row of the CSV export shows. */
export async function targetTracking(
  db: Database,
  organizationId: string,
  targetIds: readonly string[],
): Promise<Map<string, TargetTracking>> {
  const clickRows = targetIds.length
    ? await db
        .select({
          targetId: trackedLinks.targetId,
          human: sql<number>`count(*) filter (where not ${linkClicks.isBot})`.mapWith(Number),
          bots: sql<number>`count(*) filter (where ${linkClicks.isBot})`.mapWith(Number),
        })
        .from(linkClicks)
        .innerJoin(trackedLinks, eq(trackedLinks.id, linkClicks.linkId))
        .where(and(eq(linkClicks.organizationId, organizationId), inArray(trackedLinks.targetId, [...targetIds])))
        .groupBy(trackedLinks.targetId)
    : [];
  const conversionRowsByTarget = targetIds.length
    ? await conversionRows(db, organizationId, {
        range: {},
        where: inArray(conversions.targetId, [...targetIds]),
        groupBy: conversions.targetId,
      })
    : [];
  return new Map(
    targetIds.map((targetId) => {
      const clicks = clickRows.find((row) => row.targetId === targetId);
      return [
        targetId,
        {
          humanClicks: clicks?.human ?? 0,
          botClicks: clicks?.bots ?? 0,
          conversions: totalsOf(conversionRowsByTarget.filter((row) => row.group === targetId)),
        },
      ];
    }),
  );
}
