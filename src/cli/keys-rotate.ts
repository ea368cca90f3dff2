import { loadConfig } from "../config.js";
import { readLiveServer } from "../data-directory.js";
import { openDatabase } from "../db/client.js";
import { createLogger } from "../logger.js";
import { audited } from "../audit/audit.js";
import { systemClock } from "../clock.js";
import { addDevelopmentKeyVersion, keySource, MasterKeyRing } from "../vault/keyring.js";
import { rewrapDataKeys, type RotationResult } from "../vault/vault.js";

function report(result: RotationResult, where: string) {
  console.log(`Re-wrapped ${result.rewrapped} data keys under master key version ${result.masterKeyVersion}${where}.`);
  if (result.failed.length > 0) {
    console.error(
      `Could not unwrap the data keys of ${result.failed.length} organizations: ${result.failed.join(", ")}`,
    );
    process.exitCode = 1;
  }
}

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
  report((await response.json()) as RotationResult, ` (running server, pid ${live.pid})`);
} else {
  const database = await openDatabase(config, createLogger(config.logLevel));
  try {
    const ring = await MasterKeyRing.open(source.load);
    const result = await audited(
      database.db,
      (tx) => rewrapDataKeys(tx, ring, { clock: systemClock }),
      (rotation) => ({ action: "vault.keys_rotated", details: { ...rotation } }),
    );
    report(result, "");
  } finally {
    await database.close();
  }
}
