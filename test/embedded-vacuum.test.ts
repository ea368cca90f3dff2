import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { vacuumEmbedded } from "../src/db/embedded-vacuum.js";
import type { SqlExecutor } from "../src/db/client.js";
import { startTestApp, type TestApp } from "./support/app.js";

describe("the embedded database's vacuum", () => {
  let app: TestApp;
  let executor: SqlExecutor;
  const statistics = async () =>
    (
      await executor.executeSql(
        `select n_live_tup::int as live, n_dead_tup::int as dead, last_vacuum, last_analyze
           from pg_stat_user_tables where relname = 'analytics_budget_spend'`,
      )
    ).rows[0] as { live: number; dead: number; last_vacuum: Date | null; last_analyze: Date | null };

  before(async () => {
    app = await startTestApp({ role: "api" });
    const { database } = app.runtime;
    assert.equal(database.kind, "pglite");
    executor = database.kind === "pglite" ? database.executor : assert.fail();
  });
  after(async () => {
    await app.stop();
  });

  test("a table with many dead rows is vacuumed and analyzed; one under the thresholds is left", async () => {
    // PGlite runs no autovacuum: 2,000 rows deleted stay dead until someone vacuums.
    await executor.executeSql(
      `insert into analytics_budget_spend (platform, scope_key, window_ms, window_start, calls)
       select 'x', 'app', 60000, to_timestamp(g * 60), 1 from generate_series(1, 3000) g`,
    );
    await executor.executeSql(
      `delete from analytics_budget_spend where calls = 1 and window_start < to_timestamp(2001 * 60)`,
    );
    // Statistics reach the shared counters a moment after a transaction; this one is not kept waiting.
    await executor.executeSql("select pg_stat_force_next_flush()");
    const before = await statistics();
    assert.equal(before.dead, 2_000);
    assert.equal(before.last_vacuum, null);

    const vacuumed = await vacuumEmbedded(executor);
    assert.ok(vacuumed.includes("public.analytics_budget_spend"), vacuumed.join(", "));
    await executor.executeSql("select pg_stat_force_next_flush()");
    const after = await statistics();
    assert.equal(after.dead, 0);
    assert.equal(after.live, 1_000);
    assert.ok(after.last_vacuum && after.last_analyze, "vacuumed and analyzed");

    assert.ok(!(await vacuumEmbedded(executor)).includes("public.analytics_budget_spend"), "nothing left to do there");
  });
});
