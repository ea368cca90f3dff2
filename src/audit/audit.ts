import { AsyncLocalStorage } from "node:async_hooks";
import type { FastifyRequest } from "fastify";
import type { Database, Transaction } from "../db/client.js";
import { auditEvents } from "../db/schema.js";
import { correlationFields } from "../correlation.js";
import { recordEvent } from "../monitoring/events.js";

export type AuditAction =
  | "auth.signed_up"
  | "auth.signed_in"
  | "auth.sign_in_failed"
  | "auth.signed_out"
  | "organization.created"
  | "organization.renamed"
  | "organization.switched"
  | "invitation.created"
  | "invitation.revoked"
  | "invitation.accepted"
  | "member.role_changed"
  | "member.removed"
  | "vault.keys_rotated"
  | "connection.connected"
  | "connection.reconnected"
  | "connection.disconnected"
  | "connection.connect_failed"
  | "connection.token_refreshed"
  | "connection.status_changed"
  | "connection.error_resolved"
  /** An account's weekly posting slots, which "add to queue" picks from. */
  | "connection.slots_changed"
  | "post.created"
  | "post.updated"
  | "post.cancelled"
  | "post.published"
  | "post.failed"
  | "post.unknown"
  | "post.retried"
  | "post.resolved"
  | "post.submitted"
  | "post.approved"
  | "post.sent_back"
  | "organization.posting_settings_changed"
  | "media.deleted"
  | "campaign.created"
  | "campaign.updated"
  | "campaign.deleted"
  | "campaign.cost_added"
  | "campaign.cost_deleted"
  | "webhook.created"
  | "webhook.updated"
  | "webhook.deleted"
  | "webhook.secret_rotated"
  | "webhook.enabled"
  /** The product stopped delivering to an endpoint after failures in a row: its owner should hear of it. */
  | "webhook.disabled"
  | "alert.resolved"
  | "api_key.created"
  | "api_key.revoked"
  /** A change made with a key that no entry of its own records (an upload): every write a key makes is audited. */
  | "api_key.used"
  | "report.created"
  | "report.updated"
  | "report.deleted"
  | "report.share_link_created"
  | "report.share_link_revoked"
  /** A scheduled report's e-mail for a period went out, or failed. */
  | "report.sent"
  | "report.send_failed"
  | "organization.logo_changed"
  /** The public key a site's conversion script presents: the old one stops recording. */
  | "conversions.site_key_rotated"
  | "conversions.settings_changed";

export interface AuditEntry {
  action: AuditAction;
  organizationId?: string | null;
  actor?: { userId: string; email: string } | null;
  target?: { type: string; id: string };
  ip?: string | null;
  userAgent?: string | null;
  details?: Record<string, unknown>;
}

/** What a request's audited writes carry with them: the API key acting, and what each change joins. */
interface ActingKey {
  apiKey?: { id: string; name: string };
  /** Whether the key's request has written an audit entry yet. */
  audited?: boolean;
  /** Runs in the transaction of each audited change the request makes, before its entry is written. */
  joinChange?: (db: Database | Transaction, entry: AuditEntry) => Promise<void>;
}

const actingKeys = new AsyncLocalStorage<ActingKey>();

/** Runs a request's work with room to note the API key acting in it (`actAsApiKey`). */
export function withActingKeyScope<T>(work: () => T): T {
  return actingKeys.run({}, work);
}

/**
 * From here on in this request, every audit entry names this key as its actor, whichever module
 * writes it: each write a key makes is audited as the key's, not as its creator's.
 */
export function actAsApiKey(apiKey: { id: string; name: string }): void {
  const scope = actingKeys.getStore();
  if (scope) scope.apiKey = apiKey;
}

/**
 * From here on in this request, `join` runs inside every audited change's transaction: an
 * Idempotency-Key claim marks itself applied there, so it is applied exactly when the change commits.
 */
export function joinEachAuditedChange(join: (db: Database | Transaction, entry: AuditEntry) => Promise<void>): void {
  const scope = actingKeys.getStore();
  if (scope) scope.joinChange = join;
}

/** Whether the API key acting in this request has had an audit entry written for it. */
export function actingKeyAudited(): boolean {
  return actingKeys.getStore()?.audited === true;
}

export async function recordAudit(db: Database | Transaction, entry: AuditEntry): Promise<void> {
  const scope = actingKeys.getStore();
  await scope?.joinChange?.(db, entry);
  const apiKey = scope?.apiKey;
  if (scope && apiKey) scope.audited = true;
  await db.insert(auditEvents).values({
    action: entry.action,
    organizationId: entry.organizationId ?? null,
    actorUserId: apiKey ? null : (entry.actor?.userId ?? null),
    actorEmail: apiKey ? null : (entry.actor?.email ?? null),
    actorApiKeyId: apiKey?.id ?? null,
    actorApiKeyName: apiKey?.name ?? null,
    targetType: entry.target?.type ?? null,
    targetId: entry.target?.id ?? null,
    ip: entry.ip ?? null,
    userAgent: entry.userAgent ?? null,
    details: entry.details ?? {},
    correlationId: correlationFields().correlationId ?? null,
  });
}

type Entries = AuditEntry | null | (AuditEntry | null)[];

/**
 * Runs a change and writes its audit entries in one transaction: an entry exists exactly when
 * its change committed. The entries may be read from what the change answers, and may be null
 * when the change turned out to change nothing.
 */
export async function audited<T>(
  db: Database,
  change: (tx: Transaction) => Promise<T>,
  entries: Entries | ((outcome: T) => Entries),
): Promise<T> {
  return db.transaction(async (tx) => {
    const outcome = await change(tx);
    const written = typeof entries === "function" ? entries(outcome) : entries;
    for (const entry of [written].flat()) {
      if (!entry) continue;
      await recordAudit(tx, entry);
      await recordEvent(tx, entry);
    }
    return outcome;
  });
}

/** Who and from where, as seen on this request. */
export function requestOrigin(request: FastifyRequest) {
  const userAgent = request.headers["user-agent"];
  return {
    ip: request.ip,
    userAgent: typeof userAgent === "string" ? userAgent.slice(0, 512) : null,
    actor: request.auth?.user ? { userId: request.auth.user.id, email: request.auth.user.email } : null,
  };
}
