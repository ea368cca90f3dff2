import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { describe, test } from "node:test";
import { projectPath } from "../../src/paths.js";
import {
  contractTables,
  contractViolation,
  journalRequest,
  type ContractPlatform,
  type ContractRequest,
} from "../../sandbox/contract/index.js";

/** A request from a URL as the platform sees it (path and query), with headers and a parsed body. */
function request(
  platform: ContractPlatform,
  method: string,
  url: string,
  options: { headers?: Record<string, string>; body?: unknown } = {},
): ContractRequest {
  const [path = "", search = ""] = url.split("?");
  return {
    platform,
    method,
    path,
    query: new URLSearchParams(search),
    headers: options.headers ?? {},
    body: options.body,
  };
}

function allowed(candidate: ContractRequest) {
  assert.equal(contractViolation(candidate), undefined, `${candidate.method} ${candidate.path}`);
}

function refused(candidate: ContractRequest, reason: RegExp) {
  const violation = contractViolation(candidate);
  assert.ok(violation, `${candidate.method} ${candidate.path} was allowed`);
  assert.match(violation, reason);
}

const json = { "content-type": "application/json" };
const form = { "content-type": "application/x-www-form-urlencoded" };
const multipart = { "content-type": "multipart/form-data; boundary=----x" };

describe("contract: X (OpenAPI document)", () => {
  const timeline = "/2/users/1500000000000000001/tweets?max_results=100&start_time=2026-11-01T00:00:00.000Z";

  test("the requests the product sends are allowed", () => {
    allowed(request("x", "GET", "/2/users/me?user.fields=profile_image_url,username,name"));
    allowed(request("x", "GET", "/2/users/me"));
    allowed(
      request("x", "POST", "/2/media/upload/initialize", {
        headers: json,
        body: { media_type: "video/mp4", total_bytes: 1048576, media_category: "tweet_video" },
      }),
    );
    allowed(
      request("x", "POST", "/2/media/upload/1880028106020515840/append", {
        headers: multipart,
        body: { segment_index: "0", media: Buffer.from("chunk") },
      }),
    );
    allowed(request("x", "POST", "/2/media/upload/1880028106020515840/finalize"));
    allowed(request("x", "GET", "/2/media/upload?command=STATUS&media_id=1880028106020515840"));
    allowed(
      request("x", "POST", "/2/tweets", {
        headers: json,
        body: { text: "Part two", media: { media_ids: ["1880028106020515840"] }, reply: { in_reply_to_tweet_id: "1" } },
      }),
    );
    allowed(request("x", "GET", `${timeline}&post.fields=created_at,entities,attachments&expansions=referenced_posts`));
  });

  test("OAuth endpoints: authorize, token with Basic client credentials, revoke", () => {
    allowed(
      request(
        "x",
        "GET",
        "/i/oauth2/authorize?response_type=code&client_id=abc&redirect_uri=http%3A%2F%2Flocalhost%3A3000%2Fcb" +
          "&scope=tweet.read+tweet.write+users.read+offline.access+media.write&state=s&code_challenge=c&code_challenge_method=S256",
      ),
    );
    allowed(
      request("x", "POST", "/2/oauth2/token", {
        headers: { ...form, authorization: "Basic YWJjOnNlY3JldA==" },
        body: { grant_type: "refresh_token", refresh_token: "r" },
      }),
    );
    allowed(
      request("x", "POST", "/2/oauth2/revoke", {
        headers: { ...form, authorization: "Basic x" },
        body: { token: "t" },
      }),
    );
    refused(
      request("x", "POST", "/2/oauth2/token", {
        headers: form,
        body: { grant_type: "refresh_token", refresh_token: "r" },
      }),
      /Authorization: Basic/,
    );
    refused(
      request(
        "x",
        "GET",
        "/i/oauth2/authorize?response_type=code&client_id=a&redirect_uri=b&scope=tweet.read+dm.everything&state=s&code_challenge=c&code_challenge_method=S256",
      ),
      /dm\.everything/,
    );
  });

  test("an unknown path, or a method the path does not have", () => {
    refused(request("x", "GET", "/2/tweetz"), /no path matching \/2\/tweetz/);
    refused(request("x", "PUT", "/2/tweets"), /PUT \/2\/tweets is not an operation.*POST \/2\/tweets/);
  });

  test("an undeclared query parameter: tweet.fields, which the 2026 document renamed post.fields", () => {
    refused(
      request("x", "GET", `${timeline}&tweet.fields=created_at,referenced_tweets,entities,attachments`),
      /`tweet\.fields` is not declared.*post\.fields/,
    );
  });

  test("enum values of field lists, and a referenced_tweets that post.fields does not list", () => {
    refused(
      request("x", "GET", `${timeline}&post.fields=created_at,referenced_tweets`),
      /`referenced_tweets`, not among/,
    );
    refused(request("x", "GET", "/2/users/me?user.fields=name,follower_count"), /`follower_count`/);
    refused(request("x", "GET", "/2/media/upload?command=INIT&media_id=1"), /command.*STATUS/);
  });

  test("a missing required parameter, and values outside the schema", () => {
    refused(request("x", "GET", "/2/media/upload?command=STATUS"), /required query parameter `media_id`/);
    refused(request("x", "GET", "/2/users/1/tweets?max_results=500"), /max_results must be <= 100/);
    refused(request("x", "GET", "/2/users/not-a-number/tweets"), /path id must match pattern/);
  });

  test("a body against the operation's requestBody schema", () => {
    refused(
      request("x", "POST", "/2/tweets", { headers: json, body: { txt: "hi" } }),
      /`txt`, which the spec does not define/,
    );
    refused(
      request("x", "POST", "/2/tweets", {
        headers: json,
        body: { text: "hi", media: { media_ids: ["1", "2", "3", "4", "5"] } },
      }),
      /media_ids must NOT have more than 4 items/,
    );
    refused(
      request("x", "POST", "/2/media/upload/initialize", {
        headers: json,
        body: { media_type: "image/heic", total_bytes: 1 },
      }),
      /media_type must be one of/,
    );
    refused(request("x", "POST", "/2/tweets", { headers: form, body: { text: "hi" } }), /takes application\/json/);
    // The command=INIT|APPEND|FINALIZE form is gone from the 2026 document.
    refused(
      request("x", "POST", "/2/media/upload", {
        headers: multipart,
        body: { command: "INIT", media_type: "video/mp4" },
      }),
      /`command`, which the spec does not define/,
    );
  });
});

