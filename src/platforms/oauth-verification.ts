import * as oauth from "oauth4webapi";
import { platformProfiles, type PlatformId } from "./profiles.js";

/** The code of a PlatformError for an answer that failed verification: not the platform's refusal, nor the app's credentials. */
export const UNVERIFIED = "unverified_answer";

const VERIFICATION_CODES = new Set<string>([
  oauth.JWT_CLAIM_COMPARISON,
  oauth.JWT_TIMESTAMP_CHECK,
  oauth.KEY_SELECTION,
  oauth.INVALID_RESPONSE,
]);

/** What failed verification in an authorization response or ID token, in words naming the values that disagree. */
export function unverifiedAnswer(
  client: { platform: PlatformId; clientId: string; server: oauth.AuthorizationServer },
  error: unknown,
): string | undefined {
  if (!(error instanceof oauth.OperationProcessingError) || !VERIFICATION_CODES.has(error.code ?? "")) return undefined;
  if (error.cause instanceof Response) return undefined;
  const as = client.server;
  const name = platformProfiles[client.platform].name;
  const cause = (error.cause ?? {}) as {
    claim?: string;
    claims?: Record<string, unknown>;
    parameters?: URLSearchParams;
  };
  const claims = cause.claims ?? {};
  if (cause.parameters && error.message.includes('"iss"'))
    return `${name}'s sign-in answer names its issuer as ${cause.parameters.get("iss") ?? "nobody"}, expected ${as.issuer}.`;
  switch (cause.claim) {
    case "iss":
      return `${name}'s ID token was issued by ${String(claims.iss)}, expected ${as.issuer}.`;
    case "aud":
    case "azp":
      return `${name}'s ID token is for ${JSON.stringify(claims[cause.claim])}, not this app's client id ${client.clientId}.`;
    case "exp":
      return `${name}'s ID token expired at ${new Date(Number(claims.exp) * 1000).toISOString()}.`;
  }
  if (error.message.includes("signature") || error.code === oauth.KEY_SELECTION)
    return `${name}'s ID token is not signed by a key published at ${as.jwks_uri}.`;
  if (error.message.includes('"id_token"')) return `${name} answered no ID token to a sign-in that asked for one.`;
  return `${name}'s sign-in answer could not be verified (${error.message}).`;
}
