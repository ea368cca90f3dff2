import { z } from "zod";
import { isCurrency } from "../campaigns/money.js";
import { platformIds } from "../platforms/profiles.js";
import { DECIMAL_PATTERN } from "./money.js";

/** How far ahead of our clock a sender's occurredAt may be: clocks on sites drift. */
export const OCCURRED_AT_SKEW_MS = 5 * 60_000;
/** Conversions older than this are refused: no click that old is still within any window. */
export const OCCURRED_AT_MAX_AGE_DAYS = 90;
export const MAX_BATCH = 100;
export const MAX_ATTRIBUTION_WINDOW_DAYS = 90;

const currency = z
  .string()
  .regex(/^[A-Za-z]{3}$/, "must be a 3-letter ISO 4217 code such as EUR")
  .transform((code) => code.toUpperCase())
  .refine(isCurrency, "is not an ISO 4217 currency code");

/** A number or decimal text, kept as text so no float ever stores it. */
const amount = z
  .union([z.number(), z.string()])
  .transform((value) => (typeof value === "number" ? String(value) : value.trim()))
  .refine(
    (text) => DECIMAL_PATTERN.test(text),
    "must be a number ≥ 0 with at most 4 decimals and 16 digits before the point, such as 49.90",
  );

const utm = z.string().trim().min(1).max(500).optional();

export const conversionInput = z
  .object({
    eventId: z.string().trim().min(1, "is required: your own id of the event, so a repeated send counts once").max(200),
    eventName: z.string().trim().min(1).max(100).default("conversion"),
    value: amount.optional(),
    currency: currency.optional(),
    occurredAt: z.iso.datetime({ offset: true, message: "must be an ISO 8601 time such as 2026-05-01T12:00:00Z" }),
    clickId: z.string().trim().min(1).max(200).optional(),
    utmSource: utm,
    utmMedium: utm,
    utmCampaign: utm,
    utmContent: utm,
  })
  .superRefine((input, issues) => {
    if (input.value !== undefined && input.currency === undefined)
      issues.addIssue({ code: "custom", path: ["currency"], message: "is required with a value" });
  });
export type ConversionInput = z.infer<typeof conversionInput>;

export const conversionBatchBody = z.object({ conversions: z.array(conversionInput).min(1).max(MAX_BATCH) });

const unattributedReasons = ["no_click", "click_unknown", "outside_window", "no_matching_click"] as const;
export type UnattributedReason = (typeof unattributedReasons)[number];

export const attributionView = z.discriminatedUnion("status", [
  z.object({
    status: z.literal("attributed"),
    method: z.enum(["click_id", "utm"]),
    linkId: z.uuid().nullable(),
    postId: z.uuid().nullable(),
    connectionId: z.uuid().nullable(),
    platform: z.enum(platformIds).nullable(),
    campaignId: z.uuid().nullable(),
  }),
  z.object({ status: z.literal("unattributed"), reason: z.enum(unattributedReasons).nullable() }),
]);

export const conversionView = z.object({
  id: z.uuid(),
  eventId: z.string(),
  eventName: z.string(),
  value: z.string().nullable().describe("Exact decimal text in `currency`"),
  currency: z.string().nullable(),
  occurredAt: z.date(),
  receivedAt: z.date(),
  /** True when this event id was recorded before: the first answer, unchanged. */
  replayed: z.boolean(),
  attribution: attributionView,
});

export const conversionAnswer = z.object({ conversion: conversionView });
export const conversionBatchAnswer = z.object({ conversions: z.array(conversionView) });

export const settingsView = z.object({
  siteKey: z.string().nullable(),
  siteKeyCreatedAt: z.date().nullable(),
  attributionWindowDays: z.number(),
  /** What a site pastes into its pages, with this organization's key filled in. */
  snippet: z.string().nullable(),
});

export const settingsBody = z.object({
  attributionWindowDays: z.number().int().min(1).max(MAX_ATTRIBUTION_WINDOW_DAYS),
});

/** What the site script sends: the public site key and one conversion. */
export const siteEventBody = conversionInput.and(z.object({ siteKey: z.string().min(1).max(100) }));

const amountText = z.string().describe("Exact decimal text in the campaign's currency");
const valueInCurrency = z.object({ currency: z.string(), value: z.string(), conversions: z.number() });

export const trackedClicksView = z.object({
  clicks: z.number().describe("People's clicks on the short links"),
  uniqueClicks: z.number().describe("Distinct visitors per day, summed over the days"),
  botClicks: z.number().describe("Crawlers and link-preview fetchers: counted apart, never attributed"),
});

export const conversionTotalView = z.object({
  count: z.number(),
  values: z.array(valueInCurrency).describe("One entry per currency: never summed across currencies"),
});

export const roiView = z.object({
  campaignId: z.uuid(),
  currency: z.string(),
  range: z.object({ start: z.string().nullable(), end: z.string().nullable() }),
  attributionWindowDays: z.number(),
  revenue: amountText.describe("Σ values of the attributed conversions in the campaign's currency"),
  cost: amountText.describe("Σ the campaign's cost entries"),
  costEntries: z.number(),
  roi: z.number().nullable().describe("(revenue − cost) ÷ cost; null when no cost is entered"),
  roiNote: z.string().nullable(),
  costPerClick: amountText.nullable().describe("cost ÷ people's clicks; null without clicks"),
  costPerConversion: amountText.nullable().describe("cost ÷ attributed conversions; null without any"),
  clicks: trackedClicksView,
  conversions: z.object({
    count: z.number(),
    withValueInCurrency: z.number(),
    otherCurrencies: z.array(valueInCurrency).describe("Values in other currencies: not in revenue, not converted"),
  }),
});

export const campaignParams = z.object({ id: z.uuid("must be a campaign id") });
