import type { FastifyInstance, FastifyRequest } from "fastify";
import type { PlatformReply, SandboxContext } from "./context.js";
import { readForm } from "./form.js";
import { issuerFor, signIdToken } from "./id-tokens.js";
import {
  basicCredentials,
  findClient,
  issueAccessToken,
  issueRefreshToken,
  redeemCode,
  secretMatches,
  type CodeRejection,
} from "./oauth.js";
import type { AccessTokenRecord, AuthorizationCode, OAuthClient, PlatformName, RefreshTokenRecord } from "./state.js";

/**
 * The OAuth 2.0 token endpoint (RFC 6749 §4.1.3, §6) as one handler: the authorization_code
 * and refresh_token grants, with everything a platform does its own way (how the client
 * authenticates, what each refusal looks like, whether refresh tokens rotate, what the answer
 * carries) named in the platform's TokenEndpoint.
 */

/** The platform's answer to each way a token request fails. */
export interface Refusals {
  /** The client did not authenticate. */
  client(): PlatformReply;
  /** The code cannot be redeemed, for the reason redeemCode gives. */
  code(rejection: CodeRejection): PlatformReply;
  /** The refresh token is unknown, another client's, spent, revoked or expired. */
  refreshToken(): PlatformReply;
  /** The grant type is missing, or neither of the two. */
  grantType(grantType: string | undefined): PlatformReply;
}

/** What a refresh does to the refresh token sent. */
export type RefreshRotation =
  /** Spent; a new one with a full lifetime replaces it. */
  | "rotate"
  /** Spent; the new one expires when the first one would have. */
  | "rotate_keeping_expiry"
  /** Stays good and is not sent again. */
  | "keep"
  /** Stays good and is sent again with the answer. */
  | "keep_and_resend";

export interface ClientAuthentication {
  platform: PlatformName;
  /** Where the client's id and secret may be: HTTP Basic, the form, or either (Basic first). */
  credentialsIn: ("basic" | "form")[];
  /** The form field naming the client, when it is not client_id. */
  clientIdField?: string;
  /** The request's fields as the platform reads them; query, JSON, url-encoded or multipart when not given. */
  readFields?(request: FastifyRequest): Record<string, string>;
  refusals: Pick<Refusals, "client">;
}

/** Who granted what to which client: what a code or a refresh token stands for. */
interface Grant {
  clientId: string;
  personId: string;
  scopes: string[];
  subject?: string;
}

/** The tokens one request issued, for the platform to put in its answer. */
export interface IssuedTokens {
  access: AccessTokenRecord;
  /** The refresh token the answer carries, if any. */
  refresh?: RefreshTokenRecord;
  /** Whether that refresh token was made by this request, rather than kept from an earlier one. */
  refreshIsNew: boolean;
}

export interface TokenEndpoint extends ClientAuthentication {
  refusals: Refusals;
  /** The path under the platform's prefix. */
  path: string;
  access: { prefix: string; lifetimeSeconds: number };
  refresh: {
    prefix: string;
    lifetimeSeconds: number | null;
    /** Whether a grant by code comes with a refresh token. */
    issuedFor(code: AuthorizationCode, client: OAuthClient): boolean;
    rotation: RefreshRotation;
  };
  answer(tokens: IssuedTokens): Record<string, unknown>;
  /** OpenID Connect: a signed ID token joins the answer to a code whose grant holds `openid`. */
  idTokens?: {
    /** The issuer's path below the platform's root, as the real issuer sits below the real host. */
    issuerPath: string;
    subject(personId: string): string;
    claims(personId: string, scopes: string[]): Record<string, unknown>;
  };
  /**
   * Google's incremental authorization: a code asked with include_granted_scopes covers every
   * scope the person granted the client before, `openid` (and so an ID token) included.
   */
  incrementalGrants?: boolean;
}

/** The registered client behind a request, and the request's fields; the platform's own refusal otherwise. */
export async function authenticateClient(
  context: SandboxContext,
  endpoint: ClientAuthentication,
  request: FastifyRequest,
): Promise<{ client: OAuthClient; fields: Record<string, string> }> {
  const read = async () => endpoint.readFields?.(request) ?? (await readForm(request)).fields;
  const verified = (presented: { clientId: string | undefined; clientSecret: string | undefined } | undefined) => {
    const client = presented && findClient(context, endpoint.platform, presented.clientId);
    if (!client || !secretMatches(client, presented.clientSecret)) throw endpoint.refusals.client();
    return client;
  };
  const basic = endpoint.credentialsIn.includes("basic") ? basicCredentials(request.headers.authorization) : undefined;
  if (!endpoint.credentialsIn.includes("form")) {
    // Without valid Basic credentials the answer is the same whatever the body holds, so it is not read.
    const client = verified(basic);
    return { client, fields: await read() };
  }
  const fields = await read();
  const inForm = { clientId: fields[endpoint.clientIdField ?? "client_id"], clientSecret: fields.client_secret };
  return { client: verified(basic ?? inForm), fields };
}

