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

const THROTTLING_CODES = new Set([4, 17, 32, 613, 80001]);
const TOKEN_EXPIRED_SUBCODE = 463;

/** Minutes until Meta lets the app back in, from X-Business-Use-Case-Usage; an hour when it does not say. */
function regainAccessAt(headers: Headers, now: number): Date {
  let minutes = 60;
  try {
    const usage = JSON.parse(headers.get("x-business-use-case-usage") ?? "{}") as Record<
      string,
      { estimated_time_to_regain_access?: number }[]
    >;
    const estimates = Object.values(usage)
      .flat()
      .map((entry) => entry.estimated_time_to_regain_access ?? 0);
    if (estimates.length > 0 && Math.max(...estimates) > 0) minutes = Math.max(...estimates);
  } catch {
    // A malformed header leaves the hour.
  }
  return new Date(now + minutes * 60_000);
}

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
  if (code === 190)
    return subcode === TOKEN_EXPIRED_SUBCODE ? { kind: "token_expired" } : { kind: "token_invalid", reason: message };
  if (code === 102 || code === 10 || code === 200) return { kind: "token_invalid", reason: message };
  if (THROTTLING_CODES.has(code))
    return {
      kind: "rate_limited",
      retryAt: regainAccessAt(response.headers, response.receivedAt),
      scope: code === 4 ? "app" : "account",
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
