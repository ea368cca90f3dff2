import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { Api, resolveHosts } from "../../src/platforms/http.js";
import { authorizeUrl, exchangeCode, newState, refreshGrant, revokeToken } from "../../src/platforms/oauth.js";
import { PlatformError, type OutgoingMedia, type OutgoingPost } from "../../src/platforms/platform.js";
import type { PlatformOptions } from "../../src/platforms/profiles.js";
import { tiktok } from "../../src/platforms/tiktok.js";
import {
  advance,
  callback,
  consent,
  json,
  mediaFiles,
  startMediaServer,
  startSandbox,
  type RunningSandbox,
} from "./support.js";

const clientKey = "sandbox-tiktok-client";
const clientSecret = "sandbox-tiktok-secret";
const scopes = "user.info.basic,video.publish,video.list";
const ava = { openId: "-000avaSandboxOpenId0001", username: "northwind.coffee" };

describe("sandbox: TikTok", () => {
  let sandbox: RunningSandbox;
  let media: Awaited<ReturnType<typeof startMediaServer>>;
  const base = () => sandbox.base("tiktok");
  const settings = () => ({
    platform: tiktok.id,
    spec: tiktok.auth({}),
    hosts: resolveHosts(tiktok.realHosts, { baseUrl: new URL(base()) }),
    clientId: clientKey,
    clientSecret,
    timeoutMs: 10_000,
  });
  const api = (path: string, token: string, init: RequestInit = {}) =>
    fetch(`${base()}${path}`, {
      ...init,
      headers: {
        authorization: `Bearer ${token}`,
        ...(typeof init.body === "string" ? { "content-type": "application/json; charset=UTF-8" } : {}),
        ...init.headers,
      },
    });
  const post = (path: string, token: string, body: unknown) =>
    api(path, token, { method: "POST", body: JSON.stringify(body) });
  const token = (form: Record<string, string>, headers: Record<string, string> = {}) =>
    fetch(`${base()}/v2/oauth/token/`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
      body: new URLSearchParams(form),
    });

  before(async () => {
    sandbox = await startSandbox({ lifetimes: { videoProcessingSeconds: 1 } });
    media = await startMediaServer();
    // An app TikTok has audited, for public posts.
    const registered = await fetch(new URL("/_sandbox/clients", sandbox.url), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        platform: "tiktok",
        clientId: "audited-tiktok-client",
        clientSecret: "audited-tiktok-secret",
        redirectUris: [callback("tiktok")],
        audited: true,
      }),
    });
    assert.equal(registered.status, 201);
  });
  after(async () => {
    await media.close();
    await sandbox.close();
  });

  /** The product's own OAuth layer, driven by TikTok's spec: client_key, comma scopes, no PKCE. */
  async function connect(identity = "ava", client = { id: clientKey, secret: clientSecret }) {
    const oauth = { ...settings(), clientId: client.id, clientSecret: client.secret };
    const state = newState();
    const authorize = await authorizeUrl(oauth, { redirectUri: callback("tiktok"), state });
    const back = await consent(authorize, { identity });
    const grant = await exchangeCode(oauth, {
      callbackUrl: back,
      expectedState: state,
      redirectUri: callback("tiktok"),
    });
    return { grant, back, authorize, oauth };
  }

  const apiFor = (accessToken: string) =>
    new Api({
      platform: tiktok.id,
      hosts: settings().hosts,
      classify: tiktok.classify,
      timeoutMs: 10_000,
      token: accessToken,
    });

  async function failureOf(promise: Promise<unknown>) {
    const error = await promise.then(
      () => assert.fail("expected a failure"),
      (caught: unknown) => caught,
    );
    assert.ok(error instanceof PlatformError, String(error));
    return error;
  }

  test("Login Kit: client_key and comma-separated scopes; the callback names the granted scopes; tokens for 2 hours and 180 days", async () => {
    const { grant, back, authorize } = await connect();
    assert.equal(authorize.searchParams.get("client_key"), clientKey);
    assert.equal(authorize.searchParams.get("client_id"), null);
    assert.equal(authorize.searchParams.get("scope"), scopes);
    assert.equal(authorize.searchParams.get("disable_auto_auth"), "1");
    assert.equal(back.searchParams.get("scopes"), scopes);
    assert.match(back.searchParams.get("code")!, /\*0!\d+\.va$/, "codes carry characters that must be URL-decoded");
    assert.match(grant.accessToken, /^act\./);
    assert.match(grant.refreshToken!, /^rft\./);
    assert.deepEqual(grant.scopes, scopes.split(","));
    assert.ok(Math.abs(grant.expiresAt!.getTime() - Date.now() - 7_200_000) < 5_000);
    assert.ok(Math.abs(grant.refreshTokenExpiresAt!.getTime() - Date.now() - 180 * 86_400_000) < 5_000);
  });

  test("the token answer is TikTok's flat JSON with open_id and comma scopes", async () => {
    const authorize = new URL(`${base()}/v2/auth/authorize/`);
    authorize.search = new URLSearchParams({
      client_key: clientKey,
      scope: "user.info.basic",
      response_type: "code",
      redirect_uri: callback("tiktok"),
      state: "s",
    }).toString();
    const code = (await consent(authorize)).searchParams.get("code")!;
    const answer = await token({
      client_key: clientKey,
      client_secret: clientSecret,
      code,
      grant_type: "authorization_code",
      redirect_uri: callback("tiktok"),
    });
    const body = await json(answer);
    assert.deepEqual(Object.keys(body).sort(), [
      "access_token",
      "expires_in",
      "open_id",
      "refresh_expires_in",
      "refresh_token",
      "scope",
      "token_type",
    ]);
    assert.equal(body.open_id, ava.openId);
    assert.equal(body.token_type, "Bearer");
    assert.equal(body.scope, "user.info.basic");
  });

  test("refresh rotates: the new pair works; the spent refresh token is refused, and the product reads that as a lost grant", async () => {
    const { grant, oauth } = await connect();
    const renewed = await refreshGrant(oauth, grant);
    assert.notEqual(renewed.refreshToken, grant.refreshToken);
    assert.equal((await api("/v2/user/info/?fields=open_id", renewed.accessToken)).status, 200);
    const spent = await token({
      client_key: clientKey,
      client_secret: clientSecret,
      grant_type: "refresh_token",
      refresh_token: grant.refreshToken!,
    });
    assert.equal(spent.status, 200, "TikTok answers OAuth errors with HTTP 200");
    const body = await json(spent);
    assert.equal(body.error, "invalid_grant");
    assert.ok(body.log_id);
    const refused = await failureOf(refreshGrant(oauth, grant));
    assert.equal(refused.failure.kind, "token_invalid");
    // The rotated token keeps the first one's expiry.
    assert.ok(Math.abs(renewed.refreshTokenExpiresAt!.getTime() - grant.refreshTokenExpiresAt!.getTime()) < 5_000);
  });

  test("the authorize page refuses client_id, space-separated scopes and an unregistered redirect; Deny returns access_denied", async () => {
    const page = (parameters: Record<string, string>) => {
      const url = new URL(`${base()}/v2/auth/authorize/`);
      url.search = new URLSearchParams({
        response_type: "code",
        redirect_uri: callback("tiktok"),
        state: "s",
        ...parameters,
      }).toString();
      return url;
    };
    const clientId = await fetch(page({ client_id: clientKey, scope: scopes }));
    assert.equal(clientId.status, 400);
    assert.match(await clientId.text(), /client_key/);
    assert.equal((await fetch(page({ client_key: clientKey, scope: "user.info.basic video.publish" }))).status, 400);
    assert.equal(
      (await fetch(page({ client_key: clientKey, scope: scopes, redirect_uri: "https://elsewhere.example/cb" })))
        .status,
      400,
    );
    const back = await consent(page({ client_key: clientKey, scope: scopes }), { decision: "deny" });
    assert.equal(back.searchParams.get("error"), "access_denied");
    assert.ok(back.searchParams.get("error_description"));
    assert.equal(back.searchParams.get("state"), "s");
  });

  test("the token endpoint takes credentials only as client_key in a form body; a code is single-use; a challenge sent is enforced", async () => {
    const codeFor = async (extra: Record<string, string> = {}) => {
      const url = new URL(`${base()}/v2/auth/authorize/`);
      url.search = new URLSearchParams({
        client_key: clientKey,
        scope: scopes,
        response_type: "code",
        redirect_uri: callback("tiktok"),
        ...extra,
      }).toString();
      return (await consent(url)).searchParams.get("code")!;
    };
    const form = (code: string) => ({ code, grant_type: "authorization_code", redirect_uri: callback("tiktok") });
    const code = await codeFor();
    const asClientId = await json(await token({ ...form(code), client_id: clientKey, client_secret: clientSecret }));
    assert.equal(asClientId.error, "invalid_request");
    const basic = await json(
      await token(form(code), {
        authorization: `Basic ${Buffer.from(`${clientKey}:${clientSecret}`).toString("base64")}`,
      }),
    );
    assert.equal(basic.error, "invalid_client");
    const asJson = await json(
      await fetch(`${base()}/v2/oauth/token/`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ ...form(code), client_key: clientKey, client_secret: clientSecret }),
      }),
    );
    assert.equal(asJson.error, "invalid_request");
    const credentials = { client_key: clientKey, client_secret: clientSecret };
    assert.ok((await json(await token({ ...form(code), ...credentials }))).access_token);
    assert.equal((await json(await token({ ...form(code), ...credentials }))).error, "invalid_grant", "single-use");

    // A web app sends no PKCE; one that does must send the verifier too.
    const challenged = await codeFor({
      code_challenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
      code_challenge_method: "S256",
    });
    assert.equal((await json(await token({ ...form(challenged), ...credentials }))).error, "invalid_request");
  });

  test("revoking the access token ends the grant: both tokens stop working", async () => {
    const { grant, oauth } = await connect();
    await revokeToken(oauth, grant.accessToken);
    const after = await api("/v2/user/info/?fields=open_id", grant.accessToken);
    assert.equal(after.status, 401);
    assert.equal((await json(after)).error.code, "access_token_invalid");
    assert.equal((await failureOf(refreshGrant(oauth, grant))).failure.kind, "token_invalid");
  });

  test("revoke takes the access token: a refresh token is refused and the grant lives on", async () => {
    const { grant, oauth } = await connect();
    const refused = await failureOf(revokeToken(oauth, grant.refreshToken!));
    assert.equal(refused.failure.kind, "rejected");
    // Sent wrong on purpose: the contract check catches it, and it is this test's doing, not the product's.
    const caught = sandbox.sandbox.state.contractViolations.pop();
    assert.match(caught?.violation ?? "", /refresh token/);
    const still = await api("/v2/user/info/?fields=open_id", grant.accessToken);
    assert.equal(still.status, 200);
    await revokeToken(oauth, grant.accessToken);
    assert.equal((await api("/v2/user/info/?fields=open_id", grant.accessToken)).status, 401);
  });

  test("user info: the envelope; fields are required, each known and covered by a granted scope", async () => {
    const { grant } = await connect();
    const ok = await json(
      await api("/v2/user/info/?fields=open_id,union_id,avatar_url,display_name", grant.accessToken),
    );
    assert.deepEqual(Object.keys(ok.data.user), ["open_id", "union_id", "avatar_url", "display_name"]);
    assert.equal(ok.error.code, "ok");
    assert.match(ok.error.log_id, /^\d{14}[0-9A-F]{20}$/);
    const none = await api("/v2/user/info/", grant.accessToken);
    assert.equal(none.status, 400);
    assert.equal((await json(none)).error.code, "invalid_params");
    assert.equal(
      (await json(await api("/v2/user/info/?fields=nickname", grant.accessToken))).error.code,
      "invalid_params",
    );
    const profile = await api("/v2/user/info/?fields=username", grant.accessToken);
    assert.equal(profile.status, 401);
    assert.deepEqual((await json(profile)).data, {});
    assert.equal((await api("/v2/user/info?fields=open_id", grant.accessToken)).status, 404, "paths end with /");
  });

  test("creator info: a private account offers followers, a public one everyone; no body needed", async () => {
    const avaGrant = (await connect("ava")).grant;
    const benGrant = (await connect("ben")).grant;
    const query = (accessToken: string) =>
      api("/v2/post/publish/creator_info/query/", accessToken, {
        method: "POST",
        headers: { "content-type": "application/json; charset=UTF-8" },
      });
    const avaInfo = await json(await query(avaGrant.accessToken));
    assert.deepEqual(avaInfo.data.privacy_level_options, ["FOLLOWER_OF_CREATOR", "MUTUAL_FOLLOW_FRIENDS", "SELF_ONLY"]);
    assert.equal(avaInfo.data.creator_username, ava.username);
    assert.equal(avaInfo.data.max_video_post_duration_sec, 600);
    const benInfo = await json(await query(benGrant.accessToken));
    assert.deepEqual(benInfo.data.privacy_level_options, ["PUBLIC_TO_EVERYONE", "MUTUAL_FOLLOW_FRIENDS", "SELF_ONLY"]);
    assert.equal(benInfo.data.comment_disabled, true);
  });

  const postInfo = (privacy: string, extra: Record<string, unknown> = {}) => ({
    title: "Morning roast #coffee",
    privacy_level: privacy,
    disable_comment: true,
    disable_duet: true,
    disable_stitch: true,
    brand_content_toggle: false,
    brand_organic_toggle: false,
    ...extra,
  });

  async function statusOf(accessToken: string, publishId: string) {
    const answer = await post("/v2/post/publish/status/fetch/", accessToken, { publish_id: publishId });
    return { raw: await answer.clone().text(), body: await json(answer), status: answer.status };
  }

  async function settled(accessToken: string, publishId: string) {
    for (let attempt = 0; attempt < 40; attempt += 1) {
      const { body, raw } = await statusOf(accessToken, publishId);
      if (!body.data.status.startsWith("PROCESSING")) return { body, raw };
      await advance(sandbox, 0.15);
    }
    assert.fail(`${publishId} never settled`);
  }

  test("file upload in chunks: the plan is checked, chunks go in order (416 with progress otherwise), processing takes time", async () => {
    const { grant } = await connect();
    const video = Buffer.concat([
      mediaFiles["/clip.mp4"].body,
      Buffer.alloc(12_000_000 - mediaFiles["/clip.mp4"].body.length, 9),
    ]);
    const init = (sourceInfo: Record<string, unknown>) =>
      post("/v2/post/publish/video/init/", grant.accessToken, {
        post_info: postInfo("SELF_ONLY"),
        source_info: sourceInfo,
      });
    const badPlan = await init({
      source: "FILE_UPLOAD",
      video_size: video.length,
      chunk_size: 3_000_000,
      total_chunk_count: 4,
    });
    assert.equal(badPlan.status, 400);
    assert.equal((await json(badPlan)).error.code, "invalid_params");
    const started = await json(
      await init({ source: "FILE_UPLOAD", video_size: video.length, chunk_size: 6_000_000, total_chunk_count: 2 }),
    );
    assert.match(started.data.publish_id, /^v_pub_file~v2-1\.\d+$/);
    const uploadUrl = started.data.upload_url as string;
    const put = (first: number, last: number) =>
      fetch(uploadUrl, {
        method: "PUT",
        headers: { "content-type": "video/mp4", "content-range": `bytes ${first}-${last}/${video.length}` },
        body: video.subarray(first, last + 1),
      });
    const early = await put(6_000_000, 11_999_999);
    assert.equal(early.status, 416);
    assert.equal(early.headers.get("content-range"), `bytes */${video.length}`);
    const firstChunk = await put(0, 5_999_999);
    assert.equal(firstChunk.status, 206);
    assert.equal(firstChunk.headers.get("content-range"), `bytes 0-5999999/${video.length}`);
    const uploading = await statusOf(grant.accessToken, started.data.publish_id);
    assert.equal(uploading.body.data.status, "PROCESSING_UPLOAD");
    assert.equal(uploading.body.data.uploaded_bytes, 6_000_000);
    const lastChunk = await put(6_000_000, 11_999_999);
    assert.equal(lastChunk.status, 201);
    assert.equal((await statusOf(grant.accessToken, started.data.publish_id)).body.data.status, "PROCESSING_UPLOAD");
    const { body } = await settled(grant.accessToken, started.data.publish_id);
    assert.equal(body.data.status, "PUBLISH_COMPLETE");
    assert.deepEqual(body.data.publicaly_available_post_id, [], "a private post has no public id");
    const published = await json(
      await fetch(new URL(`/_sandbox/published?platform=tiktok&account=${ava.openId}`, sandbox.url)),
    );
    assert.ok(
      published.items.some(
        (item: { extra: { publishId: string } }) => item.extra.publishId === started.data.publish_id,
      ),
    );
  });

  test("privacy: an unaudited app posts only SELF_ONLY to private accounts; the level must be offered; branded content is never private", async () => {
    const avaGrant = (await connect("ava")).grant;
    const benGrant = (await connect("ben")).grant;
    const init = (accessToken: string, info: Record<string, unknown>) =>
      post("/v2/post/publish/video/init/", accessToken, {
        post_info: info,
        source_info: { source: "PULL_FROM_URL", video_url: media.url("/clip.mp4") },
      });
    const followers = await init(avaGrant.accessToken, postInfo("FOLLOWER_OF_CREATOR"));
    assert.equal(followers.status, 403);
    assert.equal((await json(followers)).error.code, "unaudited_client_can_only_post_to_private_accounts");
    assert.equal(
      (await json(await init(benGrant.accessToken, postInfo("SELF_ONLY")))).error.code,
      "unaudited_client_can_only_post_to_private_accounts",
      "a public account cannot take an unaudited app's posts at all",
    );
    assert.equal(
      (await json(await init(avaGrant.accessToken, postInfo("PUBLIC_TO_EVERYONE")))).error.code,
      "privacy_level_option_mismatch",
    );
    const noPrivacy: Record<string, unknown> = postInfo("SELF_ONLY");
    delete noPrivacy.privacy_level;
    assert.equal((await json(await init(avaGrant.accessToken, noPrivacy))).error.code, "privacy_level_option_mismatch");
    const branded = await init(avaGrant.accessToken, postInfo("SELF_ONLY", { brand_content_toggle: true }));
    assert.equal(branded.status, 400);
    assert.equal((await json(branded)).error.message, "Branded content visibility cannot be set to private.");
    assert.equal((await init(avaGrant.accessToken, postInfo("SELF_ONLY"))).status, 200);
  });

  test("an audited app posts publicly: the post id comes after moderation, as an int64 JSON number", async () => {
    const { grant } = await connect("ben", { id: "audited-tiktok-client", secret: "audited-tiktok-secret" });
    const started = await json(
      await post("/v2/post/publish/video/init/", grant.accessToken, {
        post_info: postInfo("PUBLIC_TO_EVERYONE"),
        source_info: { source: "PULL_FROM_URL", video_url: media.url("/clip.mp4") },
      }),
    );
    assert.match(started.data.publish_id, /^v_pub_url~v2\.\d+$/);
    const processing = await statusOf(grant.accessToken, started.data.publish_id);
    assert.equal(processing.body.data.status, "PROCESSING_DOWNLOAD");
    let complete = await settled(grant.accessToken, started.data.publish_id);
    assert.equal(complete.body.data.status, "PUBLISH_COMPLETE");
    assert.deepEqual(complete.body.data.publicaly_available_post_id, [], "moderation first");
    await advance(sandbox, 2);
    complete = await settled(grant.accessToken, started.data.publish_id);
    const id = /"publicaly_available_post_id":\[(\d+)\]/.exec(complete.raw)?.[1];
    assert.ok(id && id.length === 19, complete.raw);
    const list = await json(
      await post("/v2/video/list/?fields=id,create_time,share_url", grant.accessToken, { max_count: 20 }),
    );
    assert.equal(list.data.videos[0].id, id);
    assert.equal(list.data.videos[0].share_url, `https://www.tiktok.com/@ben.rides/video/${id}`);
  });

  test("pull from URL: only verified hosts; a missing file or a wrong type fails the post at processing", async () => {
    const { grant } = await connect();
    const init = (url: string) =>
      post("/v2/post/publish/video/init/", grant.accessToken, {
        post_info: postInfo("SELF_ONLY"),
        source_info: { source: "PULL_FROM_URL", video_url: url },
      });
    const unverified = await init("https://cdn.elsewhere.example/clip.mp4");
    assert.equal(unverified.status, 403);
    assert.equal((await json(unverified)).error.code, "url_ownership_unverified");
    const missing = await json(await init(media.url("/missing.jpg")));
    assert.equal(
      (await settled(grant.accessToken, missing.data.publish_id)).body.data.fail_reason,
      "video_pull_failed",
    );
    const photo = await json(
      await post("/v2/post/publish/content/init/", grant.accessToken, {
        media_type: "PHOTO",
        post_mode: "DIRECT_POST",
        post_info: {
          description: "Beans",
          privacy_level: "SELF_ONLY",
          brand_content_toggle: false,
          brand_organic_toggle: false,
        },
        source_info: {
          source: "PULL_FROM_URL",
          photo_images: [media.url("/photo.jpg"), media.url("/photo.png")],
          photo_cover_index: 0,
        },
      }),
    );
    assert.match(photo.data.publish_id, /^p_pub_url~v2\.\d+$/);
    assert.equal(
      (await settled(grant.accessToken, photo.data.publish_id)).body.data.fail_reason,
      "file_format_check_failed",
    );
  });

  test("status fetch: an unknown publish_id, and another creator's, are refused", async () => {
    const avaGrant = (await connect("ava")).grant;
    const benGrant = (await connect("ben")).grant;
    const unknown = await statusOf(avaGrant.accessToken, "v_pub_url~v2.999999");
    assert.equal(unknown.status, 400);
    assert.equal(unknown.body.error.code, "invalid_publish_id");
    const started = await json(
      await post("/v2/post/publish/video/init/", avaGrant.accessToken, {
        post_info: postInfo("SELF_ONLY"),
        source_info: { source: "PULL_FROM_URL", video_url: media.url("/clip.mp4") },
      }),
    );
    assert.equal(
      (await statusOf(benGrant.accessToken, started.data.publish_id)).body.error.code,
      "token_not_authorized_for_specified_publish_id",
    );
  });

  test("rate limits: six inits a minute per token; the daily post cap shows in creator info first", async () => {
    const limited = await startSandbox({ limits: { tiktokPostsPerDayPerCreator: 2 } });
    try {
      const authorize = new URL(`${limited.base("tiktok")}/v2/auth/authorize/`);
      authorize.search = new URLSearchParams({
        client_key: clientKey,
        scope: scopes,
        response_type: "code",
        redirect_uri: callback("tiktok"),
      }).toString();
      const code = (await consent(authorize)).searchParams.get("code")!;
      const accessToken = (
        await json(
          await fetch(`${limited.base("tiktok")}/v2/oauth/token/`, {
            method: "POST",
            body: new URLSearchParams({
              client_key: clientKey,
              client_secret: clientSecret,
              code,
              grant_type: "authorization_code",
              redirect_uri: callback("tiktok"),
            }),
          }),
        )
      ).access_token;
      const call = (path: string, body?: unknown) =>
        fetch(`${limited.base("tiktok")}${path}`, {
          method: "POST",
          headers: { authorization: `Bearer ${accessToken}`, "content-type": "application/json; charset=UTF-8" },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
      const init = () =>
        call("/v2/post/publish/video/init/", {
          post_info: postInfo("SELF_ONLY"),
          source_info: { source: "PULL_FROM_URL", video_url: media.url("/clip.mp4") },
        });
      assert.equal((await init()).status, 200);
      assert.equal((await init()).status, 200);
      const capped = await call("/v2/post/publish/creator_info/query/");
      assert.equal(capped.status, 403);
      assert.equal((await json(capped)).error.code, "spam_risk_too_many_posts");
      for (let count = 3; count <= 6; count += 1)
        assert.equal((await json(await init())).error.code, "spam_risk_too_many_posts");
      const seventh = await init();
      assert.equal(seventh.status, 429);
      assert.deepEqual((await json(seventh)).error.code, "rate_limit_exceeded");
    } finally {
      await limited.close();
    }
  });

  test("a rate limit is timed by the app's clock, not the machine's", async () => {
    const { grant } = await connect();
    const appTime = Date.parse("2031-03-01T12:00:00Z");
    const api = new Api({
      platform: tiktok.id,
      hosts: settings().hosts,
      classify: tiktok.classify,
      timeoutMs: 10_000,
      token: grant.accessToken,
      clock: { now: () => appTime },
    });
    await fetch(new URL("/_sandbox/faults", sandbox.url), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ prefix: "tiktok", path: "/v2/user/info/", mode: "rate_limit", count: 1 }),
    });
    const limited = await failureOf(tiktok.checkHealth(api, { externalId: ava.openId, details: {} }, {}));
    assert.equal(limited.failure.kind, "rate_limited");
    assert.equal(limited.failure.kind === "rate_limited" && limited.failure.retryAt.getTime(), appTime + 60_000);
    const classified = tiktok.classify({
      status: 403,
      headers: new Headers(),
      body: { data: {}, error: { code: "spam_risk_too_many_posts", message: "", log_id: "1" } },
      receivedAt: appTime,
    });
    assert.deepEqual(classified, { kind: "rate_limited", retryAt: new Date(appTime + 86_400_000), scope: "account" });
  });

  test("faults answer in TikTok's shapes", async () => {
    const { grant } = await connect();
    await fetch(new URL("/_sandbox/faults", sandbox.url), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ prefix: "tiktok", path: "/v2/user/info/", mode: "error", count: 1 }),
    });
    const failed = await api("/v2/user/info/?fields=open_id", grant.accessToken);
    assert.equal(failed.status, 503);
    assert.equal((await json(failed)).error.code, "internal_error");
  });

  describe("the product's TikTok module against the sandbox", () => {
    type TikTokPost = OutgoingPost<PlatformOptions<"tiktok">>;
    const outgoing = (overrides: Partial<TikTokPost> = {}): TikTokPost => ({
      text: "Morning roast #coffee",
      media: [],
      options: {},
      mediaById: new Map(),
      publishedPartIds: [],
      ...overrides,
    });
    const file = (path: "/clip.mp4" | "/photo.jpg", url = media.url(path)): OutgoingMedia => ({
      url,
      contentType: mediaFiles[path].type,
      sizeBytes: mediaFiles[path].body.length,
      fileName: path.slice(1),
      read: async () => mediaFiles[path].body,
    });

    test("lists the account by open_id with its handle", async () => {
      const { grant } = await connect();
      const [account] = await tiktok.listAccounts(apiFor(grant.accessToken), {});
      assert.equal(account!.externalId, ava.openId);
      assert.equal(account!.username, ava.username);
      assert.equal(account!.name, "Northwind Coffee");
      await tiktok.checkHealth(apiFor(grant.accessToken), { externalId: ava.openId, details: {} }, {});
    });

    test("a private video from an unverified host is uploaded in chunks and published with its publish_id", async () => {
      const { grant } = await connect();
      const before = await json(await fetch(new URL("/_sandbox/journal?prefix=tiktok", sandbox.url)));
      const result = await tiktok.publishing!.publish(
        apiFor(grant.accessToken),
        { externalId: ava.openId, details: { username: ava.username } },
        outgoing({ options: { privacy: "SELF_ONLY" }, media: [file("/clip.mp4", "https://media.example/clip.mp4")] }),
        {},
        async () => {},
      );
      assert.match(result.remoteId, /^v_pub_file~/);
      assert.equal(result.url, `https://www.tiktok.com/@${ava.username}`);
      const after = before.entries.at(-1).seq;
      const journal = await json(await fetch(new URL(`/_sandbox/journal?prefix=tiktok&after=${after}`, sandbox.url)));
      assert.deepEqual(
        journal.entries
          .map(
            (entry: { method: string; path: string; status: number }) =>
              `${entry.method} ${entry.path} ${entry.status}`,
          )
          .slice(0, 4),
        [
          "POST /tiktok/v2/post/publish/creator_info/query/ 200",
          "POST /tiktok/v2/post/publish/video/init/ 403",
          "POST /tiktok/v2/post/publish/video/init/ 200",
          "PUT /tiktok/video/ 201",
        ],
      );
    });

    test("a public video by an audited app is pulled and published with its exact 19-digit id", async () => {
      const { grant } = await connect("ben", { id: "audited-tiktok-client", secret: "audited-tiktok-secret" });
      const result = await tiktok.publishing!.publish(
        apiFor(grant.accessToken),
        { externalId: "-000benSandboxOpenId0002", details: { username: "ben.rides" } },
        outgoing({ options: { privacy: "PUBLIC_TO_EVERYONE" }, media: [file("/clip.mp4")] }),
        {},
        async () => {},
      );
      assert.match(result.remoteId, /^\d{19}$/);
      assert.equal(result.url, `https://www.tiktok.com/@ben.rides/video/${result.remoteId}`);
      const published = await json(await fetch(new URL("/_sandbox/published?platform=tiktok", sandbox.url)));
      assert.ok(published.items.some((item: { id: string }) => item.id === result.remoteId));
    });

    test("refusals become failures the user can act on: no privacy chosen, one not offered, a public account through an unaudited app", async () => {
      const { grant } = await connect();
      const account = { externalId: ava.openId, details: { username: ava.username } };
      const unchosen = await failureOf(
        tiktok.publishing!.publish(
          apiFor(grant.accessToken),
          account,
          outgoing({ media: [file("/photo.jpg")] }),
          {},
          async () => {},
        ),
      );
      assert.deepEqual(
        [unchosen.failure.kind, unchosen.failure.kind === "rejected" && unchosen.failure.field],
        ["rejected", "privacy"],
      );
      const notOffered = await failureOf(
        tiktok.publishing!.publish(
          apiFor(grant.accessToken),
          account,
          outgoing({ options: { privacy: "PUBLIC_TO_EVERYONE" }, media: [file("/photo.jpg")] }),
          {},
          async () => {},
        ),
      );
      assert.equal(notOffered.failure.kind, "rejected");
      const ben = await connect("ben");
      const unaudited = await failureOf(
        tiktok.publishing!.publish(
          apiFor(ben.grant.accessToken),
          { externalId: "-000benSandboxOpenId0002", details: { username: "ben.rides" } },
          outgoing({ options: { privacy: "SELF_ONLY" }, media: [file("/clip.mp4")] }),
          {},
          async () => {},
        ),
      );
      assert.equal(unaudited.platformCode, "unaudited_client_can_only_post_to_private_accounts");
      assert.equal(unaudited.failure.kind === "rejected" && unaudited.failure.field, "privacy");
      const expired = await failureOf(tiktok.listAccounts(apiFor("act.nope"), {}));
      assert.equal(expired.failure.kind, "token_expired");
    });
  });
});
