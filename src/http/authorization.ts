import { timingSafeEqual } from "node:crypto";
import type { FastifyError, FastifyInstance, FastifyRequest } from "fastify";
import { actAsApiKey, actingKeyAudited, recordAudit, requestOrigin, withActingKeyScope } from "../audit/audit.js";
import { authenticateApiKey, type ApiKeyPrincipal, type ApiKeyRefusal } from "../auth/api-keys.js";
import { can, type Role, type RouteAccess } from "../auth/permissions.js";
import { findLiveSession, SESSION_COOKIE, setActiveOrganization, type LiveSession } from "../auth/sessions.js";
import type { Clock } from "../clock.js";
import type { Database } from "../db/client.js";
import { AppError, replyWithError } from "./errors.js";
import { countKeyRequest } from "./key-limits.js";

export interface AuthenticatedUser {
  id: string;
  email: string;
  name: string;
  isSuperAdmin: boolean;
}

/**
 * Who is asking: a browser session, or an organization's API key (which acts in its creator's
 * name where a route needs a user, with the key's own role, in the key's organization only).
 */
export type RequestAuth = {
  user: AuthenticatedUser;
  /** The session's active organization, or the key's, and the caller's role in it. */
  organization?: { id: string; name: string; role: Role };
} & ({ sessionIdHash: string; apiKey?: undefined } | { apiKey: ApiKeyPrincipal; sessionIdHash?: undefined });

declare module "fastify" {
  interface FastifyRequest {
    auth?: RequestAuth;
  }
  interface FastifyContextConfig {
    access?: RouteAccess;
    /**
     * Only a browser session may call it, never an API key: it acts on the session itself or a
     * browser flow (an OAuth dance), or manages keys. Every "signed-in" route is session-only.
     */
    sessionOnly?: boolean;
  }
}

export interface RouteEntry {
  method: string;
  url: string;
  access: RouteAccess;
  sessionOnly: boolean;
}

function isSessionOnly(access: RouteAccess, sessionOnly: boolean | undefined): boolean {
  return access === "signed-in" || sessionOnly === true;
}

const apiKeyRefusals: Record<ApiKeyRefusal, string> = {
  unknown: "This API key is not valid. Check that it was copied whole, or create a new one.",
  revoked: "This API key was revoked. Ask an admin of the organization for a new one.",
  expired: "This API key has expired. Ask an admin of the organization for a new one.",
  creator_left:
    "This API key's creator is no longer a member of its organization, so it stopped working. Ask an admin for a new one.",
};

const MUTATING = new Set(["POST", "PUT", "PATCH", "DELETE"]);

export class MissingRouteAccessError extends Error {}

/** A SUPER_ADMIN acts as such in any organization; others hold the role of their membership. */
function effectiveOrganization(session: LiveSession): RequestAuth["organization"] {
  const { activeOrganizationId: id, activeOrganizationName: name, membershipRole, user } = session;
  if (!id || name === null) return undefined;
  if (user.isSuperAdmin) return { id, name, role: "SUPER_ADMIN" };
  return membershipRole ? { id, name, role: membershipRole } : undefined;
}

