import { z } from "zod";
import type { MetricName, MetricUnavailable } from "./analytics.js";
import { PlatformError, type PlatformFailure } from "./failure.js";
import type { Api, ErrorResponse } from "./http.js";
import type { OAuth2Spec, PlatformContext } from "./platform.js";

/**
 * What Facebook and Instagram share: the Graph API's error body and how to read it, and its
 * usage headers. A module, not a base class.
 * https://developers.facebook.com/docs/graph-api/guides/error-handling
 */

const graphErrorBody = z.object({
  error: z.object({
    message: z.string(),
    code: z.number(),
    error_subcode: z.number().optional(),
    is_transient: z.boolean().optional(),
    error_user_msg: z.string().optional(),
  }),
});

/**
 * Throttling: 4 (app), 17 (user), 32 (Page), 613 (custom), and the Business Use Case limits'
 * 80001 (Pages) and 80002 (Instagram).
 * https://developers.facebook.com/docs/graph-api/overview/rate-limiting/
 */
const THROTTLING_CODES = new Set([4, 17, 32, 613, 80001, 80002]);
/** 190 (and 102, the API session) is the token: 463 expired, any other subcode (458, 460, 467…) gone for good. */
const TOKEN_CODES = new Set([190, 102]);
const TOKEN_EXPIRED_SUBCODE = 463;
/** Without a word from Meta, an hour: the platform limits are counted over a rolling hour. */
const DEFAULT_REGAIN_MINUTES = 60;

const usagePercent = z.object({
  call_count: z.number().optional(),
  total_cputime: z.number().optional(),
  total_time: z.number().optional(),
  estimated_time_to_regain_access: z.number().optional(),
});
const appUsage = usagePercent;
const businessUseCaseUsage = z.record(z.string(), z.array(usagePercent));

