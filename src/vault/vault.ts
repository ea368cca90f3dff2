import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { eq, ne } from "drizzle-orm";
import type { Clock } from "../clock.js";
import type { Database } from "../db/client.js";
import { organizationKeys } from "../db/schema.js";
import { MissingMasterKeyError, type MasterKeyRing } from "./keyring.js";

const ALGORITHM = "aes-256-gcm";
const IV_BYTES = 12;
const TAG_BYTES = 16;
const FORMAT = "v1";

/** Where a sealed value lives: it opens only for the same organization, record and field. */
export interface SealBinding {
  organizationId: string;
  record: string;
  field: string;
}

export class VaultError extends Error {}

function encrypt(key: Buffer, plaintext: Buffer, additionalData: string): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv(ALGORITHM, key, iv);
  cipher.setAAD(Buffer.from(additionalData, "utf8"));
  const body = Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
  return `${FORMAT}.${iv.toString("base64url")}.${body.toString("base64url")}`;
}

function decrypt(key: Buffer, sealed: string, additionalData: string): Buffer {
  const [format, ivText, bodyText] = sealed.split(".");
  if (format !== FORMAT || !ivText || !bodyText) throw new VaultError("not a sealed value");
  const iv = Buffer.from(ivText, "base64url");
  const body = Buffer.from(bodyText, "base64url");
  if (iv.length !== IV_BYTES || body.length < TAG_BYTES) throw new VaultError("sealed value is truncated");
  const decipher = createDecipheriv(ALGORITHM, key, iv);
  decipher.setAAD(Buffer.from(additionalData, "utf8"));
  decipher.setAuthTag(body.subarray(body.length - TAG_BYTES));
  try {
    return Buffer.concat([decipher.update(body.subarray(0, body.length - TAG_BYTES)), decipher.final()]);
  } catch {
    throw new VaultError("sealed value failed authentication (tampered, moved, or the wrong key)");
  }
}

function dataKeyBinding(organizationId: string, masterKeyVersion: number): string {
  return `organization-key:${organizationId}:master-v${masterKeyVersion}`;
}

function valueBinding({ organizationId, record, field }: SealBinding): string {
  return `value:${organizationId}:${record}:${field}`;
}

/**
 * Envelope encryption: each organization's values are sealed with its own data key, and the
 * data key is stored wrapped by the current master key. Unwrapped data keys stay in memory;
 * rotation re-wraps them without changing them, so the cache never goes stale.
 */
export class Vault {
  private readonly dataKeys = new Map<string, Promise<Buffer>>();

  constructor(
    private readonly db: Database,
    private readonly ring: MasterKeyRing,
  ) {}

  async seal(binding: SealBinding, plaintext: string): Promise<string> {
    const key = await this.dataKey(binding.organizationId);
    return encrypt(key, Buffer.from(plaintext, "utf8"), valueBinding(binding));
  }

  async open(binding: SealBinding, sealed: string): Promise<string> {
    const key = await this.dataKey(binding.organizationId);
    return decrypt(key, sealed, valueBinding(binding)).toString("utf8");
  }

  private dataKey(organizationId: string): Promise<Buffer> {
    let key = this.dataKeys.get(organizationId);
    if (!key) {
      key = this.loadOrCreateDataKey(organizationId);
      key.catch(() => this.dataKeys.delete(organizationId));
      this.dataKeys.set(organizationId, key);
    }
    return key;
  }

  private async loadOrCreateDataKey(organizationId: string): Promise<Buffer> {
    const existing = await this.storedDataKey(organizationId);
    if (existing) return existing;
    const version = this.ring.currentVersion;
    const wrappedKey = encrypt(this.ring.currentKey(), randomBytes(32), dataKeyBinding(organizationId, version));
    // Two processes may create the first key at once: the first insert wins and both read it back.
    await this.db
      .insert(organizationKeys)
      .values({ organizationId, wrappedKey, masterKeyVersion: version })
      .onConflictDoNothing();
    const stored = await this.storedDataKey(organizationId);
    if (!stored) throw new VaultError(`no data key for organization ${organizationId}`);
    return stored;
  }

  private async storedDataKey(organizationId: string): Promise<Buffer | undefined> {
    const [row] = await this.db
      .select()
      .from(organizationKeys)
      .where(eq(organizationKeys.organizationId, organizationId));
    if (!row) return undefined;
    const masterKey = await this.ring.key(row.masterKeyVersion);
    return decrypt(masterKey, row.wrappedKey, dataKeyBinding(organizationId, row.masterKeyVersion));
  }
}

export interface RotationResult {
  masterKeyVersion: number;
  rewrapped: number;
  /** Organizations whose data key would not unwrap (tampered, or its master key is missing). */
  failed: string[];
}

/**
 * Re-wraps every data key not yet under the current master key; safe to run while servers run.
 * A key that will not unwrap is reported and skipped, so one bad row does not stop the rest.
 */
export async function rewrapDataKeys(
  db: Database,
  ring: MasterKeyRing,
  options: { clock: Clock },
): Promise<RotationResult> {
  await ring.refresh();
  const target = ring.currentVersion;
  const stale = await db
    .select({ organizationId: organizationKeys.organizationId })
    .from(organizationKeys)
    .where(ne(organizationKeys.masterKeyVersion, target));
  let rewrapped = 0;
  const failed: string[] = [];
  for (const { organizationId } of stale) {
    const changed = await db
      .transaction(async (tx) => {
        const [row] = await tx
          .select()
          .from(organizationKeys)
          .where(eq(organizationKeys.organizationId, organizationId))
          .for("update");
        if (!row || row.masterKeyVersion === target) return false;
        const oldKey = await ring.key(row.masterKeyVersion);
        const dataKey = decrypt(oldKey, row.wrappedKey, dataKeyBinding(organizationId, row.masterKeyVersion));
        await tx
          .update(organizationKeys)
          .set({
            wrappedKey: encrypt(ring.currentKey(), dataKey, dataKeyBinding(organizationId, target)),
            masterKeyVersion: target,
            rotatedAt: new Date(options.clock.now()),
          })
          .where(eq(organizationKeys.organizationId, organizationId));
        return true;
      })
      .catch((error: unknown) => {
        if (error instanceof VaultError || error instanceof MissingMasterKeyError) {
          failed.push(organizationId);
          return false;
        }
        throw error;
      });
    if (changed) rewrapped += 1;
  }
  return { masterKeyVersion: target, rewrapped, failed };
}
