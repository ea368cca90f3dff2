import { randomBytes } from "node:crypto";
import type { FastifyRequest } from "fastify";
import { eq } from "drizzle-orm";
import { recordAudit, requestOrigin } from "../audit/audit.js";
import type { AppContext } from "../context.js";
import type { Database } from "../db/client.js";
import { conversionSettings } from "../db/schema.js";
import { DEFAULT_ATTRIBUTION_WINDOW_DAYS } from "./record.js";

/**
 * Not an API key: it is written into public pages, so it only identifies the organization to the
 * site script's endpoint, which can record conversions and nothing else. The prefix tells the two
 * apart at a glance (API keys start with msk_).
 */
const SITE_KEY_PREFIX = "site_";

/** Where a site loads the script from: the product's public address. */
export const SITE_SCRIPT_PATH = "/c.js";

function snippetFor(context: AppContext, siteKey: string): string {
  const src = new URL(SITE_SCRIPT_PATH, context.publicUrl()).toString();
  return [
    `<script async src="${src}" data-site-key="${siteKey}"></script>`,
    "<script>",
    "  window.marketsage = window.marketsage || function () { (window.marketsage.q = window.marketsage.q || []).push(arguments); };",
    '  // On a conversion: marketsage("conversion", { eventId: "order-1001", eventName: "purchase", value: "49.90", currency: "EUR" });',
    "</script>",
  ].join("\n");
}

export async function conversionSettingsOf(context: AppContext, organizationId: string) {
  const [row] = await context.db
    .select()
    .from(conversionSettings)
    .where(eq(conversionSettings.organizationId, organizationId));
  return {
    siteKey: row?.siteKey ?? null,
    siteKeyCreatedAt: row?.siteKeyCreatedAt ?? null,
    attributionWindowDays: row?.attributionWindowDays ?? DEFAULT_ATTRIBUTION_WINDOW_DAYS,
    snippet: row?.siteKey ? snippetFor(context, row.siteKey) : null,
  };
}

export async function rotateSiteKey(context: AppContext, organizationId: string, request: FastifyRequest) {
  const siteKey = `${SITE_KEY_PREFIX}${randomBytes(16).toString("base64url")}`;
  const siteKeyCreatedAt = new Date(context.clock.now());
  await context.db.transaction(async (tx) => {
    await tx
      .insert(conversionSettings)
      .values({ organizationId, siteKey, siteKeyCreatedAt })
      .onConflictDoUpdate({ target: conversionSettings.organizationId, set: { siteKey, siteKeyCreatedAt } });
    await recordAudit(tx, {
      action: "conversions.site_key_rotated",
      organizationId,
      ...requestOrigin(request),
      target: { type: "organization", id: organizationId },
    });
  });
}

export async function saveAttributionWindow(
  context: AppContext,
  organizationId: string,
  change: { days: number; request: FastifyRequest },
) {
  await context.db.transaction(async (tx) => {
    await tx
      .insert(conversionSettings)
      .values({ organizationId, attributionWindowDays: change.days })
      .onConflictDoUpdate({
        target: conversionSettings.organizationId,
        set: { attributionWindowDays: change.days },
      });
    await recordAudit(tx, {
      action: "conversions.settings_changed",
      organizationId,
      ...requestOrigin(change.request),
      target: { type: "organization", id: organizationId },
      details: { attributionWindowDays: change.days },
    });
  });
}

/** The organization a site key belongs to, if it is current. */
export async function organizationOfSiteKey(db: Database, siteKey: string): Promise<string | undefined> {
  const [row] = await db
    .select({ organizationId: conversionSettings.organizationId })
    .from(conversionSettings)
    .where(eq(conversionSettings.siteKey, siteKey));
  return row?.organizationId;
}
