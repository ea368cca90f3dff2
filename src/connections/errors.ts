import { and, desc, eq, isNull, lt, sql } from "drizzle-orm";
import { correlationFields } from "../correlation.js";
import type { Database, Transaction } from "../db/client.js";
import { connectionErrors } from "../db/schema.js";
import type { PlatformId } from "../platforms/profiles.js";

export type ConnectionError = typeof connectionErrors.$inferSelect;
export type ErrorType = ConnectionError["errorType"];

/**
 * Files an error as an incident: a repeat of an open one (same connection and type, or for a
 * failed connect the same organization, platform and type) counts one more occurrence with the
 * latest words and time, rather than a row per retry.
 */
export async function fileError(
  tx: Database | Transaction,
  error: {
    organizationId: string;
    connectionId?: string;
    platform: PlatformId;
    errorType: ErrorType;
    message: string;
    at: Date;
  },
): Promise<void> {
  const correlationId = correlationFields().correlationId ?? null;
  const repeat = {
    occurrences: sql`${connectionErrors.occurrences} + 1`,
    message: error.message,
    at: error.at,
    correlationId,
  };
  const row = { ...error, connectionId: error.connectionId ?? null, firstAt: error.at, correlationId };
  if (error.connectionId) {
    await tx
      .insert(connectionErrors)
      .values(row)
      .onConflictDoUpdate({
        target: [connectionErrors.connectionId, connectionErrors.errorType],
        targetWhere: sql`not resolved`,
        set: repeat,
      });
    return;
  }
  // A failed connect has no connection to key an index on; such failures are a person's, one at a time.
  const [updated] = await tx
    .update(connectionErrors)
    .set(repeat)
    .where(
      and(
        eq(connectionErrors.organizationId, error.organizationId),
        eq(connectionErrors.platform, error.platform),
        eq(connectionErrors.errorType, error.errorType),
        isNull(connectionErrors.connectionId),
        eq(connectionErrors.resolved, false),
      ),
    )
    .returning({ id: connectionErrors.id });
  if (!updated) await tx.insert(connectionErrors).values(row);
}

export interface ErrorFilter {
  /** Absent: every organization's (a SUPER_ADMIN's view across the installation). */
  organizationId?: string;
  platform?: PlatformId;
  resolved?: boolean;
  errorType?: ErrorType;
  /** Only incidents with an id below this one: the next page after the last id seen. */
  before?: number;
  limit: number;
}

/** Incidents, the latest first (by id, so pages are stable while new ones arrive). */
export async function errorsMatching(db: Database, filter: ErrorFilter): Promise<ConnectionError[]> {
  return db
    .select()
    .from(connectionErrors)
    .where(
      and(
        filter.organizationId ? eq(connectionErrors.organizationId, filter.organizationId) : undefined,
        filter.platform ? eq(connectionErrors.platform, filter.platform) : undefined,
        filter.resolved !== undefined ? eq(connectionErrors.resolved, filter.resolved) : undefined,
        filter.errorType ? eq(connectionErrors.errorType, filter.errorType) : undefined,
        filter.before !== undefined ? lt(connectionErrors.id, filter.before) : undefined,
      ),
    )
    .orderBy(desc(connectionErrors.id))
    .limit(filter.limit);
}

/** Resolves one open incident of the organization by hand; undefined when there is none by that id. */
export async function resolveErrorByHand(
  tx: Transaction,
  options: { organizationId: string; id: number; userId: string; at: Date },
): Promise<ConnectionError | undefined> {
  const [resolved] = await tx
    .update(connectionErrors)
    .set({ resolved: true, resolvedAt: options.at, resolvedByUserId: options.userId })
    .where(
      and(
        eq(connectionErrors.id, options.id),
        eq(connectionErrors.organizationId, options.organizationId),
        eq(connectionErrors.resolved, false),
      ),
    )
    .returning();
  return resolved;
}

/** What the API shows of an incident. */
export function errorView(error: ConnectionError) {
  return {
    id: error.id,
    platform: error.platform,
    organizationId: error.organizationId,
    connectionId: error.connectionId,
    errorType: error.errorType,
    message: error.message,
    at: error.at,
    firstAt: error.firstAt,
    occurrences: error.occurrences,
    resolved: error.resolved,
    resolvedAt: error.resolvedAt,
    resolvedByUserId: error.resolvedByUserId,
    correlationId: error.correlationId,
  };
}

/** A connect that succeeded ends the organization's open connect failures on that platform. */
export async function resolveConnectFailures(
  tx: Transaction,
  options: { organizationId: string; platform: PlatformId; at: Date },
): Promise<void> {
  await tx
    .update(connectionErrors)
    .set({ resolved: true, resolvedAt: options.at })
    .where(
      and(
        eq(connectionErrors.organizationId, options.organizationId),
        eq(connectionErrors.platform, options.platform),
        isNull(connectionErrors.connectionId),
        eq(connectionErrors.resolved, false),
      ),
    );
}
