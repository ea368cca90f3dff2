import { chmod, mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";
import { type Config, generateMasterKey, parseMasterKey } from "../config.js";

export interface MasterKeys {
  currentVersion: number;
  keys: Map<number, Buffer>;
}

export class MissingMasterKeyError extends Error {
  constructor(version: number) {
    super(
      `Master key version ${version} is not configured: add it to FIELD_ENCRYPTION_RETIRED_KEYS ` +
        "(or restore it) until `npm run keys:rotate` has re-wrapped every data key",
    );
  }
}

/**
 * The versioned master keys. A version it does not know makes it read its source again, so a
 * server keeps working while `npm run keys:rotate` adds a version to the development key file.
 */
export class MasterKeyRing {
  private keys: MasterKeys;

  private constructor(
    initial: MasterKeys,
    private readonly reload: () => Promise<MasterKeys>,
  ) {
    this.keys = initial;
  }

  static async open(source: () => Promise<MasterKeys>): Promise<MasterKeyRing> {
    return new MasterKeyRing(await source(), source);
  }

  get currentVersion(): number {
    return this.keys.currentVersion;
  }

  currentKey(): Buffer {
    return this.requireLoaded(this.keys.currentVersion);
  }

  async key(version: number): Promise<Buffer> {
    if (!this.keys.keys.has(version)) this.keys = await this.reload();
    return this.requireLoaded(version);
  }

  async refresh(): Promise<void> {
    this.keys = await this.reload();
  }

  private requireLoaded(version: number): Buffer {
    const key = this.keys.keys.get(version);
    if (!key) throw new MissingMasterKeyError(version);
    return key;
  }
}

const keyFileSchema = z.object({
  currentVersion: z.number().int().positive(),
  keys: z.record(z.string().regex(/^\d+$/), z.string()),
});

export function developmentKeyFile(config: Config): string {
  return path.resolve(config.dataDir, "master-keys.json");
}

async function readKeyFile(file: string): Promise<MasterKeys | undefined> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  const parsed = keyFileSchema.parse(JSON.parse(text));
  const keys = new Map<number, Buffer>();
  for (const [version, value] of Object.entries(parsed.keys)) {
    const key = parseMasterKey(value);
    if (!key) throw new Error(`${file}: key version ${version} is not 32 bytes`);
    keys.set(Number(version), key);
  }
  return { currentVersion: parsed.currentVersion, keys };
}

async function writeKeyFile(file: string, keys: MasterKeys): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const body = {
    currentVersion: keys.currentVersion,
    keys: Object.fromEntries([...keys.keys].map(([version, key]) => [String(version), key.toString("hex")])),
  };
  await writeFile(file, `${JSON.stringify(body, null, 2)}\n`, { mode: 0o600 });
  await chmod(file, 0o600);
}

export type KeySource =
  | { kind: "environment"; load: () => Promise<MasterKeys> }
  | { kind: "development-file"; file: string; load: () => Promise<MasterKeys> };

/**
 * FIELD_ENCRYPTION_KEY when set; otherwise (never in production, config refuses that) a key
 * file in the data folder, created on first start.
 */
export function keySource(config: Config, warn: (message: string) => void): KeySource {
  const { masterKey, masterKeyVersion, retiredKeys } = config.vault;
  if (masterKey) {
    const keys = new Map(retiredKeys);
    keys.set(masterKeyVersion, masterKey);
    return { kind: "environment", load: async () => ({ currentVersion: masterKeyVersion, keys }) };
  }
  const file = developmentKeyFile(config);
  return {
    kind: "development-file",
    file,
    load: async () => {
      const existing = await readKeyFile(file);
      if (existing) return existing;
      warn(
        `FIELD_ENCRYPTION_KEY is not set: generated a development master key in ${file}. ` +
          "Set FIELD_ENCRYPTION_KEY in production; tokens sealed with this key need this file.",
      );
      const created = { currentVersion: 1, keys: new Map([[1, Buffer.from(generateMasterKey(), "hex")]]) };
      await writeKeyFile(file, created);
      return created;
    },
  };
}

/** Adds a new current version to the development key file and returns it. */
export async function addDevelopmentKeyVersion(file: string): Promise<number> {
  const existing = await readKeyFile(file);
  if (!existing) throw new Error(`${file} does not exist: start the server once first`);
  const currentVersion = Math.max(...existing.keys.keys()) + 1;
  existing.keys.set(currentVersion, Buffer.from(generateMasterKey(), "hex"));
  await writeKeyFile(file, { currentVersion, keys: existing.keys });
  return currentVersion;
}
