import { and, eq, gte, inArray, lt, sql, type SQL } from "drizzle-orm";
import { anyOf } from "../db/any-of.js";
import type { AppContext } from "../context.js";
import type { Database, Transaction } from "../db/client.js";
import { linkClicks, trackedLinks } from "../db/schema.js";
import { flushClicks } from "./clicks.js";

/**
 * Clicks as reports read them. A click by a known crawler or link-preview fetcher is a bot's,
 * counted apart; `clicks` and `uniqueClicks` are people's. A person is one visitor per day:
 * the visitor hash changes with the day's salt. This process's clicks not yet written are written
 * first, so a report includes the click just made.
 */
const humanClicks = sql<number>`count(*) filter (where not ${linkClicks.isBot})`.mapWith(Number);
const uniqueClicks =
  sql<number>`count(distinct ${linkClicks.visitorHash}) filter (where not ${linkClicks.isBot})`.mapWith(Number);
const botClicks = sql<number>`count(*) filter (where ${linkClicks.isBot})`.mapWith(Number);

export interface ClickCounts {
  clicks: number;
  uniqueClicks: number;
  botClicks: number;
}

const groupColumns = {
  post: linkClicks.postId,
  connection: linkClicks.connectionId,
  platform: linkClicks.platform,
  campaign: linkClicks.campaignId,
} as const;
export type ClickGrouping = keyof typeof groupColumns;

/**
 * An organization's tracked clicks per post, account, platform or campaign, over a time range
 * (from inclusive, to exclusive) and optionally only some posts or one campaign.
 */
export async function clickCountsBy(
  context: AppContext,
  organizationId: string,
  options: {
    by: ClickGrouping;
    from?: Date;
    to?: Date;
    postIds?: string[];
    campaignId?: string;
  },
): Promise<(ClickCounts & { key: string | null })[]> {
  const key = groupColumns[options.by];
  const filters: (SQL | undefined)[] = [
    eq(linkClicks.organizationId, organizationId),
    options.from ? gte(linkClicks.clickedAt, options.from) : undefined,
    options.to ? lt(linkClicks.clickedAt, options.to) : undefined,
    options.postIds ? inArray(linkClicks.postId, options.postIds) : undefined,
    options.campaignId ? eq(linkClicks.campaignId, options.campaignId) : undefined,
  ];
  if (options.postIds?.length === 0) return [];
  await flushClicks(context);
  return context.db
    .select({ key, clicks: humanClicks, uniqueClicks, botClicks })
    .from(linkClicks)
    .where(and(...filters))
    .groupBy(key);
}

export interface ShortLinkView extends ClickCounts {
  targetId: string;
  code: string;
  shortUrl: string;
  originalUrl: string;
  destinationUrl: string;
}

/** The short links of some targets, each with its clicks. */
export async function shortLinkViews(
  context: AppContext,
  targetIds: string[],
  reader?: Database | Transaction,
): Promise<ShortLinkView[]> {
  if (targetIds.length === 0) return [];
  // A caller with a reader of its own has flushed before it began: inside a transaction on PGlite a flush would wait for it.
  if (!reader) await flushClicks(context);
  const db = reader ?? context.db;
  const counts = db
    .select({
      linkId: linkClicks.linkId,
      clicks: humanClicks.as("clicks"),
      uniqueClicks: uniqueClicks.as("unique_clicks"),
      botClicks: botClicks.as("bot_clicks"),
    })
    .from(linkClicks)
    .where(
      inArray(
        linkClicks.linkId,
        db.select({ id: trackedLinks.id }).from(trackedLinks).where(anyOf(trackedLinks.targetId, targetIds)),
      ),
    )
    .groupBy(linkClicks.linkId)
    .as("counts");
  const rows = await db
    .select({
      targetId: trackedLinks.targetId,
      code: trackedLinks.code,
      shortUrl: trackedLinks.shortUrl,
      originalUrl: trackedLinks.originalUrl,
      destinationUrl: trackedLinks.destinationUrl,
      clicks: sql<number>`coalesce(${counts.clicks}, 0)`.mapWith(Number),
      uniqueClicks: sql<number>`coalesce(${counts.uniqueClicks}, 0)`.mapWith(Number),
      botClicks: sql<number>`coalesce(${counts.botClicks}, 0)`.mapWith(Number),
    })
    .from(trackedLinks)
    .leftJoin(counts, eq(counts.linkId, trackedLinks.id))
    .where(anyOf(trackedLinks.targetId, targetIds))
    .orderBy(trackedLinks.createdAt, trackedLinks.originalUrl);
  return rows;
}