function readHeader<T>(headers: Headers, name: string, schema: z.ZodType<T>): T | undefined {
  const value = headers.get(name);
  if (!value) return undefined;
  try {
    const parsed = schema.safeParse(JSON.parse(value));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/**
 * What Meta's usage headers say of the app's and the Page's or Instagram account's budget: the
 * highest share used, and the minutes until access returns (X-Business-Use-Case-Usage's
 * estimated_time_to_regain_access; X-App-Usage names none).
 * https://developers.facebook.com/docs/graph-api/overview/rate-limiting/
 */
function usageOf(headers: Headers): { percent: number; regainMinutes?: number } {
  const entries = [
    readHeader(headers, "x-app-usage", appUsage),
    ...Object.values(readHeader(headers, "x-business-use-case-usage", businessUseCaseUsage) ?? {}).flat(),
  ].filter((entry) => entry !== undefined);
  const percent = Math.max(
    0,
    ...entries.flatMap((entry) => [entry.call_count ?? 0, entry.total_cputime ?? 0, entry.total_time ?? 0]),
  );
  const regain = Math.max(0, ...entries.map((entry) => entry.estimated_time_to_regain_access ?? 0));
  return { percent, regainMinutes: regain > 0 ? regain : undefined };
}

function regainAccessAt(headers: Headers, now: number): Date {
  return new Date(now + (usageOf(headers).regainMinutes ?? DEFAULT_REGAIN_MINUTES) * 60_000);
}

/**
 * The budget an answer's usage headers leave: spent at 100 % of any of them, so the connection
 * waits until Meta's estimate instead of drawing throttling errors.
 */
export function graphBudget(headers: Headers, now: number): { remaining: number; resetAt: Date } | undefined {
  const usage = usageOf(headers);
  if (usage.percent < 100) return undefined;
  return { remaining: 0, resetAt: new Date(now + (usage.regainMinutes ?? DEFAULT_REGAIN_MINUTES) * 60_000) };
}

/**
 * Token errors make the connection expired or invalid; permission errors (10 and 200–299: a
 * Page task or permission, Page Publishing Authorization) are about this action on this Page,
 * with a token that works, so the post fails with Meta's words and the connection stays as it is.
 * https://developers.facebook.com/docs/graph-api/guides/error-handling
 */
export function classifyGraphError(response: ErrorResponse): PlatformFailure | undefined {
  const parsed = graphErrorBody.safeParse(response.body);
  if (!parsed.success) return undefined;
  const {
    code,
    error_subcode: subcode,
    is_transient: isTransient,
    message,
    error_user_msg: userMessage,
  } = parsed.data.error;
  if (TOKEN_CODES.has(code))
    return subcode === TOKEN_EXPIRED_SUBCODE ? { kind: "token_expired" } : { kind: "token_invalid", reason: message };
  if (THROTTLING_CODES.has(code))
    return {
      kind: "rate_limited",
      retryAt: regainAccessAt(response.headers, response.receivedAt),
      scope: code === 4 ? "app" : "account",
    };
  if (code === 10 || (code >= 200 && code <= 299))
    return {
      kind: "rejected",
      userMessage: `${userMessage ?? message}${subcode ? ` (code ${code}, subcode ${subcode})` : ""}`,
    };
  if (isTransient || code === 1 || code === 2) return { kind: "transient" };
  return { kind: "rejected", userMessage: userMessage ?? message };
}

export const graphPicture = z.object({ data: z.object({ url: z.string() }) }).optional();

/**
 * Facebook Login, as Facebook Pages and Instagram both use it: no refresh token (the
 * long-lived exchange instead), credentials in the body, comma-separated scopes.
 * https://developers.facebook.com/docs/facebook-login/guides/advanced/manual-flow
 */
export function facebookLogin(scopes: string[]): (context: PlatformContext) => OAuth2Spec {
  return ({ apiVersion }) => ({
    kind: "oauth2",
    authorizePath: `/${apiVersion}/dialog/oauth`,
    tokenPath: `/${apiVersion}/oauth/access_token`,
    hosts: { authorize: "dialog", token: "graph" },
    scopes,
    scopeSeparator: ",",
    pkce: false,
    clientAuthentication: "body",
    refreshable: false,
    // https://developers.facebook.com/docs/facebook-login/guides/advanced/manual-flow#confirm
    graphErrors: true,
  });
}

/**
 * Insights, as Facebook Pages and Instagram answer them: a metric's `values` (a series with
 * `end_time`, or a lifetime `[{value}]`) or its `total_value` over the window asked.
 * https://developers.facebook.com/docs/graph-api/reference/insights
 * https://developers.facebook.com/docs/instagram-platform/api-reference/instagram-user/insights/
 */
const insightsItem = z.object({
  name: z.string(),
  period: z.string().optional(),
  values: z.array(z.object({ value: z.unknown(), end_time: z.string().optional() })).optional(),
  total_value: z.object({ value: z.number() }).optional(),
});
export type InsightsItem = z.infer<typeof insightsItem>;
const insightsAnswer = z.union([z.object({ data: z.array(insightsItem) }), graphErrorBody]);

/** A metric Graph would not give, in Meta's words: retired (#100), refused for want of a permission, or not provided. */
export interface RefusedMetric {
  name: string;
  reason: "retired" | "permission" | "not_provided" | "refused";
  message: string;
}

/** Statuses Graph answers its errors with: read here rather than thrown, to tell which metric was refused. */
const GRAPH_ERROR_STATUSES = [400, 403];
/** Media posted before the account became a business account has no insights (code 100, this subcode). */
const BEFORE_BUSINESS_CONVERSION = 2108006;

/**
 * The requested metric a #100 names: `metric[2]` by position, or the first requested name the
 * message says (`…the impressions metric is no longer supported. Please use views instead.`
 * names impressions). A list of valid values after "one of" names metrics that are fine, so it
 * is not read. None when the message names none of them.
 */
export function metricNamed(message: string, requested: readonly string[]): string | undefined {
  const position = /metric\[(\d+)\]/.exec(message);
  if (position) return requested[Number(position[1])];
  const said = message.split(/one of\b|following values/i)[0]!;
  const mentions = requested
    .map((metric) => ({ metric, at: said.search(new RegExp(`(^|[^a-z_])${metric}([^a-z_]|$)`)) }))
    .filter((mention) => mention.at >= 0)
    .sort((a, b) => a.at - b.at);
  return mentions[0]?.metric;
}

type Refusal = z.infer<typeof graphErrorBody>["error"];

/**
 * A missing permission: #200–299, or #10 about a permission. Instagram also answers #10 for
 * "Not enough viewers for the media to show insights", which no reconnect changes.
 * https://developers.facebook.com/docs/instagram-platform/reference/instagram-media/insights
 */
const isPermissionRefusal = (refusal: Refusal) =>
  (refusal.code >= 200 && refusal.code <= 299) || (refusal.code === 10 && /permission/i.test(refusal.message));

/**
 * Reads insights metrics so that one retired or refused metric never blanks the others: Graph
 * answers a whole request with #100 when any one metric is invalid, so the named metric is
 * dropped and the rest asked again (one at a time, each named in turn); when #100 names none, each metric is asked alone, and if
 * every one fails alone the request itself was refused (not its metrics). A permission error
 * (#10, #200–299) leaves every metric of the call unavailable for that reason. Token and
 * throttling errors are thrown, classified as every Graph call's are.
 * https://developers.facebook.com/docs/graph-api/guides/error-handling
 */
export async function readInsights(
  api: Api,
  request: { path: string; metrics: readonly string[]; query?: Record<string, string> },
): Promise<{ items: InsightsItem[]; refused: RefusedMetric[] }> {
  const refused: RefusedMetric[] = [];
  const ask = async (metrics: readonly string[]): Promise<InsightsItem[] | Refusal> => {
    const { data, headers, status } = await api.call(insightsAnswer, {
      host: "graph",
      path: request.path,
      query: { ...request.query, metric: metrics.join(",") },
      alsoOk: GRAPH_ERROR_STATUSES,
    });
    if ("data" in data) return data.data;
    const failure = classifyGraphError({ status, headers, body: data, receivedAt: api.clock.now() });
    if (
      failure &&
      (failure.kind === "token_expired" ||
        failure.kind === "token_invalid" ||
        failure.kind === "rate_limited" ||
        failure.kind === "transient")
    )
      throw new PlatformError(api.platform, failure, {
        message: data.error.message,
        status,
        platformCode: data.error.code,
      });
    return data.error;
  };
  const refuseAll = (metrics: readonly string[], reason: RefusedMetric["reason"], message: string) =>
    refused.push(...metrics.map((name) => ({ name, reason, message })));

  let remaining = [...request.metrics];
  while (remaining.length > 0) {
    const answer = await ask(remaining);
    if (Array.isArray(answer)) return { items: answer, refused };
    if (isPermissionRefusal(answer)) {
      refuseAll(remaining, "permission", answer.message);
      return { items: [], refused };
    }
    if (answer.code !== 100) {
      refuseAll(remaining, "refused", answer.error_user_msg ?? answer.message);
      return { items: [], refused };
    }
    if (answer.error_subcode === BEFORE_BUSINESS_CONVERSION) {
      refuseAll(remaining, "not_provided", answer.error_user_msg ?? answer.message);
      return { items: [], refused };
    }
    const named = metricNamed(answer.message, remaining);
    if (named) {
      refuseAll([named], "retired", answer.message);
      remaining = remaining.filter((metric) => metric !== named);
      continue;
    }
    return { items: await oneByOne(remaining, answer, ask, refused), refused };
  }
  return { items: [], refused };
}

/** Each metric asked alone, after a #100 that named none: the ones refused alone are the retired ones. */
async function oneByOne(
  metrics: readonly string[],
  first: Refusal,
  ask: (metrics: readonly string[]) => Promise<InsightsItem[] | Refusal>,
  refused: RefusedMetric[],
): Promise<InsightsItem[]> {
  const items: InsightsItem[] = [];
  const alone: { name: string; refusal: Refusal }[] = [];
  for (const metric of metrics) {
    const answer = await ask([metric]);
    if (Array.isArray(answer)) items.push(...answer);
    else alone.push({ name: metric, refusal: answer });
  }
  const everyOne = alone.length === metrics.length;
  for (const { name, refusal } of alone)
    refused.push({
      name,
      reason: everyOne ? "refused" : refusal.code === 100 ? "retired" : "refused",
      message: everyOne ? first.message : refusal.message,
    });
  return items;
}

/** Graph's times read `2026-01-31T08:00:00+0000`. */
export const graphDate = (value: string) => new Date(value.replace(/([+-]\d{2})(\d{2})$/, "$1:$2"));

/** The calendar day a daily value covers: Meta stamps the end of its bucket, so the day before `end_time`. */
export function dayCovered(endTime: string): string {
  return new Date(graphDate(endTime).getTime() - 86_400_000).toISOString().slice(0, 10);
}

/** A daily insight's value as a count; a breakdown object or anything else is no count. */
export const countOf = (value: unknown): number | undefined =>
  typeof value === "number" && Number.isFinite(value) ? value : undefined;

/**
 * What Graph refused, as metrics unavailable: each Meta metric under its normalized name, the
 * permission a reconnect asks for where one was missing.
 */
export function unavailableOf(
  refused: readonly RefusedMetric[],
  names: Readonly<Record<string, MetricName>>,
  insightsScope: string,
): MetricUnavailable[] {
  return refused.flatMap((metric) => {
    const normalized = names[metric.name];
    if (!normalized) return [];
    return [
      {
        metric: normalized,
        reason: metric.reason,
        message: metric.message,
        source: metric.name,
        ...(metric.reason === "permission" ? { reconnectFor: insightsScope } : {}),
      },
    ];
  });
}

/** Metrics asked for that came back with no value at all: Meta's "not ready yet" is an empty set. */
export function notReady(
  asked: readonly string[],
  items: readonly InsightsItem[],
  refused: readonly RefusedMetric[],
  names: Readonly<Record<string, MetricName>>,
): MetricUnavailable[] {
  return asked
    .filter(
      (name) =>
        !refused.some((metric) => metric.name === name) &&
        !items.some((item) => item.name === name && ((item.values?.length ?? 0) > 0 || item.total_value)),
    )
    .map((name) => ({
      metric: names[name]!,
      reason: "not_ready" as const,
      message: "Meta answered no data for this metric yet (it can take up to 48 hours).",
      source: name,
    }));
}

/** Seconds since the epoch of a day's first instant (UTC), as since/until take it. */
export const dayStartSeconds = (day: string) => String(Date.parse(`${day}T00:00:00Z`) / 1000);

export const nextDay = (day: string) =>
  new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
