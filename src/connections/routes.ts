import { and, count, desc, eq, ne } from "drizzle-orm";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { requestOrigin } from "../audit/audit.js";
import { platformIds, type PlatformId } from "../config.js";
import { connectionErrors, connections } from "../db/schema.js";
import { currentOrganization, currentUser } from "../http/authorization.js";
import type { AppContext } from "../context.js";
import { AppError, notFound } from "../http/errors.js";
import { isBotPlatform } from "../platforms/platform.js";
import { platformAccess } from "./access.js";
import {
  beginConnect,
  chooseAccounts,
  completeConnect,
  connectBot,
  disconnect,
  pendingGrant,
  type Actor,
} from "./connect.js";
import { checkConnection, refreshConnection } from "./health.js";
import { connectionView, organizationConnection } from "./store.js";

const platformParams = z.object({
  platform: z.enum(platformIds, { message: `must be one of ${platformIds.join(", ")}` }),
});
const connectionParams = z.object({ id: z.uuid("must be a connection id") });
const statuses = ["healthy", "expired", "invalid", "rate_limited", "disconnected"] as const;

const connectionSchema = z.object({
  id: z.uuid(),
  platform: z.string(),
  externalId: z.string(),
  accountKind: z.string(),
  name: z.string(),
  username: z.string().nullable(),
  avatarUrl: z.string().nullable(),
  isSandbox: z.boolean(),
  status: z.enum(statuses),
  lastSuccessAt: z.date().nullable(),
  lastCheckedAt: z.date().nullable(),
  lastRefreshedAt: z.date().nullable(),
  tokenExpiresAt: z.date().nullable(),
  refreshable: z.boolean(),
  errorCount: z.number(),
  lastError: z.string().nullable(),
  lastErrorAt: z.date().nullable(),
  rateLimitedUntil: z.date().nullable(),
  scopes: z.array(z.string()),
  createdAt: z.date(),
  disconnectedAt: z.date().nullable(),
});

const errorSchema = z.object({
  id: z.number(),
  platform: z.string(),
  organizationId: z.uuid(),
  connectionId: z.uuid().nullable(),
  errorType: z.enum(["oauth", "api", "rate_limit", "token"]),
  message: z.string(),
  at: z.date(),
  resolved: z.boolean(),
});

