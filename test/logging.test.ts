import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { sql } from "drizzle-orm";
import { openTokens } from "../src/connections/store.js";
import { connections, users } from "../src/db/schema.js";
import { redactUrl } from "../src/logger.js";
import { sandboxTwin } from "../sandbox/twin.js";
import { startTestApp, testControlToken, type TestApp } from "./support/app.js";
import { createOrganization, signUp, uniqueEmail } from "./support/factories.js";
import { consent } from "./sandbox/support.js";
import { jpegOf, settled, upload } from "./posts/support.js";

const uniquePassword = () => `pw-${randomBytes(12).toString("base64url")}`;

/** The full path of every route in Fastify's printed route tree (`├── /api/organization (GET)` and its children). */
function servedRoutes(tree: string): string[] {
  const ancestors: string[] = [];
  const routes: string[] = [];
  for (const line of tree.split("\n")) {
    const match = /^((?:│ {3}| {4})*)[├└]── (.*?)(?: \(([A-Z, ]+)\))?$/.exec(line);
    if (!match) continue;
    ancestors.length = match[1]!.length / 4;
    ancestors.push(match[2]!);
    if (match[3]) routes.push(ancestors.join(""));
  }
  return routes;
}

/** A path parameter whose name says it carries a credential. */
const SECRET_PARAMETER = /token|secret|key|code|state/i;

describe("logs carry no secret", () => {
  let app: TestApp;
  const twin = sandboxTwin();
  before(async () => {
    app = await startTestApp({ captureLogs: true, sandboxTwin: twin, env: { QUEUE_POLLING_INTERVAL_SECONDS: "0.5" } });
  });
  after(() => app.stop());

  test("through sign-up, sign-in, invitations, connecting, media and posts", async () => {
    const secrets = new Map<string, string>();
    const keep = (what: string, value: string | undefined | null) => {
      assert.ok(value, `${what} was not captured`);
      secrets.set(what, value);
    };

    const adminPassword = uniquePassword();
    keep("a sign-up password", adminPassword);
    const admin = app.client();
    const adminUser = await signUp(admin, { password: adminPassword });
    await createOrganization(admin, "Quiet Logs Co");
    const laptop = app.client();
    assert.equal(
      (await laptop.post("/api/auth/login", { email: adminUser.email, password: adminPassword })).status,
      200,
    );
    await laptop.post("/api/auth/login", { email: adminUser.email, password: "a wrong password, also a secret" });
    keep("a wrong password", "a wrong password, also a secret");

    const invitedEmail = uniqueEmail("invited");
    const invitation = await admin.post("/api/organization/invitations", { email: invitedEmail, role: "USER" });
    const invitationToken = new URL(invitation.body.invitation.url).pathname.split("/").at(-1)!;
    keep("an invitation secret", invitationToken);
    const invitedPassword = uniquePassword();
    keep("an invited member's password", invitedPassword);
    const member = app.client();
    assert.equal((await member.get(`/api/invitations/${invitationToken}`)).status, 200);
    await signUp(member, { email: invitedEmail, password: invitedPassword });
    assert.equal((await member.post(`/api/invitations/${invitationToken}/accept`)).status, 200);

    const started = await admin.post("/api/social-media/connect/x");
    assert.equal(started.status, 200, JSON.stringify(started.body));
    const authorizeUrl = new URL(started.body.authorizeUrl);
    keep("an OAuth state", authorizeUrl.searchParams.get("state"));
    const back = await consent(authorizeUrl, { identity: "ava" });
    keep("an OAuth code", back.searchParams.get("code"));
    assert.equal((await admin.get(`${back.pathname}${back.search}`)).status, 302);
    // LinkedIn's profile app answers a signed ID token beside the tokens.
    const linkedin = await admin.post("/api/social-media/connect/linkedin?variant=profile");
    const linkedinBack = await consent(new URL(linkedin.body.authorizeUrl), { identity: "ava" });
    keep("a LinkedIn code", linkedinBack.searchParams.get("code"));
    const linkedinLanded = await admin.get(`${linkedinBack.pathname}${linkedinBack.search}`);
    assert.equal(new URL(linkedinLanded.headers.get("location")!, app.url).searchParams.get("connected"), "1");
    const telegram = await admin.post("/api/social-media/bot/telegram", {
      botToken: twin.botExamples.telegram!.botToken,
      chat: twin.botExamples.telegram!.channel,
    });
    assert.equal(telegram.status, 201, JSON.stringify(telegram.body));
    keep("a Telegram bot token", twin.botExamples.telegram!.botToken);

    const photo = await upload(admin, { name: "photo.jpg", type: "image/jpeg", body: jpegOf(800, 800) });
    const mediaToken = new URL(photo.url).pathname.split("/")[2];
    keep("a media token", mediaToken);
    const served = await fetch(new URL(new URL(photo.url).pathname, app.url));
    assert.equal(served.status, 200);
    await served.arrayBuffer();
    const post = await admin.post("/api/posts", {
      content: "Quiet launch",
      mediaIds: [photo.id],
      connectionIds: (await admin.get("/api/social-media/connections")).body.connections.map(
        (connection: { id: string }) => connection.id,
      ),
    });
    assert.equal(post.status, 201, JSON.stringify(post.body));
    await settled(admin, post.body.post.id);

    const journal = await fetch(new URL("/sandbox/_sandbox/journal", app.url), {
      headers: { authorization: `Bearer ${testControlToken}` },
    });
    assert.equal(journal.status, 200);
    keep("the control token", testControlToken);

    for (const [name, client] of [
      ["admin", admin],
      ["laptop", laptop],
      ["member", member],
    ] as const) {
      keep(`the ${name}'s session cookie`, client.cookie("msid"));
      keep(`the ${name}'s device cookie`, client.cookie("msdevice"));
    }
    const { db } = app.runtime.context;
    for (const user of await db.select({ passwordHash: users.passwordHash }).from(users))
      keep(`a password hash`, user.passwordHash);
    for (const connection of await db.select().from(connections)) {
      const tokens = await openTokens(app.runtime.context, connection);
      keep(`${connection.platform}'s access token`, tokens?.accessToken);
      if (tokens?.refreshToken) keep(`${connection.platform}'s refresh token`, tokens.refreshToken);
    }

    const logs = app.logs.join("");
    for (const evidence of ["/api/invitations/[redacted]", "/media/[redacted]", "state=[redacted]", "/bot[redacted]"])
      assert.ok(logs.includes(evidence), `the log shows no ${evidence}: were those requests logged?`);
    const leaks = [...secrets].filter(([, value]) => logs.includes(value)).map(([what]) => what);
    assert.deepEqual(leaks, []);
    assert.equal(logs.includes("$argon2id$"), false, "a password hash");
    assert.equal(logs.includes("eyJhbGciOiJSUzI1NiIs"), false, "an ID token (a JWT signed RS256)");
  });

  test("every served route with a secret in its path or query is cut by the redaction list", () => {
    const routes = servedRoutes(app.runtime.http!.app.printRoutes({ commonPrefix: false }));
    const secretBearing: string[] = [];
    for (const route of routes) {
      const secret = `8000000001:${randomBytes(24).toString("base64url")}`;
      let carriesSecret = false;
      const path = route.replace(/:([A-Za-z]+)/g, (_, name: string) => {
        if (!SECRET_PARAMETER.test(name)) return "x";
        carriesSecret = true;
        return secret;
      });
      if (carriesSecret) secretBearing.push(route);
      const url = `${path.replace("*", "page")}?code=${secret}&state=${secret}&access_token=${secret}`;
      assert.equal(redactUrl(url).includes(secret), false, `${route}: ${redactUrl(url)}`);
    }
    for (const expected of ["/api/invitations/:token", "/api/invitations/:token/accept", "/media/:token/:fileName"])
      assert.ok(secretBearing.includes(expected), `${expected} not found among ${secretBearing.join(", ")}`);
    assert.ok(
      secretBearing.some((route) => route.includes("/bot:token")),
      "the twin's Telegram Bot API routes",
    );
  });

  test("redactUrl keeps what helps reading a log", () => {
    assert.equal(redactUrl("/invite/abc123?x=1"), "/invite/[redacted]?x=[redacted]");
    assert.equal(redactUrl("/api/organization/invitations/5d8a"), "/api/organization/invitations/5d8a");
    assert.equal(redactUrl("/api/audit?limit=20&action=member."), "/api/audit?limit=20&action=member.");
    assert.equal(
      redactUrl("/api/auth/callback/x?code=abc&state=def&error=access_denied"),
      "/api/auth/callback/x?code=[redacted]&state=[redacted]&error=[redacted]",
    );
    assert.equal(redactUrl("/sandbox/telegram/bot123:AAsecret/getMe"), "/sandbox/telegram/bot[redacted]/getMe");
    assert.equal(redactUrl("/media/tok3n/photo.jpg"), "/media/[redacted]/photo.jpg");
  });
});

