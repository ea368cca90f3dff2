import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, before, describe, test } from "node:test";
import * as oauth from "oauth4webapi";
import { projectPath } from "../../src/paths.js";
import { advance, callback, consent, json, startSandbox, userToken, type RunningSandbox } from "./support.js";

// A project Google has audited, so uploads keep the privacy they ask for.
const clientId = "audited-youtube-client";
const clientSecret = "audited-youtube-secret";
const scopes = ["youtube.upload", "youtube.readonly", "yt-analytics.readonly"]
  .map((scope) => `https://www.googleapis.com/auth/${scope}`)
  .join(" ");
const insecure = { [oauth.allowInsecureRequests]: true };
const KIB256 = 256 * 1024;

interface DiscoverySchema {
  properties?: Record<string, DiscoverySchema & { $ref?: string }>;
  $ref?: string;
}

describe("sandbox: Google OAuth and YouTube", () => {
  let sandbox: RunningSandbox;
  let as: oauth.AuthorizationServer;
  const client: oauth.Client = { client_id: clientId };
  const api = (path: string, token: string, init: RequestInit = {}) =>
    fetch(`${sandbox.base("google")}${path}`, {
      ...init,
      headers: { authorization: `Bearer ${token}`, ...(init.headers as Record<string, string>) },
    });

  before(async () => {
    sandbox = await startSandbox({ lifetimes: { videoProcessingSeconds: 1 } });
    const registered = await fetch(new URL("/_sandbox/clients", sandbox.url), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        platform: "youtube",
        clientId,
        clientSecret,
        redirectUris: [callback("youtube")],
        audited: true,
      }),
    });
    assert.equal(registered.status, 201);
    const base = sandbox.base("google");
    as = {
      issuer: base,
      authorization_endpoint: `${base}/o/oauth2/v2/auth`,
      token_endpoint: `${base}/token`,
      revocation_endpoint: `${base}/revoke`,
    };
  });
  after(() => sandbox.close());

  async function connect(identity = "ava:UCsandboxNorthwindTV0001") {
    const verifier = oauth.generateRandomCodeVerifier();
    const url = new URL(as.authorization_endpoint!);
    url.search = new URLSearchParams({
      response_type: "code",
      client_id: clientId,
      redirect_uri: callback("youtube"),
      scope: scopes,
      state: "yt",
      access_type: "offline",
      prompt: "consent",
      code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
      code_challenge_method: "S256",
    }).toString();
    const parameters = oauth.validateAuthResponse(as, client, await consent(url, { identity }), "yt");
    const response = await oauth.authorizationCodeGrantRequest(
      as,
      client,
      oauth.ClientSecretPost(clientSecret),
      parameters,
      callback("youtube"),
      verifier,
      insecure,
    );
    return oauth.processAuthorizationCodeResponse(as, client, response);
  }

  async function startUpload(
    token: string,
    totalBytes: number,
    metadata: unknown = {
      snippet: { title: "Roast day", description: "#Shorts behind the scenes", tags: ["coffee"], categoryId: "22" },
      status: { privacyStatus: "unlisted", selfDeclaredMadeForKids: false },
    },
  ) {
    return api("/upload/youtube/v3/videos?uploadType=resumable&part=snippet,status", token, {
      method: "POST",
      headers: {
        "content-type": "application/json; charset=UTF-8",
        "x-upload-content-length": String(totalBytes),
        "x-upload-content-type": "video/mp4",
      },
      body: JSON.stringify(metadata),
    });
  }

  test("offline access with PKCE: Bearer token, refresh token; refresh does not send a new refresh token", async () => {
    const tokens = await connect();
    assert.equal(tokens.token_type, "bearer");
    assert.equal(tokens.expires_in, 3599);
    assert.ok(tokens.refresh_token);
    const refreshed = await oauth.processRefreshTokenResponse(
      as,
      client,
      await oauth.refreshTokenGrantRequest(
        as,
        client,
        oauth.ClientSecretPost(clientSecret),
        tokens.refresh_token!,
        insecure,
      ),
    );
    assert.ok(refreshed.access_token);
    assert.equal(refreshed.refresh_token, undefined, "keep the stored refresh token");
  });

  test("the callback names Google's issuer; an ID token with openid, and with include_granted_scopes once openid was granted", async () => {
    const grant = async (scope: string, extra: Record<string, string> = {}) => {
      const url = new URL(as.authorization_endpoint!);
      url.search = new URLSearchParams({
        response_type: "code",
        client_id: clientId,
        redirect_uri: callback("youtube"),
        scope,
        state: "oidc",
        ...extra,
      }).toString();
      const back = await consent(url, { identity: "ben:UCsandboxBenRides000002" });
      assert.equal(back.searchParams.get("iss"), sandbox.base("google"), "RFC 9207: the base URL, no trailing slash");
      const parameters = oauth.validateAuthResponse(
        { ...as, authorization_response_iss_parameter_supported: true },
        client,
        back,
        "oidc",
      );
      return json(
        await oauth.authorizationCodeGrantRequest(
          as,
          client,
          oauth.ClientSecretPost(clientSecret),
          parameters,
          callback("youtube"),
          oauth.nopkce,
          insecure,
        ),
      );
    };
    const plain = await grant(scopes, { include_granted_scopes: "true" });
    assert.equal(plain.id_token, undefined, "no openid asked or granted yet");
    const signIn = await grant("openid email");
    const claims = JSON.parse(Buffer.from(signIn.id_token.split(".")[1], "base64url").toString());
    assert.deepEqual([claims.iss, claims.aud], [sandbox.base("google"), clientId]);
    const keys = await json(await fetch(`${sandbox.base("google")}/oauth2/v3/certs`));
    assert.equal(keys.keys[0].kty, "RSA");
    const incremental = await grant(scopes, { include_granted_scopes: "true" });
    assert.ok(incremental.id_token, "openid granted before comes back with include_granted_scopes");
    assert.match(incremental.scope, /openid/);
    const notIncremental = await grant(scopes);
    assert.equal(notIncremental.id_token, undefined);
  });

  test("token endpoint errors: invalid_client, a wrong verifier, a revoked refresh token", async () => {
    const verifier = oauth.generateRandomCodeVerifier();
    const url = new URL(as.authorization_endpoint!);
    url.search = new URLSearchParams({
      response_type: "code",
      client_id: clientId,
      redirect_uri: callback("youtube"),
      scope: scopes,
      state: "s",
      access_type: "offline",
      code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
      code_challenge_method: "S256",
    }).toString();
    const code = (await consent(url)).searchParams.get("code")!;
    const exchange = (secret: string, codeVerifier: string) =>
      fetch(as.token_endpoint!, {
        method: "POST",
        body: new URLSearchParams({
          grant_type: "authorization_code",
          code,
          redirect_uri: callback("youtube"),
          client_id: clientId,
          client_secret: secret,
          code_verifier: codeVerifier,
        }),
      });
    assert.deepEqual(await json(await exchange("nope", verifier)), {
      error: "invalid_client",
      error_description: "Unauthorized",
    });
    assert.deepEqual(await json(await exchange(clientSecret, "x".repeat(43))), {
      error: "invalid_grant",
      error_description: "Invalid code verifier.",
    });

    const tokens = await connect();
    await fetch(`${as.revocation_endpoint}?token=${tokens.refresh_token}`, { method: "POST" });
    const after = await fetch(as.token_endpoint!, {
      method: "POST",
      body: new URLSearchParams({
        grant_type: "refresh_token",
        refresh_token: tokens.refresh_token!,
        client_id: clientId,
        client_secret: clientSecret,
      }),
    });
    assert.equal(after.status, 400);
    assert.deepEqual(await json(after), {
      error: "invalid_grant",
      error_description: "Token has been expired or revoked.",
    });
  });

  test("the consent screen picks the channel: channels.list mine=true answers that one", async () => {
    const ben = await connect("ben:UCsandboxBenShorts00003");
    const mine = await json(
      await api("/youtube/v3/channels?part=snippet,statistics,contentDetails&mine=true", ben.access_token),
    );
    assert.equal(mine.items.length, 1);
    assert.equal(mine.items[0].snippet.title, "Ben Rides Shorts");
    assert.equal(mine.items[0].contentDetails.relatedPlaylists.uploads, "UUsandboxBenShorts00003");
    assert.equal(typeof mine.items[0].statistics.subscriberCount, "string");
  });

  test("a resumable upload in chunks survives a broken connection: ask where it stands, go on from there", async () => {
    const tokens = await connect();
    const total = 3 * KIB256 + 1000;
    const bytes = Buffer.alloc(total, 9);
    const session = await startUpload(tokens.access_token, total);
    assert.equal(session.status, 200);
    const location = session.headers.get("location")!;
    const put = (range: string, body?: Buffer<ArrayBuffer>) =>
      fetch(location, { method: "PUT", headers: { "content-range": range, "content-type": "video/mp4" }, body });

    const first = await put(`bytes 0-${2 * KIB256 - 1}/${total}`, bytes.subarray(0, 2 * KIB256));
    assert.equal(first.status, 308);
    assert.equal(first.headers.get("range"), `bytes=0-${2 * KIB256 - 1}`);
    // The connection broke here: where does the upload stand?
    const probe = await put(`bytes */${total}`);
    assert.equal(probe.status, 308);
    const resumeAt = Number(/bytes=0-(\d+)/.exec(probe.headers.get("range")!)![1]) + 1;
    assert.equal(resumeAt, 2 * KIB256);
    const odd = await put(`bytes ${resumeAt}-${resumeAt + 999}/${total}`, bytes.subarray(resumeAt, resumeAt + 1000));
    assert.equal(odd.status, 400, "chunks before the last are multiples of 256 KiB");
    const done = await put(`bytes ${resumeAt}-${total - 1}/${total}`, bytes.subarray(resumeAt));
    assert.equal(done.status, 200);
    const video = await json(done);
    assert.equal(video.kind, "youtube#video");
    assert.equal(video.snippet.title, "Roast day");
    assert.equal(video.status.privacyStatus, "unlisted");

    const listed = await json(
      await api(`/youtube/v3/videos?part=snippet,statistics,status&id=${video.id}`, tokens.access_token),
    );
    assert.equal(listed.items[0].id, video.id);
    assert.ok("viewCount" in listed.items[0].statistics);
    const uploads = await json(
      await api(
        "/youtube/v3/playlistItems?part=snippet,contentDetails&playlistId=UUsandboxNorthwindTV0001&maxResults=5",
        tokens.access_token,
      ),
    );
    assert.equal(uploads.items[0].contentDetails.videoId, video.id);
  });

  test("metadata rules: an empty or over-long title is invalidTitle; a bad privacy status is refused", async () => {
    const tokens = await connect();
    for (const title of ["", "x".repeat(101), "a <b>"]) {
      const answer = await startUpload(tokens.access_token, 10, {
        snippet: { title },
        status: { privacyStatus: "public" },
      });
      assert.equal(answer.status, 400);
      assert.equal((await json(answer)).error.errors[0].reason, "invalidTitle");
    }
    const privacy = await startUpload(tokens.access_token, 10, {
      snippet: { title: "ok" },
      status: { privacyStatus: "friends" },
    });
    assert.equal(privacy.status, 400);
  });

  test("an unaudited project's upload is locked private, whatever it asked; the answer says so", async () => {
    const token = await userToken(sandbox, "youtube", scopes);
    const session = await startUpload(token, 10, {
      snippet: { title: "Asked public" },
      status: { privacyStatus: "public" },
    });
    assert.equal(session.status, 200);
    const done = await fetch(session.headers.get("location")!, {
      method: "PUT",
      headers: { "content-range": "bytes 0-9/10", "content-type": "video/mp4" },
      body: Buffer.alloc(10),
    });
    assert.equal(done.status, 200);
    assert.equal((await json(done)).status.privacyStatus, "private");
  });

  test("description rules: over 5,000 UTF-8 bytes (not characters) or with < or > is invalidDescription", async () => {
    const tokens = await connect();
    const upload = (description: string) =>
      startUpload(tokens.access_token, 10, {
        snippet: { title: "ok", description },
        status: { privacyStatus: "public" },
      });
    assert.equal((await upload("é".repeat(2_500))).status, 200, "2,500 characters of 2 bytes: 5,000 bytes");
    for (const description of ["é".repeat(2_501), "a <b> c", "1 > 0"]) {
      const answer = await upload(description);
      assert.equal(answer.status, 400, description.slice(0, 20));
      assert.equal((await json(answer)).error.errors[0].reason, "invalidDescription");
    }
  });

  test("quota: videos.insert has its own daily bucket; quotaExceeded in Google's error shape", async () => {
    const limited = await startSandbox({ limits: { youtubeUploadsPerDay: 1, youtubeUnitsPerDay: 2 } });
    try {
      const base = limited.base("google");
      const token = await userToken(limited, "youtube", scopes);
      const upload = () =>
        fetch(`${base}/upload/youtube/v3/videos?uploadType=resumable&part=snippet,status`, {
          method: "POST",
          headers: {
            authorization: `Bearer ${token}`,
            "content-type": "application/json",
            "x-upload-content-length": "10",
            "x-upload-content-type": "video/mp4",
          },
          body: JSON.stringify({ snippet: { title: "t" }, status: { privacyStatus: "private" } }),
        });
      assert.equal((await upload()).status, 200);
      const over = await upload();
      assert.equal(over.status, 403);
      const body = await json(over);
      assert.deepEqual(
        [body.error.errors[0].domain, body.error.errors[0].reason, body.error.status],
        ["youtube.quota", "quotaExceeded", "PERMISSION_DENIED"],
      );
      const list = () =>
        fetch(`${base}/youtube/v3/channels?part=id&mine=true`, {
          headers: { authorization: `Bearer ${token}` },
        });
      assert.equal((await list()).status, 200);
      assert.equal((await list()).status, 200);
      assert.equal((await list()).status, 403, "10,000 units a day, scaled to 2 here");
    } finally {
      await limited.close();
    }
  });

  test("errors: 401 UNAUTHENTICATED, 403 insufficientPermissions", async () => {
    const bad = await api("/youtube/v3/channels?part=id&mine=true", "ya29.nonsense");
    assert.equal(bad.status, 401);
    assert.equal((await json(bad)).error.status, "UNAUTHENTICATED");
    const url = new URL(as.authorization_endpoint!);
    url.search = new URLSearchParams({
      response_type: "code",
      client_id: clientId,
      redirect_uri: callback("youtube"),
      scope: "https://www.googleapis.com/auth/youtube.readonly",
      state: "s",
    }).toString();
    const code = (await consent(url)).searchParams.get("code")!;
    const token = await json(
      await fetch(as.token_endpoint!, {
        method: "POST",
        body: new URLSearchParams({
          grant_type: "authorization_code",
          code,
          redirect_uri: callback("youtube"),
          client_id: clientId,
          client_secret: clientSecret,
        }),
      }),
    );
    const upload = await startUpload(token.access_token, 10);
    assert.equal(upload.status, 403);
    assert.equal((await json(upload)).error.errors[0].reason, "insufficientPermissions");
  });

  test("YouTube Analytics reports: column headers, one row a day", async () => {
    const tokens = await connect();
    const today = new Date().toISOString().slice(0, 10);
    const weekAgo = new Date(Date.now() - 6 * 86_400_000).toISOString().slice(0, 10);
    const report = await json(
      await api(
        `/v2/reports?ids=channel==MINE&startDate=${weekAgo}&endDate=${today}&metrics=views,estimatedMinutesWatched,likes,comments,shares,subscribersGained&dimensions=day`,
        tokens.access_token,
      ),
    );
    assert.equal(report.kind, "youtubeAnalytics#resultTable");
    assert.deepEqual(
      report.columnHeaders.map((header: { name: string }) => header.name),
      ["day", "views", "estimatedMinutesWatched", "likes", "comments", "shares", "subscribersGained"],
    );
    // The last three days have not been reported yet: rows only for days that ended 48 hours ago.
    assert.equal(report.rows.length, 4);
    const unknown = await api(
      `/v2/reports?ids=channel==MINE&startDate=${today}&endDate=${today}&metrics=impressions`,
      tokens.access_token,
    );
    assert.equal(unknown.status, 400);
  });

  test("resources carry only fields the YouTube discovery document defines", async () => {
    const discovery = JSON.parse(readFileSync(projectPath("sandbox/specs/youtube.v3.discovery.json"), "utf8")) as {
      schemas: Record<string, DiscoverySchema>;
    };
    const tokens = await connect();
    const session = await startUpload(tokens.access_token, 100);
    const video = await json(
      await fetch(session.headers.get("location")!, {
        method: "PUT",
        headers: { "content-type": "video/mp4" },
        body: Buffer.alloc(100),
      }),
    );
    await advance(sandbox, 2);
    const listed = await json(
      await api(`/youtube/v3/videos?part=snippet,status,statistics&id=${video.id}`, tokens.access_token),
    );
    const channel = await json(
      await api("/youtube/v3/channels?part=snippet,statistics,contentDetails&mine=true", tokens.access_token),
    );
    const check = (value: Record<string, unknown>, schemaName: string, path: string) => {
      const schema = discovery.schemas[schemaName]!;
      for (const [key, child] of Object.entries(value)) {
        const property = schema.properties?.[key];
        assert.ok(property, `${path}.${key} is not in ${schemaName}`);
        if (property.$ref && child && typeof child === "object" && !Array.isArray(child))
          check(child as Record<string, unknown>, property.$ref, `${path}.${key}`);
      }
    };
    check(listed.items[0], "Video", "video");
    check(channel.items[0], "Channel", "channel");
  });
});
