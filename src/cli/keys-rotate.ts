import { loadConfig } from "../config.js";
import { readLiveServer } from "../data-directory.js";
import { openDatabase } from "../db/client.js";
import { recordAudit } from "../audit/audit.js";
import { addDevelopmentKeyVersion, keySource, MasterKeyRing } from "../vault/keyring.js";
import { rewrapDataKeys } from "../vault/vault.js";

/**
 * Re-wraps every organization's data key under the current master key version.
 * - Development key file: adds a new master key version first.
 * - FIELD_ENCRYPTION_KEY: the new key and version must already be configured (old ones in
 *   FIELD_ENCRYPTION_RETIRED_KEYS), on the servers first, then here.
 * On PostgreSQL it works on the database directly; on a running embedded server it asks that
 * server, since the embedded database belongs to one process.
 */
const config = loadConfig();
const source = keySource(config, (message) => console.warn(message));
if (source.kind === "development-file") {
  await source.load();
  const version = await addDevelopmentKeyVersion(source.file);
  console.log(`Added master key version ${version} to ${source.file}`);
}

const live = config.database.kind === "pglite" ? await readLiveServer(config.dataDir) : undefined;
if (live?.port) {
  const response = await fetch(new URL("/api/internal/keys/rotate", `http://127.0.0.1:${live.port}`), {
    method: "POST",
    headers: { authorization: `Bearer ${live.controlToken}` },
  });
  if (!response.ok) {
    console.error(`The running server refused the rotation: ${response.status} ${await response.text()}`);
    process.exit(1);
  }
  const result = (await response.json()) as { masterKeyVersion: number; rewrapped: number };
  console.log(`Re-wrapped ${result.rewrapped} data keys under master key version ${result.masterKeyVersion} (running server, pid ${live.pid}).`);
} else {
  const database = await openDatabase(config);
  try {
    const ring = await MasterKeyRing.open(source.load);
    const result = await rewrapDataKeys(database.db, ring);
    await recordAudit(database.db, { action: "vault.keys_rotated", details: { ...result } });
    console.log(`Re-wrapped ${result.rewrapped} data keys under master key version ${result.masterKeyVersion}.`);
  } finally {
    await database.close();
  }
}
