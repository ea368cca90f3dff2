import { and, count, desc, eq } from "drizzle-orm";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import type { FastifyRequest } from "fastify";
import { z } from "zod";
import type { AppContext } from "../../context.js";
import { connectionErrors, connections, connectionStatus } from "../../db/schema.js";
import { forbidden } from "../../errors.js";
import { currentOrganization } from "../../http/authorization.js";
import { platformId } from "../../http/schemas.js";
import { platformApiHealthWindows } from "../../monitoring/api-health.js";
import { apiHealthSchema } from "../../monitoring/schemas.js";
import { platformIds, type PlatformId } from "../../platforms/profiles.js";
import { errorView } from "../errors.js";
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
      api: apiHealthSchema,
    }),
  ),
  errors: z.array(errorSchema),
});

export const scopeQuery = z.object({
  scope: z
    .enum(["organization", "all"], { message: "must be organization or all" })
    .default("organization")
    .describe("all: every organization's connections and calls (SUPER_ADMIN only)"),
});

/** The organization a health view is about, or none for `scope=all`, which only a SUPER_ADMIN may ask. */
export function scopedOrganization(request: FastifyRequest, scope: "organization" | "all"): string | undefined {
  const organization = currentOrganization(request);
  if (scope === "organization") return organization.id;
  if (organization.role !== "SUPER_ADMIN")
    throw forbidden("scope_forbidden", "scope=all shows every organization: only a SUPER_ADMIN may ask it.", "scope");
  return undefined;
}

/**
 * Per platform: how many accounts are in each status, the open incidents, and the platform's
 * API health over the rolling windows; with the latest incidents. Without an organization,
 * across the installation.
 */
async function healthOf(context: AppContext, organizationId: string | undefined, platform?: PlatformId) {
  const { db } = context;
  const inScope = <T extends typeof connections | typeof connectionErrors>(table: T) =>
    and(
      organizationId ? eq(table.organizationId, organizationId) : undefined,
      platform ? eq(table.platform, platform) : undefined,
    );
  const [rows, open, errors, api] = await Promise.all([
    db
      .select({ platform: connections.platform, status: connections.status, total: count() })
      .from(connections)
      .where(inScope(connections))
      .groupBy(connections.platform, connections.status),
    db
      .select({ platform: connectionErrors.platform, total: count() })
      .from(connectionErrors)
      .where(and(inScope(connectionErrors), eq(connectionErrors.resolved, false)))
      .groupBy(connectionErrors.platform),
    db.select().from(connectionErrors).where(inScope(connectionErrors)).orderBy(desc(connectionErrors.at)).limit(50),
    platformApiHealthWindows(context, { organizationId, platform }),
  ]);
  const byPlatform = (platform ? [platform] : [...platformIds]).map((id) => {
    const counts = Object.fromEntries(statuses.map((status) => [status, 0])) as Record<Status, number>;
    for (const row of rows.filter((candidate) => candidate.platform === id)) counts[row.status] = row.total;
    const active = counts.healthy + counts.expired + counts.invalid + counts.rate_limited;
    return {
      platform: id,
      status:
        active === 0 ? ("none" as const) : counts.healthy === active ? ("healthy" as const) : ("degraded" as const),
      counts,
      unresolvedErrors: open.find((row) => row.platform === id)?.total ?? 0,
      api: api[id],
    };
  });
  return { platforms: byPlatform, errors: errors.map(errorView) };
}

export const connectionHealthRoutes: FastifyPluginAsyncZod<AppContext> = async (app, context) => {
  app.get(
    "/api/social-media/health",
    {
      config: { access: "connections:view" },
      schema: {
        tags: ["connections"],
        summary: "Connection health and platform API health per platform, with recent errors",
        querystring: scopeQuery,
        response: { 200: healthSchema },
      },
    },
    async (request) => healthOf(context, scopedOrganization(request, request.query.scope)),
  );

  app.get(
    "/api/social-media/health/:platform",
    {
      config: { access: "connections:view" },
      schema: {
        tags: ["connections"],
        summary: "One platform's connection health, API health and errors",
        params: platformParams,
        querystring: scopeQuery,
        response: { 200: healthSchema },
      },
    },
    async (request) => healthOf(context, scopedOrganization(request, request.query.scope), request.params.platform),
  );
};
