import { count, eq } from "drizzle-orm";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { audited, requestOrigin, type AuditEntry } from "../../audit/audit.js";
import { effectiveRole } from "../../auth/schemas.js";
import { setActiveOrganization } from "../../auth/sessions.js";
import type { AppContext } from "../../context.js";
import { memberships, organizations, postingSettings } from "../../db/schema.js";
import { linkTrackingOn, shortLinkPrefixOf } from "../../links/store.js";
import { notFound } from "../../errors.js";
import { currentOrganization, currentSessionIdHash, currentUser } from "../../http/authorization.js";
import { requiresApproval } from "../../posts/routes/access.js";
import { listOrganizationsFor } from "../queries.js";

const organizationName = z
  .string()
  .trim()
  .min(2, "must be at least 2 characters")
  .max(80, "must be at most 80 characters");

const organizationSummary = z.object({ id: z.uuid(), name: z.string(), role: effectiveRole });
const organizationView = organizationSummary.extend({
  memberCount: z.number(),
  createdAt: z.date(),
  /** A member's posts wait for an admin's approval before they are scheduled. */
  requireApproval: z.boolean(),
  /** Whether links in posts are sent as tracked short links. */
  trackLinks: z.boolean(),
  /** Where the short links live (`{public address}/l/`): the composer previews links this way. */
  shortLinkPrefix: z.string(),
});

export const organizationsRoutes: FastifyPluginAsyncZod<AppContext> = async (app, context) => {
  const { db } = context;
  app.get(
    "/api/organizations",
    {
      config: { access: "signed-in" },
      schema: {
        tags: ["organizations"],
        summary: "Organizations the caller can switch to (all of them for a SUPER_ADMIN)",
        response: { 200: z.object({ organizations: z.array(organizationSummary) }) },
      },
    },
    async (request) => ({ organizations: await listOrganizationsFor(db, currentUser(request)) }),
  );

  app.post(
    "/api/organizations",
    {
      config: { access: "signed-in" },
      schema: {
        tags: ["organizations"],
        summary: "Create an organization; the creator is its ADMIN and it becomes active",
        body: z.object({ name: organizationName }),
        response: { 201: z.object({ organization: organizationSummary }) },
      },
    },
    async (request, reply) => {
      const user = currentUser(request);
      const organization = await audited(
        db,
        async (tx) => {
          const [created] = await tx.insert(organizations).values({ name: request.body.name }).returning();
          if (!created) throw new Error("insert returned no organization");
          await tx.insert(memberships).values({ organizationId: created.id, userId: user.id, role: "ADMIN" });
          return created;
        },
        (created) => ({
          action: "organization.created",
          organizationId: created.id,
          ...requestOrigin(request),
          target: { type: "organization", id: created.id },
          details: { name: created.name },
        }),
      );
      await setActiveOrganization(db, currentSessionIdHash(request), organization.id);
      const role = user.isSuperAdmin ? "SUPER_ADMIN" : "ADMIN";
      return reply.status(201).send({ organization: { id: organization.id, name: organization.name, role } });
    },
  );

  app.get(
    "/api/organization",
    {
      config: { access: "organization:view" },
      schema: {
        tags: ["organizations"],
        summary: "The active organization",
        response: { 200: z.object({ organization: organizationView }) },
      },
    },
    async (request) => {
      const active = currentOrganization(request);
      const [row] = await db
        .select({ createdAt: organizations.createdAt, memberCount: count(memberships.userId) })
        .from(organizations)
        .leftJoin(memberships, eq(memberships.organizationId, organizations.id))
        .where(eq(organizations.id, active.id))
        .groupBy(organizations.id);
      if (!row) throw notFound("The organization");
      return {
        organization: {
          ...active,
          ...row,
          requireApproval: await requiresApproval(context, active.id),
          trackLinks: await linkTrackingOn(db, active.id),
          shortLinkPrefix: shortLinkPrefixOf(context),
        },
      };
    },
  );

  app.patch(
    "/api/organization",
    {
      config: { access: "organization:manage" },
      schema: {
        tags: ["organizations"],
        summary:
          "Rename the active organization, or change whether members' posts need an admin's approval, or whether their links are sent as tracked short links",
        body: z
          .object({
            name: organizationName.optional(),
            requireApproval: z.boolean().optional(),
            trackLinks: z
              .boolean()
              .optional()
              .describe(
                "Send links as tracked short links; applies to posts saved from now on and to those not yet sent",
              ),
          })
          .refine(
            (body) => body.name !== undefined || body.requireApproval !== undefined || body.trackLinks !== undefined,
            { message: "name a change: name, requireApproval or trackLinks", path: ["name"] },
          ),
        response: {
          200: z.object({
            organization: z.object({
              id: z.uuid(),
              name: z.string(),
              requireApproval: z.boolean(),
              trackLinks: z.boolean(),
            }),
          }),
        },
      },
    },
    async (request) => {
      const active = currentOrganization(request);
      const { name, requireApproval, trackLinks } = request.body;
      const settings = {
        ...(requireApproval !== undefined ? { requireApproval } : {}),
        ...(trackLinks !== undefined ? { trackLinks } : {}),
      };
      await audited(
        db,
        async (tx) => {
          if (name !== undefined) await tx.update(organizations).set({ name }).where(eq(organizations.id, active.id));
          if (Object.keys(settings).length > 0)
            await tx
              .insert(postingSettings)
              .values({ organizationId: active.id, ...settings })
              .onConflictDoUpdate({
                target: postingSettings.organizationId,
                set: { ...settings, updatedAt: new Date(context.clock.now()) },
              });
        },
        (): AuditEntry[] => [
          ...(name !== undefined
            ? [
                {
                  action: "organization.renamed" as const,
                  organizationId: active.id,
                  ...requestOrigin(request),
                  target: { type: "organization", id: active.id },
                  details: { from: active.name, to: name },
                },
              ]
            : []),
          ...(Object.keys(settings).length > 0
            ? [
                {
                  action: "organization.posting_settings_changed" as const,
                  organizationId: active.id,
                  ...requestOrigin(request),
                  target: { type: "organization", id: active.id },
                  details: settings,
                },
              ]
            : []),
        ],
      );
      return {
        organization: {
          id: active.id,
          name: name ?? active.name,
          requireApproval: await requiresApproval(context, active.id),
          trackLinks: await linkTrackingOn(db, active.id),
        },
      };
    },
  );
};
