import { and, asc, eq } from "drizzle-orm";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { audited, requestOrigin } from "../../audit/audit.js";
import { membershipRole } from "../../auth/schemas.js";
import type { AppContext } from "../../context.js";
import type { Transaction } from "../../db/client.js";
import { memberships, users } from "../../db/schema.js";
import { conflict, notFound } from "../../errors.js";
import { currentOrganization } from "../../http/authorization.js";

const userIdParams = z.object({ userId: z.uuid("must be a user id") });

const memberView = z.object({
  userId: z.uuid(),
  email: z.string(),
  name: z.string(),
  role: membershipRole,
  joinedAt: z.date(),
});

/**
 * Locks the organization's admin rows, so two admins demoting or removing each other at once
 * are serialised and the second sees the first's change before the last-admin check.
 */
async function lockedAdminIds(tx: Transaction, organizationId: string): Promise<string[]> {
  const rows = await tx
    .select({ userId: memberships.userId })
    .from(memberships)
    .where(and(eq(memberships.organizationId, organizationId), eq(memberships.role, "ADMIN")))
    .for("update");
  return rows.map((row) => row.userId);
}

/** A member to change or remove, with the organization's admins locked for the last-admin rule. */
async function lockedMember(tx: Transaction, organizationId: string, userId: string) {
  const admins = await lockedAdminIds(tx, organizationId);
  const [member] = await tx
    .select({ role: memberships.role, email: users.email })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(and(eq(memberships.organizationId, organizationId), eq(memberships.userId, userId)));
  if (!member) throw notFound("That member");
  return { admins, member };
}

const lastAdmin = () =>
  conflict("last_admin", "An organization needs at least one admin. Make someone else an admin first.", "role");

export const memberRoutes: FastifyPluginAsyncZod<AppContext> = async (app, { db }) => {
  app.get(
    "/api/organization/members",
    {
      config: { access: "members:view" },
      schema: {
        tags: ["members"],
        summary: "Members of the active organization",
        response: { 200: z.object({ members: z.array(memberView) }) },
      },
    },
    async (request) => {
      const active = currentOrganization(request);
      const members = await db
        .select({
          userId: users.id,
          email: users.email,
          name: users.name,
          role: memberships.role,
          joinedAt: memberships.createdAt,
        })
        .from(memberships)
        .innerJoin(users, eq(users.id, memberships.userId))
        .where(eq(memberships.organizationId, active.id))
        .orderBy(asc(memberships.createdAt));
      return { members };
    },
  );

  app.patch(
    "/api/organization/members/:userId",
    {
      config: { access: "members:manage" },
      schema: {
        tags: ["members"],
        summary: "Change a member's role (the last ADMIN cannot be demoted)",
        params: userIdParams,
        body: z.object({ role: membershipRole }),
        response: { 200: z.object({ member: z.object({ userId: z.uuid(), role: membershipRole }) }) },
      },
    },
    async (request) => {
      const active = currentOrganization(request);
      const { userId } = request.params;
      const { role } = request.body;
      await audited(
        db,
        async (tx) => {
          const { admins, member } = await lockedMember(tx, active.id, userId);
          if (member.role === role) return null;
          if (member.role === "ADMIN" && admins.length <= 1) throw lastAdmin();
          await tx
            .update(memberships)
            .set({ role })
            .where(and(eq(memberships.organizationId, active.id), eq(memberships.userId, userId)));
          return member;
        },
        // Setting the role a member already has changes nothing, and is not recorded.
        (previous) =>
          previous && {
            action: "member.role_changed",
            organizationId: active.id,
            ...requestOrigin(request),
            target: { type: "user", id: userId },
            details: { email: previous.email, from: previous.role, to: role },
          },
      );
      return { member: { userId, role } };
    },
  );

  app.delete(
    "/api/organization/members/:userId",
    {
      config: { access: "members:manage" },
      schema: {
        tags: ["members"],
        summary: "Remove a member (the last ADMIN cannot be removed)",
        params: userIdParams,
        response: { 204: z.null() },
      },
    },
    async (request, reply) => {
      const active = currentOrganization(request);
      const { userId } = request.params;
      await audited(
        db,
        async (tx) => {
          const { admins, member } = await lockedMember(tx, active.id, userId);
          if (member.role === "ADMIN" && admins.length <= 1) throw lastAdmin();
          await tx
            .delete(memberships)
            .where(and(eq(memberships.organizationId, active.id), eq(memberships.userId, userId)));
          return member;
        },
        (removed) => ({
          action: "member.removed",
          organizationId: active.id,
          ...requestOrigin(request),
          target: { type: "user", id: userId },
          details: { email: removed.email, role: removed.role },
        }),
      );
      return reply.status(204).send(null);
    },
  );
};
