import { z } from "zod";
import { connectionErrorType, connectionStatus } from "../../db/schema.js";
import type { ConnectionMethod } from "../../platforms/profile.js";
import { platformId } from "../../http/schemas.js";
import type { PlatformMode } from "../access.js";
import type { RefreshOutcome } from "../health.js";

/**
 * The members of a union declared as a type only, for a schema's enum: the compiler checks the
 * list against the union both ways, so it cannot drift from it.
 */
export function membersOf<T extends string>(members: Record<T, true>): [T, ...T[]] {
  return Object.keys(members) as [T, ...T[]];
}

export const connectionMethods = membersOf<ConnectionMethod>({ oauth: true, bot: true });
export const platformModes = membersOf<PlatformMode>({ configured: true, sandbox: true, unavailable: true });
export const refreshOutcomes = membersOf<RefreshOutcome>({
  refreshed: true,
  not_due: true,
  not_refreshable: true,
  refused: true,
  unavailable: true,
});

export const platformParams = z.object({
  platform: platformId,
});
export const connectionParams = z.object({ id: z.uuid("must be a connection id") });

export const connectionSchema = z.object({
  id: z.uuid(),
  platform: platformId,
  variant: z.string().nullable(),
  externalId: z.string(),
  accountKind: z.string(),
  name: z.string(),
  username: z.string().nullable(),
  avatarUrl: z.string().nullable(),
  isSandbox: z.boolean(),
  status: z.enum(connectionStatus.enumValues),
  lastSuccessAt: z.date().nullable(),
  lastCheckedAt: z.date().nullable(),
  lastRefreshedAt: z.date().nullable(),
  tokenExpiresAt: z.date().nullable(),
  refreshable: z.boolean(),
  errorCount: z.number(),
  lastError: z.string().nullable(),
  lastErrorAt: z.date().nullable(),
  rateLimitedUntil: z.date().nullable(),
  scopes: z.array(z.string()),
  createdAt: z.date(),
  disconnectedAt: z.date().nullable(),
});

export const errorSchema = z.object({
  id: z.number(),
  platform: platformId,
  organizationId: z.uuid(),
  connectionId: z.uuid().nullable(),
  errorType: z.enum(connectionErrorType.enumValues),
  message: z.string(),
  /** The latest occurrence. */
  at: z.date(),
  firstAt: z.date(),
  occurrences: z.number(),
  resolved: z.boolean(),
  resolvedAt: z.date().nullable(),
  /** Who resolved it by hand; null when it is open or the connection's next success resolved it. */
  resolvedByUserId: z.uuid().nullable(),
  /** The latest occurrence's correlation id, to find its log lines. */
  correlationId: z.string().nullable(),
});
