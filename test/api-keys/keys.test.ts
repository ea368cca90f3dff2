import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { AdjustableClock } from "../../src/clock.js";
import type { HttpClient } from "../support/client.js";
import { addMember, createOrganization, signUp } from "../support/factories.js";
import { newsBot, startAppWithSandbox, type TestApp } from "../connections/support.js";
import type { RunningSandbox } from "../sandbox/support.js";
import { jpegOf } from "../posts/support.js";
import { backends } from "../support/postgres.js";
import { createKey, KeyClient } from "./support.js";

for (const backend of backends) {
  describe(`organization API keys on ${backend.name}`, { skip: backend.skip }, () => {
    let app: TestApp;
    let sandbox: RunningSandbox;
    let clock: AdjustableClock;
    let admin: HttpClient;
    let member: HttpClient;
    let channelId: string;
    let otherPostId: string;
    let otherChannelId: string;

    before(async () => {
      ({ app, sandbox, clock } = await startAppWithSandbox({ backend }));
      const owner = app.client();
      await signUp(owner);
      await createOrganization(owner, "Keyed Co");
      admin = app.client();
      await addMember(owner, admin, "ADMIN");
      member = app.client();
      await addMember(owner, member, "USER");
      const channel = await admin.post("/api/social-media/bot/telegram", {
        botToken: newsBot,
        chat: "@northwind_news",
      });
      assert.equal(channel.status, 201, JSON.stringify(channel.body));
      channelId = channel.body.connection.id;

      const stranger = app.client();
      await signUp(stranger);
      await createOrganization(stranger, "Other Co");
      const theirs = await stranger.post("/api/social-media/bot/telegram", {
        botToken: newsBot,
        chat: "@northwind_news",
      });
      otherChannelId = theirs.body.connection.id;
      const post = await stranger.post("/api/posts", {
        content: "Theirs, not ours",
        connectionIds: [otherChannelId],
        scheduledAt: new Date(clock.now() + 86_400_000).toISOString(),
      });
      assert.equal(post.status, 201, JSON.stringify(post.body));
      otherPostId = post.body.post.id;
    });
    after(async () => {
      await app.stop();
      await sandbox.close();
    });

    test("an admin creates a key, whose secret is shown once and listed only by its prefix", async () => {
      const created = await createKey(admin, { name: "CMS publisher", role: "USER" });
      assert.match(created.secret, /^msk_[A-Za-z0-9_-]{43}$/);
      assert.equal(created.apiKey.prefix, created.secret.slice(0, 12));
      const listed = await admin.get("/api/organization/api-keys");
      assert.equal(listed.status, 200);
      const entry = listed.body.apiKeys.find((key: { id: string }) => key.id === created.apiKey.id);
      assert.equal(entry.name, "CMS publisher");
      assert.equal(entry.role, "USER");
      assert.match(entry.createdBy.email, /^admin-/);
      assert.equal(entry.lastUsedAt, null);
      assert.ok(!JSON.stringify(listed.body).includes(created.secret.slice(12)), "the secret is never listed");
    });

    test("a USER may not manage keys, and a key's role and expiry are checked", async () => {
      const refused = await member.post("/api/organization/api-keys", { name: "Mine", role: "USER" });
      assert.equal(refused.status, 403);
      assert.equal(refused.body.error.code, "forbidden");
      const tooHigh = await admin.post("/api/organization/api-keys", { name: "Root", role: "SUPER_ADMIN" });
      assert.equal(tooHigh.status, 400);
      assert.equal(tooHigh.body.error.field, "role");
      const past = await admin.post("/api/organization/api-keys", {
        name: "Old",
        role: "USER",
        expiresAt: new Date(clock.now() - 1000).toISOString(),
      });
      assert.equal(past.status, 400);
      assert.equal(past.body.error.field, "expiresAt");
    });

    test("a key works without cookie or Origin, within its role's permissions", async () => {
      const user = new KeyClient(app.url, (await createKey(admin, { role: "USER" })).secret);
      const posts = await user.get("/api/posts");
      assert.equal(posts.status, 200, JSON.stringify(posts.body));
      const created = await user.post("/api/posts", {
        content: "Made by a script",
        connectionIds: [channelId],
        scheduledAt: new Date(clock.now() + 3_600_000).toISOString(),
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const webhooks = await user.get("/api/webhooks/endpoints");
      assert.equal(webhooks.status, 403);
      assert.equal(webhooks.body.error.code, "forbidden");
      assert.match(webhooks.body.error.message, /This API key's role \(USER\)/);

      const adminKey = new KeyClient(app.url, (await createKey(admin, { role: "ADMIN" })).secret);
      assert.equal((await adminKey.get("/api/webhooks/endpoints")).status, 200);
    });

    test("session-only routes refuse keys: the session's own routes, connecting through a browser, managing keys", async () => {
      const key = new KeyClient(app.url, (await createKey(admin, { role: "ADMIN" })).secret);
      for (const [method, path] of [
        ["GET", "/api/auth/me"],
        ["GET", "/api/organization/api-keys"],
        ["POST", "/api/organization/api-keys"],
        ["POST", "/api/social-media/connect/x"],
      ] as const) {
        const answer = await key.request(method, path, method === "POST" ? { name: "More", role: "USER" } : undefined);
        assert.equal(answer.status, 403, `${method} ${path}: ${JSON.stringify(answer.body)}`);
        assert.equal(answer.body.error.code, "session_required");
      }
    });

    test("an unknown key is refused with the bearer challenge", async () => {
      const answer = await new KeyClient(app.url, "msk_not-a-real-key").get("/api/posts");
      assert.equal(answer.status, 401);
      assert.equal(answer.body.error.code, "invalid_api_key");
      assert.equal(answer.headers.get("www-authenticate"), 'Bearer error="invalid_token"');
    });

    test("revocation takes effect on the next request", async () => {
      const created = await createKey(admin);
      const key = new KeyClient(app.url, created.secret);
      assert.equal((await key.get("/api/posts")).status, 200);
      const revoked = await admin.delete(`/api/organization/api-keys/${created.apiKey.id}`);
      assert.equal(revoked.status, 200);
      assert.ok(revoked.body.apiKey.revokedAt);
      const refused = await key.get("/api/posts");
      assert.equal(refused.status, 401);
      assert.match(refused.body.error.message, /revoked/);
    });

    test("a key stops at its expiry by the app's clock", async () => {
      const key = new KeyClient(
        app.url,
        (await createKey(admin, { expiresAt: new Date(clock.now() + 3_600_000).toISOString() })).secret,
      );
      assert.equal((await key.get("/api/posts")).status, 200);
      clock.advance(3_600_000);
      const refused = await key.get("/api/posts");
      assert.equal(refused.status, 401);
      assert.match(refused.body.error.message, /expired/);
    });

    test("a key sees only its organization: another's ids are not found", async () => {
      const key = new KeyClient(app.url, (await createKey(admin, { role: "ADMIN" })).secret);
      assert.equal((await key.get(`/api/posts/${otherPostId}`)).status, 404);
      assert.equal((await key.post(`/api/posts/${otherPostId}/cancel`)).status, 404);
      const intoTheirs = await key.post("/api/posts", { content: "Hijack", connectionIds: [otherChannelId] });
      assert.equal(intoTheirs.status, 400);
      assert.equal(intoTheirs.body.error.field, "connectionIds");
      const listed = await key.get("/api/posts");
      assert.ok(!JSON.stringify(listed.body).includes(otherPostId));
    });

    test("a key holds no more than its creator does now: demoted, their ADMIN key acts as a USER; removed, it stops", async () => {
      const owner = app.client();
      await signUp(owner);
      await createOrganization(owner, "Changing Co");
      const creatorClient = app.client();
      const creator = await addMember(owner, creatorClient, "ADMIN");
      const key = new KeyClient(app.url, (await createKey(creatorClient, { role: "ADMIN" })).secret);
      assert.equal((await key.get("/api/webhooks/endpoints")).status, 200);

      assert.equal((await owner.patch(`/api/organization/members/${creator.id}`, { role: "USER" })).status, 200);
      const demoted = await key.get("/api/webhooks/endpoints");
      assert.equal(demoted.status, 403);
      assert.match(demoted.body.error.message, /\(USER\)/);
      assert.equal((await key.get("/api/posts")).status, 200);

      assert.equal((await owner.delete(`/api/organization/members/${creator.id}`)).status, 204);
      const removed = await key.get("/api/posts");
      assert.equal(removed.status, 401);
      assert.match(removed.body.error.message, /no longer a member/);
    });

    test("the list shows when and from where a key was last used", async () => {
      const created = await createKey(admin);
      const before = clock.now();
      await new KeyClient(app.url, created.secret).get("/api/posts");
      const listed = await admin.get("/api/organization/api-keys");
      const entry = listed.body.apiKeys.find((key: { id: string }) => key.id === created.apiKey.id);
      const usedAt = new Date(entry.lastUsedAt).getTime();
      assert.ok(usedAt >= before && usedAt <= clock.now(), `last used at ${entry.lastUsedAt}, by the app's clock`);
      assert.equal(entry.lastUsedIp, "127.0.0.1");
    });

    test("creation, revocation and each write a key makes are audited, the key named as the actor", async () => {
      const created = await createKey(admin, { name: "Audited script" });
      const key = new KeyClient(app.url, created.secret);
      const post = await key.post("/api/posts", {
        content: "Audited",
        connectionIds: [channelId],
        scheduledAt: new Date(clock.now() + 3_600_000).toISOString(),
      });
      assert.equal(post.status, 201);
      const form = new FormData();
      form.set("file", new Blob([new Uint8Array(jpegOf(600, 600))], { type: "image/jpeg" }), "photo.jpg");
      const uploaded = await fetch(new URL("/api/media", app.url), {
        method: "POST",
        headers: { authorization: `Bearer ${created.secret}` },
        body: form,
      });
      assert.equal(uploaded.status, 201);
      await admin.delete(`/api/organization/api-keys/${created.apiKey.id}`);
      const events = (await admin.get("/api/audit?limit=200")).body.events as {
        action: string;
        targetId: string;
        actorEmail: string | null;
        actorApiKeyId: string | null;
        actorApiKeyName: string | null;
        details: Record<string, unknown>;
      }[];
      const made = events.find((event) => event.action === "api_key.created" && event.targetId === created.apiKey.id)!;
      assert.match(made.actorEmail!, /^admin-/);
      assert.equal(made.actorApiKeyId, null);
      const revoked = events.find(
        (event) => event.action === "api_key.revoked" && event.targetId === created.apiKey.id,
      )!;
      assert.match(revoked.actorEmail!, /^admin-/);
      const written = events.find((event) => event.action === "post.created" && event.targetId === post.body.post.id)!;
      assert.equal(written.actorApiKeyName, "Audited script");
      assert.equal(written.actorApiKeyId, created.apiKey.id);
      assert.equal(written.actorEmail, null);
      const upload = events.find((event) => event.action === "api_key.used")!;
      assert.equal(upload.actorApiKeyName, "Audited script");
      assert.deepEqual(upload.details, { method: "POST", route: "/api/media", status: 201 });
      assert.equal(
        events.filter((event) => event.action === "api_key.used").length,
        1,
        "a write with its own entry is not recorded twice",
      );
      const byKey = (await admin.get(`/api/audit?actorApiKeyId=${created.apiKey.id}`)).body.events as {
        action: string;
      }[];
      assert.deepEqual(byKey.map((event) => event.action).sort(), ["api_key.used", "post.created"]);
    });
  });
}
