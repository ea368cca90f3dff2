import { and, desc, eq, gte, like, lt, lte, type SQL } from "drizzle-orm";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { auditEvents, organizations } from "../db/schema.js";
import { currentOrganization } from "../http/authorization.js";
import type { AppContext } from "../context.js";
import { forbidden } from "../errors.js";
import { dateTime } from "../http/schemas.js";

const auditQuery = z.object({
  action: z
    .string()
    .regex(/^[a-z_.]+$/, "must be an action such as member.role_changed, or a prefix such as member.")
    .optional(),
  actorUserId: z.uuid("must be a user id").optional(),
  actorApiKeyId: z.uuid("must be an API key id").optional().describe("What one API key did"),
  targetType: z.string().max(40).optional(),
  since: dateTime().optional(),
  until: dateTime().optional(),
  before: z.coerce.number().int().positive("must be an event id from nextCursor").optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  scope: z
    .enum(["organization", "installation"])
    .default("organization")
    .describe("installation: every organization's events and sign-ins with no organization (SUPER_ADMIN only)"),
});

const auditEventView = z.object({
  id: z.number(),
  organizationId: z.uuid().nullable(),
  organizationName: z.string().nullable(),
  actorUserId: z.uuid().nullable(),
  actorEmail: z.string().nullable(),
  actorApiKeyId: z.uuid().nullable().describe("The API key that acted, when one did (then no user is named)"),
  actorApiKeyName: z.string().nullable(),
  action: z.string(),
  targetType: z.string().nullable(),
  targetId: z.string().nullable(),
  ip: z.string().nullable(),
  userAgent: z.string().nullable(),
  details: z.record(z.string(), z.unknown()),
  correlationId: z.string().nullable(),
  createdAt: z.date(),
});

export const auditRoutes: FastifyPluginAsyncZod<AppContext> = async (app, { db }) => {
  app.get(
    "/api/audit",
    {
      config: { access: "audit:view" },
      schema: {
        tags: ["audit"],
        summary: "The audit log, newest first: the active organization's, or the installation's for a SUPER_ADMIN",
        querystring: auditQuery,
        response: { 200: z.object({ events: z.array(auditEventView), nextCursor: z.number().nullable() }) },
      },
    },
    async (request) => {
      const active = currentOrganization(request);
      const query = request.query;
      if (query.scope === "installation" && active.role !== "SUPER_ADMIN") {
        throw forbidden("forbidden", "Only a SUPER_ADMIN can read the whole installation's audit log.", "scope");
      }
      const filters: (SQL | undefined)[] = [
        query.scope === "organization" ? eq(auditEvents.organizationId, active.id) : undefined,
        query.action
          ? query.action.endsWith(".")
            ? like(auditEvents.action, `${query.action}%`)
            : eq(auditEvents.action, query.action)
          : undefined,
        query.actorUserId ? eq(auditEvents.actorUserId, query.actorUserId) : undefined,
        query.actorApiKeyId ? eq(auditEvents.actorApiKeyId, query.actorApiKeyId) : undefined,
        query.targetType ? eq(auditEvents.targetType, query.targetType) : undefined,
        query.since ? gte(auditEvents.createdAt, new Date(query.since)) : undefined,
        query.until ? lte(auditEvents.createdAt, new Date(query.until)) : undefined,
        query.before ? lt(auditEvents.id, query.before) : undefined,
      ];
      const rows = await db
        .select({ event: auditEvents, organizationName: organizations.name })
        .from(auditEvents)
        .leftJoin(organizations, eq(organizations.id, auditEvents.organizationId))
        .where(and(...filters))
        .orderBy(desc(auditEvents.id))
        .limit(query.limit + 1);
      const page = rows.slice(0, query.limit);
      return {
        events: page.map(({ event, organizationName }) => ({ ...event, organizationName })),
        nextCursor: rows.length > query.limit ? (page.at(-1)?.event.id ?? null) : null,
      };
    },
  );
};
