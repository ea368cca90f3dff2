import type { AppContext } from "../context.js";
import type { MetricName } from "../platforms/analytics.js";
import type { PlatformId } from "../platforms/profiles.js";
import { isPostMetric, latestColumn, notProvided, platformName } from "./catalogue.js";
import { postEngagementRate } from "./engagement.js";
import type { ReportFilters } from "./schemas.js";
import { exportedPosts } from "./views.js";
import { analyticsUnavailable } from "../db/schema.js";
import { and, eq, inArray } from "drizzle-orm";
import { targetTracking, type TargetTracking } from "../conversions/totals.js";

/** A cell as RFC 4180 quotes it, and never read as a formula by a spreadsheet. */
function cell(value: string | number | null): string {
  if (value === null) return "";
  const text = typeof value === "number" ? String(value) : /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/**
 * One row per account a post went to, published in the range: each requested post metric's
 * latest stored value, or an empty cell where there is none, which the last column explains
 * (the platform does not provide it, or why it did not answer). Never a 0 for a missing value.
 */
export async function analyticsCsv(
  context: AppContext,
  organizationId: string,
  filters: ReportFilters,
): Promise<string> {
  const metrics = filters.metrics.filter(isPostMetric);
  const rows = await exportedPosts(context, organizationId, filters);
  const targetIds = rows.map((row) => row.latest.targetId);
  const notes: (typeof analyticsUnavailable.$inferSelect)[] = [];
  const tracking = new Map<string, TargetTracking>();
  for (let index = 0; index < targetIds.length; index += 1_000) {
    const chunk = targetIds.slice(index, index + 1_000);
    for (const [targetId, tracked] of await targetTracking(context, organizationId, chunk))
      tracking.set(targetId, tracked);
    notes.push(
      ...(await context.db
        .select()
        .from(analyticsUnavailable)
        .where(
          and(eq(analyticsUnavailable.organizationId, organizationId), inArray(analyticsUnavailable.targetId, chunk)),
        )),
    );
  }
  const header = [
    "platform",
    "account",
    "post_id",
    "target_id",
    "published_at",
    "url",
    "text",
    ...metrics,
    "interactions",
    "engagement_rate",
    "fetched_at",
    "unavailable",
    "tracked_clicks",
    "tracked_bot_clicks",
    "conversions",
    "conversion_values",
  ];
  const lines = [header.join(",")];
  for (const { latest, accountName, url, text } of rows) {
    const values = metrics.map((metric) => latest[latestColumn[metric]]);
    const reasons = metrics
      .filter((metric, index) => values[index] === null)
      .map(
        (metric) =>
          `${metric}: ${whyMissing(
            latest.platform,
            metric,
            notes.filter((note) => note.targetId === latest.targetId),
          )}`,
      );
    lines.push(
      [
        latest.platform,
        accountName,
        latest.postId,
        latest.targetId,
        latest.publishedAt.toISOString(),
        url,
        text,
        ...values,
        latest.interactions,
        postEngagementRate(latest),
        latest.fetchedAt.toISOString(),
        reasons.join("; "),
        ...trackedCells(tracking.get(latest.targetId)),
      ]
        .map(cell)
        .join(","),
    );
  }
  return `${lines.join("\r\n")}\r\n`;
}

/** Our own counts for a row: clicks on its short links, people and bots apart, and its attributed conversions' values per currency. */
function trackedCells(tracked: TargetTracking | undefined): (string | number)[] {
  if (!tracked) return [0, 0, 0, ""];
  const values = tracked.conversions.values.map((entry) => `${entry.currency} ${entry.value}`).join("; ");
  return [tracked.clicks, tracked.botClicks, tracked.conversions.count, values];
}

function whyMissing(
  platform: PlatformId,
  metric: MetricName,
  notes: readonly { metric: MetricName; reason: string; message: string }[],
): string {
  const lacking = notProvided(platform, [metric], "post")[0];
  if (lacking) return lacking.message;
  const note = notes.find((candidate) => candidate.metric === metric);
  return note ? `${note.reason} (${note.message})` : `not read from ${platformName(platform)} yet`;
}