describe("contract: YouTube (discovery documents)", () => {
  const metadata = {
    snippet: { title: "Launch", description: "Our launch", categoryId: "22" },
    status: { privacyStatus: "public", selfDeclaredMadeForKids: false },
  };

  test("the requests the product sends are allowed", () => {
    allowed(request("youtube", "GET", "/youtube/v3/channels?part=snippet&mine=true"));
    allowed(request("youtube", "GET", "/youtube/v3/channels?part=id&mine=true"));
    allowed(request("youtube", "GET", "/youtube/v3/channels?part=contentDetails&mine=true"));
    allowed(
      request("youtube", "GET", "/youtube/v3/playlistItems?part=snippet,contentDetails&playlistId=UUabc&maxResults=50"),
    );
    allowed(
      request("youtube", "POST", "/upload/youtube/v3/videos?uploadType=resumable&part=snippet,status", {
        headers: { ...json, "x-upload-content-length": "1000", "x-upload-content-type": "video/mp4" },
        body: metadata,
      }),
    );
    allowed(
      request("youtube", "PUT", "/upload/youtube/v3/videos?uploadType=resumable&upload_id=ADPycdABC", {
        headers: { "content-type": "video/mp4", "content-range": "bytes 0-999/1000" },
      }),
    );
    // The discovery document's own resumable path.
    allowed(
      request("google", "POST", "/resumable/upload/youtube/v3/videos?part=snippet", { headers: json, body: metadata }),
    );
    allowed(
      request(
        "google",
        "GET",
        "/v2/reports?ids=channel==MINE&startDate=2026-11-01&endDate=2026-11-30&metrics=views,likes&dimensions=day",
      ),
    );
  });

  test("Google OAuth: authorize, token, revoke", () => {
    allowed(
      request(
        "google",
        "GET",
        "/o/oauth2/v2/auth?response_type=code&client_id=c&redirect_uri=r&scope=a+b&state=s&code_challenge=x" +
          "&code_challenge_method=S256&access_type=offline&prompt=consent&include_granted_scopes=true",
      ),
    );
    allowed(
      request("google", "POST", "/token", {
        headers: form,
        body: {
          grant_type: "authorization_code",
          code: "c",
          redirect_uri: "r",
          code_verifier: "v",
          client_id: "c",
          client_secret: "s",
        },
      }),
    );
    allowed(
      request("google", "POST", "/revoke", {
        headers: form,
        body: { token: "1//x", client_id: "c", client_secret: "s" },
      }),
    );
    refused(
      request(
        "google",
        "GET",
        "/o/oauth2/v2/auth?response_type=code&client_id=c&redirect_uri=r&scope=a&access_type=forever",
      ),
      /access_type/,
    );
  });

  test("an unknown path or method", () => {
    refused(request("youtube", "GET", "/youtube/v3/shorts"), /no discovery method matches/);
    refused(request("youtube", "PATCH", "/youtube/v3/videos"), /is no method of the discovery documents/);
  });

  test("an unknown query parameter", () => {
    refused(
      request("youtube", "GET", "/youtube/v3/channels?part=snippet&mine=true&limit=5"),
      /`limit` is not a parameter/,
    );
  });

  test("a missing required parameter", () => {
    refused(request("youtube", "GET", "/youtube/v3/channels?mine=true"), /required query parameter `part`/);
    refused(
      request("youtube", "POST", "/upload/youtube/v3/videos?part=snippet", { headers: json, body: metadata }),
      /uploadType/,
    );
    refused(request("youtube", "PUT", "/upload/youtube/v3/videos?uploadType=resumable"), /`upload_id`/);
    refused(request("google", "GET", "/v2/reports?ids=channel==MINE&metrics=views"), /`endDate`|`startDate`/);
  });

  test("enum values, parts, ranges and patterns", () => {
    refused(
      request("youtube", "GET", "/youtube/v3/channels?part=snippet,statistic&mine=true"),
      /`statistic`, not a part/,
    );
    refused(
      request("youtube", "GET", "/youtube/v3/playlistItems?part=snippet&playlistId=U&maxResults=51"),
      /above the maximum 50/,
    );
    refused(request("youtube", "GET", "/youtube/v3/videos?part=id&chart=trending"), /`chart` is `trending`/);
    refused(
      request("google", "GET", "/v2/reports?ids=channel==MINE&startDate=2026-1-1&endDate=2026-11-30&metrics=views"),
      /startDate/,
    );
  });

  test("a body against the resource schema", () => {
    refused(
      request("youtube", "POST", "/upload/youtube/v3/videos?uploadType=resumable&part=snippet,status", {
        headers: json,
        body: { ...metadata, status: { privacyStatus: "friends" } },
      }),
      /privacyStatus must be one of "public", "unlisted", "private"/,
    );
    refused(
      request("youtube", "POST", "/upload/youtube/v3/videos?uploadType=resumable&part=snippet", {
        headers: json,
        body: { snippet: { title: "t", hashtags: ["a"] } },
      }),
      /`hashtags`, which the spec does not define/,
    );
  });
});

