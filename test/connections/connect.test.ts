import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { HttpClient } from "../support/client.js";
import { createOrganization, signUp, addMember } from "../support/factories.js";
import { consent, json, type RunningSandbox } from "../sandbox/support.js";
import { connectThroughConsent, newsBot, startAppWithSandbox, type TestApp } from "./support.js";

describe("connecting accounts against the platform sandbox", () => {
  let app: TestApp;
  let sandbox: RunningSandbox;
  let admin: HttpClient;

  before(async () => {
    ({ app, sandbox } = await startAppWithSandbox());
    admin = app.client();
    await signUp(admin);
    await createOrganization(admin, "Northwind");
  });
  after(async () => {
    await app.stop();
    await sandbox.close();
  });

  const connections = async (client = admin) =>
    (await client.get("/api/social-media/connections")).body.connections as Record<string, any>[];

  test("every platform reports itself configured", async () => {
    const answer = await admin.get("/api/social-media/platforms");
    assert.deepEqual(
      answer.body.platforms.map((platform: { id: string; mode: string }) => [platform.id, platform.mode]),
      [
        ["facebook", "configured"],
        ["instagram", "configured"],
        ["x", "configured"],
        ["linkedin", "configured"],
        ["youtube", "configured"],
        ["telegram", "configured"],
        ["tiktok", "configured"],
      ],
    );
  });

  test("X: one account, connected straight away, healthy, with an expiry and no token in sight", async () => {
    const landed = await connectThroughConsent(admin, "x", { identity: "ava" });
    assert.equal(landed.pathname, "/social-media");
    assert.equal(landed.searchParams.get("connected"), "1");
    const x = (await connections()).find((connection) => connection.platform === "x")!;
    assert.equal(x.name, "Ava Lindqvist");
    assert.equal(x.username, "ava_northwind");
    assert.equal(x.status, "healthy");
    assert.equal(x.refreshable, true);
    assert.ok(new Date(x.tokenExpiresAt).getTime() > Date.now() + 3_500_000);
    assert.ok(x.lastSuccessAt);
    for (const key of Object.keys(x)) assert.doesNotMatch(key, /token$/i, `${key} must not be in the API`);
  });

  test("Facebook: several Pages → the person chooses; the grant lives 15 minutes", async () => {
    const landed = await connectThroughConsent(admin, "facebook", { identity: "ava" });
    const grantId = landed.searchParams.get("choose")!;
    assert.ok(grantId);
    const offered = await admin.get(`/api/social-media/grants/${grantId}`);
    assert.deepEqual(
      offered.body.accounts.map((account: { name: string }) => account.name),
      ["Northwind Coffee", "Northwind Bakery"],
    );
    const empty = await admin.post(`/api/social-media/grants/${grantId}`, { externalIds: [] });
    assert.equal(empty.status, 400);
    assert.equal(empty.body.error.field, "externalIds");
    const chosen = await admin.post(`/api/social-media/grants/${grantId}`, { externalIds: ["200000000000001"] });
    assert.equal(chosen.status, 201);
    assert.equal(chosen.body.connections[0].name, "Northwind Coffee");
    assert.equal(
      chosen.body.connections[0].tokenExpiresAt,
      null,
      "a Page token from a long-lived user token does not expire",
    );
    assert.equal((await admin.get(`/api/social-media/grants/${grantId}`)).status, 404, "a grant is used once");
  });

  test("Instagram: the business account behind the Page connects directly", async () => {
    const landed = await connectThroughConsent(admin, "instagram", { identity: "ava" });
    assert.equal(landed.searchParams.get("connected"), "1");
    const instagram = (await connections()).find((connection) => connection.platform === "instagram")!;
    assert.equal(instagram.name, "@northwind.coffee");
    assert.equal(instagram.accountKind, "instagram_business");
  });

  test("LinkedIn: the member through the profile app, the companies they administer through the pages app", async () => {
    const profile = await connectThroughConsent(admin, "linkedin", { identity: "ava", variant: "profile" });
    assert.equal(profile.searchParams.get("connected"), "1", profile.search);
    const member = (await connections()).find((connection) => connection.platform === "linkedin")!;
    const landed = await connectThroughConsent(admin, "linkedin", { identity: "ava", variant: "pages" });
    const grantId = landed.searchParams.get("choose")!;
    const offered = await admin.get(`/api/social-media/grants/${grantId}`);
    assert.deepEqual(
      [`${member.accountKind}:${member.name}`].concat(
        offered.body.accounts.map((account: { kind: string; name: string }) => `${account.kind}:${account.name}`),
      ),
      ["member:Ava Lindqvist", "organization:Northwind Group", "organization:Northwind Labs"],
    );
    const chosen = await admin.post(`/api/social-media/grants/${grantId}`, {
      externalIds: offered.body.accounts.map((account: { externalId: string }) => account.externalId),
    });
    assert.equal(chosen.body.connections.length + 1, 3);
    assert.deepEqual(
      [member.variant, ...chosen.body.connections.map((connection: { variant: string }) => connection.variant)],
      ["profile", "pages", "pages"],
    );
    assert.deepEqual(member.scopes.sort(), ["email", "openid", "profile", "w_member_social"]);
  });

  test("TikTok: the user who consents, by open_id, with the handle from creator info and a refreshable grant", async () => {
    const landed = await connectThroughConsent(admin, "tiktok", { identity: "ava" });
    assert.equal(landed.searchParams.get("connected"), "1");
    const tiktok = (await connections()).find((connection) => connection.platform === "tiktok")!;
    assert.equal(tiktok.name, "Northwind Coffee");
    assert.equal(tiktok.username, "northwind.coffee");
    assert.equal(tiktok.accountKind, "user");
    assert.equal(tiktok.status, "healthy");
    assert.equal(tiktok.refreshable, true);
  });

  test("YouTube: the channel chosen on Google's consent screen", async () => {
    const landed = await connectThroughConsent(admin, "youtube", { identity: "ben:UCsandboxBenShorts00003" });
    assert.equal(landed.searchParams.get("connected"), "1");
    const youtube = (await connections()).find((connection) => connection.platform === "youtube")!;
    assert.equal(youtube.name, "Ben Rides Shorts");
    assert.equal(youtube.refreshable, true);
  });

  test("Telegram: the bot must be an administrator allowed to post; errors name the field", async () => {
    const wrongToken = await admin.post("/api/social-media/bot/telegram", {
      botToken: "7000000009:AAHsandboxNobodysBotToken0000000009",
      chat: "@northwind_news",
    });
    assert.equal(wrongToken.status, 400);
    assert.equal(wrongToken.body.error.field, "botToken");
    const noRights = await admin.post("/api/social-media/bot/telegram", {
      botToken: "7000000002:AAHsandboxQuietObserverBot0000000002",
      chat: "@northwind_news",
    });
    assert.equal(noRights.status, 400);
    assert.equal(noRights.body.error.field, "chat");
    assert.match(noRights.body.error.message, /not an administrator/);
    const badChat = await admin.post("/api/social-media/bot/telegram", { botToken: newsBot, chat: "northwind" });
    assert.equal(badChat.status, 400);
    assert.equal(badChat.body.error.field, "chat");
    const connected = await admin.post("/api/social-media/bot/telegram", {
      botToken: newsBot,
      chat: "@northwind_news",
    });
    assert.equal(connected.status, 201);
    assert.equal(connected.body.connection.name, "Northwind News");
  });

  test("denied consent ends on the dashboard with a plain message, and nothing is stored", async () => {
    const before = (await connections()).length;
    const landed = await connectThroughConsent(admin, "x", { decision: "deny" });
    assert.equal(landed.searchParams.get("error"), "consent_denied");
    assert.match(landed.searchParams.get("message")!, /choose Allow/);
    assert.equal((await connections()).length, before);
    const health = await admin.get("/api/social-media/health/x");
    assert.ok(health.body.errors.some((error: { errorType: string }) => error.errorType === "oauth"));
  });

  test("a callback from another session, a replayed callback, and an expired attempt are refused", async () => {
    const started = await admin.post("/api/social-media/connect/x");
    const back = await consent(started.body.authorizeUrl);
    const intruder = app.client();
    await signUp(intruder);
    await createOrganization(intruder);
    const stolen = await intruder.get(`${back.pathname}${back.search}`);
    assert.equal(new URL(stolen.headers.get("location")!, app.url).searchParams.get("error"), "state_mismatch");
    const first = await admin.get(`${back.pathname}${back.search}`);
    assert.equal(new URL(first.headers.get("location")!, app.url).searchParams.get("connected"), "1");
    const replay = await admin.get(`${back.pathname}${back.search}`);
    assert.equal(new URL(replay.headers.get("location")!, app.url).searchParams.get("error"), "state_used");

    const slow = await admin.post("/api/social-media/connect/linkedin");
    const slowBack = await consent(slow.body.authorizeUrl);
    const { oauthAttempts } = await import("../../src/db/schema.js");
    await app.runtime.context.db.update(oauthAttempts).set({ expiresAt: new Date(Date.now() - 1000) });
    const expired = await admin.get(`${slowBack.pathname}${slowBack.search}`);
    assert.equal(new URL(expired.headers.get("location")!, app.url).searchParams.get("error"), "state_expired");
  });

  test("a person with nothing to post as is told what to do", async () => {
    const landed = await connectThroughConsent(admin, "facebook", { identity: "cara" });
    assert.equal(landed.searchParams.get("error"), "no_accounts");
    assert.match(landed.searchParams.get("message")!, /admin of a Page/);
  });

  test("another organization's connection answers 404 everywhere", async () => {
    const target = (await connections())[0]!;
    const stranger = app.client();
    await signUp(stranger);
    await createOrganization(stranger, "Elsewhere");
    assert.equal((await stranger.get(`/api/social-media/connections/${target.id}`)).status, 404);
    assert.equal((await stranger.post(`/api/social-media/connections/${target.id}/check`)).status, 404);
    assert.equal((await stranger.post(`/api/social-media/connections/${target.id}/refresh`)).status, 404);
    assert.equal((await stranger.delete(`/api/social-media/connections/${target.id}`)).status, 404);
    assert.deepEqual(await connections(stranger), []);
  });

  test("a USER connects and views; only admins disconnect or refresh; a GUEST sees nothing", async () => {
    const member = app.client();
    await addMember(admin, member, "USER");
    const target = (await connections(member)).find((connection) => connection.platform === "x")!;
    assert.ok(target);
    assert.equal((await member.delete(`/api/social-media/connections/${target.id}`)).status, 403);
    assert.equal((await member.post(`/api/social-media/connections/${target.id}/refresh`)).status, 403);
    assert.equal((await member.post(`/api/social-media/connections/${target.id}/check`)).status, 200);
    assert.equal((await member.post("/api/social-media/connect/x")).status, 200);
    const guest = app.client();
    await addMember(admin, guest, "GUEST");
    assert.equal((await guest.get("/api/social-media/connections")).status, 403);
  });

  test("the database holds no token in clear", async () => {
    const issued = [
      ...Object.keys(sandbox.sandbox.state.data.accessTokens),
      ...Object.keys(sandbox.sandbox.state.data.refreshTokens),
      newsBot,
    ];
    assert.ok(issued.length > 10);
    const { selectRows } = await import("../../src/db/client.js");
    const { sql } = await import("drizzle-orm");
    const tables = await selectRows<{ tablename: string }>(
      app.runtime.context.db,
      sql`select tablename from pg_tables where schemaname = 'public'`,
    );
    let dump = "";
    for (const { tablename } of tables) {
      dump += JSON.stringify(await selectRows(app.runtime.context.db, sql`select * from ${sql.identifier(tablename)}`));
    }
    assert.ok(dump.length > 1000);
    for (const token of issued) assert.equal(dump.includes(token), false, `token ${token.slice(0, 8)}… found in clear`);
  });

  test("disconnect revokes at the platform and deletes the tokens; reconnecting keeps the connection's history", async () => {
    const x = (await connections()).find((connection) => connection.platform === "x")!;
    const journalBefore = await json(await fetch(`${sandbox.url}_sandbox/journal?prefix=x&path=/2/oauth2/revoke`));
    assert.equal((await admin.delete(`/api/social-media/connections/${x.id}`)).status, 204);
    const journalAfter = await json(await fetch(`${sandbox.url}_sandbox/journal?prefix=x&path=/2/oauth2/revoke`));
    assert.equal(journalAfter.entries.length, journalBefore.entries.length + 1);
    assert.equal(
      (await connections()).some((connection) => connection.id === x.id),
      false,
    );
    const all = (await admin.get("/api/social-media/connections?includeDisconnected=true")).body.connections;
    assert.equal(all.find((connection: { id: string }) => connection.id === x.id).status, "disconnected");
    await connectThroughConsent(admin, "x", { identity: "ava" });
    const again = (await connections()).find((connection) => connection.platform === "x")!;
    assert.equal(again.id, x.id);
    assert.equal(again.createdAt, x.createdAt);
    const audit = await admin.get("/api/audit?action=connection.");
    const actions = audit.body.events.map((event: { action: string }) => event.action);
    assert.ok(
      actions.includes("connection.disconnected") &&
        actions.includes("connection.reconnected") &&
        actions.includes("connection.connected"),
    );
  });
});

