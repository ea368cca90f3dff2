import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, before, describe, test } from "node:test";
import * as oauth from "oauth4webapi";
import { projectPath } from "../../src/paths.js";
import { advance, callback, consent, json, startSandbox, userToken, type RunningSandbox } from "./support.js";

const clientId = "sandbox-x-client";
const clientSecret = "sandbox-x-secret";
const scopes = "tweet.read tweet.write users.read offline.access media.write";
const insecure = { [oauth.allowInsecureRequests]: true };

describe("sandbox: X API v2", () => {
  let sandbox: RunningSandbox;
  let as: oauth.AuthorizationServer;
  const client: oauth.Client = { client_id: clientId };
  const api = (path: string, token: string, init: RequestInit = {}) =>
    fetch(`${sandbox.base("x")}${path}`, {
      ...init,
      headers: {
        authorization: `Bearer ${token}`,
        ...(init.body && typeof init.body === "string" ? { "content-type": "application/json" } : {}),
        ...init.headers,
      },
    });

  before(async () => {
    sandbox = await startSandbox({
      lifetimes: { videoProcessingSeconds: 1 },
      limits: { xPostsPer15MinutesPerUser: 12 },
    });
    as = {
      issuer: sandbox.base("x"),
      authorization_endpoint: `${sandbox.base("x")}/i/oauth2/authorize`,
      token_endpoint: `${sandbox.base("x")}/2/oauth2/token`,
      revocation_endpoint: `${sandbox.base("x")}/2/oauth2/revoke`,
    };
  });
  after(() => sandbox.close());

  /** The product's flow, with a standards OAuth client: PKCE S256, Basic client authentication. */
  async function connect(identity = "ava") {
    const verifier = oauth.generateRandomCodeVerifier();
    const state = oauth.generateRandomState();
    const authorize = new URL(as.authorization_endpoint!);
    authorize.search = new URLSearchParams({
      response_type: "code",
      client_id: clientId,
      redirect_uri: callback("x"),
      scope: scopes,
      state,
      code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
      code_challenge_method: "S256",
    }).toString();
    const back = await consent(authorize, { identity });
    const parameters = oauth.validateAuthResponse(as, client, back, state);
    const response = await oauth.authorizationCodeGrantRequest(
      as,
      client,
      oauth.ClientSecretBasic(clientSecret),
      parameters,
      callback("x"),
      verifier,
      insecure,
    );
    return { tokens: await oauth.processAuthorizationCodeResponse(as, client, response), parameters, verifier };
  }

  test("OAuth 2.0 with PKCE: a standards client gets a bearer token and a refresh token; users/me answers", async () => {
    const { tokens } = await connect();
    assert.equal(tokens.token_type, "bearer");
    assert.equal(tokens.expires_in, 7200);
    assert.ok(tokens.refresh_token);
    const me = await json(await api("/2/users/me?user.fields=profile_image_url,username,name", tokens.access_token));
    assert.equal(me.data.username, "ava_northwind");
    assert.ok(me.data.profile_image_url);
  });

  test("refresh rotates: the new pair works, the used refresh token is refused", async () => {
    const { tokens } = await connect();
    const refreshed = await oauth.processRefreshTokenResponse(
      as,
      client,
      await oauth.refreshTokenGrantRequest(
        as,
        client,
        oauth.ClientSecretBasic(clientSecret),
        tokens.refresh_token!,
        insecure,
      ),
    );
    assert.notEqual(refreshed.refresh_token, tokens.refresh_token);
    const reused = await fetch(as.token_endpoint!, {
      method: "POST",
      headers: { authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString("base64")}` },
      body: new URLSearchParams({ grant_type: "refresh_token", refresh_token: tokens.refresh_token! }),
    });
    assert.equal(reused.status, 400);
    assert.deepEqual(await json(reused), {
      error: "invalid_request",
      error_description: "Value passed for the token was invalid.",
    });
    assert.equal((await api("/2/users/me", refreshed.access_token)).status, 200);
  });

  test("the token endpoint refuses a wrong secret, a bad verifier, a reused code", async () => {
    const verifier = oauth.generateRandomCodeVerifier();
    const authorize = new URL(as.authorization_endpoint!);
    authorize.search = new URLSearchParams({
      response_type: "code",
      client_id: clientId,
      redirect_uri: callback("x"),
      scope: scopes,
      state: "s",
      code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
      code_challenge_method: "S256",
    }).toString();
    const code = (await consent(authorize)).searchParams.get("code")!;
    const exchange = (secret: string, codeVerifier: string) =>
      fetch(as.token_endpoint!, {
        method: "POST",
        headers: { authorization: `Basic ${Buffer.from(`${clientId}:${secret}`).toString("base64")}` },
        body: new URLSearchParams({
          grant_type: "authorization_code",
          code,
          redirect_uri: callback("x"),
          code_verifier: codeVerifier,
        }),
      });
    const wrongSecret = await exchange("nope", verifier);
    assert.equal(wrongSecret.status, 401);
    assert.equal((await json(wrongSecret)).error, "unauthorized_client");
    const wrongVerifier = await exchange(clientSecret, oauth.generateRandomCodeVerifier());
    assert.equal(wrongVerifier.status, 400);
    assert.equal((await json(wrongVerifier)).error, "invalid_request");
    assert.equal((await exchange(clientSecret, verifier)).status, 200);
    assert.equal((await exchange(clientSecret, verifier)).status, 400, "a code is single-use");
  });

  test("the authorize page requires PKCE and a state; Deny returns access_denied", async () => {
    const missing = new URL(as.authorization_endpoint!);
    missing.search = new URLSearchParams({
      response_type: "code",
      client_id: clientId,
      redirect_uri: callback("x"),
      scope: scopes,
      state: "s",
    }).toString();
    assert.equal((await fetch(missing)).status, 400);
    const authorize = new URL(missing);
    authorize.searchParams.set("code_challenge", "abc");
    authorize.searchParams.set("code_challenge_method", "S256");
    const back = await consent(authorize, { decision: "deny" });
    assert.equal(back.searchParams.get("error"), "access_denied");
  });

  test("revocation kills the access token", async () => {
    const { tokens } = await connect();
    await oauth.processRevocationResponse(
      await oauth.revocationRequest(as, client, oauth.ClientSecretBasic(clientSecret), tokens.access_token, insecure),
    );
    const after = await api("/2/users/me", tokens.access_token);
    assert.equal(after.status, 401);
    assert.deepEqual(await json(after), {
      title: "Unauthorized",
      detail: "Unauthorized",
      type: "about:blank",
      status: 401,
    });
  });

  test("a thread: the first post, then replies to the previous one; read back with metrics", async () => {
    const { tokens } = await connect();
    const ids: string[] = [];
    for (const text of ["Thread 1/3: roasting", "2/3: cooling", "3/3: cupping"]) {
      const body = { text, ...(ids.length ? { reply: { in_reply_to_tweet_id: ids.at(-1) } } : {}) };
      const answer = await api("/2/tweets", tokens.access_token, { method: "POST", body: JSON.stringify(body) });
      assert.equal(answer.status, 201);
      assert.ok(answer.headers.get("x-rate-limit-remaining"));
      const created = await json(answer);
      assert.deepEqual(created.data.edit_history_tweet_ids, [created.data.id]);
      ids.push(created.data.id);
    }
    const lookup = await json(
      await api(
        `/2/tweets?ids=${ids.join(",")}&post.fields=public_metrics,created_at,conversation_id`,
        tokens.access_token,
      ),
    );
    assert.deepEqual(
      lookup.data.map((post: { conversation_id: string }) => post.conversation_id),
      [ids[0], ids[0], ids[0]],
    );
    assert.ok("repost_count" in lookup.data[0].public_metrics && "impression_count" in lookup.data[0].public_metrics);
    const timeline = await json(
      await api(
        "/2/users/1500000000000000001/tweets?max_results=5&post.fields=created_at&expansions=referenced_posts",
        tokens.access_token,
      ),
    );
    assert.equal(timeline.data[0].id, ids[2]);
    assert.deepEqual(timeline.data[0].referenced_posts, [{ type: "replied_to", id: ids[1] }]);
    const missing = await json(await api("/2/tweets?ids=1", tokens.access_token));
    assert.equal(missing.errors[0].title, "Not Found Error");
  });

  test("a query parameter or value the OpenAPI document does not declare is refused, as X refuses it", async () => {
    const { tokens } = await connect();
    const timeline = "/2/users/1500000000000000001/tweets?max_results=5";
    const renamed = await api(`${timeline}&tweet.fields=created_at,referenced_tweets`, tokens.access_token);
    assert.equal(renamed.status, 400);
    const body = await json(renamed);
    assert.equal(body.title, "Invalid Request");
    assert.match(body.errors[0].message, /`tweet\.fields` is not declared/);
    assert.ok("tweet.fields" in body.errors[0].parameters);
    const field = await api(`${timeline}&post.fields=referenced_tweets`, tokens.access_token);
    assert.equal(field.status, 400);
    assert.equal((await api("/2/users/1500000000000000001/tweets?max_results=500", tokens.access_token)).status, 400);
    assert.equal((await api(`${timeline}&colour=blue`, tokens.access_token)).status, 400);
  });

  test("weighted length: 280, with URLs at 23 and CJK at 2; duplicates are refused", async () => {
    const { tokens } = await connect();
    const post = (text: string) =>
      api("/2/tweets", tokens.access_token, { method: "POST", body: JSON.stringify({ text }) });
    assert.equal((await post(`Read https://northwind.example/${"x".repeat(300)} ${"a".repeat(250)}`)).status, 201);
    const cjk = await post("漢".repeat(141));
    assert.equal(cjk.status, 400);
    assert.equal((await json(cjk)).title, "Invalid Request");
    assert.equal((await post("漢".repeat(140))).status, 201);
    const duplicate = await post("漢".repeat(140));
    assert.equal(duplicate.status, 403);
    assert.equal((await json(duplicate)).detail, "You are not allowed to create a Tweet with duplicate content.");
  });

  test("chunked video upload on the v2 endpoints: initialize, append, finalize, status until succeeded", async () => {
    const { tokens } = await connect();
    const bytes = Buffer.alloc(3 * 1024 * 1024, 7);
    const init = await json(
      await api("/2/media/upload/initialize", tokens.access_token, {
        method: "POST",
        body: JSON.stringify({ media_type: "video/mp4", total_bytes: bytes.length, media_category: "tweet_video" }),
      }),
    );
    const id = init.data.id;
    for (let index = 0; index < 3; index += 1) {
      const form = new FormData();
      form.set("media", new Blob([bytes.subarray(index * 1024 * 1024, (index + 1) * 1024 * 1024)]), "chunk");
      form.set("segment_index", String(index));
      assert.equal(
        (await api(`/2/media/upload/${id}/append`, tokens.access_token, { method: "POST", body: form })).status,
        200,
      );
    }
    const finalized = await json(await api(`/2/media/upload/${id}/finalize`, tokens.access_token, { method: "POST" }));
    assert.equal(finalized.data.processing_info.state, "in_progress");
    const early = await api("/2/tweets", tokens.access_token, {
      method: "POST",
      body: JSON.stringify({ text: "too soon", media: { media_ids: [id] } }),
    });
    assert.equal(early.status, 400);
    let state = "";
    for (let attempt = 0; attempt < 20 && state !== "succeeded"; attempt += 1) {
      await advance(sandbox, 0.2);
      state = (await json(await api(`/2/media/upload?command=STATUS&media_id=${id}`, tokens.access_token))).data
        .processing_info.state;
    }
    assert.equal(state, "succeeded");
    assert.equal(
      (
        await api("/2/tweets", tokens.access_token, {
          method: "POST",
          body: JSON.stringify({ text: "Roast timelapse", media: { media_ids: [id] } }),
        })
      ).status,
      201,
    );
  });

  test("the older command= form and a one-shot image upload; media counts are enforced", async () => {
    const { tokens } = await connect();
    const init = await json(
      await api("/2/media/upload", tokens.access_token, {
        method: "POST",
        body: new URLSearchParams({ command: "INIT", media_type: "image/jpeg", total_bytes: "1000" }),
      }),
    );
    const form = new FormData();
    form.set("command", "APPEND");
    form.set("media_id", init.data.id);
    form.set("segment_index", "0");
    form.set("media", new Blob([Buffer.alloc(1000, 1)]), "photo.jpg");
    assert.equal((await api("/2/media/upload", tokens.access_token, { method: "POST", body: form })).status, 204);
    const wrongSize = await api("/2/media/upload", tokens.access_token, {
      method: "POST",
      body: new URLSearchParams({ command: "FINALIZE", media_id: "1" }),
    });
    assert.equal(wrongSize.status, 400);
    assert.equal(
      (
        await api("/2/media/upload", tokens.access_token, {
          method: "POST",
          body: new URLSearchParams({ command: "FINALIZE", media_id: init.data.id }),
        })
      ).status,
      200,
    );

    const images = [init.data.id];
    for (let index = 0; index < 4; index += 1) {
      const oneShot = new FormData();
      oneShot.set("media", new Blob([Buffer.alloc(500, index)], { type: "image/png" }), "p.png");
      images.push(
        (await json(await api("/2/media/upload", tokens.access_token, { method: "POST", body: oneShot }))).data.id,
      );
    }
    const five = await api("/2/tweets", tokens.access_token, {
      method: "POST",
      body: JSON.stringify({ text: "five", media: { media_ids: images } }),
    });
    assert.equal(five.status, 400);
    assert.equal(
      (
        await api("/2/tweets", tokens.access_token, {
          method: "POST",
          body: JSON.stringify({ text: "four", media: { media_ids: images.slice(0, 4) } }),
        })
      ).status,
      201,
    );
  });

  test("posting past the per-user window answers 429 with x-rate-limit headers", async () => {
    const limited = await startSandbox({ limits: { xPostsPer15MinutesPerUser: 2 } });
    try {
      const token = await userToken(limited, "x", scopes);
      const post = (text: string) =>
        fetch(`${limited.base("x")}/2/tweets`, {
          method: "POST",
          headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
          body: JSON.stringify({ text }),
        });
      assert.equal((await post("one")).status, 201);
      assert.equal((await post("two")).status, 201);
      const third = await post("three");
      assert.equal(third.status, 429);
      assert.equal(third.headers.get("x-rate-limit-remaining"), "0");
      const reset = Number(third.headers.get("x-rate-limit-reset"));
      assert.ok(reset > Date.now() / 1000 && reset <= Date.now() / 1000 + 15 * 60 + 1);
      assert.equal((await json(third)).title, "Too Many Requests");
    } finally {
      await limited.close();
    }
  });

  test("the 24-hour caps: x-user-limit-24hour-* and x-app-limit-24hour-* on every post, 429 once one is spent", async () => {
    const limited = await startSandbox({ limits: { xPostsPerDayPerUser: 2 } });
    try {
      const token = await userToken(limited, "x", scopes);
      const post = (text: string) =>
        fetch(`${limited.base("x")}/2/tweets`, {
          method: "POST",
          headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
          body: JSON.stringify({ text }),
        });
      const first = await post("one");
      assert.equal(first.status, 201);
      assert.equal(first.headers.get("x-user-limit-24hour-limit"), "2");
      assert.equal(first.headers.get("x-user-limit-24hour-remaining"), "1");
      assert.equal(first.headers.get("x-app-limit-24hour-limit"), "10000");
      assert.ok(first.headers.get("x-app-limit-24hour-reset"));
      assert.equal((await post("two")).status, 201);
      const third = await post("three");
      assert.equal(third.status, 429);
      assert.equal(third.headers.get("x-user-limit-24hour-remaining"), "0");
      assert.notEqual(third.headers.get("x-rate-limit-remaining"), "0", "the 15-minute window is not what ran out");
      const daily = Number(third.headers.get("x-user-limit-24hour-reset"));
      assert.ok(daily > Date.now() / 1000 + 23 * 3600 && daily <= Date.now() / 1000 + 24 * 3600 + 1);
    } finally {
      await limited.close();
    }
  });

  test("every emulated path is in X's published OpenAPI document", () => {
    const spec = JSON.parse(readFileSync(projectPath("sandbox/specs/x-api-v2-docs-openapi.json"), "utf8")) as {
      paths: Record<string, Record<string, unknown>>;
    };
    const emulated: [string, string][] = [
      ["post", "/2/tweets"],
      ["get", "/2/tweets"],
      ["get", "/2/tweets/{id}"],
      ["delete", "/2/tweets/{id}"],
      ["get", "/2/users/me"],
      ["get", "/2/users/{id}/tweets"],
      ["post", "/2/media/upload/initialize"],
      ["post", "/2/media/upload/{id}/append"],
      ["post", "/2/media/upload/{id}/finalize"],
      ["get", "/2/media/upload"],
      ["post", "/2/media/upload"],
    ];
    for (const [method, path] of emulated)
      assert.ok(spec.paths[path]?.[method], `${method.toUpperCase()} ${path} is not in the spec`);
  });
});