describe("contract: Telegram (Bot API spec)", () => {
  const bot = "/bot7000000001:AAHsandboxNorthwindNewsBot0000000001";

  test("the requests the product sends are allowed", () => {
    allowed(request("telegram", "GET", `${bot}/getMe`));
    allowed(request("telegram", "GET", `${bot}/getChat?chat_id=%40northwind_news`));
    allowed(request("telegram", "GET", `${bot}/getChatMember?chat_id=-1001000000001&user_id=7000000001`));
    allowed(
      request("telegram", "POST", `${bot}/sendMessage`, {
        headers: json,
        body: { chat_id: "-1001000000001", text: "Hello" },
      }),
    );
    allowed(
      request("telegram", "POST", `${bot}/sendPhoto`, {
        headers: json,
        body: { chat_id: "-1001000000001", photo: "https://cdn.example/p.jpg", caption: "Hello" },
      }),
    );
    allowed(
      request("telegram", "POST", `${bot}/sendMediaGroup`, {
        headers: json,
        body: {
          chat_id: "-1001000000001",
          media: [
            { type: "photo", media: "https://cdn.example/p.jpg", caption: "Hello" },
            { type: "video", media: "https://cdn.example/v.mp4" },
          ],
        },
      }),
    );
    // Method names are case-insensitive, and the journal redacts the token.
    allowed(request("telegram", "GET", "/bot[redacted]/getme"));
  });

  test("form and multipart parameters, with a file attached by name", () => {
    allowed(
      request("telegram", "POST", `${bot}/sendMediaGroup`, {
        headers: multipart,
        body: {
          chat_id: "-1001000000001",
          media: JSON.stringify([
            { type: "photo", media: "attach://one" },
            { type: "photo", media: "attach://two" },
          ]),
          one: Buffer.from("jpeg"),
          two: Buffer.from("jpeg"),
        },
      }),
    );
    refused(
      request("telegram", "POST", `${bot}/sendMessage`, {
        headers: form,
        body: { chat_id: "1", text: "t", silent: "true" },
      }),
      /`silent` is not a parameter/,
    );
  });

  test("an unknown method or path", () => {
    refused(request("telegram", "GET", `${bot}/sendPigeon`), /`sendPigeon` is not a Bot API method/);
    refused(request("telegram", "GET", "/getMe"), /not a Bot API method path/);
    refused(request("telegram", "GET", "/botnotatoken/getMe"), /bot token/);
  });

  test("a missing required parameter", () => {
    refused(request("telegram", "GET", `${bot}/getChatMember?chat_id=-1001000000001`), /required `user_id` is missing/);
    refused(
      request("telegram", "POST", `${bot}/sendMessage`, { headers: json, body: { chat_id: 1 } }),
      /required `text` is missing/,
    );
  });

  test("counts the spec gives in prose: an album of one", () => {
    refused(
      request("telegram", "POST", `${bot}/sendMediaGroup`, {
        headers: json,
        body: { chat_id: 1, media: [{ type: "photo", media: "https://x/p.jpg" }] },
      }),
      /`media` has 1 items; it must have 2 to 10/,
    );
  });

  test("simple types, and the parts of nested objects", () => {
    refused(request("telegram", "GET", `${bot}/getChatMember?chat_id=-100&user_id=me`), /`user_id` must be an Integer/);
    refused(
      request("telegram", "POST", `${bot}/sendMessage`, {
        headers: json,
        body: { chat_id: 1, text: "t", disable_notification: "yes" },
      }),
      /must be a Boolean/,
    );
    refused(
      request("telegram", "POST", `${bot}/sendMediaGroup`, {
        headers: json,
        body: { chat_id: 1, media: [{ type: "photo", media: "https://x/p.jpg", captions: "c" }] },
      }),
      /`captions`, which InputMediaPhoto does not have/,
    );
    refused(
      request("telegram", "POST", `${bot}/sendMediaGroup`, {
        headers: json,
        body: { chat_id: 1, media: [{ type: "sticker", media: "x" }] },
      }),
      /media/,
    );
  });
});