export const connectionRoutes: FastifyPluginAsyncZod<AppContext> = async (app, context) => {
  const { db } = context;

  function actorOf(request: Parameters<typeof requestOrigin>[0]): Actor {
    const organization = currentOrganization(request);
    const user = currentUser(request);
    const { ip, userAgent } = requestOrigin(request);
    return { organizationId: organization.id, user: { id: user.id, email: user.email }, ip, userAgent };
  }

  async function owned(request: Parameters<typeof requestOrigin>[0], id: string) {
    const connection = await organizationConnection(db, currentOrganization(request).id, id);
    if (!connection) throw notFound("That connection");
    return connection;
  }

  app.get(
    "/api/social-media/platforms",
    {
      config: { access: "connections:view" },
      schema: {
        tags: ["connections"],
        summary: "Each platform, whether it can be connected here, and what to configure when it cannot",
        response: {
          200: z.object({
            platforms: z.array(
              z.object({
                id: z.enum(platformIds),
                name: z.string(),
                method: z.enum(["oauth", "bot"]),
                mode: z.enum(["configured", "sandbox", "unavailable"]),
                missingVariables: z.array(z.string()),
                redirectUri: z.string().nullable(),
                example: z.object({ botToken: z.string(), channel: z.string() }).nullable(),
                flags: z.record(z.string(), z.boolean()),
              }),
            ),
          }),
        },
      },
    },
    async () => ({
      platforms: platformIds.map((id) => {
        const access = platformAccess(context, id);
        const method = isBotPlatform(access.definition) ? ("bot" as const) : ("oauth" as const);
        return {
          id,
          name: access.definition.name,
          method,
          mode: access.mode,
          missingVariables: access.missingVariables,
          redirectUri: method === "oauth" ? new URL(`/api/auth/callback/${id}`, context.publicUrl()).toString() : null,
          example:
            method === "bot" && access.mode === "sandbox" && context.sandboxTwin
              ? (context.sandboxTwin.botExamples[id] ?? null)
              : null,
          flags: context.config.platforms[id].flags,
        };
      }),
    }),
  );

  app.post(
    "/api/social-media/connect/:platform",
    {
      config: { access: "connections:connect" },
      schema: {
        tags: ["connections"],
        summary: "Start connecting an account: answers the platform's consent URL to send the browser to",
        params: platformParams,
        response: { 200: z.object({ authorizeUrl: z.string() }) },
      },
    },
    async (request) => {
      const url = await beginConnect(
        context,
        { ...actorOf(request), sessionIdHash: request.auth!.sessionIdHash },
        request.params.platform,
      );
      return { authorizeUrl: url.toString() };
    },
  );

  app.post(
    "/api/social-media/bot/:platform",
    {
      config: { access: "connections:connect" },
      schema: {
        tags: ["connections"],
        summary: "Connect a channel of a bot platform through the organization's own bot",
        params: platformParams,
        // Each bot platform checks the shape of its own tokens and chats (its profile's bot form).
        body: z.object({ botToken: z.string().trim().max(200), chat: z.string().trim().max(200) }),
        response: { 201: z.object({ connection: connectionSchema }) },
      },
    },
    async (request, reply) => {
      const connection = await connectBot(context, actorOf(request), request.params.platform, request.body);
      return reply.status(201).send({ connection: connectionView(connection) });
    },
  );

  app.get(
    "/api/auth/callback/:platform",
    {
      config: { access: "public" },
      schema: {
        tags: ["connections"],
        summary: "Where platforms send the browser back after consent; redirects to the dashboard",
        params: platformParams,
      },
    },
    async (request, reply) => {
      const { platform } = request.params;
      const callbackUrl = new URL(request.url, context.publicUrl());
      if (!request.auth) {
        return reply.redirect(
          `/login?next=${encodeURIComponent(`/social-media?error=signed_out&platform=${platform}`)}`,
          302,
        );
      }
      const { ip, userAgent } = requestOrigin(request);
      const outcome = await completeConnect(context, {
        platform,
        callbackUrl,
        sessionIdHash: request.auth.sessionIdHash,
        user: { id: request.auth.user.id, email: request.auth.user.email },
        ip,
        userAgent,
      });
      const target = new URL("/social-media", context.publicUrl());
      target.searchParams.set("platform", platform);
      if (outcome.kind === "connected") target.searchParams.set("connected", String(outcome.connectionIds.length));
      if (outcome.kind === "choose") target.searchParams.set("choose", outcome.grantId);
      if (outcome.kind === "failed") {
        target.searchParams.set("error", outcome.code);
        target.searchParams.set("message", outcome.message);
      }
      return reply.redirect(`${target.pathname}${target.search}`, 302);
    },
  );

  app.get(
    "/api/social-media/grants/:grantId",
    {
      config: { access: "connections:connect" },
      schema: {
        tags: ["connections"],
        summary: "The accounts a fresh grant can post as, to choose from",
        params: z.object({ grantId: z.uuid("must be a grant id") }),
        response: {
          200: z.object({
            platform: z.string(),
            isSandbox: z.boolean(),
            expiresAt: z.date(),
            accounts: z.array(
              z.object({
                externalId: z.string(),
                kind: z.string(),
                name: z.string(),
                username: z.string().nullish(),
                avatarUrl: z.string().nullish(),
                alreadyConnected: z.boolean(),
              }),
            ),
          }),
        },
      },
    },
    async (request) => {
      const organization = currentOrganization(request);
      const grant = await pendingGrant(context, organization.id, request.params.grantId);
      const existing = await db
        .select({ externalId: connections.externalId })
        .from(connections)
        .where(
          and(
            eq(connections.organizationId, organization.id),
            eq(connections.platform, grant.platform),
            ne(connections.status, "disconnected"),
          ),
        );
      const connected = new Set(existing.map((row) => row.externalId));
      return {
        platform: grant.platform,
        isSandbox: grant.isSandbox,
        expiresAt: grant.expiresAt,
        accounts: grant.accounts.map((account) => ({
          ...account,
          alreadyConnected: connected.has(account.externalId),
        })),
      };
    },
  );

  app.post(
    "/api/social-media/grants/:grantId",
    {
      config: { access: "connections:connect" },
      schema: {
        tags: ["connections"],
        summary: "Connect the chosen accounts of a grant",
        params: z.object({ grantId: z.uuid("must be a grant id") }),
        body: z.object({ externalIds: z.array(z.string().min(1)).min(1, "choose at least one account") }),
        response: { 201: z.object({ connections: z.array(connectionSchema) }) },
      },
    },
    async (request, reply) => {
      const saved = await chooseAccounts(context, actorOf(request), request.params.grantId, request.body.externalIds);
      return reply.status(201).send({ connections: saved.map(connectionView) });
    },
  );

  app.get(
    "/api/social-media/connections",
    {
      config: { access: "connections:view" },
      schema: {
        tags: ["connections"],
        summary: "The organization's connections with their real status; never a token",
        querystring: z.object({ includeDisconnected: z.stringbool().default(false) }),
        response: { 200: z.object({ connections: z.array(connectionSchema) }) },
      },
    },
    async (request) => {
      const organization = currentOrganization(request);
      const rows = await db
        .select()
        .from(connections)
        .where(
          and(
            eq(connections.organizationId, organization.id),
            request.query.includeDisconnected ? undefined : ne(connections.status, "disconnected"),
          ),
        )
        .orderBy(connections.platform, connections.name);
      return { connections: rows.map(connectionView) };
    },
  );

  app.get(
    "/api/social-media/connections/:id",
    {
      config: { access: "connections:view" },
      schema: {
        tags: ["connections"],
        summary: "One connection",
        params: connectionParams,
        response: { 200: z.object({ connection: connectionSchema }) },
      },
    },
    async (request) => ({ connection: connectionView(await owned(request, request.params.id)) }),
  );

  app.post(
    "/api/social-media/connections/:id/check",
    {
      config: { access: "connections:connect" },
      schema: {
        tags: ["connections"],
        summary: "Check the connection now with a cheap call to the platform",
        params: connectionParams,
        response: { 200: z.object({ connection: connectionSchema }) },
      },
    },
    async (request) => {
      const connection = await owned(request, request.params.id);
      if (connection.status === "disconnected")
        throw new AppError(409, "disconnected", "This account is disconnected: connect it again.");
      await checkConnection(context, connection.id);
      return { connection: connectionView(await owned(request, connection.id)) };
    },
  );

  app.post(
    "/api/social-media/connections/:id/refresh",
    {
      config: { access: "tokens:manage" },
      schema: {
        tags: ["connections"],
        summary: "Renew the connection's tokens now",
        params: connectionParams,
        response: {
          200: z.object({
            outcome: z.enum(["refreshed", "not_due", "not_refreshable", "refused", "unavailable"]),
            connection: connectionSchema,
          }),
        },
      },
    },
    async (request) => {
      const connection = await owned(request, request.params.id);
      const outcome = await refreshConnection(context, connection.id, { force: true });
      return { outcome, connection: connectionView(await owned(request, connection.id)) };
    },
  );

  app.delete(
    "/api/social-media/connections/:id",
    {
      config: { access: "tokens:manage" },
      schema: {
        tags: ["connections"],
        summary: "Disconnect: revoke at the platform where possible and delete the tokens",
        params: connectionParams,
        response: { 204: z.null() },
      },
    },
    async (request, reply) => {
      await disconnect(context, actorOf(request), request.params.id);
      return reply.status(204).send(null);
    },
  );

  async function healthOf(organizationId: string, platform?: PlatformId) {
    const rows = await db
      .select({ platform: connections.platform, status: connections.status, total: count() })
      .from(connections)
      .where(
        and(eq(connections.organizationId, organizationId), platform ? eq(connections.platform, platform) : undefined),
      )
      .groupBy(connections.platform, connections.status);
    const errors = await db
      .select()
      .from(connectionErrors)
      .where(
        and(
          eq(connectionErrors.organizationId, organizationId),
          platform ? eq(connectionErrors.platform, platform) : undefined,
        ),
      )
      .orderBy(desc(connectionErrors.at))
      .limit(50);
    const byPlatform = (platform ? [platform] : [...platformIds]).map((id) => {
      const counts = Object.fromEntries(statuses.map((status) => [status, 0])) as Record<
        (typeof statuses)[number],
        number
      >;
      for (const row of rows.filter((candidate) => candidate.platform === id)) counts[row.status] = row.total;
      const unresolved = errors.filter((error) => error.platform === id && !error.resolved).length;
      const active = counts.healthy + counts.expired + counts.invalid + counts.rate_limited;
      return {
        platform: id,
        status:
          active === 0 ? ("none" as const) : counts.healthy === active ? ("healthy" as const) : ("degraded" as const),
        counts,
        unresolvedErrors: unresolved,
      };
    });
    return { platforms: byPlatform, errors };
  }

  const healthSchema = z.object({
    platforms: z.array(
      z.object({
        platform: z.string(),
        status: z.enum(["none", "healthy", "degraded"]),
        counts: z.record(z.enum(statuses), z.number()),
        unresolvedErrors: z.number(),
      }),
    ),
    errors: z.array(errorSchema),
  });

  app.get(
    "/api/social-media/health",
    {
      config: { access: "connections:view" },
      schema: {
        tags: ["connections"],
        summary: "Connection health per platform, with recent errors",
        response: { 200: healthSchema },
      },
    },
    async (request) => healthOf(currentOrganization(request).id),
  );

  app.get(
    "/api/social-media/health/:platform",
    {
      config: { access: "connections:view" },
      schema: {
        tags: ["connections"],
        summary: "One platform's connection health and errors",
        params: platformParams,
        response: { 200: healthSchema },
      },
    },
    async (request) => healthOf(currentOrganization(request).id, request.params.platform),
  );
};
