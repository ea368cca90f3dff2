import { and, asc, count, eq, sql } from "drizzle-orm";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { audited, requestOrigin } from "../audit/audit.js";
import type { AppContext } from "../context.js";
import type { Database } from "../db/client.js";
import { memberships, organizations, users } from "../db/schema.js";
import { conflict, notFound, unauthenticated } from "../errors.js";
import { currentSessionIdHash, currentUser } from "../http/authorization.js";
import { listOrganizationsFor } from "../organizations/queries.js";
import { clearSessionCookie, setSessionCookie } from "./cookies.js";
import { hashPassword, unknownUserHash, verifyPassword } from "./passwords.js";
import { effectiveRole, email } from "./schemas.js";
import { createSession, deleteSession, setActiveOrganization } from "./sessions.js";
import { assertMaySignIn, isKnownDevice, presentedDevice, recordSignInFailure, rememberDevice } from "./throttle.js";

const password = z.string().min(10, "must be at least 10 characters").max(256, "must be at most 256 characters");

const userView = z.object({ id: z.uuid(), email: z.string(), name: z.string(), isSuperAdmin: z.boolean() });
const organizationSummary = z.object({ id: z.uuid(), name: z.string(), role: effectiveRole });
const meView = z.object({
  user: userView,
  organizations: z.array(organizationSummary),
  activeOrganization: organizationSummary.nullable(),
});