describe("contract: Meta Graph (table)", () => {
  const page = "/v26.0/200000000000001";
  const ig = "/v26.0/17841400000000001";

  test("the requests the product sends are allowed", () => {
    allowed(
      request(
        "facebook",
        "GET",
        "/v26.0/dialog/oauth?client_id=1&redirect_uri=r&scope=pages_show_list,pages_manage_posts&state=s&response_type=code",
      ),
    );
    allowed(
      request("facebook", "POST", "/v26.0/oauth/access_token", {
        headers: form,
        body: { grant_type: "fb_exchange_token", fb_exchange_token: "EAAS", client_id: "1", client_secret: "s" },
      }),
    );
    allowed(request("facebook", "GET", "/v26.0/me/accounts?fields=id,name,access_token,tasks,picture{url}&limit=100"));
    allowed(
      request(
        "instagram",
        "GET",
        "/v26.0/me/accounts?fields=id,name,access_token,instagram_business_account{id,username,profile_picture_url}&limit=100",
      ),
    );
    allowed(request("facebook", "GET", `${page}?fields=id,name`));
    allowed(
      request("facebook", "POST", `${page}/videos`, {
        headers: form,
        body: { file_url: "https://m/v.mp4", description: "d" },
      }),
    );
    allowed(
      request("facebook", "POST", `${page}/photos`, {
        headers: form,
        body: { url: "https://m/p.jpg", published: "false" },
      }),
    );
    allowed(
      request("facebook", "POST", `${page}/feed`, {
        headers: form,
        body: { message: "m", "attached_media[0]": '{"media_fbid":"1"}', "attached_media[1]": '{"media_fbid":"2"}' },
      }),
    );
    allowed(
      request(
        "facebook",
        "GET",
        `${page}/published_posts?fields=id,message,created_time,permalink_url&since=1764000000&limit=100`,
      ),
    );
    allowed(request("instagram", "GET", `${ig}/content_publishing_limit?fields=config,quota_usage`));
    allowed(
      request("instagram", "POST", `${ig}/media`, {
        headers: form,
        body: { is_carousel_item: "true", media_type: "VIDEO", video_url: "https://m/v.mp4" },
      }),
    );
    allowed(
      request("instagram", "POST", `${ig}/media`, {
        headers: form,
        body: { media_type: "CAROUSEL", children: "1,2", caption: "c" },
      }),
    );
    allowed(request("instagram", "GET", "/v26.0/17900000000000001?fields=status_code"));
    allowed(
      request("instagram", "POST", `${ig}/media_publish`, {
        headers: form,
        body: { creation_id: "17900000000000001" },
      }),
    );
    allowed(
      request(
        "instagram",
        "GET",
        `${ig}/stories?fields=id,caption,media_type,permalink,timestamp&since=1764000000&limit=100`,
      ),
    );
  });

  test("an unknown edge or method", () => {
    refused(request("facebook", "POST", `${page}/reels_publish`), /no documented endpoint/);
    refused(request("facebook", "PUT", `${page}/feed`), /PUT .* is not documented.*POST \/\{version\}\/\{page\}\/feed/);
    refused(request("facebook", "GET", "/latest/me/accounts"), /\{version\} is `latest`/);
  });

  test("an undocumented parameter or field", () => {
    refused(
      request("facebook", "POST", `${page}/feed`, { headers: form, body: { messsage: "typo" } }),
      /`messsage` is not a documented parameter/,
    );
    refused(
      request("instagram", "GET", "/v26.0/me/accounts?fields=id,instagram_business_account{id,handle}"),
      /asks for `handle`/,
    );
  });

  test("missing required parameters, retired enum values, retired metrics", () => {
    refused(request("instagram", "POST", `${ig}/media_publish`, { headers: form, body: {} }), /required `creation_id`/);
    refused(
      request("instagram", "POST", `${ig}/media`, {
        headers: form,
        body: { media_type: "VIDEO", video_url: "https://m/v.mp4" },
      }),
      /use REELS/,
    );
    refused(
      request("instagram", "POST", `${ig}/media`, { headers: form, body: { media_type: "ALBUM" } }),
      /`media_type` is `ALBUM`/,
    );
    refused(
      request("instagram", "GET", "/v26.0/17900000000000002/insights?metric=reach,plays"),
      /`plays`: a retired metric/,
    );
  });
});

