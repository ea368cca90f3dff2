import { createHash, timingSafeEqual } from "node:crypto";
import type { FastifyInstance } from "fastify";
import { issuerFor } from "./id-tokens.js";
import { people } from "./seed.js";
import type { AccessTokenRecord, AuthorizationCode, OAuthClient, PlatformName, RefreshTokenRecord } from "./state.js";
import type { SandboxContext } from "./context.js";

/** What a platform's authorize endpoint asks of its query, once checked. */
export interface AuthorizeRequest {
  client: OAuthClient;
  redirectUri: string;
  scopes: string[];
  state: string | undefined;
  codeChallenge?: string;
  codeChallengeMethod?: string;
  offline?: boolean;
  /** Google: the grant covers every scope the person granted this client before. */
  includeGrantedScopes?: boolean;
}

/** Who can be chosen on the consent page: a person, or a person with one of their channels. */
export interface ConsentIdentity {
  value: string;
  label: string;
  personId: string;
  subject?: string;
}

export interface AuthorizeEndpoint {
  platform: PlatformName;
  /** The path under the platform's prefix, e.g. /i/oauth2/authorize. */
  path: string;
  appLabel: string;
  /** Checks the query the way the platform does; a string is shown on the error page. */
  parse(query: Record<string, string | undefined>, context: SandboxContext): AuthorizeRequest | string;
  /** Where the browser goes when the person refuses, in the platform's words. */
  denied(request: AuthorizeRequest): URL;
  /** Where the browser goes at once when the platform refuses the request itself (LinkedIn: a scope the app lacks). */
  refused?(request: AuthorizeRequest): URL | undefined;
  /** Google asks which channel; the others which person. */
  identities?: () => ConsentIdentity[];
  /** What the platform adds to the code and state on the way back (TikTok: the granted `scopes`). */
  callbackParameters?(request: AuthorizeRequest): Record<string, string>;
  /** The platform's shape of an authorization code around a random secret (TikTok's need URL-decoding). */
  codeShape?(secret: string): string;
  /** The authorization response names the issuer (RFC 9207): the platform's root plus this path. */
  issuerOnCallback?: { issuerPath: string };
}

