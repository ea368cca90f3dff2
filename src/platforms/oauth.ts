import * as oauth from "oauth4webapi";
import { systemClock, type Clock } from "../clock.js";
import { startCallReport, type PlatformCallRecord } from "./call-record.js";
import { endingOf, isLoopback, joinPath, PRODUCT_USER_AGENT, retryAfter, statusClassOf } from "./http.js";
import { PlatformError, type GrantTokens, type OAuth2Spec, type PlatformFailure, type PlatformId } from "./platform.js";
import { withErrorStatus, withGraphErrors, withoutIdToken, withTokenType, type FetchQuirk } from "./oauth-quirks.js";
import { UNVERIFIED, unverifiedAnswer } from "./oauth-verification.js";

/**
 * Token exchange, refresh and revocation for every OAuth platform, by oauth4webapi, from each
 * platform's OAuth2Spec. Quirks are data on the spec, each explained there.
 */

export interface OAuthClientSettings {
  platform: PlatformId;
  spec: OAuth2Spec;
  hosts: Record<string, URL>;
  clientId: string;
  clientSecret: string;
  /** An unanswered token request is abandoned after this long, as every platform call is. */
  timeoutMs: number;
  /** The app's time, which token lifetimes and waits are counted in; the system's when not given. */
  clock?: Clock;
  /** Told of every token endpoint request once it ends, as Api.call tells of every other call. */
  observe?: (call: PlatformCallRecord) => void;
}

function clockOf(settings: OAuthClientSettings): Clock {
  return settings.clock ?? systemClock;
}

function endpoint(settings: OAuthClientSettings, host: string, path: string): URL {
  const base = settings.hosts[host];
  if (!base) throw new Error(`${settings.platform} has no host named ${host}`);
  return joinPath(base, path);
}

/**
 * The issuer as the platform names itself, derived from the authorize host's base URL by the
 * platform's own rule, so a configured base URL (a proxy, the sandbox, a test's OpenID server)
 * is expected to call itself what the real host would be called in its place.
 */
export function issuerOf(settings: OAuthClientSettings): string {
  const url = endpoint(settings, settings.spec.hosts.authorize, settings.spec.issuerPath ?? "/");
  return `${url.origin}${url.pathname.replace(/\/$/, "")}`;
}

function authorizationServer(settings: OAuthClientSettings): oauth.AuthorizationServer {
  const { spec } = settings;
  return {
    issuer: issuerOf(settings),
    ...(spec.idTokens
      ? { jwks_uri: endpoint(settings, spec.idTokens.jwks.host, spec.idTokens.jwks.path).toString() }
      : {}),
    authorization_endpoint: endpoint(settings, spec.hosts.authorize, spec.authorizePath).toString(),
    token_endpoint: endpoint(settings, spec.hosts.token, spec.tokenPath).toString(),
    ...(spec.revokePath && spec.hosts.revoke
      ? { revocation_endpoint: endpoint(settings, spec.hosts.revoke, spec.revokePath).toString() }
      : {}),
  };
}

function clientAuthentication(settings: OAuthClientSettings): oauth.ClientAuth {
  const { spec, clientSecret } = settings;
  if (spec.clientAuthentication === "basic") return oauth.ClientSecretBasic(clientSecret);
  const clientIdParameter = spec.clientIdParameter;
  if (!clientIdParameter) return oauth.ClientSecretPost(clientSecret);
  // client_secret_post under the platform's own name for the client id, and without a `client_id` beside it.
  return (_as, client, body) => {
    body.set(clientIdParameter, client.client_id);
    body.set("client_secret", clientSecret);
  };
}

/** Whether this client asks for an ID token, and the platform issues one that can be verified. */
function wantsIdToken(settings: OAuthClientSettings): boolean {
  return Boolean(settings.spec.idTokens) && settings.spec.scopes.includes("openid");
}

/** Plain HTTP only towards loopback (the sandbox, a local proxy); config refuses http:// in production. */
function requestOptions(settings: OAuthClientSettings): oauth.TokenEndpointRequestOptions {
  const { spec } = settings;
  const tokenUrl = endpoint(settings, spec.hosts.token, spec.tokenPath);
  const quirks = [
    spec.addsMissingTokenType && withTokenType,
    spec.errorsMayAnswerOk && withErrorStatus,
    spec.graphErrors && withGraphErrors,
    !wantsIdToken(settings) && withoutIdToken,
  ].filter((quirk): quirk is FetchQuirk => Boolean(quirk));
  return {
    signal: () => AbortSignal.timeout(settings.timeoutMs),
    headers: { "user-agent": PRODUCT_USER_AGENT },
    ...(isLoopback(tokenUrl) ? { [oauth.allowInsecureRequests]: true } : {}),
    ...(quirks.length ? { [oauth.customFetch]: quirks.reduce<typeof fetch>((next, quirk) => quirk(next), fetch) } : {}),
  };
}

