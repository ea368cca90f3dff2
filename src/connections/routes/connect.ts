import { and, eq, ne } from "drizzle-orm";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { requestOrigin } from "../../audit/audit.js";
import type { AppContext } from "../../context.js";
import { connections } from "../../db/schema.js";
import { currentOrganization, currentSessionIdHash } from "../../http/authorization.js";
import { isBotPlatform } from "../../platforms/platform.js";
import { platformId } from "../../http/schemas.js";
import { platformIds } from "../../platforms/profiles.js";
import { platformAccess } from "../access.js";
import { connectBot } from "../bot.js";
import { beginConnect, completeConnect } from "../connect.js";
import { chooseAccounts, pendingGrant } from "../grants.js";
import { connectionView } from "../store.js";
import { actorOf } from "./requests.js";
import { connectionMethods, connectionSchema, platformModes, platformParams } from "./schemas.js";

/** Every way an account gets connected: the platforms on offer, the OAuth dance and its account choice, a bot. */
export const connectRoutes: FastifyPluginAsyncZod<AppContext> = async (app, context) => {
  const { db } = context;

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
                method: z.enum(connectionMethods),
                mode: z.enum(platformModes),
                missingVariables: z.array(z.string()),
                redirectUri: z.string().nullable(),
                example: z.object({ botToken: z.string(), channel: z.string() }).nullable(),
                flags: z.record(z.string(), z.boolean()),
                variants: z.array(
                  z.object({
                    id: z.string(),
                    label: z.string(),
                    description: z.string(),
                    mode: z.enum(platformModes),
                    missingVariables: z.array(z.string()),
                  }),
                ),
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
          variants: (access.definition.connectVariants ?? []).map((variant) => {
            const variantAccess = platformAccess(context, id, variant.id);
            return {
              id: variant.id,
              label: variant.label,
              description: variant.description,
              mode: variantAccess.mode,
              missingVariables: variantAccess.missingVariables,
            };
          }),
        };
      }),
    }),
  );

  app.post(
    "/api/social-media/connect/:platform",
    {
      // The consent comes back to this browser session: a key could start the dance but never finish it.
      config: { access: "connections:connect", sessionOnly: true },
      schema: {
        tags: ["connections"],
        summary: "Start connecting an account: answers the platform's consent URL to send the browser to",
        params: platformParams,
        querystring: z.object({
          variant: z
            .string()
            .max(40)
            .optional()
            .describe("Which of the platform's connect choices (its own app and scopes); the first when absent"),
        }),
        response: { 200: z.object({ authorizeUrl: z.string() }) },
      },
    },
    async (request) => {
      const url = await beginConnect(
        context,
        { ...actorOf(request), sessionIdHash: currentSessionIdHash(request) },
        request.params.platform,
        request.query.variant,
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
        sessionIdHash: currentSessionIdHash(request),
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

  const grantParams = z.object({ grantId: z.uuid("must be a grant id") });

  app.get(
    "/api/social-media/grants/:grantId",
    {
      config: { access: "connections:connect" },
      schema: {
        tags: ["connections"],
        summary: "The accounts a fresh grant can post as, to choose from",
        params: grantParams,
        response: {
          200: z.object({
            platform: platformId,
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
        params: grantParams,
        body: z.object({ externalIds: z.array(z.string().min(1)).min(1, "choose at least one account") }),
        response: { 201: z.object({ connections: z.array(connectionSchema) }) },
      },
    },
    async (request, reply) => {
      const saved = await chooseAccounts(context, actorOf(request), request.params.grantId, request.body.externalIds);
      return reply.status(201).send({ connections: saved.map(connectionView) });
    },
  );
};
