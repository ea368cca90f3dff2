import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { after, before, describe, test } from "node:test";
import { projectPath } from "../src/paths.js";
import { HttpClient } from "./support/client.js";
import { createOrganization, signUp, uniqueEmail } from "./support/factories.js";
import { startServerProcess, type ServerProcess } from "./support/process.js";

const run = promisify(execFile);

describe("the one-process server (npm start)", () => {
  let dataDir: string;
  let server: ServerProcess;
  let url: URL;

  before(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), "marketsage-main-"));
    server = startServerProcess([], { DATA_DIR: dataDir, PORT: "0", HOST: "127.0.0.1", NODE_ENV: "development" });
    url = await server.url;
  });
  after(async () => {
    await server.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  test("creates the data folder with the embedded database, a development key and its claim", async () => {
    assert.ok(existsSync(path.join(dataDir, "pglite")));
    const keyFile = JSON.parse(await readFile(path.join(dataDir, "master-keys.json"), "utf8"));
    assert.equal(keyFile.currentVersion, 1);
    const claim = JSON.parse(await readFile(path.join(dataDir, "server.json"), "utf8"));
    assert.equal(claim.port, Number(url.port));
    assert.match(server.output(), /FIELD_ENCRYPTION_KEY is not set/);
  });

  test("is healthy with its in-process worker", async () => {
    const health = await fetch(new URL("/api/health", url));
    assert.equal(health.status, 200);
    const body = await health.json();
    assert.equal(body.worker.live, 1);
  });

  test("a second server on the same data folder refuses to start", async () => {
    const second = startServerProcess([], { DATA_DIR: dataDir, PORT: "0", HOST: "127.0.0.1" });
    assert.equal(await second.exited, 1);
    assert.match(second.output(), /Another MarketSage server \(pid \d+\) is using/);
  });

  test("--role worker without DATABASE_URL is refused with the reason", async () => {
    const worker = startServerProcess(["--role", "worker"], { DATA_DIR: dataDir });
    assert.equal(await worker.exited, 2);
    assert.match(worker.output(), /need DATABASE_URL/);
  });

  test("npm run keys:rotate re-wraps data keys through the running server", async () => {
    const client = new HttpClient(url);
    await signUp(client);
    await createOrganization(client);
    const invited = await client.post("/api/organization/invitations", { email: uniqueEmail(), role: "USER" });
    const { stdout } = await run("npm", ["run", "--silent", "keys:rotate"], {
      cwd: projectPath(),
      env: { ...process.env, DATA_DIR: dataDir },
    });
    assert.match(stdout, /Added master key version 2/);
    assert.match(stdout, /Re-wrapped 1 data keys under master key version 2 \(running server, pid \d+\)/);
    const listed = await client.get("/api/organization/invitations");
    assert.equal(listed.body.invitations[0].url, invited.body.invitation.url, "sealed links still open");
    const audit = await client.get("/api/audit?scope=installation&action=vault.keys_rotated");
    assert.deepEqual(audit.body.events[0].details, { masterKeyVersion: 2, rewrapped: 1, failed: [] });
  });

  test("SIGTERM shuts down cleanly and releases the data folder", async () => {
    assert.equal(await server.stop("SIGTERM"), 0);
    assert.equal(existsSync(path.join(dataDir, "server.json")), false);
  });
});

describe("configuration errors stop the server with the variable named", () => {
  test("production without FIELD_ENCRYPTION_KEY", async () => {
    const server = startServerProcess([], { NODE_ENV: "production", PORT: "0", FIELD_ENCRYPTION_KEY: "" });
    assert.equal(await server.exited, 1);
    assert.match(server.output(), /FIELD_ENCRYPTION_KEY: required when NODE_ENV=production/);
  });

  test("a bad port and a bad database URL, together", async () => {
    const server = startServerProcess([], { PORT: "eighty", DATABASE_URL: "mysql://nope" });
    assert.equal(await server.exited, 1);
    assert.match(server.output(), /PORT: /);
    assert.match(server.output(), /DATABASE_URL: must be a postgres:\/\/ or postgresql:\/\/ URL/);
  });
});
