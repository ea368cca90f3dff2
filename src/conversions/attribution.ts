import { and, desc, eq, gte, lte } from "drizzle-orm";
import type { Database } from "../db/client.js";
import { linkClicks, trackedLinks } from "../db/schema.js";
import type { PlatformId } from "../platforms/profiles.js";
import { platformIds } from "../platforms/profiles.js";
import type { ConversionInput, UnattributedReason } from "./schemas.js";

const DAY_MS = 86_400_000;
const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface AttributedClick {
  clickId: number;
  linkId: string;
  postId: string;
  targetId: string;
  connectionId: string;
  platform: PlatformId;
  campaignId: string | null;
}

export type Attribution =
  { method: "click_id" | "utm"; click: AttributedClick } | { method: null; reason: UnattributedReason };

const clickColumns = {
  clickId: linkClicks.id,
  linkId: linkClicks.linkId,
  postId: linkClicks.postId,
  targetId: trackedLinks.targetId,
  connectionId: linkClicks.connectionId,
  platform: linkClicks.platform,
  campaignId: linkClicks.campaignId,
  clickedAt: linkClicks.clickedAt,
  isBot: linkClicks.isBot,
};

/**
 * Last click within the window: the click the landing page received its id from, when it is the
 * organization's, a person's, and no older than the window; else, by the UTM values (utm_content
 * the post, utm_source the platform), the most recent person's click on that post there within
 * the window. Bots and link-preview fetchers never convert. Another organization's click id is
 * as unknown as a made-up one.
 */
export async function attribute(
  db: Database,
  organizationId: string,
  input: Pick<ConversionInput, "clickId" | "utmSource" | "utmContent">,
  options: { occurredAt: Date; windowDays: number },
): Promise<Attribution> {
  const earliest = new Date(options.occurredAt.getTime() - options.windowDays * DAY_MS);
  let reason: UnattributedReason = "no_click";
  if (input.clickId) {
    const [click] = await db
      .select(clickColumns)
      .from(linkClicks)
      .innerJoin(trackedLinks, eq(trackedLinks.id, linkClicks.linkId))
      .where(and(eq(linkClicks.organizationId, organizationId), eq(linkClicks.clickId, input.clickId)));
    if (!click || click.isBot) reason = "click_unknown";
    else if (click.clickedAt > options.occurredAt || click.clickedAt < earliest) reason = "outside_window";
    else return { method: "click_id", click: click };
  }
  const platform = platformIds.find((id) => id === input.utmSource?.toLowerCase());
  if (platform && input.utmContent && UUID_PATTERN.test(input.utmContent)) {
    const [click] = await db
      .select(clickColumns)
      .from(linkClicks)
      .innerJoin(trackedLinks, eq(trackedLinks.id, linkClicks.linkId))
      .where(
        and(
          eq(linkClicks.organizationId, organizationId),
          eq(linkClicks.postId, input.utmContent),
          eq(linkClicks.platform, platform),
          eq(linkClicks.isBot, false),
          gte(linkClicks.clickedAt, earliest),
          lte(linkClicks.clickedAt, options.occurredAt),
        ),
      )
      .orderBy(desc(linkClicks.clickedAt))
      .limit(1);
    if (click) return { method: "utm", click: click };
    if (reason === "no_click") reason = "no_matching_click";
  }
  return { method: null, reason };
}
