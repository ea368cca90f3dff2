import { and, count, eq, gte, inArray, isNotNull, isNull, lt, sql, type SQL } from "drizzle-orm";
import type { AnyPgColumn } from "drizzle-orm/pg-core";
import type { Database } from "../db/client.js";
import type { AppContext } from "../context.js";
import { conversions } from "../db/schema.js";
import { clickCountsBy, shortLinkViews, type ClickCounts } from "../links/reading.js";
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
  context: AppContext,
  organizationId: string,
  filters: DayRange & { platforms?: PlatformId[]; campaignId?: string },
): Promise<Map<PlatformId, ClickCounts>> {
  const rows = await clickCountsBy(context, organizationId, {
    by: "platform",
    from: filters.start ? new Date(`${filters.start}T00:00:00Z`) : undefined,
    to: filters.end ? new Date(Date.parse(`${filters.end}T00:00:00Z`) + DAY_MS) : undefined,
    campaignId: filters.campaignId,
  });
  return new Map(
    rows.flatMap(({ key, ...counts }) =>
      key && (!filters.platforms || filters.platforms.includes(key as PlatformId))
        ? [[key as PlatformId, counts] as const]
        : [],
    ),
  );
}

export const noClicks: ClickCounts = { clicks: 0, uniqueClicks: 0, botClicks: 0 };

/** Adds per-platform click counts into one (a visitor on two platforms counts on each). */
export const sumClicks = (all: Iterable<ClickCounts>): ClickCounts =>
  [...all].reduce(
    (sum, counts) => ({
      clicks: sum.clicks + counts.clicks,
      uniqueClicks: sum.uniqueClicks + counts.uniqueClicks,
      botClicks: sum.botClicks + counts.botClicks,
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

export interface TargetTracking extends ClickCounts {
  conversions: ConversionTotal;
}

/** Each post target's tracked clicks (over its short links) and attributed conversions, all time: a row of the CSV export. */
export async function targetTracking(
  context: AppContext,
  organizationId: string,
  targetIds: readonly string[],
): Promise<Map<string, TargetTracking>> {
  if (targetIds.length === 0) return new Map();
  const [links, converted] = await Promise.all([
    shortLinkViews(context, [...targetIds]),
    conversionRows(context.db, organizationId, {
      range: {},
      where: inArray(conversions.targetId, [...targetIds]),
      groupBy: conversions.targetId,
    }),
  ]);
  return new Map(
    targetIds.map((targetId) => [
      targetId,
      {
        ...sumClicks(links.filter((link) => link.targetId === targetId)),
        conversions: totalsOf(converted.filter((row) => row.group === targetId)),
      },
    ]),
  );
}