describe("contract: LinkedIn (table)", () => {
  const rest = { "linkedin-version": "202607", "x-restli-protocol-version": "2.0.0" };
  const post = {
    author: "urn:li:organization:5583111",
    commentary: "Hello \\(world\\)",
    visibility: "PUBLIC",
    distribution: { feedDistribution: "MAIN_FEED", targetEntities: [], thirdPartyDistributionChannels: [] },
    lifecycleState: "PUBLISHED",
    isReshareDisabledByAuthor: false,
  };

  test("the requests the product sends are allowed", () => {
    allowed(
      request(
        "linkedin",
        "GET",
        "/oauth/v2/authorization?response_type=code&client_id=c&redirect_uri=r&scope=openid+profile&state=s",
      ),
    );
    allowed(
      request("linkedin", "POST", "/oauth/v2/accessToken", {
        headers: form,
        body: { grant_type: "refresh_token", refresh_token: "AQX", client_id: "c", client_secret: "s" },
      }),
    );
    allowed(request("linkedin", "GET", "/v2/userinfo"));
    allowed(
      request("linkedin", "GET", "/rest/organizationAcls?q=roleAssignee&role=ADMINISTRATOR&state=APPROVED", {
        headers: rest,
      }),
    );
    allowed(request("linkedin", "GET", "/rest/organizations/5583111", { headers: rest }));
    allowed(
      request("linkedin", "POST", "/rest/images?action=initializeUpload", {
        headers: { ...rest, ...json },
        body: { initializeUploadRequest: { owner: "urn:li:person:aVaSaNdBoX1" } },
      }),
    );
    allowed(request("linkedin", "GET", "/rest/images/urn%3Ali%3Aimage%3AC4E10AQ", { headers: rest }));
    allowed(
      request("linkedin", "POST", "/rest/videos?action=finalizeUpload", {
        headers: { ...rest, ...json },
        body: { finalizeUploadRequest: { video: "urn:li:video:C5", uploadToken: "", uploadedPartIds: ["etag"] } },
      }),
    );
    allowed(
      request("linkedin", "POST", "/rest/posts", {
        headers: { ...rest, ...json },
        body: { ...post, content: { media: { id: "urn:li:video:C5", title: "t" } } },
      }),
    );
    allowed(
      request("linkedin", "GET", "/rest/posts?q=author&author=urn%3Ali%3Aperson%3Aabc&count=100&sortBy=CREATED", {
        headers: rest,
      }),
    );
  });

  test("required headers", () => {
    refused(
      request("linkedin", "GET", "/rest/organizations/5583111", { headers: { "x-restli-protocol-version": "2.0.0" } }),
      /`linkedin-version` header is required/,
    );
    refused(
      request("linkedin", "GET", "/rest/organizations/5583111", {
        headers: { ...rest, "linkedin-version": "2026-07" },
      }),
      /linkedin-version/,
    );
  });

  test("an unknown path, parameter, missing parameter, bad enum, bad body", () => {
    refused(request("linkedin", "GET", "/rest/shares", { headers: rest }), /no documented endpoint/);
    refused(
      request("linkedin", "GET", "/rest/posts?q=author&author=urn%3Ali%3Aperson%3Aabc&limit=5", { headers: rest }),
      /`limit` is not a documented parameter/,
    );
    refused(request("linkedin", "GET", "/rest/posts?q=author", { headers: rest }), /required `author` is missing/);
    refused(
      request("linkedin", "GET", "/rest/posts?q=author&author=urn%3Ali%3Aperson%3Aa&sortBy=NEWEST", { headers: rest }),
      /`sortBy` is `NEWEST`/,
    );
    refused(
      request("linkedin", "POST", "/rest/posts", {
        headers: { ...rest, ...json },
        body: { ...post, visibility: "ANYONE" },
      }),
      /visibility must be one of/,
    );
    refused(
      request("linkedin", "POST", "/rest/videos?action=finalizeUpload", {
        headers: { ...rest, ...json },
        body: { initializeUploadRequest: { owner: "urn:li:person:a", fileSizeBytes: 10 } },
      }),
      /finalizeUploadRequest/,
    );
  });
});

