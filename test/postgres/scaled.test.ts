import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import pg from "pg";
import { HttpClient } from "../support/client.js";
import { createOrganization, signUp } from "../support/factories.js";
import { createTestDatabase, postgresSkipReason, type TestDatabase } from "../support/postgres.js";
import { startServerProcess, waitFor, type ServerProcess } from "../support/process.js";

describe("scaled out on PostgreSQL: one API process and two workers", { skip: postgresSkipReason }, () => {
  let database: TestDatabase;
  let api: ServerProcess;
  let workers: ServerProcess[];
  let url: URL;

  before(async () => {
    database = await createTestDatabase();
    const env = {
      DATABASE_URL: database.url,
      HOST: "127.0.0.1",
      PORT: "0",
      FIELD_ENCRYPTION_KEY: "0".repeat(64),
      WORKER_HEARTBEAT_INTERVAL_MS: "500",
      WORKER_STALE_AFTER_MS: "2500",
      QUEUE_POLLING_INTERVAL_SECONDS: "0.5",
    };
    // All three start at once on an empty database: migrations must serialise, not collide.
    api = startServerProcess(["--role", "api"], env);
    workers = [startServerProcess(["--role", "worker"], env), startServerProcess(["--role", "worker"], env)];
    url = await api.url;
  });
  after(async () => {
    await Promise.all([api, ...workers].map((process) => process.stop()));
    await database.drop();
  });

  test("health sees both workers", async () => {
    const health = await waitFor(
      async () => {
        const answer = await fetch(new URL("/api/health", url));
        const body = await answer.json();
        return answer.status === 200 && body.worker.live === 2 ? body : undefined;
      },
      20_000,
      "two live workers",
    );
    assert.match(health.database.detail, /^postgres answered/);
  });

  test("the API serves accounts and organizations on the server database", async () => {
    const client = new HttpClient(url);
    const user = await signUp(client);
    assert.equal(user.isSuperAdmin, true);
    await createOrganization(client, "Scaled Co");
    const invited = await client.post("/api/organization/invitations", { email: "scaled@example.com", role: "USER" });
    assert.equal(invited.status, 201);
  });

  test("jobs sent through the API's database are each worked once by the workers", async () => {
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      await client.query(
        `insert into pgboss.job (name, data) select 'maintenance.purge-expired-sessions', '{}'::jsonb from generate_series(1, 200)`,
      );
      const done = await waitFor(
        async () => {
          const { rows } = await client.query<{ state: string; total: number }>(
            "select state::text, count(*)::int as total from pgboss.job where name = 'maintenance.purge-expired-sessions' group by state",
          );
          const counts = Object.fromEntries(rows.map((row) => [row.state, row.total]));
          return (counts.completed ?? 0) >= 200 ? counts : undefined;
        },
        60_000,
        "200 jobs to complete",
      );
      assert.equal(done.failed ?? 0, 0);
      assert.equal(done.active ?? 0, 0);
      const { rows } = await client.query<{ total: number }>("select count(*)::int as total from worker_heartbeats");
      assert.equal(rows[0]!.total, 2);
    } finally {
      await client.end();
    }
  });

  test("health turns 503 when every worker is gone", async () => {
    for (const worker of workers) assert.equal(await worker.stop("SIGTERM"), 0);
    const answer = await waitFor(
      async () => {
        const response = await fetch(new URL("/api/health", url));
        return response.status === 503 ? response.json() : undefined;
      },
      10_000,
      "health to report no worker",
    );
    assert.equal(answer.worker.live, 0);
    assert.match(answer.worker.detail, /scheduled posts will not go out/);
  });
});
