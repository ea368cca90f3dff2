import { createHash } from "node:crypto";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { and, eq, isNull, lt, lte, sql } from "drizzle-orm";
import type { Clock } from "../clock.js";
import { joinEachAuditedChange, type AuditEntry } from "../audit/audit.js";
import type { Database, Transaction } from "../db/client.js";
import { idempotencyRecords } from "../db/schema.js";
import type { Vault } from "../vault/vault.js";
import { AppError } from "./errors.js";

export const IDEMPOTENCY_HEADER = "idempotency-key";
/** How long an answer is kept for retries. */
export const IDEMPOTENCY_TTL_MS = 24 * 3_600_000;
/**
 * A claim neither answered nor applied after this long belongs to a request whose process
 * stopped: a retry takes it over. Should the first request still be running, its change finds its
 * claim gone when it commits and is rolled back, so taking over never makes a second change.
 */
export const IDEMPOTENCY_LEASE_MS = 2 * 60_000;
/** Printable ASCII without spaces, as a UUID or any client's own token is. */
const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

declare module "fastify" {
  interface FastifyRequest {
    /** The record this request claimed with its Idempotency-Key, to keep its answer in. */
    idempotencyRecordId?: number;
  }
}

/** JSON with every object's keys in order, so the same body written differently is the same body. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value ?? null, (_key, inner: unknown) =>
    inner && typeof inner === "object" && !Array.isArray(inner)
      ? Object.fromEntries(Object.entries(inner as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)))
      : inner,
  );
}

/** The method, the route, and its validated path, query and body: a retry must repeat all of them. */
function fingerprintOf(request: FastifyRequest): string {
  return createHash("sha256")
    .update(
      [request.method, request.routeOptions.url, canonicalJson(request.params), canonicalJson(request.query)].join(
        "\n",
      ),
    )
    .update("\n")
    .update(canonicalJson(request.body))
    .digest("hex");
}

/**
 * Whether a route creates or changes something on behalf of an organization and may be called with
 * an API key: only those take the header (not sessions' own routes, nor key management).
 */
function takesIdempotencyKey(request: FastifyRequest): boolean {
  const { access, sessionOnly } = request.routeOptions.config;
  return (
    request.method === "POST" &&
    sessionOnly !== true &&
    access !== undefined &&
    access !== "public" &&
    access !== "signed-in" &&
    access !== "control"
  );
}

/** A kept answer may hold a secret shown once (a webhook's): it is sealed with its organization's key. */
const answerBinding = (record: { id: number; organizationId: string }) => ({
  organizationId: record.organizationId,
  record: `idempotency:${record.id}`,
  field: "answer",
});

/**
 * `Idempotency-Key` on creating routes (every POST acting on an organization): the first request
 * with a key claims it (a row under a unique index, written before the handler runs), and its
 * successful answer is kept for 24 hours. A retry with the same key and the same request gets that
 * answer again, marked `Idempotent-Replayed: true`, and creates nothing; the same key with another
 * request is a 422; a retry while the first is still running is a 409, never a second creation.
 * An answer other than a success releases the key, so a corrected retry may use it again, unless
 * the request's change committed all the same.
 *
 * The claim commits before the handler runs, and the handler's change marks it applied inside its
 * own transaction (through the audited write every change makes). So a retry can tell a request
 * whose change committed but whose answer was lost (a 409 naming what it created, never a second
 * creation) from one whose process stopped before committing (taken over once its lease is over).
 */
