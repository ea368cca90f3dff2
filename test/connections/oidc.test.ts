import assert from "node:assert/strict";
import { createSign, generateKeyPairSync } from "node:crypto";
import { createServer, type Server } from "node:http";
import { after, before, describe, test } from "node:test";
import type { HttpClient } from "../support/client.js";
import { createOrganization, signUp } from "../support/factories.js";
import { backends, type Backend } from "../support/postgres.js";
import { consent, startSandbox, type RunningSandbox } from "../sandbox/support.js";
import { connectThroughConsent, startAppWithSandbox, type TestApp } from "./support.js";

type Tamper = "none" | "issuer" | "audience" | "expired" | "signature";

/**
 * An OpenID provider of its own standing in for LinkedIn at LINKEDIN_BASE_URL: it passes every
 * request to the sandbox, but signs the ID tokens itself, with its own keys at LinkedIn's JWKS
 * path, naming itself `{its base URL}/oauth` as LinkedIn names itself `https://www.linkedin.com/oauth`;
 * and it can spoil one part of the token.
 */
async function startIssuer(sandbox: RunningSandbox) {
  const keys = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const strangerKeys = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const state = { tamper: "none" as Tamper };
  let base = "";
  const sign = (payload: Record<string, unknown>, key = keys.privateKey) => {
    const header = Buffer.from(JSON.stringify({ alg: "RS256", typ: "JWT", kid: "k1" })).toString("base64url");
    const body = Buffer.from(JSON.stringify(payload)).toString("base64url");
    return `${header}.${body}.${createSign("RSA-SHA256").update(`${header}.${body}`).sign(key).toString("base64url")}`;
  };
  const server: Server = createServer(async (request, response) => {
    if (request.url === "/oauth/openid/jwks") {
      const jwk = { ...keys.publicKey.export({ format: "jwk" }), kid: "k1", alg: "RS256", use: "sig" };
      return void response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ keys: [jwk] }));
    }
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const headers = Object.fromEntries(
      Object.entries(request.headers).filter(([name]) => !["host", "content-length", "connection"].includes(name)),
    ) as Record<string, string>;
    const answer = await fetch(`${sandbox.base("linkedin")}${request.url}`, {
      method: request.method,
      headers,
      body: chunks.length ? Buffer.concat(chunks) : undefined,
      redirect: "manual",
    });
    let body = Buffer.from(await answer.arrayBuffer());
    if (request.url?.startsWith("/oauth/v2/accessToken") && answer.ok) {
      const tokens = JSON.parse(body.toString());
      if (tokens.id_token) {
        const claims = JSON.parse(Buffer.from(tokens.id_token.split(".")[1], "base64url").toString());
        const now = Math.floor(Date.now() / 1000);
        tokens.id_token = sign(
          {
            ...claims,
            iss: state.tamper === "issuer" ? "https://login.example.net/oauth" : `${base}/oauth`,
            ...(state.tamper === "audience" ? { aud: "somebody-elses-app" } : {}),
            ...(state.tamper === "expired" ? { iat: now - 7200, exp: now - 3600 } : {}),
          },
          state.tamper === "signature" ? strangerKeys.privateKey : keys.privateKey,
        );
      }
      body = Buffer.from(JSON.stringify(tokens));
    }
    const passed: Record<string, string> = {};
    answer.headers.forEach((value, name) => {
      if (!["content-length", "content-encoding", "transfer-encoding"].includes(name)) passed[name] = value;
    });
    response.writeHead(answer.status, passed).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return { base, state, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

async function fault(sandbox: RunningSandbox, rule: Record<string, unknown>) {
  const answer = await fetch(`${sandbox.url}_sandbox/faults`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(rule),
  });
  assert.equal(answer.status, 201);
}

