import { systemClock } from "../../src/clock.js";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { eq } from "drizzle-orm";
import { organizationKeys, organizations } from "../../src/db/schema.js";
import { generateMasterKey } from "../../src/config.js";
import { MasterKeyRing, MissingMasterKeyError, type MasterKeys } from "../../src/vault/keyring.js";
import { rewrapDataKeys, Vault, VaultError } from "../../src/vault/vault.js";
import type { Database } from "../../src/db/client.js";
import { startTestApp, type TestApp } from "../support/app.js";
import { backends } from "../support/postgres.js";

function ringOf(keys: MasterKeys): Promise<MasterKeyRing> {
  return MasterKeyRing.open(async () => ({ currentVersion: keys.currentVersion, keys: new Map(keys.keys) }));
}

const key = () => Buffer.from(generateMasterKey(), "hex");

for (const backend of backends) {
  describe(`vault on ${backend.name}`, { skip: backend.skip }, () => {
    let app: TestApp;
    let db: Database;
    const masterV1 = key();
    const masterV2 = key();

    before(async () => {
      app = await startTestApp({ backend, role: "worker" });
      db = app.runtime.context.db;
    });
    after(() => app.stop());

    async function newOrganization(): Promise<string> {
      const [row] = await db
        .insert(organizations)
        .values({ name: `Vault ${randomUUID().slice(0, 4)}` })
        .returning();
      return row!.id;
    }

    test("seals and opens a value bound to its organization, record and field", async () => {
      const vault = new Vault(db, await ringOf({ currentVersion: 1, keys: new Map([[1, masterV1]]) }));
      const organizationId = await newOrganization();
      const binding = { organizationId, record: "connection:1", field: "access_token" };
      const sealed = await vault.seal(binding, "EAAB-secret-token");
      assert.ok(!sealed.includes("EAAB-secret-token"));
      assert.notEqual(await vault.seal(binding, "EAAB-secret-token"), sealed, "a fresh IV every time");
      assert.equal(await vault.open(binding, sealed), "EAAB-secret-token");
    });

    test("a tampered, moved or foreign ciphertext does not open", async () => {
      const vault = new Vault(db, await ringOf({ currentVersion: 1, keys: new Map([[1, masterV1]]) }));
      const organizationId = await newOrganization();
      const otherOrganization = await newOrganization();
      const binding = { organizationId, record: "connection:1", field: "access_token" };
      const sealed = await vault.seal(binding, "secret");
      const [format, iv, body] = sealed.split(".");
      const flipped = Buffer.from(body!, "base64url");
      flipped[0]! ^= 1;
      await assert.rejects(vault.open(binding, `${format}.${iv}.${flipped.toString("base64url")}`), VaultError);
      await assert.rejects(vault.open({ ...binding, record: "connection:2" }, sealed), VaultError);
      await assert.rejects(vault.open({ ...binding, field: "refresh_token" }, sealed), VaultError);
      await assert.rejects(vault.open({ ...binding, organizationId: otherOrganization }, sealed), VaultError);
      await assert.rejects(vault.open(binding, "not-sealed"), VaultError);
    });

    test("a wrapped data key copied to another organization does not unwrap", async () => {
      const ring = await ringOf({ currentVersion: 1, keys: new Map([[1, masterV1]]) });
      const source = await newOrganization();
      const target = await newOrganization();
      await new Vault(db, ring).seal({ organizationId: source, record: "r", field: "f" }, "x");
      const [row] = await db.select().from(organizationKeys).where(eq(organizationKeys.organizationId, source));
      await db
        .insert(organizationKeys)
        .values({ organizationId: target, wrappedKey: row!.wrappedKey, masterKeyVersion: 1 });
      await assert.rejects(
        new Vault(db, ring).seal({ organizationId: target, record: "r", field: "f" }, "x"),
        VaultError,
      );
    });

    test("the wrong master key, or a missing version, fails loudly", async () => {
      const organizationId = await newOrganization();
      const binding = { organizationId, record: "r", field: "f" };
      const sealed = await new Vault(db, await ringOf({ currentVersion: 1, keys: new Map([[1, masterV1]]) })).seal(
        binding,
        "x",
      );
      const wrongKey = new Vault(db, await ringOf({ currentVersion: 1, keys: new Map([[1, masterV2]]) }));
      await assert.rejects(wrongKey.open(binding, sealed), VaultError);
      const missingVersion = new Vault(db, await ringOf({ currentVersion: 2, keys: new Map([[2, masterV2]]) }));
      await assert.rejects(missingVersion.open(binding, sealed), MissingMasterKeyError);
    });

    test("rotation re-wraps every data key; values still open, and the old master key can go", async () => {
      const ringV1 = await ringOf({ currentVersion: 1, keys: new Map([[1, masterV1]]) });
      const organizationIds = [await newOrganization(), await newOrganization(), await newOrganization()];
      const sealed = await Promise.all(
        organizationIds.map((organizationId) =>
          new Vault(db, ringV1).seal({ organizationId, record: "r", field: "f" }, `token-${organizationId}`),
        ),
      );
      const ringV1V2 = await ringOf({
        currentVersion: 2,
        keys: new Map([
          [1, masterV1],
          [2, masterV2],
        ]),
      });
      const result = await rewrapDataKeys(db, ringV1V2, { clock: systemClock });
      assert.equal(result.masterKeyVersion, 2);
      assert.ok(result.rewrapped >= 3);
      assert.equal(result.failed.length, 1, "the data key copied to another organization is reported, not fatal");
      assert.equal(
        (await rewrapDataKeys(db, ringV1V2, { clock: systemClock })).rewrapped,
        0,
        "a second run has nothing to do",
      );
      const onlyV2 = new Vault(db, await ringOf({ currentVersion: 2, keys: new Map([[2, masterV2]]) }));
      for (const [index, organizationId] of organizationIds.entries()) {
        assert.equal(
          await onlyV2.open({ organizationId, record: "r", field: "f" }, sealed[index]!),
          `token-${organizationId}`,
        );
      }
    });
  });
}
