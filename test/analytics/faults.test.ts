import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { connectThroughConsent, type TestApp } from "../connections/support.js";
import { connectionIds, settled } from "../posts/support.js";
import type { HttpClient } from "../support/client.js";
import { waitFor } from "../support/process.js";
import { armFault, type RunningSandbox } from "../sandbox/support.js";
import { analyticsWorld, journal, postMetrics, readSince, type TargetMetrics } from "./support.js";

const MINUTE = 60_000;

/**
 * Collection while the platform fails: an outage, then a rate limit. What was read stands (never
 * blanked, never 0), the failure is shown with the next try, the account stays healthy, nothing is
 * called before the platform's reset, and the next read after the fault is whole.
 */
describe("analytics collection under platform faults", () => {
  let app: TestApp;
  let sandbox: RunningSandbox;
  let client: HttpClient;
  let passTime: (milliseconds: number) => Promise<void>;
  let clockNow: () => number;
  let postId: string;
  let firstRead: TargetMetrics;

  const metricsReads = async (since: number) =>
    (await journal(sandbox, "x", "/2/tweets")).filter((entry) => entry.method === "GET" && entry.at >= since);
  const target = async () => (await postMetrics(client, postId))[0]!;
  const connectionStatus = async () =>
    (
      (await client.get("/api/social-media/connections")).body.connections as { platform: string; status: string }[]
    ).find((connection) => connection.platform === "x")!.status;

  before(async () => {
    ({ app, sandbox, passTime, clockNow, client } = await analyticsWorld("Faulty Networks"));
    await connectThroughConsent(client, "x", { identity: "ava" });
    const ids = await connectionIds(client);
    const created = await client.post("/api/posts", {
      content: "Read me through the storm",
      connectionIds: [ids.byKey("x")],
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    postId = (await settled(client, created.body.post.id)).id;
    await passTime(20 * MINUTE);
    firstRead = (await readSince(client, [postId], clockNow() - MINUTE))[0]!;
    assert.equal(typeof firstRead.metrics.views, "number", JSON.stringify(firstRead));
  });
  after(async () => {
    await app?.stop();
    await sandbox?.close();
  });

  test("an outage keeps the last values, says why with the next try, and leaves the account healthy", async () => {
    await armFault(sandbox, { prefix: "x", method: "GET", path: "/2/tweets", mode: "error", status: 503, count: 100 });
    const since = await sandboxTime();
    await passTime(16 * MINUTE);
    const failed = await waitFor(
      async () => {
        const current = await target();
        return current.lastError ? current : undefined;
      },
      20_000,
      "the failed read to be recorded",
    );
    assert.ok(
      (await metricsReads(since)).some((entry) => entry.status === 503),
      "the read reached the platform",
    );
    assert.deepEqual(failed.metrics, firstRead.metrics, "the values read before stand, none blanked or zeroed");
    assert.equal(failed.fetchedAt, firstRead.fetchedAt);
    assert.ok(
      Date.parse(failed.nextCollectionAt!) >= clockNow() + 10 * MINUTE,
      `tried again later, not at once: ${failed.nextCollectionAt}`,
    );
    assert.equal(await connectionStatus(), "healthy", "an outage is not the account's fault");
    await fetch(`${sandbox.url}_sandbox/faults`, { method: "DELETE" });
  });

  test("a rate limit defers every read to the platform's reset, then the next read is whole", async () => {
    const retryAfterSeconds = 40 * 60;
    await armFault(sandbox, { prefix: "x", method: "GET", path: "/2/tweets", mode: "rate_limit", retryAfterSeconds });
    // The outage's retry comes due and meets the rate limit.
    await passTime(16 * MINUTE);
    const limitedAt = await sandboxTime();
    const limited = await waitFor(
      async () => {
        const current = await target();
        return current.lastError && Date.parse(current.nextCollectionAt!) >= clockNow() + 30 * MINUTE
          ? current
          : undefined;
      },
      20_000,
      "the rate-limited read to be deferred to the reset",
    );
    assert.deepEqual(limited.metrics, firstRead.metrics);
    // Two of the post's 15-minute slots pass before the reset, then the reset.
    await passTime(30 * MINUTE);
    await passTime(12 * MINUTE);
    const recovered = await waitFor(
      async () => {
        const current = await target();
        return current.lastError === null && current.fetchedAt !== firstRead.fetchedAt ? current : undefined;
      },
      20_000,
      "the read after the reset",
    );
    assert.ok(recovered.metrics.views! >= firstRead.metrics.views!, "counters read again, not reset");
    assert.deepEqual(
      Object.keys(recovered.metrics).sort(),
      Object.keys(firstRead.metrics).sort(),
      "every metric read again",
    );
    const reads = await metricsReads(limitedAt);
    const refusal = reads.find((entry) => entry.status === 429);
    assert.ok(refusal, "the platform refused a read");
    const after = reads.filter((entry) => entry.status !== 429);
    assert.ok(after.length > 0);
    assert.ok(
      after.every((entry) => entry.at >= refusal.at + retryAfterSeconds * 1000),
      `nothing called before the platform's reset: ${JSON.stringify(after)}`,
    );
    assert.equal(await connectionStatus(), "healthy");
  });

  async function sandboxTime(): Promise<number> {
    return Date.parse(((await (await fetch(`${sandbox.url}_sandbox/clock`)).json()) as { now: string }).now);
  }
});
