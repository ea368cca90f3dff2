import { and, count, desc, eq } from "drizzle-orm";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { AppContext } from "../../context.js";
import type { Database } from "../../db/client.js";
import { connectionErrors, connections, connectionStatus } from "../../db/schema.js";
import { currentOrganization } from "../../http/authorization.js";
import { platformId } from "../../http/schemas.js";
import { platformIds, type PlatformId } from "../../platforms/profiles.js";
import { errorSchema, platformParams } from "./schemas.js";

const statuses = connectionStatus.enumValues;
type Status = (typeof statuses)[number];

const healthSchema = z.object({
  platforms: z.array(
    z.object({
      platform: platformId,
      status: z.enum(["none", "healthy", "degraded"]),
      counts: z.record(z.enum(statuses), z.number()),
      unresolvedErrors: z.number(),
    }),
  ),
  errors: z.array(errorSchema),
});

/** How many of the organization's accounts are in each status, per platform, with the latest errors. */
async function healthOf(db: Database, organizationId: string, platform?: PlatformId) {
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
    const counts = Object.fromEntries(statuses.map((status) => [status, 0])) as Record<Status, number>;
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

export const connectionHealthRoutes: FastifyPluginAsyncZod<AppContext> = async (app, { db }) => {
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
    async (request) => healthOf(db, currentOrganization(request).id),
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
    async (request) => healthOf(db, currentOrganization(request).id, request.params.platform),
  );
};