function keyRequestOptions(settings: OAuthClientSettings): oauth.ValidateSignatureOptions {
  const jwks = settings.spec.idTokens?.jwks;
  const loopback = jwks ? isLoopback(endpoint(settings, jwks.host, jwks.path)) : false;
  return {
    signal: () => AbortSignal.timeout(settings.timeoutMs),
    ...(loopback ? { [oauth.allowInsecureRequests]: true } : {}),
  };
}

/** The client as oauth4webapi checks tokens for it: ID token expiry counted in the app's time, not the system's. */
function clientOf(settings: OAuthClientSettings): oauth.Client {
  return {
    client_id: settings.clientId,
    [oauth.clockSkew]: Math.round((clockOf(settings).now() - Date.now()) / 1000),
  };
}

export function newCodeVerifier(): string {
  return oauth.generateRandomCodeVerifier();
}

export function newState(): string {
  return oauth.generateRandomState();
}

export async function authorizeUrl(
  settings: OAuthClientSettings,
  options: { redirectUri: string; state: string; codeVerifier?: string },
): Promise<URL> {
  const { spec } = settings;
  const url = new URL(authorizationServer(settings).authorization_endpoint!);
  url.searchParams.set("response_type", "code");
  url.searchParams.set(spec.clientIdParameter ?? "client_id", settings.clientId);
  url.searchParams.set("redirect_uri", options.redirectUri);
  url.searchParams.set("scope", spec.scopes.join(spec.scopeSeparator));
  url.searchParams.set("state", options.state);
  if (spec.pkce && options.codeVerifier) {
    url.searchParams.set("code_challenge", await oauth.calculatePKCECodeChallenge(options.codeVerifier));
    url.searchParams.set("code_challenge_method", "S256");
  }
  for (const [name, value] of Object.entries(spec.extraAuthorizeParameters ?? {})) url.searchParams.set(name, value);
  return url;
}

function toGrant(
  response: oauth.TokenEndpointResponse,
  settings: OAuthClientSettings,
  previous?: GrantTokens,
): GrantTokens {
  const { spec } = settings;
  const now = clockOf(settings).now();
  const refreshExpiresIn = Number(
    (response as Record<string, unknown>)[spec.refreshTokenExpiresInField ?? "refresh_token_expires_in"],
  );
  return {
    accessToken: response.access_token,
    // Google sends no new refresh token on refresh: the stored one stays; never replace it with nothing.
    refreshToken: response.refresh_token ?? previous?.refreshToken,
    expiresAt: response.expires_in ? new Date(now + response.expires_in * 1000) : undefined,
    refreshTokenExpiresAt:
      Number.isFinite(refreshExpiresIn) && refreshExpiresIn > 0
        ? new Date(now + refreshExpiresIn * 1000)
        : previous?.refreshTokenExpiresAt,
    scopes: response.scope ? response.scope.split(/[\s,]+/).filter(Boolean) : (previous?.scopes ?? []),
  };
}

/**
 * oauth4webapi's errors, as the product's failure kinds. Only the platform's refusal of the
 * grant (its `refusals`) means the connection is gone; an overloaded, unreachable or garbled
 * token endpoint is transient, and the next try may well succeed.
 */
function asPlatformError(settings: OAuthClientSettings, error: unknown): PlatformError {
  const { platform } = settings;
  const now = clockOf(settings).now();
  if (error instanceof PlatformError) return error;
  if (error instanceof oauth.ResponseBodyError) {
    const failure: PlatformFailure = (settings.spec.refusals ?? ["invalid_grant"]).includes(error.error)
      ? { kind: "token_invalid", reason: error.error_description ?? "The grant was revoked or has expired." }
      : error.status >= 500
        ? { kind: "transient" }
        : error.status === 429
          ? {
              kind: "rate_limited",
              retryAt: retryAfter(error.response.headers, now) ?? new Date(now + 60_000),
              scope: "app",
            }
          : { kind: "rejected", userMessage: error.error_description ?? error.error };
    return new PlatformError(platform, failure, {
      message: `${error.error}: ${error.error_description ?? ""}`,
      status: error.status,
      platformCode: error.error,
      cause: error,
    });
  }
  if (error instanceof oauth.AuthorizationResponseError) {
    return new PlatformError(
      platform,
      { kind: "rejected", userMessage: error.error_description ?? error.error },
      { message: error.error, platformCode: error.error, cause: error },
    );
  }
  if (error instanceof oauth.WWWAuthenticateChallengeError) {
    return new PlatformError(
      platform,
      { kind: "rejected", userMessage: "The platform refused the app's credentials." },
      { message: "client authentication failed", status: error.status, cause: error },
    );
  }
  const unverified = unverifiedAnswer(
    { platform: settings.platform, clientId: settings.clientId, server: authorizationServer(settings) },
    error,
  );
  if (unverified) {
    return new PlatformError(
      platform,
      { kind: "rejected", userMessage: unverified },
      { message: (error as Error).message, platformCode: UNVERIFIED, cause: error },
    );
  }
  if (error instanceof oauth.OperationProcessingError && error.cause instanceof Response) {
    const { status, headers } = error.cause;
    const failure: PlatformFailure =
      status === 429
        ? { kind: "rate_limited", retryAt: retryAfter(headers, now) ?? new Date(now + 60_000), scope: "app" }
        : { kind: "transient" };
    return new PlatformError(platform, failure, {
      message: `token endpoint answered HTTP ${status} without an OAuth error`,
      status,
      cause: error,
    });
  }
  const name = (error as Error).name;
  const code = (error as { cause?: { code?: string } }).cause?.code;
  if (error instanceof TypeError || code || name === "TimeoutError" || name === "AbortError") {
    return new PlatformError(
      platform,
      { kind: "transient" },
      { message: `network error (${code ?? name})`, cause: error },
    );
  }
  return new PlatformError(
    platform,
    { kind: "rejected", userMessage: (error as Error).message },
    { message: (error as Error).message, cause: error },
  );
}

