import { and, eq, isNull } from "drizzle-orm";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { audited, requestOrigin, type AuditEntry } from "../../audit/audit.js";
import { membershipRole } from "../../auth/schemas.js";
import { hashSecret, setActiveOrganization } from "../../auth/sessions.js";
import type { AppContext } from "../../context.js";
import { invitations, memberships, organizations, users } from "../../db/schema.js";
import { conflict, forbidden, gone, notFound } from "../../errors.js";
import { currentSessionIdHash, currentUser } from "../../http/authorization.js";

const tokenParams = z.object({ token: z.string().min(20, "is not an invitation link").max(100) });

const invitationStatuses = ["pending", "accepted", "revoked", "expired"] as const;
type InvitationStatus = (typeof invitationStatuses)[number];

/** An invitation link, as the person it was sent to opens and accepts it. */
export const invitationLinkRoutes: FastifyPluginAsyncZod<AppContext> = async (app, { db, clock }) => {
  async function invitationByToken(token: string) {
    const [row] = await db
      .select({ invitation: invitations, organizationName: organizations.name, invitedBy: users.name })
      .from(invitations)
      .innerJoin(organizations, eq(organizations.id, invitations.organizationId))
      .leftJoin(users, eq(users.id, invitations.invitedByUserId))
      .where(eq(invitations.tokenHash, hashSecret(token)));
    if (!row) throw notFound("That invitation");
    const { invitation } = row;
    const status: InvitationStatus = invitation.acceptedAt
      ? "accepted"
      : invitation.revokedAt
        ? "revoked"
        : invitation.expiresAt.getTime() <= clock.now()
          ? "expired"
          : "pending";
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
              status: z.enum(invitationStatuses),
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
        throw gone(
          `invitation_${found.status}`,
          `This invitation is ${found.status}. Ask an admin of ${found.organizationName} for a new link.`,
        );
      }
      if (invitation.email !== user.email.toLowerCase()) {
        throw forbidden(
          "invitation_email_mismatch",
          `This invitation is for ${invitation.email}; you are signed in as ${user.email}. Sign in with the invited email.`,
        );
      }
      const entry: AuditEntry = {
        action: "invitation.accepted",
        organizationId: invitation.organizationId,
        ...requestOrigin(request),
        target: { type: "invitation", id: invitation.id },
        details: { email: invitation.email, role: invitation.role },
      };
      await audited(
        db,
        async (tx) => {
          const [claimed] = await tx
            .update(invitations)
            .set({ acceptedAt: new Date(clock.now()), acceptedByUserId: user.id })
            .where(
              and(eq(invitations.id, invitation.id), isNull(invitations.acceptedAt), isNull(invitations.revokedAt)),
            )
            .returning({ id: invitations.id });
          if (!claimed) throw conflict("invitation_used", "This invitation was just used or revoked.");
          await tx
            .insert(memberships)
            .values({ organizationId: invitation.organizationId, userId: user.id, role: invitation.role })
            .onConflictDoNothing();
        },
        entry,
      );
      await setActiveOrganization(db, currentSessionIdHash(request), invitation.organizationId);
      return { organization: { id: invitation.organizationId, name: found.organizationName, role: invitation.role } };
    },
  );
};
