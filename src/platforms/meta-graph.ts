import { z } from "zod";
import type { ErrorResponse } from "./http.js";
import type { OAuth2Spec, PlatformContext, PlatformFailure } from "./platform.js";

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