export function registerTokenEndpoint(app: FastifyInstance, context: SandboxContext, endpoint: TokenEndpoint) {
  const { platform } = endpoint;

  const issueAccess = (grant: Grant) =>
    issueAccessToken(context, {
      platform,
      ...grant,
      kind: "user",
      lifetimeSeconds: endpoint.access.lifetimeSeconds,
      prefix: endpoint.access.prefix,
    });
  const issueRefresh = (grant: Grant) =>
    issueRefreshToken(context, {
      platform,
      ...grant,
      lifetimeSeconds: endpoint.refresh.lifetimeSeconds,
      prefix: endpoint.refresh.prefix,
    });

  /** Everything the person has granted the client, remembered for incremental authorization. */
  function grantedBefore(client: OAuthClient, personId: string, scopes: string[]): string[] {
    const key = `${client.clientId}:${personId}`;
    const earlier = context.state.object<{ scopes: string[] }>(`${platform}_granted`, key)?.scopes ?? [];
    const all = [...new Set([...earlier, ...scopes])];
    context.state.putObject(`${platform}_granted`, key, { scopes: all });
    return all;
  }

  function byCode(
    client: OAuthClient,
    fields: Record<string, string>,
    request: FastifyRequest,
  ): IssuedTokens & { idToken?: string } {
    const code = redeemCode(context, platform, {
      code: fields.code,
      clientId: client.clientId,
      redirectUri: fields.redirect_uri,
      codeVerifier: fields.code_verifier,
    });
    if (typeof code === "string") throw endpoint.refusals.code(code);
    const everGranted = endpoint.incrementalGrants ? grantedBefore(client, code.personId, code.scopes) : code.scopes;
    const scopes = code.includeGrantedScopes ? everGranted : code.scopes;
    const grant = { clientId: client.clientId, personId: code.personId, scopes, subject: code.subject };
    const refresh = endpoint.refresh.issuedFor(code, client) ? issueRefresh(grant) : undefined;
    const { idTokens } = endpoint;
    const idToken =
      idTokens && scopes.includes("openid")
        ? signIdToken({
            issuer: issuerFor(request, app.prefix, idTokens.issuerPath),
            audience: client.clientId,
            subject: idTokens.subject(code.personId),
            now: context.now(),
            claims: idTokens.claims(code.personId, scopes),
          })
        : undefined;
    return { access: issueAccess(grant), refresh, refreshIsNew: true, idToken };
  }

  function byRefreshToken(client: OAuthClient, fields: Record<string, string>): IssuedTokens {
    const record = fields.refresh_token ? context.state.data.refreshTokens[fields.refresh_token] : undefined;
    if (
      !record ||
      record.platform !== platform ||
      record.clientId !== client.clientId ||
      record.used ||
      record.revoked ||
      (record.expiresAt !== null && record.expiresAt <= context.now())
    )
      throw endpoint.refusals.refreshToken();
    const { clientId, personId, scopes, subject } = record;
    const grant = { clientId, personId, scopes, subject };
    switch (endpoint.refresh.rotation) {
      case "keep":
        return { access: issueAccess(grant), refreshIsNew: false };
      case "keep_and_resend":
        return { access: issueAccess(grant), refresh: record, refreshIsNew: false };
      case "rotate":
      case "rotate_keeping_expiry": {
        record.used = true;
        const access = issueAccess(grant);
        const refresh = issueRefresh(grant);
        if (endpoint.refresh.rotation === "rotate_keeping_expiry") refresh.expiresAt = record.expiresAt;
        return { access, refresh, refreshIsNew: true };
      }
    }
  }

  app.post(endpoint.path, async (request) => {
    const { client, fields } = await authenticateClient(context, endpoint, request);
    switch (fields.grant_type) {
      case "authorization_code": {
        const issued = byCode(client, fields, request);
        return { ...endpoint.answer(issued), ...(issued.idToken ? { id_token: issued.idToken } : {}) };
      }
      case "refresh_token":
        return endpoint.answer(byRefreshToken(client, fields));
      default:
        throw endpoint.refusals.grantType(fields.grant_type);
    }
  });
}
