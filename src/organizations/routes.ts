import { and, asc, count, desc, eq, gt, isNull, sql } from "drizzle-orm";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { recordAudit, requestOrigin } from "../audit/audit.js";
import { email } from "../auth/routes.js";
import { membershipRoles } from "../auth/permissions.js";
import { hashSecret, newSecret, setActiveOrganization } from "../auth/sessions.js";
import type { Transaction } from "../db/client.js";
import { invitations, memberships, organizations, users } from "../db/schema.js";
import { currentOrganization, currentUser } from "../http/authorization.js";
import type { AppContext } from "../context.js";
import { AppError, conflict, notFound } from "../http/errors.js";
import { listOrganizationsFor } from "./queries.js";

const organizationName = z
  .string()
  .trim()
  .min(2, "must be at least 2 characters")
  .max(80, "must be at most 80 characters");
const membershipRole = z.enum(membershipRoles);
const effectiveRole = z.enum(["SUPER_ADMIN", "ADMIN", "USER", "GUEST"]);
const userIdParams = z.object({ userId: z.uuid("must be a user id") });

const organizationView = z.object({
  id: z.uuid(),
  name: z.string(),
  role: effectiveRole,
  memberCount: z.number(),
  createdAt: z.date(),
});
const memberView = z.object({
  userId: z.uuid(),
  email: z.string(),
  name: z.string(),
  role: membershipRole,
  joinedAt: z.date(),
});
const invitationView = z.object({
  id: z.uuid(),
  email: z.string(),
  role: membershipRole,
  url: z.string(),
  invitedBy: z.string().nullable(),
  expiresAt: z.date(),
  createdAt: z.date(),
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

export const organizationRoutes: FastifyPluginAsyncZod<AppContext> = async (app, context) => {
  const { db, vault, config } = context;

  const invitationUrl = (token: string) => new URL(`/invite/${token}`, context.publicUrl()).toString();

  app.get(
    "/api/organizations",
    {
      config: { access: "signed-in" },
      schema: {
        tags: ["organizations"],
        summary: "Organizations the caller can switch to (all of them for a SUPER_ADMIN)",
        response: {
          200: z.object({ organizations: z.array(z.object({ id: z.uuid(), name: z.string(), role: effectiveRole })) }),
        },
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
        response: {
          201: z.object({ organization: z.object({ id: z.uuid(), name: z.string(), role: effectiveRole }) }),
        },
      },
    },
    async (request, reply) => {
      const user = currentUser(request);
      const organization = await db.transaction(async (tx) => {
        const [created] = await tx.insert(organizations).values({ name: request.body.name }).returning();
        if (!created) throw new Error("insert returned no organization");
        await tx.insert(memberships).values({ organizationId: created.id, userId: user.id, role: "ADMIN" });
        await recordAudit(tx, {
          action: "organization.created",
          organizationId: created.id,
          ...requestOrigin(request),
          target: { type: "organization", id: created.id },
          details: { name: created.name },
        });
        return created;
      });
      await setActiveOrganization(db, request.auth!.sessionIdHash, organization.id);
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
      return { organization: { ...active, ...row } };
    },
  );

  app.patch(
    "/api/organization",
    {
      config: { access: "organization:manage" },
      schema: {
        tags: ["organizations"],
        summary: "Rename the active organization",
        body: z.object({ name: organizationName }),
        response: { 200: z.object({ organization: z.object({ id: z.uuid(), name: z.string() }) }) },
      },
    },
    async (request) => {
      const active = currentOrganization(request);
      await db.transaction(async (tx) => {
        await tx.update(organizations).set({ name: request.body.name }).where(eq(organizations.id, active.id));
        await recordAudit(tx, {
          action: "organization.renamed",
          organizationId: active.id,
          ...requestOrigin(request),
          target: { type: "organization", id: active.id },
          details: { from: active.name, to: request.body.name },
        });
      });
      return { organization: { id: active.id, name: request.body.name } };
    },
  );

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
      await db.transaction(async (tx) => {
        const { admins, member } = await lockedMember(tx, active.id, userId);
        if (member.role === role) return;
        if (member.role === "ADMIN" && admins.length <= 1) throw lastAdmin();
        await tx
          .update(memberships)
          .set({ role })
          .where(and(eq(memberships.organizationId, active.id), eq(memberships.userId, userId)));
        await recordAudit(tx, {
          action: "member.role_changed",
          organizationId: active.id,
          ...requestOrigin(request),
          target: { type: "user", id: userId },
          details: { email: member.email, from: member.role, to: role },
        });
      });
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
      await db.transaction(async (tx) => {
        const { admins, member } = await lockedMember(tx, active.id, userId);
        if (member.role === "ADMIN" && admins.length <= 1) throw lastAdmin();
        await tx
          .delete(memberships)
          .where(and(eq(memberships.organizationId, active.id), eq(memberships.userId, userId)));
        await recordAudit(tx, {
          action: "member.removed",
          organizationId: active.id,
          ...requestOrigin(request),
          target: { type: "user", id: userId },
          details: { email: member.email, role: member.role },
        });
      });
      return reply.status(204).send(null);
    },
  );

  app.get(
    "/api/organization/invitations",
    {
      config: { access: "members:manage" },
      schema: {
        tags: ["invitations"],
        summary: "Pending invitations of the active organization, with their links",
        response: { 200: z.object({ invitations: z.array(invitationView) }) },
      },
    },
    async (request) => {
      const active = currentOrganization(request);
      const rows = await db
        .select({ invitation: invitations, invitedBy: users.email })
        .from(invitations)
        .leftJoin(users, eq(users.id, invitations.invitedByUserId))
        .where(
          and(
            eq(invitations.organizationId, active.id),
            isNull(invitations.acceptedAt),
            isNull(invitations.revokedAt),
            gt(invitations.expiresAt, new Date()),
          ),
        )
        .orderBy(desc(invitations.createdAt));
      const views = await Promise.all(
        rows.map(async ({ invitation, invitedBy }) => {
          const token = await vault.open(
            { organizationId: active.id, record: `invitation:${invitation.id}`, field: "token" },
            invitation.tokenCiphertext,
          );
          return {
            id: invitation.id,
            email: invitation.email,
            role: invitation.role,
            url: invitationUrl(token),
            invitedBy,
            expiresAt: invitation.expiresAt,
            createdAt: invitation.createdAt,
          };
        }),
      );
      return { invitations: views };
    },
  );

  app.post(
    "/api/organization/invitations",
    {
      config: { access: "members:manage" },
      schema: {
        tags: ["invitations"],
        summary: "Invite someone by email with a role; answers with the link to send them",
        body: z.object({ email, role: membershipRole }),
        response: { 201: z.object({ invitation: invitationView }) },
      },
    },
    async (request, reply) => {
      const active = currentOrganization(request);
      const user = currentUser(request);
      const token = newSecret();
      const id = crypto.randomUUID();
      const tokenCiphertext = await vault.seal(
        { organizationId: active.id, record: `invitation:${id}`, field: "token" },
        token,
      );
      const expiresAt = new Date(Date.now() + config.auth.invitationTtlMs);
      const created = await db.transaction(async (tx) => {
        const [member] = await tx
          .select({ userId: memberships.userId })
          .from(memberships)
          .innerJoin(users, eq(users.id, memberships.userId))
          .where(and(eq(memberships.organizationId, active.id), sql`lower(${users.email}) = ${request.body.email}`));
        if (member) throw conflict("already_member", `${request.body.email} is already a member.`, "email");
        const [pending] = await tx
          .select({ id: invitations.id })
          .from(invitations)
          .where(
            and(
              eq(invitations.organizationId, active.id),
              eq(invitations.email, request.body.email),
              isNull(invitations.acceptedAt),
              isNull(invitations.revokedAt),
              gt(invitations.expiresAt, new Date()),
            ),
          );
        if (pending) {
          throw conflict(
            "already_invited",
            `${request.body.email} already has a pending invitation; copy or revoke it below.`,
            "email",
          );
        }
        const [row] = await tx
          .insert(invitations)
          .values({
            id,
            organizationId: active.id,
            email: request.body.email,
            role: request.body.role,
            tokenHash: hashSecret(token),
            tokenCiphertext,
            invitedByUserId: user.id,
            expiresAt,
          })
          .returning();
        if (!row) throw new Error("insert returned no invitation");
        await recordAudit(tx, {
          action: "invitation.created",
          organizationId: active.id,
          ...requestOrigin(request),
          target: { type: "invitation", id },
          details: { email: request.body.email, role: request.body.role },
        });
        return row;
      });
      return reply.status(201).send({
        invitation: {
          id: created.id,
          email: created.email,
          role: created.role,
          url: invitationUrl(token),
          invitedBy: user.email,
          expiresAt: created.expiresAt,
          createdAt: created.createdAt,
        },
      });
    },
  );

  app.delete(
    "/api/organization/invitations/:invitationId",
    {
      config: { access: "members:manage" },
      schema: {
        tags: ["invitations"],
        summary: "Revoke a pending invitation; its link stops working",
        params: z.object({ invitationId: z.uuid("must be an invitation id") }),
        response: { 204: z.null() },
      },
    },
    async (request, reply) => {
      const active = currentOrganization(request);
      await db.transaction(async (tx) => {
        const [revoked] = await tx
          .update(invitations)
          .set({ revokedAt: new Date() })
          .where(
            and(
              eq(invitations.id, request.params.invitationId),
              eq(invitations.organizationId, active.id),
              isNull(invitations.acceptedAt),
              isNull(invitations.revokedAt),
            ),
          )
          .returning({ email: invitations.email });
        if (!revoked) throw notFound("That invitation");
        await recordAudit(tx, {
          action: "invitation.revoked",
          organizationId: active.id,
          ...requestOrigin(request),
          target: { type: "invitation", id: request.params.invitationId },
          details: { email: revoked.email },
        });
      });
      return reply.status(204).send(null);
    },
  );

  const tokenParams = z.object({ token: z.string().min(20, "is not an invitation link").max(100) });

  async function invitationByToken(token: string) {
    const [row] = await db
      .select({ invitation: invitations, organizationName: organizations.name, invitedBy: users.name })
      .from(invitations)
      .innerJoin(organizations, eq(organizations.id, invitations.organizationId))
      .leftJoin(users, eq(users.id, invitations.invitedByUserId))
      .where(eq(invitations.tokenHash, hashSecret(token)));
    if (!row) throw notFound("That invitation");
    const { invitation } = row;
    const status = invitation.acceptedAt
      ? ("accepted" as const)
      : invitation.revokedAt
        ? ("revoked" as const)
        : invitation.expiresAt <= new Date()
          ? ("expired" as const)
          : ("pending" as const);
    return { ...row, status };
  }

  app.get(
    "/api/invitations/:token",
    {
      config: { access: "public" },
      schema: {
        tags: ["invitations"],
        summary: "What an invitation link offers, for the page that accepts it",
        params: tokenParams,
        response: {
          200: z.object({
            invitation: z.object({
              organizationName: z.string(),
              email: z.string(),
              role: membershipRole,
              invitedBy: z.string().nullable(),
              status: z.enum(["pending", "accepted", "revoked", "expired"]),
              expiresAt: z.date(),
            }),
          }),
        },
      },
    },
    async (request) => {
      const { invitation, organizationName, invitedBy, status } = await invitationByToken(request.params.token);
      return {
        invitation: {
          organizationName,
          email: invitation.email,
          role: invitation.role,
          invitedBy,
          status,
          expiresAt: invitation.expiresAt,
        },
      };
    },
  );

  app.post(
    "/api/invitations/:token/accept",
    {
      config: { access: "signed-in" },
      schema: {
        tags: ["invitations"],
        summary: "Join the organization; the signed-in account's email must be the invited one",
        params: tokenParams,
        response: {
          200: z.object({ organization: z.object({ id: z.uuid(), name: z.string(), role: membershipRole }) }),
        },
      },
    },
    async (request) => {
      const user = currentUser(request);
      const found = await invitationByToken(request.params.token);
      const { invitation } = found;
      if (found.status !== "pending") {
        throw new AppError(
          410,
          `invitation_${found.status}`,
          `This invitation is ${found.status}. Ask an admin of ${found.organizationName} for a new link.`,
        );
      }
      if (invitation.email !== user.email.toLowerCase()) {
        throw new AppError(
          403,
          "invitation_email_mismatch",
          `This invitation is for ${invitation.email}; you are signed in as ${user.email}. Sign in with the invited email.`,
        );
      }
      await db.transaction(async (tx) => {
        const [claimed] = await tx
          .update(invitations)
          .set({ acceptedAt: new Date(), acceptedByUserId: user.id })
          .where(and(eq(invitations.id, invitation.id), isNull(invitations.acceptedAt), isNull(invitations.revokedAt)))
          .returning({ id: invitations.id });
        if (!claimed) throw conflict("invitation_used", "This invitation was just used or revoked.");
        await tx
          .insert(memberships)
          .values({ organizationId: invitation.organizationId, userId: user.id, role: invitation.role })
          .onConflictDoNothing();
        await recordAudit(tx, {
          action: "invitation.accepted",
          organizationId: invitation.organizationId,
          ...requestOrigin(request),
          target: { type: "invitation", id: invitation.id },
          details: { email: invitation.email, role: invitation.role },
        });
      });
      await setActiveOrganization(db, request.auth!.sessionIdHash, invitation.organizationId);
      return { organization: { id: invitation.organizationId, name: found.organizationName, role: invitation.role } };
    },
  );
};
