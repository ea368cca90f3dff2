import { and, eq, ne } from "drizzle-orm";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { AppContext } from "../../context.js";
import { connections } from "../../db/schema.js";
import { conflict } from "../../errors.js";
import { currentOrganization } from "../../http/authorization.js";
import { disconnect } from "../disconnect.js";
import { checkConnection, refreshConnection } from "../health.js";
import { connectionView } from "../store.js";
import { actorOf, ownedConnection } from "./requests.js";
import { connectionParams, connectionSchema, refreshOutcomes } from "./schemas.js";

/** The organization's connected accounts: reading them, checking and renewing them, disconnecting them. */
export const accountRoutes: FastifyPluginAsyncZod<AppContext> = async (app, context) => {
  const { db } = context;

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
    async (request) => ({ connection: connectionView(await ownedConnection(db, request, request.params.id)) }),
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
      const connection = await ownedConnection(db, request, request.params.id);
      if (connection.status === "disconnected")
        throw conflict("disconnected", "This account is disconnected: connect it again.");
      await checkConnection(context, connection.id);
      return { connection: connectionView(await ownedConnection(db, request, connection.id)) };
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
          200: z.object({ outcome: z.enum(refreshOutcomes), connection: connectionSchema }),
        },
      },
    },
    async (request) => {
      const connection = await ownedConnection(db, request, request.params.id);
      const outcome = await refreshConnection(context, connection.id, { force: true });
      return { outcome, connection: connectionView(await ownedConnection(db, request, connection.id)) };
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
};