describe("a failed database write", () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp({ captureLogs: true });
    // The database refuses these rows as it would refuse any write that breaks a rule.
    await app.runtime.context.db.execute(
      sql`alter table users add constraint test_refused_name check (name <> 'Refused by the database')`,
    );
  });
  after(() => app.stop());

  test("logs the query and the database's reason, never the parameters: no email, password or hash", async () => {
    const email = uniqueEmail("refused");
    const password = uniquePassword();
    const answer = await app.client().post("/api/auth/signup", { email, password, name: "Refused by the database" });
    assert.equal(answer.status, 500);
    assert.equal(answer.body.error.code, "internal_error");
    const logs = app.logs.join("");
    assert.ok(logs.includes("test_refused_name"), "the constraint is named in the log");
    assert.ok(logs.includes('insert into \\"users\\"'), "the failed query's text is in the log");
    for (const leaked of [email, password, "$argon2id$"]) assert.equal(logs.includes(leaked), false, leaked);
  });

  test("nor the text being written: an organization's new name", async () => {
    const client = app.client();
    await signUp(client);
    await createOrganization(client, "Unlogged Org Name");
    const secretText = `secret-${randomBytes(8).toString("hex")}`;
    const answer = await client.patch("/api/organization", { name: `${secretText} Org` });
    assert.equal(answer.status, 200);
    await app.runtime.context.db.execute(
      sql`alter table organizations add constraint test_refused_org check (name not like '%refused-word%')`,
    );
    const refused = await client.patch("/api/organization", { name: `${secretText} refused-word` });
    assert.equal(refused.status, 500);
    const logs = app.logs.join("");
    assert.ok(logs.includes("test_refused_org"));
    assert.equal(logs.includes(secretText), false);
  });
});