function sameSecret(presented: string, expected: string): boolean {
  const a = Buffer.from(presented);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Cookie-authenticated changes must come from our own pages: the Origin (or Referer) must be
 * the public URL's origin or the origin the request was addressed to.
 */
function assertSameOrigin(request: FastifyRequest, allowedOrigins: ReadonlySet<string>): void {
  const origin = request.headers.origin ?? request.headers.referer;
  const requestOrigin = `${request.protocol}://${request.host}`;
  let presented: string | undefined;
  try {
    presented = origin ? new URL(origin).origin : undefined;
  } catch {
    presented = undefined;
  }
  if (!presented || (presented !== requestOrigin && !allowedOrigins.has(presented))) {
    throw new AppError(
      403,
      "cross_origin",
      "This request did not come from the MarketSage app. Reload the page and try again.",
    );
  }
}

export interface AuthorizationOptions {
  db: Database;
  sessionTtlMs: number;
  /** Whether a session has expired is read on the app's clock. */
  clock: Clock;
  allowedOrigins: ReadonlySet<string>;
  controlToken?: string;
  /** Each API key's budget of requests per minute, counted in the database across processes. */
  apiKeyRequestsPerMinute: number;
}

/** The secret of `Authorization: Bearer …`, when one is presented. */
function bearerOf(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  return header?.startsWith("Bearer ") ? header.slice("Bearer ".length).trim() : undefined;
}

/** The local operator's control token, presented as `Authorization: Bearer …`. */
function presentsControlToken(request: FastifyRequest, controlToken: string | undefined): boolean {
  const presented = bearerOf(request);
  return Boolean(controlToken && presented && sameSecret(presented, controlToken));
}

export function registerAuthorization(app: FastifyInstance, options: AuthorizationOptions): RouteEntry[] {
  const routeTable: RouteEntry[] = [];

  app.addHook("onRoute", (route) => {
    if (!route.url.startsWith("/api/") || route.method === "HEAD" || route.url.startsWith("/api/docs")) return;
    const access = route.config?.access;
    if (!access) throw new MissingRouteAccessError(`${String(route.method)} ${route.url} declares no access`);
    const sessionOnly = isSessionOnly(access, route.config?.sessionOnly);
    for (const method of [route.method].flat()) routeTable.push({ method, url: route.url, access, sessionOnly });
  });

  app.addHook("onRequest", (_request, _reply, done) => withActingKeyScope(done));

  // A change a key made that wrote no audit entry of its own is recorded as the key's use (an
  // answer replayed for an Idempotency-Key changed nothing).
  app.addHook("onSend", async (request, reply, payload) => {
    const apiKey = request.auth?.apiKey;
    const changed = MUTATING.has(request.method) && reply.statusCode < 400 && !reply.hasHeader("idempotent-replayed");
    if (!apiKey || !changed || actingKeyAudited()) return payload;
    await recordAudit(options.db, {
      action: "api_key.used",
      organizationId: apiKey.organization.id,
      ...requestOrigin(request),
      target: { type: "api_key", id: apiKey.id },
      details: { method: request.method, route: request.routeOptions.url, status: reply.statusCode },
    });
    return payload;
  });

  app.addHook("preValidation", async (request, reply) => {
    const access = request.routeOptions.config.access;
    if (!access) return;

    if (access === "control") {
      if (!presentsControlToken(request, options.controlToken)) {
        throw new AppError(401, "unauthorized", "This endpoint takes the server's local control token.");
      }
      return;
    }

    // A key is a bearer token: no cookie and no Origin to check, since a browser never sends one by itself.
    const bearer = bearerOf(request);
    if (bearer !== undefined && access !== "public") {
      const outcome = await authenticateApiKey(options.db, bearer, { clock: options.clock, ip: request.ip });
      if ("refused" in outcome) {
        reply.header("www-authenticate", 'Bearer error="invalid_token"');
        throw new AppError(401, "invalid_api_key", apiKeyRefusals[outcome.refused]);
      }
      const key = outcome.principal;
      if (access === "signed-in" || request.routeOptions.config.sessionOnly) {
        throw new AppError(
          403,
          "session_required",
          "API keys cannot do this: sign in to the dashboard and do it there.",
        );
      }
      await countKeyRequest(options.db, reply, {
        apiKeyId: key.id,
        clock: options.clock,
        requestsPerMinute: options.apiKeyRequestsPerMinute,
      });
      request.auth = {
        // In its creator's name, never with their installation-wide rights: a key stays in its organization.
        user: { ...key.creator, isSuperAdmin: false },
        apiKey: key,
        organization: { ...key.organization, role: key.role },
      };
      actAsApiKey({ id: key.id, name: key.name });
      assertPermitted(request.auth, access);
      return;
    }

    const secret = request.cookies[SESSION_COOKIE];
    const session = secret
      ? await findLiveSession(options.db, secret, { ttlMs: options.sessionTtlMs, clock: options.clock })
      : undefined;
    if (session) {
      request.auth = { user: session.user, sessionIdHash: session.idHash };
      if (session.activeOrganizationId) {
        const organization = effectiveOrganization(session);
        if (organization) request.auth.organization = organization;
        else await setActiveOrganization(options.db, session.idHash, null);
      }
      if (MUTATING.has(request.method)) assertSameOrigin(request, options.allowedOrigins);
    }

    if (access === "public") return;
    if (!request.auth) throw new AppError(401, "unauthorized", "Please sign in.");
    if (access === "signed-in") return;
    assertPermitted(request.auth, access);
  });

  return routeTable;
}

function assertPermitted(auth: RequestAuth, access: Exclude<RouteAccess, "public" | "signed-in" | "control">) {
  if (!auth.organization) {
    throw new AppError(409, "no_organization", "Choose or create an organization first.");
  }
  if (!can(auth.organization.role, access)) {
    const holder = auth.apiKey ? `This API key's role` : "Your role";
    throw new AppError(
      403,
      "forbidden",
      `${holder} (${auth.organization.role}) does not allow this (${access}). Ask an admin of ${auth.organization.name}.`,
    );
  }
}

/** The browser session of a session-only route (the authorization hook lets no key reach one). */
export function currentSessionIdHash(request: FastifyRequest): string {
  const sessionIdHash = request.auth?.sessionIdHash;
  if (!sessionIdHash) throw new AppError(401, "unauthorized", "Please sign in.");
  return sessionIdHash;
}

/** The caller's organization on a route whose access is a permission (set by the hook above). */
export function currentOrganization(request: FastifyRequest): { id: string; name: string; role: Role } {
  const organization = request.auth?.organization;
  if (!organization) throw new AppError(409, "no_organization", "Choose or create an organization first.");
  return organization;
}

export function currentUser(request: FastifyRequest): AuthenticatedUser {
  if (!request.auth) throw new AppError(401, "unauthorized", "Please sign in.");
  return request.auth.user;
}

/**
 * The development sandbox twin's control surface (faults, journal, revocation, reset: whatever
 * decides what "the platforms" do) answers only the local operator: the control token, or a
 * signed-in SUPER_ADMIN whose changes come from our own pages. Added as a hook on the scope the
 * twin is mounted in; the standalone sandbox keeps its open surface on loopback.
 */
export function guardSandboxControl(
  scope: FastifyInstance,
  options: AuthorizationOptions & { controlPrefix: string },
): void {
  async function assertOperator(request: FastifyRequest) {
    if (presentsControlToken(request, options.controlToken)) return;
    const secret = request.cookies[SESSION_COOKIE];
    const session = secret
      ? await findLiveSession(options.db, secret, { ttlMs: options.sessionTtlMs, clock: options.clock })
      : undefined;
    if (!session)
      throw new AppError(401, "unauthorized", "The sandbox's control surface needs a signed-in SUPER_ADMIN.");
    if (!session.user.isSuperAdmin) {
      throw new AppError(403, "forbidden", "Only a SUPER_ADMIN can drive the sandbox's control surface.");
    }
    if (MUTATING.has(request.method)) assertSameOrigin(request, options.allowedOrigins);
  }

  scope.addHook("onRequest", async (request, reply) => {
    if (!request.routeOptions.url?.startsWith(options.controlPrefix)) return;
    try {
      await assertOperator(request);
    } catch (error) {
      // Answered here, in the product's shape: the sandbox's own error handler speaks the platforms'.
      return replyWithError(error as FastifyError, request, reply);
    }
  });
}
