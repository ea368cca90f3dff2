import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { adjustableClock, type AdjustableClock } from "../../src/clock.js";
import { startTestApp, type TestApp } from "../support/app.js";
import { HttpClient, type Answer } from "../support/client.js";
import { createOrganization, signUp } from "../support/factories.js";
import { createTestDatabase, postgresSkipReason, type TestDatabase } from "../support/postgres.js";
import { startServerProcess, type ServerProcess } from "../support/process.js";
import { createKey, KeyClient } from "./support.js";

const budgetOf = (answer: Answer) => ({
  status: answer.status,
  limit: answer.headers.get("ratelimit-limit"),
  remaining: answer.headers.get("ratelimit-remaining"),
});

describe("each API key's budget of requests per minute", () => {
  let app: TestApp;
  let clock: AdjustableClock;
  let admin: HttpClient;

  before(async () => {
    clock = adjustableClock();
    // At the start of a minute, so the window does not turn while a test counts.
    clock.advance(60_000 - (clock.now() % 60_000));
    app = await startTestApp({ env: { API_KEY_REQUESTS_PER_MINUTE: "3" }, clock });
    admin = app.client();
    await signUp(admin);
    await createOrganization(admin, "Budgeted Co");
  });
  after(() => app.stop());

  test("answers the RateLimit headers, then 429 with Retry-After once the minute's budget is spent", async () => {
    const key = new KeyClient(app.url, (await createKey(admin)).secret);
    const answers = [];
    for (let request = 0; request < 4; request += 1) answers.push(await key.get("/api/posts"));
    assert.deepEqual(answers.map(budgetOf), [
      { status: 200, limit: "3", remaining: "2" },
      { status: 200, limit: "3", remaining: "1" },
      { status: 200, limit: "3", remaining: "0" },
      { status: 429, limit: "3", remaining: "0" },
    ]);
    const refused = answers[3]!;
    assert.equal(refused.body.error.code, "rate_limited");
    assert.equal(refused.headers.get("ratelimit-policy"), "3;w=60");
    const retryAfter = Number(refused.headers.get("retry-after"));
    assert.ok(retryAfter >= 1 && retryAfter <= 60, `Retry-After: ${retryAfter}`);
    assert.equal(refused.headers.get("ratelimit-reset"), String(retryAfter));

    clock.advance(retryAfter * 1000);
    assert.deepEqual(budgetOf(await key.get("/api/posts")), { status: 200, limit: "3", remaining: "2" });
  });

  test("each key has its own budget, and sessions are not counted", async () => {
    const spent = new KeyClient(app.url, (await createKey(admin)).secret);
    for (let request = 0; request < 4; request += 1) await spent.get("/api/posts");
    assert.equal((await spent.get("/api/posts")).status, 429);
    const fresh = new KeyClient(app.url, (await createKey(admin)).secret);
    assert.equal((await fresh.get("/api/posts")).status, 200);
    const session = await admin.get("/api/posts");
    assert.equal(session.status, 200);
    assert.equal(session.headers.get("ratelimit-limit"), null);
  });
});

describe("a key's budget across two API processes on PostgreSQL", { skip: postgresSkipReason }, () => {
  let database: TestDatabase;
  let processes: ServerProcess[];
  let urls: URL[];

  before(async () => {
    database = await createTestDatabase();
    const env = {
      DATABASE_URL: database.url,
      HOST: "127.0.0.1",
      PORT: "0",
      FIELD_ENCRYPTION_KEY: "0".repeat(64),
      API_KEY_REQUESTS_PER_MINUTE: "6",
    };
    processes = [startServerProcess(["--role", "api"], env), startServerProcess(["--role", "api"], env)];
    urls = await Promise.all(processes.map((process) => process.url));
  });
  after(async () => {
    await Promise.all(processes.map((process) => process.stop()));
    await database.drop();
  });

  test("requests spread over both processes draw on one budget, and the seventh is refused", async () => {
    const admin = new HttpClient(urls[0]!);
    await signUp(admin);
    await createOrganization(admin, "Scaled keys");
    // The processes count by the system's clock: a minute turning mid-way starts the count again,
    // so that attempt is made again with a fresh key.
    for (let attempt = 0; attempt < 3; attempt += 1) {
      const { secret } = await createKey(admin);
      const clients = urls.map((url) => new KeyClient(url, secret));
      const answers: Answer[] = [];
      for (let request = 0; request < 7; request += 1) answers.push(await clients[request % 2]!.get("/api/posts"));
      const remaining = answers.slice(0, 6).map((answer) => Number(answer.headers.get("ratelimit-remaining")));
      const turned = remaining.some((value, index) => index > 0 && value > remaining[index - 1]!);
      if (turned) continue;
      assert.deepEqual(
        answers.map((answer) => answer.status),
        [200, 200, 200, 200, 200, 200, 429],
      );
      assert.deepEqual(remaining, [5, 4, 3, 2, 1, 0]);
      assert.ok(Number(answers[6]!.headers.get("retry-after")) >= 1);
      return;
    }
    assert.fail("the minute turned during every attempt");
  });
});
