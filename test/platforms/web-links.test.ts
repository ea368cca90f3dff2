import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { resolveHosts } from "../../src/platforms/http.js";
import { platforms } from "../../src/platforms/index.js";
import { sandboxTwin } from "../../sandbox/twin.js";
import { startTestApp, testControlToken, type TestApp } from "../support/app.js";
import { createOrganization, signUp } from "../support/factories.js";
import { connectThroughConsent, newsBot } from "../connections/support.js";
import { jpegOf, settled, upload } from "../posts/support.js";

describe("the links to published posts", () => {
  test("every platform names its public site, which an API proxy leaves real and its own setting replaces", () => {
    const proxy = new URL("https://egress.example/");
    const sandbox = new URL("https://sandbox.example/x/");
    for (const definition of Object.values(platforms)) {
      const real = new URL(definition.realHosts.web);
      assert.equal(real.protocol, "https:", `${definition.id}: its public site`);
      const behindProxy = resolveHosts(definition.realHosts, { baseUrl: proxy });
      assert.equal(behindProxy.web!.origin, real.origin, `${definition.id}: a proxy keeps links real`);
      for (const [name, url] of Object.entries(behindProxy))
        if (name !== "web") assert.equal(url.origin, proxy.origin, `${definition.id}: ${name} goes through the proxy`);
      const onSandbox = resolveHosts(definition.realHosts, { baseUrl: sandbox, webBaseUrl: sandbox });
      assert.equal(onSandbox.web!.toString(), sandbox.toString());
    }
  });

  describe("of a sandbox account", () => {
    let app: TestApp;
    before(async () => {
      app = await startTestApp({ sandboxTwin: sandboxTwin() });
    });
    after(() => app?.stop());

    test("point to the sandbox, not to the real site", async () => {
      const client = app.client();
      await signUp(client);
      await createOrganization(client);
      const connected = await client.post("/api/social-media/bot/telegram", {
        botToken: newsBot,
        chat: "@northwind_news",
      });
      assert.equal(connected.status, 201, JSON.stringify(connected.body));
      assert.equal(connected.body.connection.isSandbox, true);
      const created = await client.post("/api/posts", {
        content: "Doors open at nine",
        connectionIds: [connected.body.connection.id],
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      let target = created.body.post.targets[0];
      for (let attempt = 0; attempt < 100 && target.state !== "published"; attempt += 1) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        target = (await client.get(`/api/posts/${created.body.post.id}`)).body.post.targets[0];
      }
      assert.equal(target.state, "published", JSON.stringify(target));
      const link = new URL(target.url);
      assert.equal(link.origin, app.url.origin, target.url);
      assert.match(link.pathname, /^\/sandbox\/[^/]+\/northwind_news\/\d+$/);
    });

    test("of Instagram and Facebook, whose links the sandbox's own answers give, point to the sandbox too", async () => {
      const client = app.client();
      await signUp(client);
      await createOrganization(client);
      await connectThroughConsent(client, "instagram", { identity: "ava" });
      const facebook = await connectThroughConsent(client, "facebook", { identity: "ava" });
      await client.post(`/api/social-media/grants/${facebook.searchParams.get("choose")}`, {
        externalIds: ["200000000000001"],
      });
      const connections = (await client.get("/api/social-media/connections")).body.connections as {
        id: string;
        platform: string;
      }[];
      const image = await upload(client, { name: "terrace.jpg", type: "image/jpeg", body: jpegOf(1080, 1080) });
      const created = await client.post("/api/posts", {
        content: "The terrace opens on Friday",
        mediaIds: [image.id],
        connectionIds: connections
          .filter((connection) => ["instagram", "facebook"].includes(connection.platform))
          .map((connection) => connection.id),
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const post = await settled(client, created.body.post.id);
      assert.equal(post.targets.length, 2);
      for (const target of post.targets) {
        assert.equal(target.state, "published", JSON.stringify(target));
        assert.equal(new URL(target.url).origin, app.url.origin, target.url);
      }

      // What the sandbox itself answers for them, as a listing or a reconciliation reads it.
      for (const platform of ["instagram", "facebook"]) {
        const answer = await fetch(new URL(`/sandbox/_sandbox/published?platform=${platform}`, app.url), {
          headers: { authorization: `Bearer ${testControlToken}` },
        });
        const items = ((await answer.json()) as { items: { text: string; url: string }[] }).items.filter(
          (item) => item.text === "The terrace opens on Friday",
        );
        assert.ok(items.length > 0, platform);
        for (const item of items) {
          const link = new URL(item.url);
          assert.equal(link.origin, app.url.origin, item.url);
          assert.match(link.pathname, /^\/sandbox\/[^/]+\//, item.url);
        }
      }
    });
  });
});
