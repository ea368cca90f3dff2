import { createHash, randomBytes } from "node:crypto";
import { and, desc, eq, isNull } from "drizzle-orm";
import { alias } from "drizzle-orm/pg-core";
import type { Clock } from "../clock.js";
import type { Database, Transaction } from "../db/client.js";
import { apiKeys, memberships, organizations, users } from "../db/schema.js";
import type { MembershipRole, Role } from "./permissions.js";

/** Every key starts with this, so a leaked one is recognisable (secret scanners, logs, a person). */
const API_KEY_PREFIX = "msk_";
const SECRET_BYTES = 32;
/** How much of a key is kept in clear to tell keys apart in a list: the prefix and 8 characters. */
const SHOWN_LENGTH = API_KEY_PREFIX.length + 8;
/** Last use is written at most this often per key (or when its address changes), sparing a write per request. */
const LAST_USED_INTERVAL_MS = 60_000;

/** The roles a key may carry: the permissions of a member, never an installation's SUPER_ADMIN. */
export const apiKeyRoles = ["ADMIN", "USER"] as const satisfies readonly MembershipRole[];
export type ApiKeyRole = (typeof apiKeyRoles)[number];

const roleRank: Record<Role, number> = { GUEST: 0, USER: 1, ADMIN: 2, SUPER_ADMIN: 3 };

export function roleWithin(role: ApiKeyRole, creatorRole: Role): boolean {
  return roleRank[role] <= roleRank[creatorRole];
}

function lowerOf(first: Role, second: Role): Role {
  return roleRank[first] <= roleRank[second] ? first : second;
}

/**
 * SHA-256, not a password hash: the secret is 32 random bytes, so there is nothing to guess and a
 * slow hash would only slow every request. Keys are looked up by this hash, so no comparison of
 * secrets happens in code that timing could reveal.
 */
export function hashApiKey(secret: string): string {
  return createHash("sha256").update(secret).digest("hex");
}

/** What a request authenticated by a key knows about it. */
export interface ApiKeyPrincipal {
  id: string;
  name: string;
  prefix: string;
  /** The key's role, lowered to its creator's role now when that is lower (a demoted admin's keys follow). */
  role: Role;
  organization: { id: string; name: string };
  /** The member who made it: where a route needs a user (a post's author), the key acts in their name. */
  creator: { id: string; email: string; name: string; isSuperAdmin: boolean };
}

export type ApiKeyRefusal = "unknown" | "revoked" | "expired" | "creator_left";

/** The live key a secret names, or why there is none; notes its use (time and address). */
export async function authenticateApiKey(
  db: Database,
  secret: string,
  options: { clock: Clock; ip: string },
): Promise<{ principal: ApiKeyPrincipal } | { refused: ApiKeyRefusal }> {
  const [row] = await db
    .select({
      key: apiKeys,
      organizationName: organizations.name,
      creator: { id: users.id, email: users.email, name: users.name, isSuperAdmin: users.isSuperAdmin },
      creatorRole: memberships.role,
    })
    .from(apiKeys)
    .innerJoin(organizations, eq(organizations.id, apiKeys.organizationId))
    .innerJoin(users, eq(users.id, apiKeys.createdByUserId))
    .leftJoin(
      memberships,
      and(eq(memberships.organizationId, apiKeys.organizationId), eq(memberships.userId, apiKeys.createdByUserId)),
    )
    .where(eq(apiKeys.secretHash, hashApiKey(secret)));
  if (!row) return { refused: "unknown" };
  const { key } = row;
  const now = options.clock.now();
  if (key.revokedAt) return { refused: "revoked" };
  if (key.expiresAt && key.expiresAt.getTime() <= now) return { refused: "expired" };
  // A key never holds more than its creator does now: removed from the organization, their keys stop.
  const creatorRole: Role | null = row.creator.isSuperAdmin ? "SUPER_ADMIN" : row.creatorRole;
  if (!creatorRole) return { refused: "creator_left" };
  if (!key.lastUsedAt || now - key.lastUsedAt.getTime() >= LAST_USED_INTERVAL_MS || key.lastUsedIp !== options.ip) {
    await db
      .update(apiKeys)
      .set({ lastUsedAt: new Date(now), lastUsedIp: options.ip })
      .where(eq(apiKeys.id, key.id));
  }
  return {
    principal: {
      id: key.id,
      name: key.name,
      prefix: key.prefix,
      role: lowerOf(key.role, creatorRole),
      organization: { id: key.organizationId, name: row.organizationName },
      creator: row.creator,
    },
  };
}

/** A new key: the secret is returned here once and stored only as its hash. */
export async function createApiKey(
  tx: Transaction,
  options: { organizationId: string; name: string; role: ApiKeyRole; expiresAt: Date | null; createdByUserId: string },
) {
  const secret = `${API_KEY_PREFIX}${randomBytes(SECRET_BYTES).toString("base64url")}`;
  const [created] = await tx
    .insert(apiKeys)
    .values({ ...options, prefix: secret.slice(0, SHOWN_LENGTH), secretHash: hashApiKey(secret) })
    .returning({ id: apiKeys.id });
  if (!created) throw new Error("insert returned no key");
  return { id: created.id, secret };
}

const revoker = alias(users, "revoker");

/** The organization's keys, newest first, with who made and who revoked each. */
export async function listApiKeys(db: Database | Transaction, organizationId: string, id?: string) {
  const rows = await db
    .select({
      key: apiKeys,
      creator: { id: users.id, email: users.email, name: users.name },
      revokedByEmail: revoker.email,
    })
    .from(apiKeys)
    .innerJoin(users, eq(users.id, apiKeys.createdByUserId))
    .leftJoin(revoker, eq(revoker.id, apiKeys.revokedByUserId))
    .where(and(eq(apiKeys.organizationId, organizationId), id ? eq(apiKeys.id, id) : undefined))
    .orderBy(desc(apiKeys.createdAt), desc(apiKeys.id));
  return rows.map(({ key, creator, revokedByEmail }) => ({
    id: key.id,
    name: key.name,
    role: key.role as ApiKeyRole,
    prefix: key.prefix,
    createdBy: creator,
    createdAt: key.createdAt,
    expiresAt: key.expiresAt,
    revokedAt: key.revokedAt,
    revokedByEmail,
    lastUsedAt: key.lastUsedAt,
    lastUsedIp: key.lastUsedIp,
  }));
}

export type ApiKeyView = Awaited<ReturnType<typeof listApiKeys>>[number];

/** Revokes a live key of the organization; undefined when there is none (unknown, another's, or revoked already). */
export async function revokeApiKey(
  tx: Transaction,
  options: { organizationId: string; id: string; userId: string; at: Date },
): Promise<{ name: string } | undefined> {
  const [revoked] = await tx
    .update(apiKeys)
    .set({ revokedAt: options.at, revokedByUserId: options.userId })
    .where(
      and(eq(apiKeys.organizationId, options.organizationId), eq(apiKeys.id, options.id), isNull(apiKeys.revokedAt)),
    )
    .returning({ name: apiKeys.name });
  return revoked ? { name: revoked.name } : undefined;
}