export const authRoutes: FastifyPluginAsyncZod<AppContext> = async (app, context) => {
  const { db, config } = context;
  const loginRateLimit = { max: config.auth.loginAttemptsPerIpPerMinute, timeWindow: "1 minute" };

  /** Opens a session in the user's first organization and gives the browser its cookie. */
  async function startSession(
    executor: Database,
    request: Parameters<typeof requestOrigin>[0],
    reply: Parameters<typeof setSessionCookie>[0],
    userId: string,
  ) {
    const [first] = await executor
      .select({ organizationId: memberships.organizationId })
      .from(memberships)
      .where(eq(memberships.userId, userId))
      .orderBy(asc(memberships.createdAt))
      .limit(1);
    const { ip, userAgent } = requestOrigin(request);
    const session = await createSession(executor, {
      userId,
      organizationId: first?.organizationId ?? null,
      ip,
      userAgent,
      ttlMs: config.auth.sessionTtlMs,
      clock: context.clock,
    });
    setSessionCookie(reply, context, session.secret, session.expiresAt);
    return first?.organizationId ?? null;
  }

  app.post(
    "/api/auth/signup",
    {
      config: { access: "public", rateLimit: loginRateLimit },
      schema: {
        tags: ["auth"],
        summary: "Create an account and sign in; the installation's first account is SUPER_ADMIN",
        body: z.object({ email, password, name: z.string().trim().min(1, "is required").max(120) }),
        response: { 201: z.object({ user: userView }) },
      },
    },
    async (request, reply) => {
      const passwordHash = await hashPassword(request.body.password);
      const device = rememberDevice(request, reply, context);
      const { ip, userAgent } = requestOrigin(request);
      const user = await audited(
        db,
        async (tx) => {
          // The first account becomes SUPER_ADMIN; the lock makes "first" hold when two sign up at once.
          await tx.execute(sql`lock table ${users} in share row exclusive mode`);
          const [existing] = await tx
            .select({ id: users.id })
            .from(users)
            .where(sql`lower(${users.email}) = ${request.body.email}`);
          if (existing)
            throw conflict("email_taken", "An account with this email already exists. Sign in instead.", "email");
          const [{ total }] = (await tx.select({ total: count() }).from(users)) as [{ total: number }];
          const [created] = await tx
            .insert(users)
            .values({ email: request.body.email, name: request.body.name, passwordHash, isSuperAdmin: total === 0 })
            .returning({ id: users.id, email: users.email, name: users.name, isSuperAdmin: users.isSuperAdmin });
          if (!created) throw new Error("insert returned no user");
          return created;
        },
        (created) => ({
          action: "auth.signed_up",
          actor: { userId: created.id, email: created.email },
          target: { type: "user", id: created.id },
          ip,
          userAgent,
          details: { superAdmin: created.isSuperAdmin, device },
        }),
      );
      await startSession(db, request, reply, user.id);
      return reply.status(201).send({ user });
    },
  );

  app.post(
    "/api/auth/login",
    {
      config: { access: "public", rateLimit: loginRateLimit },
      schema: {
        tags: ["auth"],
        summary: "Sign in with email and password",
        body: z.object({ email, password: z.string().min(1, "is required").max(256) }),
        response: { 200: z.object({ user: userView }) },
      },
    },
    async (request, reply) => {
      const { ip, userAgent } = requestOrigin(request);
      const { email } = request.body;
      const [user] = await db
        .select()
        .from(users)
        .where(sql`lower(${users.email}) = ${email}`);
      const device = presentedDevice(request);
      const knownDevice = user && device && (await isKnownDevice(db, user.id, device)) ? device : undefined;
      await assertMaySignIn(db, reply, {
        email,
        ip,
        knownDevice,
        signedInAsOwner: Boolean(user && request.auth?.user.id === user.id),
        limits: { failuresPerAddress: config.auth.loginFailuresPerEmail, windowMs: config.auth.loginFailureWindowMs },
        clock: context.clock,
      });

      const valid = await verifyPassword(user?.passwordHash ?? unknownUserHash, request.body.password);
      if (!user || !valid) {
        await recordSignInFailure(db, { email, user, knownDevice, ip, userAgent });
        throw unauthenticated("invalid_credentials", "Email or password is incorrect.", "password");
      }
      await audited(
        db,
        async (tx) => {
          await tx
            .update(users)
            .set({ lastLoginAt: new Date(context.clock.now()) })
            .where(eq(users.id, user.id));
          const organizationId = await startSession(tx, request, reply, user.id);
          return { organizationId, rememberedDevice: rememberDevice(request, reply, context) };
        },
        ({ organizationId, rememberedDevice }) => ({
          action: "auth.signed_in",
          organizationId,
          actor: { userId: user.id, email: user.email },
          target: { type: "user", id: user.id },
          ip,
          userAgent,
          details: { device: rememberedDevice },
        }),
      );
      return { user: { id: user.id, email: user.email, name: user.name, isSuperAdmin: user.isSuperAdmin } };
    },
  );

  app.post(
    "/api/auth/logout",
    {
      config: { access: "signed-in" },
      schema: { tags: ["auth"], summary: "End this session", response: { 204: z.null() } },
    },
    async (request, reply) => {
      const user = currentUser(request);
      const sessionIdHash = currentSessionIdHash(request);
      await audited(db, (tx) => deleteSession(tx, sessionIdHash), {
        action: "auth.signed_out",
        organizationId: request.auth?.organization?.id ?? null,
        ...requestOrigin(request),
        target: { type: "user", id: user.id },
      });
      clearSessionCookie(reply);
      return reply.status(204).send(null);
    },
  );

  app.get(
    "/api/auth/me",
    {
      config: { access: "signed-in" },
      schema: {
        tags: ["auth"],
        summary: "The signed-in user, their organizations and the active one",
        response: { 200: meView },
      },
    },
    async (request) => {
      const user = currentUser(request);
      const active = request.auth?.organization;
      return {
        user,
        organizations: await listOrganizationsFor(db, user),
        activeOrganization: active ? { id: active.id, name: active.name, role: active.role } : null,
      };
    },
  );

  app.put(
    "/api/auth/session/organization",
    {
      config: { access: "signed-in" },
      schema: {
        tags: ["auth"],
        summary: "Switch the session's active organization",
        body: z.object({ organizationId: z.uuid("must be an organization id") }),
        response: { 200: z.object({ activeOrganization: organizationSummary }) },
      },
    },
    async (request) => {
      const user = currentUser(request);
      const [organization] = await db
        .select({ id: organizations.id, name: organizations.name, role: memberships.role })
        .from(organizations)
        .leftJoin(memberships, and(eq(memberships.organizationId, organizations.id), eq(memberships.userId, user.id)))
        .where(eq(organizations.id, request.body.organizationId));
      const role = user.isSuperAdmin ? ("SUPER_ADMIN" as const) : organization?.role;
      if (!organization || !role) throw notFound("That organization", "organizationId");
      await audited(db, (tx) => setActiveOrganization(tx, currentSessionIdHash(request), organization.id), {
        action: "organization.switched",
        organizationId: organization.id,
        ...requestOrigin(request),
        target: { type: "organization", id: organization.id },
      });
      return { activeOrganization: { id: organization.id, name: organization.name, role } };
    },
  );
};
