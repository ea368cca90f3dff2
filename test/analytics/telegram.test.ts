import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { grown } from "../../sandbox/metrics.js";
import { bots, telegramChats } from "../../sandbox/seed.js";
import { PlatformError } from "../../src/platforms/platform.js";
import { telegram } from "../../src/platforms/telegram.js";
import { advance, startSandbox, type RunningSandbox } from "../sandbox/support.js";
import { platformApi, reasons } from "./sandbox-reads.js";

const analytics = telegram.analytics!;
const news = telegramChats.find((chat) => chat.username === "northwind_news")!;
const botToken = bots.find((bot) => bot.username === "northwind_news_bot")!.token;
const account = { externalId: String(news.id), details: { chatId: String(news.id), username: news.username } };
const range = { since: "2026-11-01", until: "2026-11-02" };

describe("analytics: Telegram", () => {
  let sandbox: RunningSandbox;

  before(async () => {
    sandbox = await startSandbox();
  });
  after(() => sandbox.close());

  test("followers are the channel's subscriber count, exact, as it grows; nothing else is read", async () => {
    const api = platformApi(sandbox, telegram, "telegram");
    const first = await analytics.readAccount(api, account, range, { botToken });
    assert.deepEqual(first.current, [{ metric: "followers", value: news.memberCount, source: "getChatMemberCount" }]);
    assert.deepEqual(first.days, []);

    await advance(sandbox, 3 * 86_400);
    const later = await analytics.readAccount(api, account, range, { botToken });
    const grownBy = grown(`${news.id}:subscribers`, 0, 3 * 86_400_000, 3);
    assert.ok(grownBy > 0);
    assert.equal(later.current[0]!.value, news.memberCount + grownBy);
  });

  test("post metrics are not provided by Telegram, never 0: no post reader, and the account says why", async () => {
    assert.equal(analytics.readPosts, undefined);
    assert.deepEqual(analytics.provides.post, []);
    const read = await analytics.readAccount(platformApi(sandbox, telegram, "telegram"), account, range, { botToken });
    assert.deepEqual(reasons(read.unavailable), {
      views: "not_provided",
      reach: "not_provided",
      reactions: "not_provided",
      comments: "not_provided",
      shares: "not_provided",
    });
    assert.ok(read.unavailable.every((item) => /^Not provided by Telegram/.test(item.message)));
    assert.ok(!read.current.some((reading) => reading.value === 0));
  });

  test("a revoked bot token fails the read as publishing's calls do", async () => {
    const error = await analytics
      .readAccount(platformApi(sandbox, telegram, "telegram"), account, range, { botToken: "7000000001:revoked" })
      .then(
        () => assert.fail("a bad token should be refused"),
        (caught: unknown) => caught,
      );
    assert.ok(error instanceof PlatformError);
    assert.equal(error.failure.kind, "token_invalid");
  });
});