describe("contract: TikTok (table)", () => {
  const posting = { authorization: "Bearer act.abc", "content-type": "application/json; charset=UTF-8" };
  const postInfo = {
    title: "Hello",
    privacy_level: "SELF_ONLY",
    disable_comment: true,
    disable_duet: true,
    disable_stitch: true,
    is_aigc: false,
    brand_content_toggle: false,
    brand_organic_toggle: false,
  };

  test("the requests the product sends are allowed", () => {
    allowed(
      request(
        "tiktok",
        "GET",
        "/v2/auth/authorize/?response_type=code&client_key=k&redirect_uri=https%3A%2F%2Fapp%2Fcb&scope=user.info.basic,video.publish,video.list&state=s&disable_auto_auth=1",
      ),
    );
    allowed(
      request("tiktok", "POST", "/v2/oauth/token/", {
        headers: form,
        body: { client_key: "k", client_secret: "s", grant_type: "authorization_code", code: "c", redirect_uri: "r" },
      }),
    );
    allowed(
      request("tiktok", "POST", "/v2/oauth/revoke/", {
        headers: form,
        body: { client_key: "k", client_secret: "s", token: "act.abc" },
      }),
    );
    allowed(
      request("tiktok", "GET", "/v2/user/info/?fields=open_id,union_id,avatar_url,display_name", {
        headers: { authorization: "Bearer act.abc" },
      }),
    );
    allowed(request("tiktok", "POST", "/v2/post/publish/creator_info/query/", { headers: posting }));
    allowed(
      request("tiktok", "POST", "/v2/post/publish/video/init/", {
        headers: posting,
        body: {
          post_info: postInfo,
          source_info: { source: "FILE_UPLOAD", video_size: 30000000, chunk_size: 10000000, total_chunk_count: 3 },
        },
      }),
    );
    allowed(
      request("tiktok", "PUT", "/video/?upload_id=1&upload_token=t", {
        headers: { "content-type": "video/mp4", "content-range": "bytes 0-9999999/30000000" },
      }),
    );
    allowed(
      request("tiktok", "POST", "/v2/post/publish/status/fetch/", {
        headers: posting,
        body: { publish_id: "v_pub_file~v2-1.1" },
      }),
    );
    allowed(request("tiktok", "POST", "/v2/video/list/?fields=id", { headers: posting, body: { max_count: 20 } }));
  });

  test("an unknown path, parameter, missing parameter, bad enum, bad body", () => {
    refused(request("tiktok", "POST", "/v2/post/publish/video/", { headers: posting }), /no documented endpoint/);
    refused(
      request("tiktok", "POST", "/v2/oauth/token/", {
        headers: form,
        body: {
          client_id: "k",
          client_key: "k",
          client_secret: "s",
          grant_type: "authorization_code",
          code: "c",
          redirect_uri: "r",
        },
      }),
      /`client_id` is not a documented parameter/,
    );
    refused(
      request("tiktok", "GET", "/v2/user/info/", { headers: { authorization: "Bearer act.abc" } }),
      /required `fields` is missing/,
    );
    refused(
      request("tiktok", "GET", "/v2/user/info/?fields=open_id,email", { headers: { authorization: "Bearer act.abc" } }),
      /`email`/,
    );
    refused(
      request("tiktok", "POST", "/v2/post/publish/video/init/", {
        headers: posting,
        body: {
          post_info: { ...postInfo, privacy_level: "PUBLIC" },
          source_info: { source: "PULL_FROM_URL", video_url: "https://m/v.mp4" },
        },
      }),
      /privacy_level must be one of/,
    );
    refused(
      request("tiktok", "POST", "/v2/post/publish/video/init/", {
        headers: posting,
        body: { post_info: postInfo, source_info: { source: "FILE_UPLOAD", video_size: 10 } },
      }),
      /lacks the required `chunk_size`/,
    );
    refused(
      request("tiktok", "POST", "/v2/post/publish/creator_info/query/", {
        headers: { authorization: "Bearer act.abc" },
      }),
      /`content-type` header/,
    );
    refused(
      request("tiktok", "POST", "/v2/oauth/revoke/", {
        headers: form,
        body: { client_key: "k", client_secret: "s", token: "rft.abc" },
      }),
      /refresh token/,
    );
  });
});