const personIdentities = (): ConsentIdentity[] =>
  people.map((person) => ({ value: person.id, label: `${person.name} (${person.email})`, personId: person.id }));

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>body{font-family:system-ui,sans-serif;background:#f3f4f6;margin:0;display:grid;place-items:center;min-height:100vh}
main{background:#fff;border-radius:12px;box-shadow:0 2px 10px #0002;padding:2rem;width:min(440px,90vw)}
.tag{display:inline-block;background:#fde68a;color:#78350f;font-weight:700;font-size:.75rem;padding:.15rem .5rem;border-radius:99px}
ul{padding-left:1.2rem}button{font:inherit;padding:.6rem 1.2rem;border-radius:8px;border:1px solid #d1d5db;cursor:pointer}
.allow{background:#2563eb;color:#fff;border-color:#2563eb}label{display:block;margin:.4rem 0}</style></head>
<body><main><span class="tag">SANDBOX</span>${body}</main></body></html>`;
}

export function registerAuthorizePage(app: FastifyInstance, context: SandboxContext, endpoint: AuthorizeEndpoint) {
  app.get(endpoint.path, async (request, reply) => {
    const query = request.query as Record<string, string | undefined>;
    const parsed = endpoint.parse(query, context);
    if (typeof parsed === "string") {
      return reply
        .status(400)
        .type("text/html")
        .send(page("Error", `<h1>Something went wrong</h1><p>${escapeHtml(parsed)}</p>`));
    }
    const refused = endpoint.refused?.(parsed);
    if (refused) return reply.redirect(refused.toString(), 302);
    const hidden = Object.entries(query)
      .map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value ?? "")}">`)
      .join("");
    const choices = (endpoint.identities ?? personIdentities)()
      .map(
        (identity, index) =>
          `<label><input type="radio" name="sandbox_identity" value="${escapeHtml(identity.value)}" ${index === 0 ? "checked" : ""}> ${escapeHtml(identity.label)}</label>`,
      )
      .join("");
    const scopes = parsed.scopes.map((scope) => `<li><code>${escapeHtml(scope)}</code></li>`).join("");
    return reply.type("text/html").send(
      page(
        `${endpoint.appLabel}: authorize`,
        `<h1>${escapeHtml(endpoint.appLabel)}</h1><p><strong>${escapeHtml(parsed.client.clientId)}</strong> asks for:</p><ul>${scopes || "<li>(no scopes)</li>"}</ul>
<form method="post">${hidden}<fieldset><legend>Log in as</legend>${choices}</fieldset>
<p><button class="allow" name="sandbox_decision" value="allow">Allow</button> <button name="sandbox_decision" value="deny">Deny</button></p></form>`,
      ),
    );
  });

  app.post(endpoint.path, async (request, reply) => {
    const form = request.body as Record<string, string | undefined>;
    const parsed = endpoint.parse(form, context);
    if (typeof parsed === "string")
      return reply
        .status(400)
        .type("text/html")
        .send(page("Error", `<p>${escapeHtml(parsed)}</p>`));
    const refused = endpoint.refused?.(parsed);
    if (refused) return reply.redirect(refused.toString(), 302);
    if (form.sandbox_decision !== "allow") return reply.redirect(endpoint.denied(parsed).toString(), 302);
    const identity = (endpoint.identities ?? personIdentities)().find(
      (candidate) => candidate.value === form.sandbox_identity,
    );
    if (!identity) return reply.status(400).type("text/html").send(page("Error", "<p>Choose who to log in as.</p>"));
    const code = issueCode(context, { request: parsed, endpoint, identity });
    const target = new URL(parsed.redirectUri);
    target.searchParams.set("code", code);
    for (const [name, value] of Object.entries(endpoint.callbackParameters?.(parsed) ?? {}))
      target.searchParams.set(name, value);
    if (endpoint.issuerOnCallback)
      target.searchParams.set("iss", issuerFor(request, app.prefix, endpoint.issuerOnCallback.issuerPath));
    if (parsed.state !== undefined) target.searchParams.set("state", parsed.state);
    return reply.redirect(target.toString(), 302);
  });
}

function issueCode(
  context: SandboxContext,
  options: { request: AuthorizeRequest; endpoint: AuthorizeEndpoint; identity: ConsentIdentity },
) {
  const secret = context.state.secret("code_", 18);
  const code = options.endpoint.codeShape?.(secret) ?? secret;
  const record: AuthorizationCode = {
    code,
    platform: options.endpoint.platform,
    clientId: options.request.client.clientId,
    personId: options.identity.personId,
    subject: options.identity.subject,
    offline: options.request.offline,
    includeGrantedScopes: options.request.includeGrantedScopes,
    scopes: options.request.scopes,
    redirectUri: options.request.redirectUri,
    codeChallenge: options.request.codeChallenge,
    codeChallengeMethod: options.request.codeChallengeMethod,
    expiresAt: context.now() + context.options.lifetimes.authorizationCodeSeconds * 1000,
    used: false,
  };
  context.state.data.codes[code] = record;
  return code;
}

export function findClient(context: SandboxContext, platform: PlatformName, clientId: string | undefined) {
  return context.state.data.clients.find((client) => client.platform === platform && client.clientId === clientId);
}

export function secretMatches(client: OAuthClient, presented: string | undefined): boolean {
  if (presented === undefined) return false;
  const a = Buffer.from(client.clientSecret);
  const b = Buffer.from(presented);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** HTTP Basic client credentials, as X and other confidential-client token endpoints take them. */
export function basicCredentials(header: string | undefined): { clientId: string; clientSecret: string } | undefined {
  if (!header?.startsWith("Basic ")) return undefined;
  const decoded = Buffer.from(header.slice(6), "base64").toString("utf8");
  const separator = decoded.indexOf(":");
  if (separator < 0) return undefined;
  return {
    clientId: decodeURIComponent(decoded.slice(0, separator)),
    clientSecret: decodeURIComponent(decoded.slice(separator + 1)),
  };
}

export type CodeRejection =
  "unknown" | "used" | "expired" | "client_mismatch" | "redirect_mismatch" | "pkce_missing" | "pkce_mismatch";

/** Redeems a code once; every rejection a real token endpoint makes, as a reason to translate. */
export function redeemCode(
  context: SandboxContext,
  platform: PlatformName,
  options: { code: string | undefined; clientId: string; redirectUri: string | undefined; codeVerifier?: string },
): AuthorizationCode | CodeRejection {
  const record = options.code ? context.state.data.codes[options.code] : undefined;
  if (!record || record.platform !== platform) return "unknown";
  if (record.used) {
    // RFC 6749 §4.1.2: a code used twice revokes what it issued.
    revokePersonTokens(context, platform, record.personId, record.clientId);
    return "used";
  }
  if (record.expiresAt <= context.now()) return "expired";
  if (record.clientId !== options.clientId) return "client_mismatch";
  if (record.redirectUri !== options.redirectUri) return "redirect_mismatch";
  if (record.codeChallenge) {
    if (!options.codeVerifier) return "pkce_missing";
    const computed =
      record.codeChallengeMethod === "plain"
        ? options.codeVerifier
        : createHash("sha256").update(options.codeVerifier).digest("base64url");
    if (computed !== record.codeChallenge) return "pkce_mismatch";
  }
  record.used = true;
  return record;
}

export function issueAccessToken(
  context: SandboxContext,
  options: Omit<AccessTokenRecord, "token" | "revoked" | "issuedAt" | "expiresAt"> & {
    lifetimeSeconds: number | null;
    prefix: string;
  },
): AccessTokenRecord {
  const { lifetimeSeconds, prefix, ...rest } = options;
  const record: AccessTokenRecord = {
    ...rest,
    token: context.state.secret(prefix, 32),
    revoked: false,
    issuedAt: context.now(),
    expiresAt: lifetimeSeconds === null ? null : context.now() + lifetimeSeconds * 1000,
  };
  context.state.data.accessTokens[record.token] = record;
  return record;
}

export function issueRefreshToken(
  context: SandboxContext,
  options: {
    platform: PlatformName;
    clientId: string;
    personId: string;
    scopes: string[];
    subject?: string;
    lifetimeSeconds: number | null;
    prefix: string;
  },
): RefreshTokenRecord {
  const record: RefreshTokenRecord = {
    token: context.state.secret(options.prefix, 32),
    platform: options.platform,
    clientId: options.clientId,
    personId: options.personId,
    scopes: options.scopes,
    subject: options.subject,
    expiresAt: options.lifetimeSeconds === null ? null : context.now() + options.lifetimeSeconds * 1000,
    used: false,
    revoked: false,
  };
  context.state.data.refreshTokens[record.token] = record;
  return record;
}

export type TokenRejection = "missing" | "unknown" | "expired" | "revoked";

export function findAccessToken(
  context: SandboxContext,
  platforms: PlatformName[],
  token: string | undefined,
): AccessTokenRecord | TokenRejection {
  if (!token) return "missing";
  const record = context.state.data.accessTokens[token];
  if (!record || !platforms.includes(record.platform)) return "unknown";
  if (record.revoked) return "revoked";
  if (record.expiresAt !== null && record.expiresAt <= context.now()) return "expired";
  return record;
}

export function bearerToken(header: string | undefined): string | undefined {
  return header?.startsWith("Bearer ") ? header.slice(7).trim() : undefined;
}

/** What happens when a person removes the app at the platform: every token it held dies. */
export function revokePersonTokens(
  context: SandboxContext,
  platform: PlatformName,
  personId: string,
  clientId?: string,
) {
  for (const record of Object.values(context.state.data.accessTokens)) {
    if (record.platform === platform && record.personId === personId && (!clientId || record.clientId === clientId))
      record.revoked = true;
  }
  for (const record of Object.values(context.state.data.refreshTokens)) {
    if (record.platform === platform && record.personId === personId && (!clientId || record.clientId === clientId))
      record.revoked = true;
  }
}

/** The person's live access tokens with the platform expire now; answers how many did. */
export function expirePersonAccessTokens(context: SandboxContext, platform: PlatformName, personId: string): number {
  let expired = 0;
  for (const record of Object.values(context.state.data.accessTokens)) {
    if (record.platform !== platform || record.personId !== personId || record.revoked) continue;
    if (record.expiresAt !== null && record.expiresAt <= context.now()) continue;
    record.expiresAt = context.now();
    expired += 1;
  }
  return expired;
}

export function scopesFrom(value: string | undefined, separator: RegExp): string[] {
  return (value ?? "")
    .split(separator)
    .map((scope) => scope.trim())
    .filter(Boolean);
}