describe("a platform without credentials", () => {
  let app: TestApp;
  let sandbox: RunningSandbox;
  before(async () => {
    ({ app, sandbox } = await startAppWithSandbox({
      env: { TWITTER_CLIENT_ID: "", TWITTER_CLIENT_SECRET: "", LINKEDIN_CLIENT_SECRET: "wrong-secret" },
    }));
  });
  after(async () => {
    await app.stop();
    await sandbox.close();
  });

  test("says which variables to set, and refuses to start the dance", async () => {
    const admin = app.client();
    await signUp(admin);
    await createOrganization(admin);
    const x = (await admin.get("/api/social-media/platforms")).body.platforms.find(
      (platform: { id: string }) => platform.id === "x",
    );
    assert.equal(x.mode, "unavailable");
    assert.deepEqual(x.missingVariables, ["TWITTER_CLIENT_ID", "TWITTER_CLIENT_SECRET"]);
    const refused = await admin.post("/api/social-media/connect/x");
    assert.equal(refused.status, 409);
    assert.match(refused.body.error.message, /TWITTER_CLIENT_ID and TWITTER_CLIENT_SECRET/);
  });

  test("a misconfigured app secret ends on the dashboard naming the variable to check", async () => {
    const admin = app.client();
    await signUp(admin);
    await createOrganization(admin);
    const landed = await connectThroughConsent(admin, "linkedin");
    assert.equal(landed.searchParams.get("error"), "code_rejected");
    assert.match(landed.searchParams.get("message")!, /LINKEDIN_CLIENT_SECRET/);
  });
});