describe("contract: the tables and the journal", () => {
  test("every row has a source and a unique id, and names product files that exist", () => {
    const ids = new Set<string>();
    for (const [prefix, rows] of Object.entries(contractTables)) {
      for (const row of rows) {
        assert.ok(!ids.has(row.id), `${row.id} twice`);
        ids.add(row.id);
        assert.ok(row.sources.length > 0, `${prefix} ${row.id} has no source`);
        for (const source of row.sources) assert.match(source, /^(https:\/\/|[\w.-]+\.json )/, `${row.id}: ${source}`);
        if (row.unconfirmed !== undefined) assert.ok(row.unconfirmed.length > 20, `${row.id}: say what was relied on`);
        for (const sender of row.sentBy) {
          const file = sender.split(" ")[0]!;
          assert.ok(existsSync(projectPath(file)), `${row.id}: ${file} does not exist`);
        }
      }
    }
  });

  test("sandbox journal entries: the prefix is stripped, the consent form skipped, a bare entry checks its route", () => {
    const found = journalRequest({ method: "GET", path: "/google/youtube/v3/channels", status: 200 });
    assert.equal(found?.request.platform, "google");
    assert.equal(found?.request.path, "/youtube/v3/channels");
    assert.equal(found?.routeOnly, true);
    assert.equal(contractViolation(found!.request, { routeOnly: true }), undefined);
    assert.match(contractViolation(found!.request) ?? "", /`part`/);
    assert.equal(journalRequest({ method: "POST", path: "/x/i/oauth2/authorize", status: 302 }), undefined);
    assert.equal(journalRequest({ method: "GET", path: "/_sandbox/journal" }), undefined);
    const full = journalRequest({ platform: "x", method: "GET", path: "/x/2/users/me", query: "user.fields=name" });
    assert.equal(full?.routeOnly, false);
    assert.equal(full?.request.path, "/2/users/me");
  });

  test("checks are cheap once the specs are compiled", () => {
    const requests = [
      request("x", "GET", "/2/users/me?user.fields=profile_image_url,username,name"),
      request("youtube", "GET", "/youtube/v3/channels?part=snippet&mine=true"),
      request("telegram", "POST", "/bot1:a/sendMessage", { headers: json, body: { chat_id: 1, text: "t" } }),
      request("meta", "GET", "/v26.0/me/accounts?fields=id,name&limit=100"),
      request("linkedin", "GET", "/v2/userinfo"),
      request("tiktok", "GET", "/v2/user/info/?fields=open_id", { headers: { authorization: "Bearer a" } }),
    ];
    for (const candidate of requests) contractViolation(candidate);
    const started = performance.now();
    for (let round = 0; round < 500; round += 1) for (const candidate of requests) contractViolation(candidate);
    const perCheck = (performance.now() - started) / (500 * requests.length);
    assert.ok(perCheck < 1, `${perCheck.toFixed(3)} ms a check`);
  });
});
