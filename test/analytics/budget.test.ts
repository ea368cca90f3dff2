import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { sql } from "drizzle-orm";
import { chargeRead } from "../../src/analytics/budget.js";
import { selectRows } from "../../src/db/client.js";
import type { ReadBudget } from "../../src/platforms/analytics.js";
import { x } from "../../src/platforms/x.js";
import { startTestApp, type TestApp } from "../support/app.js";
import { backends } from "../support/postgres.js";

const DAY = 24 * 60 * 60_000;
/** A project-wide daily quota, reset at midnight in Los Angeles, as YouTube's. */
const quota: ReadBudget = {
  scope: "app",
  calls: 2_400,
  perMs: DAY,
  resetsAtMidnightIn: "America/Los_Angeles",
  source: "test",
};
const perAccount: ReadBudget = { scope: "account", calls: 500, perMs: DAY, source: "test" };
// 2026-11-20 is in PST: midnight in Los Angeles is 08:00Z.
const pacificMidnight = Date.parse("2026-11-20T08:00:00Z");
const nextPacificMidnight = pacificMidnight + DAY;

for (const backend of backends) {
  describe(`read budgets (${backend.name})`, { skip: backend.skip }, () => {
    let app: TestApp;
    before(async () => {
      app = await startTestApp({ backend });
    });
    after(async () => {
      await app.stop();
    });

    /** Charges one read at a time until one is refused: how many passed, and the refusal. */
    const chargeUntilRefused = async (budget: ReadBudget, platform: "youtube" | "linkedin", now: number) => {
      const connectionId = randomUUID();
      for (let passed = 0; passed < 10_000; passed += 1) {
        const charge = await chargeRead(app.runtime.context.db, {
          platform,
          connectionId,
          budgets: [budget],
          kind: "posts",
          cost: 1,
          postsNewToday: 1,
          now,
        });
        if (!charge.allowed) return { passed, charge };
      }
      throw new Error("no read was refused");
    };

    test("a quota every account shares is spent evenly over its day, plus an hour's share at once", async () => {
      const early = await chargeUntilRefused(quota, "youtube", pacificMidnight + 60_000);
      // A minute into the day: a minute's share and an hour's, 2,400 × (1/1440 + 1/24).
      assert.equal(early.passed, 101);
      assert.equal(early.charge.paced, true);
      const retryIn = early.charge.retryAt.getTime() - (pacificMidnight + 60_000);
      assert.ok(retryIn > 0 && retryIn <= DAY / 24, `tried again within the hour, not at midnight (${retryIn} ms)`);

      const noon = await chargeUntilRefused(quota, "youtube", pacificMidnight + DAY / 2);
      assert.equal(101 + noon.passed, 1_300, "by noon half the day's quota and an hour's share");

      const lastHour = await chargeUntilRefused(quota, "youtube", nextPacificMidnight - 30 * 60_000);
      assert.equal(101 + noon.passed + lastHour.passed, 2_400, "never more than the quota");
      assert.equal(lastHour.charge.paced, false);
      assert.equal(lastHour.charge.retryAt.getTime(), nextPacificMidnight, "spent: back when the quota resets");
    });

    test("the accounts a pace refuses come back spread over the next hour", async () => {
      const now = pacificMidnight + 3 * DAY;
      const start = await chargeUntilRefused(quota, "youtube", now);
      assert.equal(start.passed, 100);
      const retries = await Promise.all(
        Array.from({ length: 20 }, async () =>
          (await chargeUntilRefused(quota, "youtube", now)).charge.retryAt.getTime(),
        ),
      );
      assert.ok(new Set(retries).size >= 15, `${new Set(retries).size} distinct retry times for 20 accounts`);
      for (const retry of retries) assert.ok(retry > now && retry <= now + DAY / 24);
    });

    test("a budget that counts posts once a UTC day is charged the posts new that day, and nothing for an account", async () => {
      // X's pay-per-use cap, as the X module declares it: 3 million post reads a month, a post billed once a UTC day.
      const billed = x.analytics!.budgets.find((budget) => budget.countsPostsOncePerUtcDay)!;
      const capped: ReadBudget = { ...billed, calls: 120 };
      const connectionId = randomUUID();
      const charge = (kind: "posts" | "account", postsNewToday: number, cost = 2) =>
        chargeRead(app.runtime.context.db, {
          platform: "x",
          connectionId,
          budgets: [capped],
          kind,
          cost,
          postsNewToday,
          now: Date.parse("2026-11-20T12:00:00Z"),
        });
      // 100 posts asked, 30 of them new today: 30 counted (charged 100 a call, the pace would refuse it: 75 by now).
      assert.equal((await charge("posts", 30)).allowed, true);
      assert.equal((await charge("posts", 0)).allowed, true, "posts read already today cost nothing");
      assert.equal((await charge("account", 0, 1)).allowed, true, "an account read is no post read");
      assert.equal((await charge("posts", 100)).allowed, false, "100 new posts pass the pace's 75 by now");
      const [spend] = await selectRows<{ calls: number }>(
        app.runtime.context.db,
        sql`select sum(calls)::int as calls from analytics_budget_spend where platform = 'x' and scope_key = 'app'`,
      );
      assert.equal(spend!.calls, 30);
    });

    test("an account's own daily budget is not paced: its history on connect may take it at once", async () => {
      const burst = await chargeUntilRefused(perAccount, "linkedin", Date.parse("2026-11-20T00:01:00Z"));
      assert.equal(burst.passed, 500);
      assert.equal(burst.charge.paced, false);
      assert.equal(burst.charge.retryAt.toISOString(), "2026-11-21T00:00:00.000Z");
    });
  });
}
