import { createHash, randomBytes } from "node:crypto";
import { and, eq, gt, lt } from "drizzle-orm";
import type { Clock } from "../clock.js";
import type { Database } from "../db/client.js";
import { memberships, organizations, sessions, users } from "../db/schema.js";

export const SESSION_COOKIE = "msid";

/** Sliding expiry is pushed forward at most this often, to spare a write on every request. */
const TOUCH_INTERVAL_MS = 5 * 60_000;

export function hashSecret(secret: string): string {
  return createHash("sha256").update(secret).digest("hex");
}

export function newSecret(): string {
  return randomBytes(32).toString("base64url");
}

/** A new session, expiring ttlMs from now by the app's clock (the system's when the caller passes none). */
export async function createSession(
  db: Database,
  options: {
    userId: string;
    organizationId: string | null;
    ip: string;
    userAgent: string | null;
    ttlMs: number;
    clock: Clock;
  },
): Promise<{ secret: string; expiresAt: Date }> {
  const secret = newSecret();
  const expiresAt = new Date(options.clock.now() + options.ttlMs);
  await db.insert(sessions).values({
    idHash: hashSecret(secret),
    userId: options.userId,
    activeOrganizationId: options.organizationId,
    ip: options.ip,
    userAgent: options.userAgent,
    expiresAt,
  });
  return { secret, expiresAt };
}

export type LiveSession = NonNullable<Awaited<ReturnType<typeof findLiveSession>>>;

/**
 * The live session behind a cookie's secret, its user, and the active organization with the
 * user's membership in it, read in one query by primary keys: every signed-in request pays for
 * it, and it is read afresh each time, so a revoked session or a changed role counts at once.
 */
export async function findLiveSession(db: Database, secret: string, options: { ttlMs: number; clock: Clock }) {
  const idHash = hashSecret(secret);
  const now = new Date(options.clock.now());
  const [row] = await db
    .select({
      idHash: sessions.idHash,
      activeOrganizationId: sessions.activeOrganizationId,
      lastSeenAt: sessions.lastSeenAt,
      user: { id: users.id, email: users.email, name: users.name, isSuperAdmin: users.isSuperAdmin },
      activeOrganizationName: organizations.name,
      /** Null when the user is not (or no longer) a member of the active organization. */
      membershipRole: memberships.role,
    })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .leftJoin(organizations, eq(organizations.id, sessions.activeOrganizationId))
    .leftJoin(
      memberships,
      and(eq(memberships.organizationId, sessions.activeOrganizationId), eq(memberships.userId, sessions.userId)),
    )
    .where(and(eq(sessions.idHash, idHash), gt(sessions.expiresAt, now)));
  if (!row) return undefined;
  if (now.getTime() - row.lastSeenAt.getTime() > TOUCH_INTERVAL_MS) {
    await db
      .update(sessions)
      .set({ lastSeenAt: now, expiresAt: new Date(now.getTime() + options.ttlMs) })
      .where(eq(sessions.idHash, idHash));
  }
  return row;
}

export async function setActiveOrganization(db: Database, idHash: string, organizationId: string | null) {
  await db.update(sessions).set({ activeOrganizationId: organizationId }).where(eq(sessions.idHash, idHash));
}

export async function deleteSession(db: Database, idHash: string): Promise<void> {
  await db.delete(sessions).where(eq(sessions.idHash, idHash));
}

export async function deleteExpiredSessions(db: Database, options: { clock: Clock }): Promise<number> {
  const deleted = await db
    .delete(sessions)
    .where(lt(sessions.expiresAt, new Date(options.clock.now())))
    .returning({ idHash: sessions.idHash });
  return deleted.length;
}