for (const backend of backends) {
  describe(`OpenID Connect and connect errors on ${backend.name}`, { skip: backend.skip }, () => {
    let app: TestApp;
    let sandbox: RunningSandbox;
    let issuer: Awaited<ReturnType<typeof startIssuer>>;
    let admin: HttpClient;

    before(async () => {
      sandbox = await startSandbox();
      issuer = await startIssuer(sandbox);
      ({ app } = await startAppWithSandbox({
        sandbox,
        backend: backend as Backend,
        env: { LINKEDIN_BASE_URL: issuer.base },
      }));
      admin = app.client();
      await signUp(admin);
      await createOrganization(admin, "Verified Co");
    });
    after(async () => {
      await app.stop();
      await issuer.close();
      await sandbox.close();
    });

    const connections = async () =>
      (await admin.get("/api/social-media/connections")).body.connections as Record<string, any>[];

    test("Google: the callback's iss is checked, and an ID token nobody asked for does not stop the connect", async () => {
      // Ben signed in to this app with Google once (openid), so include_granted_scopes brings an ID token back.
      const url = new URL(`${sandbox.base("google")}/o/oauth2/v2/auth`);
      url.search = new URLSearchParams({
        response_type: "code",
        client_id: "sandbox-youtube-client",
        redirect_uri: new URL("/api/auth/callback/youtube", app.url).toString(),
        scope: "openid email",
        state: "earlier",
      }).toString();
      const earlier = await consent(url, { identity: "ben:UCsandboxBenRides000002" });
      const signedIn = await fetch(`${sandbox.base("google")}/token`, {
        method: "POST",
        body: new URLSearchParams({
          grant_type: "authorization_code",
          code: earlier.searchParams.get("code")!,
          redirect_uri: url.searchParams.get("redirect_uri")!,
          client_id: "sandbox-youtube-client",
          client_secret: "sandbox-youtube-secret",
        }),
      });
      assert.equal(signedIn.status, 200);
      const started = await admin.post("/api/social-media/connect/youtube");
      const back = await consent(started.body.authorizeUrl, { identity: "ben:UCsandboxBenRides000002" });
      assert.equal(back.searchParams.get("iss"), sandbox.base("google"));
      const landed = await admin.get(`${back.pathname}${back.search}`);
      const location = new URL(landed.headers.get("location")!, app.url);
      assert.equal(location.searchParams.get("connected"), "1", location.search);
      const youtube = (await connections()).find((connection) => connection.platform === "youtube")!;
      assert.ok(youtube.scopes.includes("openid"), "the grant did carry openid, and so an ID token");

      const forged = await admin.post("/api/social-media/connect/youtube");
      const forgedBack = await consent(forged.body.authorizeUrl, { identity: "ben:UCsandboxBenRides000002" });
      forgedBack.searchParams.set("iss", "https://accounts.example.org");
      const refused = new URL(
        (await admin.get(`${forgedBack.pathname}${forgedBack.search}`)).headers.get("location")!,
        app.url,
      );
      assert.equal(refused.searchParams.get("error"), "answer_unverified");
      assert.match(
        refused.searchParams.get("message")!,
        new RegExp(`issuer as https://accounts.example.org, expected ${sandbox.base("google")}\\.`),
      );
    });

    test("LinkedIn profile: a signed ID token from {base}/oauth connects the member", async () => {
      issuer.state.tamper = "none";
      const landed = await connectThroughConsent(admin, "linkedin", { identity: "ava", variant: "profile" });
      assert.equal(landed.searchParams.get("connected"), "1", landed.search);
      const member = (await connections()).find((connection) => connection.platform === "linkedin")!;
      assert.equal(member.name, "Ava Lindqvist");
      assert.equal(member.variant, "profile");
    });

    for (const [tamper, expected] of [
      ["issuer", () => `issued by https://login.example.net/oauth, expected ${issuer.base}/oauth`],
      ["audience", () => `ID token is for "somebody-elses-app", not this app's client id sandbox-linkedin-client`],
      ["expired", () => "ID token expired at"],
      ["signature", () => `not signed by a key published at ${issuer.base}/oauth/openid/jwks`],
    ] as const) {
      test(`LinkedIn profile: an ID token with a wrong ${tamper} is refused, saying so`, async () => {
        issuer.state.tamper = tamper;
        try {
          const landed = await connectThroughConsent(admin, "linkedin", { identity: "ben", variant: "profile" });
          assert.equal(landed.searchParams.get("error"), "answer_unverified");
          const message = landed.searchParams.get("message")!;
          assert.ok(message.startsWith("LinkedIn's ID token"), message);
          assert.ok(message.includes(expected()), message);
          assert.doesNotMatch(message, /CLIENT_SECRET|redirect URI/);
        } finally {
          issuer.state.tamper = "none";
        }
      });
    }

    test("LinkedIn pages: its own app and scopes, no openid; refreshed with that app's credentials", async () => {
      const landed = await connectThroughConsent(admin, "linkedin", { identity: "ava", variant: "pages" });
      const grantId = landed.searchParams.get("choose")!;
      assert.ok(grantId, landed.search);
      const chosen = await admin.post(`/api/social-media/grants/${grantId}`, {
        externalIds: ["urn:li:organization:90000001"],
      });
      assert.equal(chosen.status, 201, JSON.stringify(chosen.body));
      const page = chosen.body.connections[0];
      assert.equal(page.variant, "pages");
      assert.deepEqual([...page.scopes].sort(), [
        "r_organization_social",
        "rw_organization_admin",
        "w_organization_social",
      ]);
      const codes = Object.values(sandbox.sandbox.state.data.codes).filter((code) => code.platform === "linkedin");
      assert.equal(codes.at(-1)!.clientId, "sandbox-linkedin-pages-client");
      // The sandbox renews a refresh token only for the app it was issued to.
      const refreshed = await admin.post(`/api/social-media/connections/${page.id}/refresh`);
      assert.equal(refreshed.status, 200, JSON.stringify(refreshed.body));
      assert.equal(refreshed.body.outcome, "refreshed");
      const checked = await admin.post(`/api/social-media/connections/${page.id}/check`);
      assert.equal(checked.body.connection.status, "healthy", JSON.stringify(checked.body));
    });

    test("Meta's Graph-shaped token error is shown in Meta's words", async () => {
      const wrong = await fetch(`${sandbox.url}_sandbox/clients`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          platform: "facebook",
          clientId: "sandbox-facebook-client",
          clientSecret: "a-secret-the-app-does-not-have",
          redirectUris: [new URL("/api/auth/callback/facebook", app.url).toString()],
        }),
      });
      assert.equal(wrong.status, 201);
      const landed = await connectThroughConsent(admin, "facebook", { identity: "ava" });
      assert.equal(landed.searchParams.get("error"), "code_rejected");
      assert.match(landed.searchParams.get("message")!, /Error validating client secret\./);
      assert.match(landed.searchParams.get("message")!, /FACEBOOK_CLIENT_SECRET/);
    });

    test("a 503 or throttling during connect says to try again, not that the sign-in was refused", async () => {
      await fault(sandbox, { prefix: "linkedin", path: "/oauth/v2/accessToken", mode: "error", status: 503 });
      const unavailable = await connectThroughConsent(admin, "linkedin", { identity: "ava", variant: "profile" });
      assert.equal(unavailable.searchParams.get("error"), "platform_unavailable");
      assert.match(unavailable.searchParams.get("message")!, /Try again/);
      await fault(sandbox, { prefix: "linkedin", path: "/v2/userinfo", mode: "rate_limit", retryAfterSeconds: 30 });
      const throttled = await connectThroughConsent(admin, "linkedin", { identity: "ava", variant: "profile" });
      assert.equal(throttled.searchParams.get("error"), "platform_unavailable");
      assert.match(throttled.searchParams.get("message")!, /Try again/);
      assert.doesNotMatch(throttled.searchParams.get("message")!, /refused/);
    });
  });
}