export function registerIdempotency(app: FastifyInstance, options: { db: Database; clock: Clock; vault: Vault }): void {
  const { db, clock, vault } = options;

  app.addHook("preHandler", async (request, reply) => {
    const header = request.headers[IDEMPOTENCY_HEADER];
    if (header === undefined || !takesIdempotencyKey(request)) return;
    const key = Array.isArray(header) ? header[0]! : header;
    if (!KEY_PATTERN.test(key)) {
      throw new AppError(
        400,
        "invalid_idempotency_key",
        "Idempotency-Key must be 1 to 255 printable characters without spaces, such as a UUID.",
        "Idempotency-Key",
      );
    }
    if (request.isMultipart()) {
      throw new AppError(
        400,
        "idempotency_not_supported",
        "Uploads do not take an Idempotency-Key: a repeated upload only adds an unused file.",
        "Idempotency-Key",
      );
    }
    const auth = request.auth;
    if (!auth?.organization) return;
    const scope = {
      organizationId: auth.organization.id,
      principal: auth.apiKey ? `api_key:${auth.apiKey.id}` : `user:${auth.user.id}`,
      idempotencyKey: key,
    };
    const fingerprint = fingerprintOf(request);
    const now = clock.now();
    for (let attempt = 0; attempt < 2; attempt += 1) {
      const [claimed] = await db
        .insert(idempotencyRecords)
        .values({ ...scope, fingerprint, createdAt: new Date(now), expiresAt: new Date(now + IDEMPOTENCY_TTL_MS) })
        .onConflictDoNothing()
        .returning({ id: idempotencyRecords.id });
      if (claimed) {
        request.idempotencyRecordId = claimed.id;
        joinEachAuditedChange((executor, entry) => markApplied(executor, claimed.id, entry));
        return;
      }
      const [existing] = await db
        .select()
        .from(idempotencyRecords)
        .where(
          and(
            eq(idempotencyRecords.organizationId, scope.organizationId),
            eq(idempotencyRecords.principal, scope.principal),
            eq(idempotencyRecords.idempotencyKey, key),
          ),
        );
      // Released (or expired and removed) between the two statements: claim it again.
      if (!existing) continue;
      if (existing.expiresAt.getTime() <= now) {
        await db
          .delete(idempotencyRecords)
          .where(and(eq(idempotencyRecords.id, existing.id), lte(idempotencyRecords.expiresAt, new Date(now))));
        continue;
      }
      if (existing.fingerprint !== fingerprint) {
        throw new AppError(
          422,
          "idempotency_key_reused",
          "This Idempotency-Key was already used for a different request. Use a new key for a new request.",
          "Idempotency-Key",
        );
      }
      const leaseOver = existing.createdAt.getTime() + IDEMPOTENCY_LEASE_MS <= now;
      // Applied with no answer yet is, within the lease, a request about to keep its answer.
      if (existing.statusCode === null && existing.appliedAt !== null && leaseOver) {
        const target = existing.appliedTargetId ? ` (${existing.appliedTargetType} ${existing.appliedTargetId})` : "";
        throw new AppError(
          409,
          "idempotency_answer_lost",
          `The request with this Idempotency-Key was carried out${target}, but its answer was lost. Read the result instead of retrying.`,
          "Idempotency-Key",
        );
      }
      if (existing.statusCode === null && existing.appliedAt === null && leaseOver) {
        await db
          .delete(idempotencyRecords)
          .where(
            and(
              eq(idempotencyRecords.id, existing.id),
              isNull(idempotencyRecords.statusCode),
              isNull(idempotencyRecords.appliedAt),
            ),
          );
        continue;
      }
      if (existing.statusCode === null) {
        reply.header("retry-after", "1");
        throw new AppError(
          409,
          "idempotency_in_progress",
          "A request with this Idempotency-Key is still in progress. Retry it in a moment.",
          "Idempotency-Key",
        );
      }
      return reply
        .code(existing.statusCode)
        .header("content-type", existing.contentType ?? "application/json; charset=utf-8")
        .header("idempotent-replayed", "true")
        .send(existing.responseBody === null ? "" : await vault.open(answerBinding(existing), existing.responseBody));
    }
    throw new AppError(
      409,
      "idempotency_in_progress",
      "A request with this Idempotency-Key is changing hands. Retry it in a moment.",
      "Idempotency-Key",
    );
  });

  app.addHook("onSend", async (request, reply, payload) => {
    const id = request.idempotencyRecordId;
    const organizationId = request.auth?.organization?.id;
    if (id === undefined || organizationId === undefined) return payload;
    request.idempotencyRecordId = undefined;
    const body = typeof payload === "string" ? payload : Buffer.isBuffer(payload) ? payload.toString("utf8") : null;
    try {
      const succeeded = reply.statusCode >= 200 && reply.statusCode < 300;
      const refusedAfterApplying = reply.statusCode >= 400 && reply.statusCode < 500 && (await wasApplied(db, id));
      if ((succeeded || refusedAfterApplying) && body !== null) {
        const contentType = reply.getHeader("content-type");
        await db
          .update(idempotencyRecords)
          .set({
            statusCode: reply.statusCode,
            contentType: typeof contentType === "string" ? contentType : null,
            responseBody: await vault.seal(answerBinding({ id, organizationId }), body),
          })
          .where(eq(idempotencyRecords.id, id));
      } else {
        // An answer lost after the change committed keeps its claim, applied: a retry is told so.
        await db
          .delete(idempotencyRecords)
          .where(and(eq(idempotencyRecords.id, id), isNull(idempotencyRecords.appliedAt)));
      }
    } catch (error) {
      // The change itself is done: answer it. The key stays in progress (409) until it expires.
      request.log.error({ err: error }, "could not keep an idempotent answer");
    }
    return payload;
  });
}

/**
 * Marks a claim applied inside the transaction of the change it guards. Its row is gone only when
 * a retry took the claim over, believing this request's process stopped: the change must not
 * commit then, or the retry would make it a second time.
 */
async function markApplied(executor: Database | Transaction, id: number, entry: AuditEntry): Promise<void> {
  const [applied] = await executor
    .update(idempotencyRecords)
    .set({
      appliedAt: sql`coalesce(${idempotencyRecords.appliedAt}, now())`,
      appliedTargetType: sql`coalesce(${idempotencyRecords.appliedTargetType}, ${entry.target?.type ?? null})`,
      appliedTargetId: sql`coalesce(${idempotencyRecords.appliedTargetId}, ${entry.target?.id ?? null})`,
    })
    .where(eq(idempotencyRecords.id, id))
    .returning({ id: idempotencyRecords.id });
  if (!applied) {
    throw new AppError(
      409,
      "idempotency_taken_over",
      "A retry with this Idempotency-Key took this request over; nothing was changed by this one.",
      "Idempotency-Key",
    );
  }
}

async function wasApplied(db: Database, id: number): Promise<boolean> {
  const [record] = await db
    .select({ appliedAt: idempotencyRecords.appliedAt })
    .from(idempotencyRecords)
    .where(eq(idempotencyRecords.id, id));
  return record?.appliedAt != null;
}

/** Answers kept past their 24 hours, removed by the hourly maintenance job. */
export async function deleteExpiredIdempotencyRecords(db: Database, clock: Clock): Promise<number> {
  const deleted = await db
    .delete(idempotencyRecords)
    .where(lt(idempotencyRecords.expiresAt, new Date(clock.now())))
    .returning({ id: idempotencyRecords.id });
  return deleted.length;
}
