import { randomUUID } from "node:crypto";
import { and, desc, eq, gt, isNull, sql } from "drizzle-orm";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { audited, requestOrigin, type AuditEntry } from "../../audit/audit.js";
import { email, membershipRole } from "../../auth/schemas.js";
import { hashSecret, newSecret } from "../../auth/sessions.js";
import type { AppContext } from "../../context.js";
import { invitations, memberships, users } from "../../db/schema.js";
import { conflict, notFound } from "../../errors.js";
import { currentOrganization, currentUser } from "../../http/authorization.js";

const invitationView = z.object({
  id: z.uuid(),
  email: z.string(),
  role: membershipRole,
  url: z.string(),
  invitedBy: z.string().nullable(),
  expiresAt: z.date(),
  createdAt: z.date(),
});

/** The invitations an admin manages: who is invited, with the links to send them. */
export const invitationRoutes: FastifyPluginAsyncZod<AppContext> = async (app, context) => {
  const { db, vault, config, clock } = context;

  const invitationUrl = (token: string) => new URL(`/invite/${token}`, context.publicUrl()).toString();

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
            gt(invitations.expiresAt, new Date(clock.now())),
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
      const id = randomUUID();
      const tokenCiphertext = await vault.seal(
        { organizationId: active.id, record: `invitation:${id}`, field: "token" },
        token,
      );
      const now = clock.now();
      const expiresAt = new Date(now + config.auth.invitationTtlMs);
      const entry: AuditEntry = {
        action: "invitation.created",
        organizationId: active.id,
        ...requestOrigin(request),
        target: { type: "invitation", id },
        details: { email: request.body.email, role: request.body.role },
      };
      const created = await audited(
        db,
        async (tx) => {
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
                gt(invitations.expiresAt, new Date(now)),
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
          return row;
        },
        entry,
      );
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
      const { invitationId } = request.params;
      await audited(
        db,
        async (tx) => {
          const [revoked] = await tx
            .update(invitations)
            .set({ revokedAt: new Date(clock.now()) })
            .where(
              and(
                eq(invitations.id, invitationId),
                eq(invitations.organizationId, active.id),
                isNull(invitations.acceptedAt),
                isNull(invitations.revokedAt),
              ),
            )
            .returning({ email: invitations.email });
          if (!revoked) throw notFound("That invitation");
          return revoked;
        },
        (revoked) => ({
          action: "invitation.revoked",
          organizationId: active.id,
          ...requestOrigin(request),
          target: { type: "invitation", id: invitationId },
          details: { email: revoked.email },
        }),
      );
      return reply.status(204).send(null);
    },
  );
};