/**
 * A token endpoint request, reported as it ends like every call through Api.call: an answer
 * that failed verification was still an answer (2xx), whatever it said.
 */
async function observed<T>(settings: OAuthClientSettings, path: string, request: () => Promise<T>): Promise<T> {
  const report = startCallReport(settings.observe, {
    platform: settings.platform,
    method: "POST",
    path,
    clock: clockOf(settings),
  });
  try {
    const result = await request();
    report("2xx");
    return result;
  } catch (error) {
    const failure = asPlatformError(settings, error);
    const answered = failure.status !== undefined ? statusClassOf(failure.status) : undefined;
    report(answered ?? (failure.platformCode === UNVERIFIED ? "2xx" : endingOf(failure)), failure.failure.kind);
    throw failure;
  }
}

export async function exchangeCode(
  settings: OAuthClientSettings,
  options: { callbackUrl: URL; expectedState: string; redirectUri: string; codeVerifier?: string },
): Promise<GrantTokens> {
  const as = authorizationServer(settings);
  const client = clientOf(settings);
  const openId = wantsIdToken(settings);
  try {
    const parameters = oauth.validateAuthResponse(
      { ...as, authorization_response_iss_parameter_supported: Boolean(settings.spec.issuerOnCallback) },
      client,
      options.callbackUrl,
      options.expectedState,
    );
    return await observed(settings, settings.spec.tokenPath, async () => {
      const response = await oauth.authorizationCodeGrantRequest(
        as,
        client,
        clientAuthentication(settings),
        parameters,
        options.redirectUri,
        settings.spec.pkce && options.codeVerifier ? options.codeVerifier : oauth.nopkce,
        requestOptions(settings),
      );
      const answer = await oauth.processAuthorizationCodeResponse(as, client, response, { requireIdToken: openId });
      // The claims were checked above (issuer, audience, expiry); the signature against the keys the platform publishes.
      if (openId) await oauth.validateApplicationLevelSignature(as, response, keyRequestOptions(settings));
      return toGrant(answer, settings);
    });
  } catch (error) {
    throw asPlatformError(settings, error);
  }
}

export async function refreshGrant(settings: OAuthClientSettings, grant: GrantTokens): Promise<GrantTokens> {
  if (!grant.refreshToken) {
    throw new PlatformError(
      settings.platform,
      { kind: "token_expired" },
      { message: "no refresh token: the account must be reconnected" },
    );
  }
  const as = authorizationServer(settings);
  const client = clientOf(settings);
  try {
    const refreshToken = grant.refreshToken;
    return await observed(settings, settings.spec.tokenPath, async () => {
      const response = await oauth.refreshTokenGrantRequest(
        as,
        client,
        clientAuthentication(settings),
        refreshToken,
        requestOptions(settings),
      );
      return toGrant(await oauth.processRefreshTokenResponse(as, client, response), settings, grant);
    });
  } catch (error) {
    throw asPlatformError(settings, error);
  }
}

/** A platform-specific grant (Facebook's fb_exchange_token) through the standard token endpoint. */
export async function exchangeGrant(
  settings: OAuthClientSettings,
  grantType: string,
  parameters: Record<string, string>,
  previous: GrantTokens,
): Promise<GrantTokens> {
  const as = authorizationServer(settings);
  const client = clientOf(settings);
  try {
    return await observed(settings, settings.spec.tokenPath, async () => {
      const response = await oauth.genericTokenEndpointRequest(
        as,
        client,
        clientAuthentication(settings),
        grantType,
        parameters,
        requestOptions(settings),
      );
      return toGrant(await oauth.processGenericTokenEndpointResponse(as, client, response), settings, previous);
    });
  } catch (error) {
    throw asPlatformError(settings, error);
  }
}

export async function revokeToken(settings: OAuthClientSettings, token: string): Promise<void> {
  const as = authorizationServer(settings);
  const revokePath = settings.spec.revokePath;
  if (!as.revocation_endpoint || !revokePath) return;
  const client = clientOf(settings);
  try {
    await observed(settings, revokePath, async () =>
      oauth.processRevocationResponse(
        await oauth.revocationRequest(as, client, clientAuthentication(settings), token, requestOptions(settings)),
      ),
    );
  } catch (error) {
    throw asPlatformError(settings, error);
  }
}
