import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ConfigError, parseConfig, parseMasterKey } from "../src/config.js";

function problems(env: Record<string, string>): string[] {
  try {
    parseConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe("config", () => {
  test("defaults run the embedded database on port 3000 with ./data", () => {
    const config = parseConfig({});
    assert.equal(config.http.port, 3000);
    assert.equal(config.dataDir, "./data");
    assert.deepEqual(config.database, { kind: "pglite" });
    assert.equal(config.vault.masterKey, undefined);
  });

  test("DATABASE_URL selects PostgreSQL", () => {
    const config = parseConfig({ DATABASE_URL: "postgres://u:p@127.0.0.1:5432/db" });
    assert.equal(config.database.kind, "postgres");
  });

  test("the master key is accepted as hex, base64 or 32 characters", () => {
    const bytes = Buffer.alloc(32, 7);
    assert.deepEqual(parseMasterKey(bytes.toString("hex")), bytes);
    assert.deepEqual(parseMasterKey(bytes.toString("base64")), bytes);
    assert.deepEqual(
      parseMasterKey("0123456789abcdefghijklmnopqrstuv"),
      Buffer.from("0123456789abcdefghijklmnopqrstuv"),
    );
    assert.equal(parseMasterKey("too short"), undefined);
  });

  test("every problem is listed, each naming its variable", () => {
    const listed = problems({
      PORT: "-1",
      FIELD_ENCRYPTION_KEY: "short",
      TRUST_PROXY: "maybe",
      PUBLIC_URL: "not a url",
    });
    assert.equal(listed.length, 4);
    for (const name of ["PORT", "FIELD_ENCRYPTION_KEY", "TRUST_PROXY", "PUBLIC_URL"]) {
      assert.ok(
        listed.some((line) => line.startsWith(`${name}:`)),
        `${name} in ${listed}`,
      );
    }
  });

  test("metrics are off unless a token or a port of their own is set; a short token is refused", () => {
    assert.deepEqual(parseConfig({}).metrics, { token: undefined, listener: undefined });
    assert.deepEqual(parseConfig({ METRICS_PORT: "9464" }).metrics.listener, { host: "127.0.0.1", port: 9464 });
    assert.equal(problems({ METRICS_TOKEN: "short" }).length, 1);
    assert.ok(problems({ METRICS_TOKEN: "short" })[0]!.startsWith("METRICS_TOKEN:"));
  });

  test("booleans read 'false' as false", () => {
    assert.equal(parseConfig({ TRUST_PROXY: "false" }).http.trustProxy, false);
    assert.equal(parseConfig({ TRUST_PROXY: "true" }).http.trustProxy, true);
  });

  test("production refuses to start without a master key", () => {
    assert.match(problems({ NODE_ENV: "production" })[0] ?? "", /^FIELD_ENCRYPTION_KEY: required/);
    const key = Buffer.alloc(32, 1).toString("hex");
    assert.equal(parseConfig({ NODE_ENV: "production", FIELD_ENCRYPTION_KEY: key }).isProduction, true);
  });

  test("retired keys are VERSION:KEY pairs and cannot reuse the current version", () => {
    const key = Buffer.alloc(32, 2).toString("hex");
    const config = parseConfig({
      FIELD_ENCRYPTION_KEY: key,
      FIELD_ENCRYPTION_KEY_VERSION: "2",
      FIELD_ENCRYPTION_RETIRED_KEYS: `1:${key}`,
    });
    assert.deepEqual([...config.vault.retiredKeys.keys()], [1]);
    assert.match(problems({ FIELD_ENCRYPTION_RETIRED_KEYS: "x" })[0] ?? "", /^FIELD_ENCRYPTION_RETIRED_KEYS: /);
    assert.match(
      problems({ FIELD_ENCRYPTION_KEY: key, FIELD_ENCRYPTION_RETIRED_KEYS: `1:${key}` })[0] ?? "",
      /version 1 is the current/,
    );
  });

  test("an empty variable counts as unset", () => {
    assert.equal(parseConfig({ PORT: "" }).http.port, 3000);
  });
});
