import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import * as oauth from "oauth4webapi";
import { readLittleText } from "../../sandbox/linkedin.js";
import { advance, callback, consent, json, startSandbox, userToken, type RunningSandbox } from "./support.js";

const clientId = "sandbox-linkedin-client";
const clientSecret = "sandbox-linkedin-secret";
const memberScopes = "openid profile email w_member_social r_member_postAnalytics";
/** The Community Management app, which must have no other product, and so no openid. */
const pagesApp = {
  clientId: "sandbox-linkedin-pages-client",
  clientSecret: "sandbox-linkedin-pages-secret",
  scopes: "r_organization_social w_organization_social rw_organization_admin",
};
const memberApp = { clientId, clientSecret, scopes: memberScopes };
const VERSION = "202607";

describe("sandbox: LinkedIn", () => {
  let sandbox: RunningSandbox;
  let as: oauth.AuthorizationServer;
  const client: oauth.Client = { client_id: clientId };
  const rest = (path: string, token: string, init: RequestInit & { version?: string | null } = {}) => {
    const headers: Record<string, string> = { authorization: `Bearer ${token}`, "x-restli-protocol-version": "2.0.0" };
    if (init.version !== null) headers["linkedin-version"] = init.version ?? VERSION;
    if (typeof init.body === "string") headers["content-type"] = "application/json";
    return fetch(`${sandbox.base("linkedin")}${path}`, { ...init, headers });
  };

  /**
   * LinkedIn's token answer has no token_type, which strict clients (oauth4webapi among them)
   * reject; the product patches it in, as this fetch does.
   */
  const patchTokenType: typeof fetch = async (input, init) => {
    const response = await fetch(input, init);
    if (!String(input).includes("/oauth/v2/accessToken") || !response.ok) return response;
    const body = await response.json();
    return Response.json(
      { token_type: "bearer", ...body },
      { status: response.status, headers: { "cache-control": "no-store" } },
    );
  };

  before(async () => {
    sandbox = await startSandbox({ lifetimes: { videoProcessingSeconds: 1 } });
    as = {
      // LinkedIn's issuer is its host plus /oauth, and so is the sandbox's below its base URL.
      issuer: `${sandbox.base("linkedin")}/oauth`,
      authorization_endpoint: `${sandbox.base("linkedin")}/oauth/v2/authorization`,
      token_endpoint: `${sandbox.base("linkedin")}/oauth/v2/accessToken`,
    };
  });
  after(() => sandbox.close());

  async function authorize(identity = "ava", app = memberApp) {
    const url = new URL(as.authorization_endpoint!);
    url.search = new URLSearchParams({
      response_type: "code",
      client_id: app.clientId,
      redirect_uri: callback("linkedin"),
      state: "li",
      scope: app.scopes,
    }).toString();
    return oauth.validateAuthResponse(as, { client_id: app.clientId }, await consent(url, { identity }), "li");
  }

  async function connect(identity = "ava", app = memberApp) {
    const parameters = await authorize(identity, app);
    const client: oauth.Client = { client_id: app.clientId };
    const response = await oauth.authorizationCodeGrantRequest(
      as,
      client,
      oauth.ClientSecretPost(app.clientSecret),
      parameters,
      callback("linkedin"),
      oauth.nopkce,
      {
        [oauth.allowInsecureRequests]: true,
        [oauth.customFetch]: patchTokenType,
      },
    );
    return oauth.processAuthorizationCodeResponse(as, client, response);
  }

  test("the token answer has no token_type: a strict client refuses it unpatched, accepts it patched", async () => {
    const parameters = await authorize();
    const raw = await oauth.authorizationCodeGrantRequest(
      as,
      client,
      oauth.ClientSecretPost(clientSecret),
      parameters,
      callback("linkedin"),
      oauth.nopkce,
      { [oauth.allowInsecureRequests]: true },
    );
    const body = await raw.clone().json();
    assert.equal("token_type" in body, false);
    assert.equal(body.expires_in, 5_184_000);
    assert.equal(body.refresh_token_expires_in, 31_536_000);
    await assert.rejects(oauth.processAuthorizationCodeResponse(as, client, raw));
    const tokens = await connect();
    assert.ok(tokens.access_token.startsWith("AQV"));
  });

  test("an app asking for a scope it is not provisioned for is refused whole, with unauthorized_scope_error", async () => {
    const ask = async (app: typeof memberApp, scope: string) => {
      const url = new URL(as.authorization_endpoint!);
      url.search = new URLSearchParams({
        response_type: "code",
        client_id: app.clientId,
        redirect_uri: callback("linkedin"),
        state: "scoped",
        scope,
      }).toString();
      const answer = await fetch(url, { redirect: "manual" });
      assert.equal(answer.status, 302);
      return new URL(answer.headers.get("location")!).searchParams;
    };
    const mixed = await ask(memberApp, `${memberScopes} rw_organization_admin`);
    assert.equal(mixed.get("error"), "unauthorized_scope_error");
    assert.match(mixed.get("error_description")!, /rw_organization_admin/);
    assert.equal(mixed.get("state"), "scoped");
    assert.equal(mixed.get("code"), null);
    const openIdOnPages = await ask(pagesApp, `openid ${pagesApp.scopes}`);
    assert.equal(openIdOnPages.get("error"), "unauthorized_scope_error");
    assert.match(openIdOnPages.get("error_description")!, /openid/);
  });

  test("with openid, an RS256 ID token issued by {base}/oauth, verifiable with the JWKS; none without", async () => {
    const parameters = await authorize();
    const response = await oauth.authorizationCodeGrantRequest(
      as,
      client,
      oauth.ClientSecretPost(clientSecret),
      parameters,
      callback("linkedin"),
      oauth.nopkce,
      { [oauth.allowInsecureRequests]: true, [oauth.customFetch]: patchTokenType },
    );
    const verifying = { ...as, jwks_uri: `${sandbox.base("linkedin")}/oauth/openid/jwks` };
    const answer = await oauth.processAuthorizationCodeResponse(verifying, client, response, { requireIdToken: true });
    await oauth.validateApplicationLevelSignature(verifying, response, { [oauth.allowInsecureRequests]: true });
    const claims = oauth.getValidatedIdTokenClaims(answer)!;
    assert.equal(claims.iss, `${sandbox.base("linkedin")}/oauth`);
    assert.equal(claims.aud, clientId);
    assert.equal(claims.sub, "aVaSaNdBoX1");
    assert.equal(claims.email, "ava@sandbox.example");
    const header = JSON.parse(Buffer.from(answer.id_token!.split(".")[0]!, "base64url").toString());
    assert.equal(header.alg, "RS256");
    const pages = await connect("ava", pagesApp);
    assert.equal(pages.id_token, undefined);
  });

  test("credentials go in the body: a wrong secret is invalid_client; a reused code invalid_request; Deny is user_cancelled_authorize", async () => {
    const parameters = await authorize();
    const exchange = (secret: string) =>
      fetch(as.token_endpoint!, {
        method: "POST",
        body: new URLSearchParams({
          grant_type: "authorization_code",
          code: parameters.get("code")!,
          redirect_uri: callback("linkedin"),
          client_id: clientId,
          client_secret: secret,
        }),
      });
    const wrong = await exchange("nope");
    assert.equal(wrong.status, 401);
    assert.equal((await json(wrong)).error, "invalid_client");
    assert.equal((await exchange(clientSecret)).status, 200);
    const reused = await exchange(clientSecret);
    assert.equal(reused.status, 400);
    assert.equal((await json(reused)).error, "invalid_request");
    const url = new URL(as.authorization_endpoint!);
    url.search = new URLSearchParams({
      response_type: "code",
      client_id: clientId,
      redirect_uri: callback("linkedin"),
      state: "li",
      scope: memberScopes,
    }).toString();
    assert.equal((await consent(url, { decision: "deny" })).searchParams.get("error"), "user_cancelled_authorize");
  });

  test("refresh keeps the refresh token; userinfo names the member", async () => {
    const tokens = await connect();
    const refreshed = await json(
      await fetch(as.token_endpoint!, {
        method: "POST",
        body: new URLSearchParams({
          grant_type: "refresh_token",
          refresh_token: tokens.refresh_token!,
          client_id: clientId,
          client_secret: clientSecret,
        }),
      }),
    );
    assert.equal(refreshed.refresh_token, tokens.refresh_token);
    assert.notEqual(refreshed.access_token, tokens.access_token);
    const me = await json(
      await fetch(`${sandbox.base("linkedin")}/v2/userinfo`, {
        headers: { authorization: `Bearer ${refreshed.access_token}` },
      }),
    );
    assert.equal(me.sub, "aVaSaNdBoX1");
    assert.equal(me.email, "ava@sandbox.example");
  });

  test("versioned REST: a missing version is 400, a sunset one 426", async () => {
    const tokens = await connect();
    const missing = await rest("/rest/organizationAcls?q=roleAssignee", tokens.access_token, { version: null });
    assert.equal(missing.status, 400);
    assert.equal((await json(missing)).code, "VERSION_MISSING");
    const sunset = await rest("/rest/organizationAcls?q=roleAssignee", tokens.access_token, { version: "202401" });
    assert.equal(sunset.status, 426);
    assert.equal((await json(sunset)).code, "NONEXISTENT_VERSION");
  });

  test("the companies a member administers, and their details", async () => {
    const tokens = await connect("ava", pagesApp);
    const acls = await json(
      await rest("/rest/organizationAcls?q=roleAssignee&role=ADMINISTRATOR&state=APPROVED", tokens.access_token),
    );
    assert.deepEqual(
      acls.elements.map((element: { organization: string }) => element.organization),
      ["urn:li:organization:90000001", "urn:li:organization:90000002"],
    );
    const organization = await json(await rest("/rest/organizations/90000001", tokens.access_token));
    assert.equal(organization.localizedName, "Northwind Group");
    const ben = await connect("ben", pagesApp);
    assert.deepEqual(
      (await json(await rest("/rest/organizationAcls?q=roleAssignee&role=ADMINISTRATOR", ben.access_token))).elements,
      [],
    );
  });

  const postBody = (author: string, commentary: string, content?: unknown) =>
    JSON.stringify({
      author,
      commentary,
      visibility: "PUBLIC",
      distribution: { feedDistribution: "MAIN_FEED", targetEntities: [], thirdPartyDistributionChannels: [] },
      lifecycleState: "PUBLISHED",
      isReshareDisabledByAuthor: false,
      ...(content ? { content } : {}),
    });

  test("a member post: 201 with the URN in x-restli-id; little text cuts at an unescaped parenthesis", async () => {
    const tokens = await connect();
    const author = "urn:li:person:aVaSaNdBoX1";
    const created = await rest("/rest/posts", tokens.access_token, {
      method: "POST",
      body: postBody(author, "New roast \\(limited\\) today (and more)"),
    });
    assert.equal(created.status, 201);
    const urn = created.headers.get("x-restli-id")!;
    assert.match(urn, /^urn:li:share:\d+$/);
    const read = await json(await rest(`/rest/posts/${encodeURIComponent(urn)}`, tokens.access_token));
    assert.equal(read.commentary, "New roast (limited) today ");
    assert.equal(readLittleText("a \\#tag b"), "a #tag b");
    const partner = (await connect("ava", { ...pagesApp, scopes: "r_member_social" })).access_token;
    const listed = await json(await rest(`/rest/posts?q=author&author=${encodeURIComponent(author)}`, partner));
    assert.equal(listed.elements[0].id, urn);
    const missing = await rest("/rest/posts", tokens.access_token, {
      method: "POST",
      body: JSON.stringify({ author, commentary: "x" }),
    });
    assert.equal(missing.status, 422);
  });

  test("an image post: initializeUpload, PUT the bytes, then post with the image URN", async () => {
    const tokens = await connect("ava", pagesApp);
    const owner = "urn:li:organization:90000001";
    const images = [];
    for (let index = 0; index < 2; index += 1) {
      const init = await json(
        await rest("/rest/images?action=initializeUpload", tokens.access_token, {
          method: "POST",
          body: JSON.stringify({ initializeUploadRequest: { owner } }),
        }),
      );
      const early = await rest("/rest/posts", tokens.access_token, {
        method: "POST",
        body: postBody(owner, "too early", { media: { id: init.value.image } }),
      });
      assert.equal(early.status, 422, "an image is usable only once uploaded");
      assert.equal(
        (
          await fetch(init.value.uploadUrl, {
            method: "PUT",
            body: Buffer.alloc(2048, index),
            headers: { "content-type": "application/octet-stream" },
          })
        ).status,
        201,
      );
      assert.equal(
        (await json(await rest(`/rest/images/${encodeURIComponent(init.value.image)}`, tokens.access_token))).status,
        "AVAILABLE",
      );
      images.push(init.value.image);
    }
    assert.equal(
      (
        await rest("/rest/posts", tokens.access_token, {
          method: "POST",
          body: postBody(owner, "One cup", { media: { id: images[0], altText: "A cup" } }),
        })
      ).status,
      201,
    );
    assert.equal(
      (
        await rest("/rest/posts", tokens.access_token, {
          method: "POST",
          body: postBody(owner, "Two cups", { multiImage: { images: images.map((id) => ({ id })) } }),
        })
      ).status,
      201,
    );
  });

  test("a video in parts: each PUT's ETag goes to finalizeUpload; then PROCESSING, then AVAILABLE", async () => {
    const tokens = await connect();
    const owner = "urn:li:person:aVaSaNdBoX1";
    const size = 5 * 1024 * 1024;
    const init = await json(
      await rest("/rest/videos?action=initializeUpload", tokens.access_token, {
        method: "POST",
        body: JSON.stringify({
          initializeUploadRequest: { owner, fileSizeBytes: size, uploadCaptions: false, uploadThumbnail: false },
        }),
      }),
    );
    assert.equal(init.value.uploadInstructions.length, 2);
    const etags = [];
    for (const instruction of init.value.uploadInstructions) {
      const part = await fetch(instruction.uploadUrl, {
        method: "PUT",
        body: Buffer.alloc(instruction.lastByte - instruction.firstByte + 1, 1),
        headers: { "content-type": "application/octet-stream" },
      });
      etags.push(part.headers.get("etag"));
    }
    const wrong = await rest("/rest/videos?action=finalizeUpload", tokens.access_token, {
      method: "POST",
      body: JSON.stringify({
        finalizeUploadRequest: { video: init.value.video, uploadToken: "", uploadedPartIds: etags.slice(0, 1) },
      }),
    });
    assert.equal(wrong.status, 400);
    const finalized = await rest("/rest/videos?action=finalizeUpload", tokens.access_token, {
      method: "POST",
      body: JSON.stringify({
        finalizeUploadRequest: { video: init.value.video, uploadToken: "", uploadedPartIds: etags },
      }),
    });
    assert.equal(finalized.status, 200);
    assert.equal(
      (await json(await rest(`/rest/videos/${encodeURIComponent(init.value.video)}`, tokens.access_token))).status,
      "PROCESSING",
    );
    await advance(sandbox, 2);
    assert.equal(
      (await json(await rest(`/rest/videos/${encodeURIComponent(init.value.video)}`, tokens.access_token))).status,
      "AVAILABLE",
    );
    assert.equal(
      (
        await rest("/rest/posts", tokens.access_token, {
          method: "POST",
          body: postBody(owner, "Roast video", { media: { id: init.value.video, title: "Roast" } }),
        })
      ).status,
      201,
    );
  });

  test("only administrators post as a company; statistics for the company's posts", async () => {
    const ben = await connect("ben", pagesApp);
    const refused = await rest("/rest/posts", ben.access_token, {
      method: "POST",
      body: postBody("urn:li:organization:90000001", "hijack"),
    });
    assert.equal(refused.status, 403);
    assert.equal((await json(refused)).code, "ACCESS_DENIED");
    const ava = await connect("ava", pagesApp);
    const created = await rest("/rest/posts", ava.access_token, {
      method: "POST",
      body: postBody("urn:li:organization:90000002", "Labs news"),
    });
    const urn = created.headers.get("x-restli-id")!;
    const statistics = await json(
      await rest(
        `/rest/organizationalEntityShareStatistics?q=organizationalEntity&organizationalEntity=${encodeURIComponent("urn:li:organization:90000002")}&shares=List(${encodeURIComponent(urn)})`,
        ava.access_token,
      ),
    );
    const totals = statistics.elements[0].totalShareStatistics;
    for (const key of [
      "impressionCount",
      "uniqueImpressionsCount",
      "clickCount",
      "likeCount",
      "commentCount",
      "shareCount",
      "engagement",
    ])
      assert.ok(key in totals, key);
  });

  test("finding a member's posts takes r_member_social; an organization's, r_organization_social", async () => {
    const byAuthor = (author: string) => `/rest/posts?q=author&author=${encodeURIComponent(author)}&count=10`;
    const ava = await connect();
    const member = await rest(byAuthor("urn:li:person:aVaSaNdBoX1"), ava.access_token);
    assert.equal(member.status, 403);
    assert.deepEqual(await json(member), {
      status: 403,
      serviceErrorCode: 100,
      code: "ACCESS_DENIED",
      message: "Not enough permissions to access: partnerApiPostsExternal.FINDER-author",
    });
    const pages = await connect("ava", pagesApp);
    const organization = await rest(byAuthor("urn:li:organization:90000002"), pages.access_token);
    assert.equal(organization.status, 200);
    const partner = (await connect("ava", { ...pagesApp, scopes: "w_member_social r_member_social" })).access_token;
    assert.equal((await rest(byAuthor("urn:li:person:aVaSaNdBoX1"), partner)).status, 200);
    const writeOnly = (await connect("ava", { ...pagesApp, scopes: "w_member_social w_organization_social" }))
      .access_token;
    assert.equal((await rest(byAuthor("urn:li:organization:90000002"), writeOnly)).status, 403);
  });

  test("expired and revoked tokens answer 401 with their serviceErrorCode", async () => {
    const short = await startSandbox({ lifetimes: { linkedinAccessSeconds: 1 } });
    try {
      const token = await userToken(short, "linkedin", memberScopes);
      await advance(short, 2);
      const expired = await json(
        await fetch(`${short.base("linkedin")}/v2/userinfo`, {
          headers: { authorization: `Bearer ${token}` },
        }),
      );
      assert.deepEqual([expired.status, expired.serviceErrorCode, expired.code], [401, 65601, "EXPIRED_ACCESS_TOKEN"]);
    } finally {
      await short.close();
    }
    const tokens = await connect();
    await fetch(`${sandbox.base("linkedin")}/oauth/v2/revoke`, {
      method: "POST",
      body: new URLSearchParams({ client_id: clientId, client_secret: clientSecret, token: tokens.access_token }),
    });
    const revoked = await json(await rest("/rest/organizationAcls?q=roleAssignee", tokens.access_token));
    assert.deepEqual([revoked.status, revoked.code], [401, "REVOKED_ACCESS_TOKEN"]);
  });

  test("the member's daily post limit answers 429 with serviceErrorCode 101", async () => {
    const limited = await startSandbox({ limits: { linkedinPostsPerDayPerMember: 1 } });
    try {
      const token = await userToken(limited, "linkedin", memberScopes);
      const post = (text: string) =>
        fetch(`${limited.base("linkedin")}/rest/posts`, {
          method: "POST",
          headers: {
            authorization: `Bearer ${token}`,
            "linkedin-version": VERSION,
            "content-type": "application/json",
          },
          body: postBody("urn:li:person:aVaSaNdBoX1", text),
        });
      assert.equal((await post("first")).status, 201);
      const second = await post("second");
      assert.equal(second.status, 429);
      assert.equal((await json(second)).serviceErrorCode, 101);
    } finally {
      await limited.close();
    }
  });
});