describe("LinkedIn pages through the profile app's credentials", () => {
  let app: TestApp;
  let sandbox: RunningSandbox;
  before(async () => {
    ({ app, sandbox } = await startAppWithSandbox({
      env: { LINKEDIN_PAGES_CLIENT_ID: "", LINKEDIN_PAGES_CLIENT_SECRET: "" },
    }));
  });
  after(async () => {
    await app.stop();
    await sandbox.close();
  });

  test("the sandbox refuses scopes the app lacks, and the dashboard names the app to fix", async () => {
    const admin = app.client();
    await signUp(admin);
    await createOrganization(admin);
    const started = await admin.post("/api/social-media/connect/linkedin?variant=pages");
    const page = await fetch(started.body.authorizeUrl, { redirect: "manual" });
    assert.equal(page.status, 302);
    const back = new URL(page.headers.get("location")!);
    assert.equal(back.searchParams.get("error"), "unauthorized_scope_error");
    assert.equal(back.searchParams.get("code"), null);
    const landed = new URL((await admin.get(`${back.pathname}${back.search}`)).headers.get("location")!, app.url);
    assert.equal(landed.searchParams.get("error"), "authorization_refused");
    assert.match(landed.searchParams.get("message")!, /not authorized for your application/);
    assert.match(landed.searchParams.get("message")!, /LINKEDIN_PAGES_CLIENT_ID/);
    assert.equal((await admin.post("/api/social-media/connect/linkedin?variant=nope")).status, 400);
  });
});
