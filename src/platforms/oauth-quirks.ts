import { z } from "zod";

/**
 * Token endpoint answers made standard before oauth4webapi reads them: each platform's departure
 * from RFC 6749, switched on by data on its OAuth2Spec.
 */

/** A token endpoint's answer made standard before oauth4webapi reads it. */
export type FetchQuirk = (next: typeof fetch) => typeof fetch;

/**
 * LinkedIn answers its token endpoint without token_type, which OAuth 2.0 requires and
 * oauth4webapi checks; its tokens are bearer tokens, so the answer gets that back.
 * https://learn.microsoft.com/linkedin/shared/authentication/authorization-code-flow#response
 */
export const withTokenType: FetchQuirk = (next) => async (input, init) => {
  const response = await next(input, init);
  if (!response.ok || !(response.headers.get("content-type") ?? "").includes("json")) return response;
  const body = (await response.json()) as Record<string, unknown>;
  return Response.json(
    { token_type: "bearer", ...body },
    { status: response.status, headers: { "cache-control": "no-store" } },
  );
};

/**
 * An OAuth error answered with HTTP 200 gets the 400 RFC 6749 §5.2 gives it, so oauth4webapi
 * reads it as the error it is (a refused refresh must mean a lost grant, not a garbled answer).
 * https://www.rfc-editor.org/rfc/rfc6749#section-5.2
 */
export const withErrorStatus: FetchQuirk = (next) => async (input, init) => {
  const response = await next(input, init);
  if (response.status !== 200 || !(response.headers.get("content-type") ?? "").includes("json")) return response;
  const body = (await response.json()) as Record<string, unknown>;
  const refused = typeof body.error === "string" && body.error !== "" && body.access_token === undefined;
  return Response.json(body, { status: refused ? 400 : 200, headers: { "cache-control": "no-store" } });
};

/**
 * Google answers an ID token to a client that was ever granted `openid` when it asks with
 * include_granted_scopes, even if this request did not ask for one; an ID token nobody asked
 * for is not ours to verify, and must never fail a connection, so it is dropped unread.
 * https://developers.google.com/identity/protocols/oauth2/web-server#incrementalAuth
 */
export const withoutIdToken: FetchQuirk = (next) => async (input, init) => {
  const response = await next(input, init);
  if (!response.ok || !(response.headers.get("content-type") ?? "").includes("json")) return response;
  const body = (await response.json()) as Record<string, unknown>;
  delete body.id_token;
  return Response.json(body, { status: response.status, headers: { "cache-control": "no-store" } });
};

const graphError = z.object({
  error: z.object({
    message: z.string(),
    code: z.number(),
    error_subcode: z.number().optional(),
    is_transient: z.boolean().optional(),
  }),
});
/** Graph's throttling codes: app, user, page, and the business use cases. */
const GRAPH_THROTTLING = new Set([4, 17, 32, 613, 80001]);

/**
 * Meta's token endpoint answers errors as Graph error objects, which RFC 6749 clients read as a
 * garbled answer: each becomes the OAuth error it is, with Meta's own words, and throttling or
 * a transient error the status that says to try again.
 * https://developers.facebook.com/docs/graph-api/guides/error-handling
 */
export const withGraphErrors: FetchQuirk = (next) => async (input, init) => {
  const response = await next(input, init);
  if (response.ok || !(response.headers.get("content-type") ?? "").includes("json")) return response;
  const parsed = graphError.safeParse(
    await response
      .clone()
      .json()
      .catch(() => undefined),
  );
  if (!parsed.success) return response;
  const { code, message, is_transient: isTransient } = parsed.data.error;
  const [status, error] = GRAPH_THROTTLING.has(code)
    ? [429, "slow_down"]
    : isTransient || code === 2 || response.status >= 500
      ? [response.status >= 500 ? response.status : 503, "temporarily_unavailable"]
      : code === 101
        ? [401, "invalid_client"]
        : code === 190 || code === 100
          ? [400, "invalid_grant"]
          : [400, "invalid_request"];
  return Response.json(
    { error, error_description: message },
    { status, headers: { "cache-control": "no-store", ...retryAfterOf(response.headers) } },
  );
};

const retryAfterOf = (headers: Headers): Record<string, string> => {
  const value = headers.get("retry-after");
  return value ? { "retry-after": value } : {};
};
