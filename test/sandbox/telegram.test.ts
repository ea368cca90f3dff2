import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, before, describe, test } from "node:test";
import { projectPath } from "../../src/paths.js";
import { json, startMediaServer, startSandbox, type RunningSandbox } from "./support.js";

const newsBot = "7000000001:AAHsandboxNorthwindNewsBot0000000001";
const observerBot = "7000000002:AAHsandboxQuietObserverBot0000000002";

describe("sandbox: Telegram Bot API", () => {
  let sandbox: RunningSandbox;
  let media: Awaited<ReturnType<typeof startMediaServer>>;
  const call = (token: string, method: string, body?: Record<string, unknown> | FormData) =>
    fetch(`${sandbox.base("telegram")}/bot${token}/${method}`, {
      method: body ? "POST" : "GET",
      ...(body instanceof FormData
        ? { body }
        : body
          ? { body: JSON.stringify(body), headers: { "content-type": "application/json" } }
          : {}),
    });

  before(async () => {
    sandbox = await startSandbox({ limits: { telegramMessagesPerMinutePerChat: 12 } });
    media = await startMediaServer();
  });
  after(async () => {
    await media.close();
    await sandbox.close();
  });

  test("the product's check: getMe, getChat, getChatMember says the bot may post", async () => {
    const me = await json(await call(newsBot, "getMe"));
    assert.deepEqual(me, {
      ok: true,
      result: { id: 7000000001, is_bot: true, first_name: "Northwind News", username: "northwind_news_bot" },
    });
    const chat = await json(await call(newsBot, "getChat", { chat_id: "@northwind_news" }));
    assert.equal(chat.result.type, "channel");
    assert.equal(chat.result.id, -1001000000001);
    const member = await json(await call(newsBot, "getChatMember", { chat_id: chat.result.id, user_id: me.result.id }));
    assert.equal(member.result.status, "administrator");
    assert.equal(member.result.can_post_messages, true);
    const observer = await json(
      await call(observerBot, "getChatMember", { chat_id: "@northwind_news", user_id: 7000000002 }),
    );
    assert.equal(observer.result.can_post_messages, false);
    assert.equal((await json(await call(newsBot, "getChatMemberCount", { chat_id: "@northwind_news" }))).result, 5230);
  });

  test("errors: a bad token 401, an unknown chat 400, a bot without rights 400, a bot outside 403", async () => {
    assert.deepEqual(await json(await call("123:nope", "getMe")), {
      ok: false,
      error_code: 401,
      description: "Unauthorized",
    });
    assert.deepEqual(await json(await call(newsBot, "getChat", { chat_id: "@nowhere" })), {
      ok: false,
      error_code: 400,
      description: "Bad Request: chat not found",
    });
    const noRights = await json(await call(observerBot, "sendMessage", { chat_id: "@northwind_news", text: "hi" }));
    assert.equal(noRights.description, "Bad Request: need administrator rights in the channel chat");
    const outside = await call(observerBot, "sendMessage", { chat_id: "@northwind_lounge", text: "hi" });
    assert.equal(outside.status, 403);
    assert.equal((await json(outside)).description, "Forbidden: bot is not a member of the channel chat");
  });

  test("sendMessage: text limits and MarkdownV2 escaping as Telegram enforces them; the post's URL", async () => {
    const sent = await json(
      await call(newsBot, "sendMessage", {
        chat_id: "@northwind_news",
        text: "Fresh roast *today*\\!",
        parse_mode: "MarkdownV2",
        link_preview_options: { is_disabled: true },
      }),
    );
    assert.equal(sent.ok, true);
    const id = sent.result.message_id;
    const published = await json(await fetch(`${sandbox.url}_sandbox/published?platform=telegram`));
    assert.equal(
      published.items.find((item: { id: string }) => item.id === String(id)).url,
      `https://t.me/northwind_news/${id}`,
    );
    const unescaped = await json(
      await call(newsBot, "sendMessage", { chat_id: "@northwind_news", text: "Open 9-5.", parse_mode: "MarkdownV2" }),
    );
    assert.match(unescaped.description, /can't parse entities: Character '-' is reserved/);
    const long = await json(await call(newsBot, "sendMessage", { chat_id: "@northwind_news", text: "a".repeat(4097) }));
    assert.equal(long.description, "Bad Request: message is too long");
  });

  test("sendPhoto by upload and by URL; sendVideo; a caption over 1,024 characters is refused", async () => {
    const form = new FormData();
    form.set("chat_id", "@northwind_news");
    form.set("caption", "Cup of the day");
    form.set("photo", new Blob([Buffer.alloc(4000, 1)], { type: "image/jpeg" }), "cup.jpg");
    const uploaded = await json(await call(newsBot, "sendPhoto", form));
    assert.equal(uploaded.result.caption, "Cup of the day");
    assert.ok(uploaded.result.photo[0].file_id);
    const byUrl = await json(
      await call(newsBot, "sendPhoto", { chat_id: "@northwind_news", photo: media.url("/photo.jpg") }),
    );
    assert.equal(byUrl.ok, true);
    const reused = await json(
      await call(newsBot, "sendPhoto", { chat_id: "@northwind_news", photo: byUrl.result.photo[0].file_id }),
    );
    assert.equal(reused.ok, true, "a file_id can be sent again");
    const broken = await json(
      await call(newsBot, "sendPhoto", { chat_id: "@northwind_news", photo: media.url("/missing.jpg") }),
    );
    assert.equal(broken.description, "Bad Request: wrong file identifier/HTTP URL specified");
    const video = await json(
      await call(newsBot, "sendVideo", {
        chat_id: "@northwind_news",
        video: media.url("/clip.mp4"),
        caption: "Roasting",
      }),
    );
    assert.equal(video.result.video.mime_type, "video/mp4");
    const long = await json(
      await call(newsBot, "sendPhoto", {
        chat_id: "@northwind_news",
        photo: media.url("/photo.jpg"),
        caption: "a".repeat(1025),
      }),
    );
    assert.equal(long.description, "Bad Request: message caption is too long");
  });

  test("sendMediaGroup: 2–10 items, files attached by name, one media_group_id", async () => {
    const form = new FormData();
    form.set("chat_id", "@northwind_news");
    form.set(
      "media",
      JSON.stringify([
        { type: "photo", media: "attach://first", caption: "Two roasts" },
        { type: "photo", media: media.url("/photo.jpg") },
      ]),
    );
    form.set("first", new Blob([Buffer.alloc(100, 1)], { type: "image/jpeg" }), "first.jpg");
    const group = await json(await call(newsBot, "sendMediaGroup", form));
    assert.equal(group.result.length, 2);
    assert.equal(group.result[0].media_group_id, group.result[1].media_group_id);
    const single = await json(
      await call(newsBot, "sendMediaGroup", {
        chat_id: "@northwind_news",
        media: [{ type: "photo", media: media.url("/photo.jpg") }],
      }),
    );
    assert.equal(single.error_code, 400);
  });

  test("flood control: 429 with parameters.retry_after", async () => {
    const limited = await startSandbox({ limits: { telegramMessagesPerMinutePerChat: 2 } });
    try {
      const send = () =>
        fetch(`${limited.base("telegram")}/bot${newsBot}/sendMessage`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ chat_id: "@northwind_news", text: "tick" }),
        });
      await send();
      await send();
      const third = await send();
      assert.equal(third.status, 429);
      const body = await json(third);
      assert.equal(body.error_code, 429);
      assert.ok(body.parameters.retry_after >= 1 && body.parameters.retry_after <= 60);
      assert.equal(body.description, `Too Many Requests: retry after ${body.parameters.retry_after}`);
    } finally {
      await limited.close();
    }
  });

  test("the bot token never reaches the journal", async () => {
    const journal = await json(await fetch(`${sandbox.url}_sandbox/journal?prefix=telegram`));
    assert.ok(journal.entries.length > 0);
    assert.ok(
      journal.entries.every(
        (entry: { path: string }) => !entry.path.includes(newsBot) && entry.path.includes("/bot[redacted]/"),
      ),
    );
  });

  test("every emulated method is in the Bot API spec", () => {
    const spec = JSON.parse(readFileSync(projectPath("sandbox/specs/telegram-bot-api.min.json"), "utf8")) as {
      methods: Record<string, unknown>;
    };
    for (const method of [
      "getMe",
      "getChat",
      "getChatMember",
      "getChatMemberCount",
      "getChatAdministrators",
      "sendMessage",
      "sendPhoto",
      "sendVideo",
      "sendDocument",
      "sendMediaGroup",
      "deleteMessage",
    ]) {
      assert.ok(spec.methods[method], method);
    }
  });
});
