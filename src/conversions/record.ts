import { and, eq } from "drizzle-orm";
import type { z } from "zod";
import type { AppContext } from "../context.js";
import { flushClicks } from "../links/clicks.js";
import type { Database } from "../db/client.js";
import { conversions, conversionSettings } from "../db/schema.js";
import { invalidInput } from "../errors.js";
import { attribute } from "./attribution.js";
import { OCCURRED_AT_MAX_AGE_DAYS, OCCURRED_AT_SKEW_MS, type ConversionInput, type conversionView } from "./schemas.js";

type ConversionView = z.infer<typeof conversionView>;
type ConversionRow = typeof conversions.$inferSelect;

const DAY_MS = 86_400_000;
export const DEFAULT_ATTRIBUTION_WINDOW_DAYS = 7;

export async function attributionWindowDays(db: Database, organizationId: string): Promise<number> {
  const [row] = await db
    .select({ days: conversionSettings.attributionWindowDays })
    .from(conversionSettings)
    .where(eq(conversionSettings.organizationId, organizationId));
  return row?.days ?? DEFAULT_ATTRIBUTION_WINDOW_DAYS;
}

/** occurredAt within what we accept: not ahead of our clock beyond a small skew, not older than 90 days. */
function occurredAtOf(text: string, now: number, field: string): Date {
  const occurredAt = new Date(text);
  if (occurredAt.getTime() > now + OCCURRED_AT_SKEW_MS)
    throw invalidInput("occurred_in_future", `${field} is in the future: send the time the event happened.`, field);
  if (occurredAt.getTime() < now - OCCURRED_AT_MAX_AGE_DAYS * DAY_MS)
    throw invalidInput(
      "occurred_too_long_ago",
      `${field} is more than ${OCCURRED_AT_MAX_AGE_DAYS} days ago: such conversions are not recorded.`,
      field,
    );
  return occurredAt;
}

async function recordedEvent(db: Database, organizationId: string, eventId: string) {
  const [row] = await db
    .select()
    .from(conversions)
    .where(and(eq(conversions.organizationId, organizationId), eq(conversions.eventId, eventId)));
  return row;
}

export function viewOf(row: ConversionRow, replayed: boolean): ConversionView {
  return {
    id: row.id,
    eventId: row.eventId,
    eventName: row.eventName,
    value: row.value,
    currency: row.currency,
    occurredAt: row.occurredAt,
    receivedAt: row.receivedAt,
    replayed,
    attribution: row.attributedBy
      ? {
          status: "attributed",
          method: row.attributedBy,
          linkId: row.linkId,
          postId: row.postId,
          connectionId: row.connectionId,
          platform: row.platform,
          campaignId: row.campaignId,
        }
      : { status: "unattributed", reason: row.unattributedReason },
  };
}

/**
 * Records conversions for an organization, each at most once per event id: a replayed event id
 * answers the conversion first recorded, unchanged, whatever the replay says. Every input is
 * checked before any is written, so a batch with one bad entry records none; `fieldPrefix` names
 * the entry in the message ("3.occurredAt").
 */
export async function recordConversions(
  options: { context: AppContext; organizationId: string; source: "api" | "site" },
  inputs: readonly { input: ConversionInput; fieldPrefix: string }[],
): Promise<ConversionView[]> {
  const { organizationId } = options;
  const { db, clock } = options.context;
  const now = clock.now();
  const checked = inputs.map(({ input, fieldPrefix }) => ({
    input,
    occurredAt: occurredAtOf(input.occurredAt, now, `${fieldPrefix}occurredAt`),
  }));
  const windowDays = await attributionWindowDays(db, organizationId);
  // The click that brought the visitor may still wait in this process's batch.
  await flushClicks(options.context);
  const views: ConversionView[] = [];
  for (const { input, occurredAt } of checked) {
    const earlier = await recordedEvent(db, organizationId, input.eventId);
    if (earlier) {
      views.push(viewOf(earlier, true));
      continue;
    }
    const attribution = await attribute(db, organizationId, input, { occurredAt, windowDays });
    const attributed = attribution.method ? attribution.click : undefined;
    const [inserted] = await db
      .insert(conversions)
      .values({
        organizationId,
        eventId: input.eventId,
        eventName: input.eventName,
        value: input.value ?? null,
        currency: input.currency ?? null,
        occurredAt,
        receivedAt: new Date(now),
        source: options.source,
        presentedClickId: input.clickId ?? null,
        utmSource: input.utmSource ?? null,
        utmMedium: input.utmMedium ?? null,
        utmCampaign: input.utmCampaign ?? null,
        utmContent: input.utmContent ?? null,
        attributedBy: attribution.method,
        unattributedReason: attribution.method ? null : attribution.reason,
        clickId: attributed?.clickId ?? null,
        linkId: attributed?.linkId ?? null,
        postId: attributed?.postId ?? null,
        targetId: attributed?.targetId ?? null,
        connectionId: attributed?.connectionId ?? null,
        platform: attributed?.platform ?? null,
        campaignId: attributed?.campaignId ?? null,
      })
      .onConflictDoNothing()
      .returning();
    if (inserted) {
      views.push(viewOf(inserted, false));
      continue;
    }
    // Sent twice at once: the other request recorded it first.
    views.push(viewOf((await recordedEvent(db, organizationId, input.eventId))!, true));
  }
  return views;
}
