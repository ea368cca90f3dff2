import type { CheckedRequest } from "./request.js";
import { type ContractRow, tableChecker, tokenGrantCheck } from "./table.js";

/**
 * TikTok's Login Kit v2, Display API and Content Posting API (Direct Post): no machine-readable
 * spec is published, so this is the documented contract as a table. Every API call carries the
 * user's token as a Bearer header; posting calls send JSON with TikTok's own content type.
 */

const BEARER = /^Bearer \S+$/;
const JSON_UTF8 = /^application\/json(;\s*charset=utf-8)?$/i;
const API_HEADERS = { authorization: BEARER };
const POSTING_HEADERS = { authorization: BEARER, "content-type": JSON_UTF8 };

const PRIVACY_LEVELS = ["PUBLIC_TO_EVERYONE", "MUTUAL_FOLLOW_FRIENDS", "FOLLOWER_OF_CREATOR", "SELF_ONLY"];
/** https://developers.tiktok.com/doc/tiktok-api-v2-get-user-info */
const USER_FIELDS = [
  "open_id",
  "union_id",
  "avatar_url",
  "avatar_url_100",
  "avatar_large_url",
  "display_name",
  "bio_description",
  "profile_deep_link",
  "is_verified",
  "username",
  "follower_count",
  "following_count",
  "likes_count",
  "video_count",
];
/** https://developers.tiktok.com/doc/tiktok-api-v2-video-object */
const VIDEO_FIELDS = [
  "id",
  "create_time",
  "cover_image_url",
  "share_url",
  "video_description",
  "duration",
  "height",
  "width",
  "title",
  "embed_html",
  "embed_link",
  "like_count",
  "comment_count",
  "share_count",
  "view_count",
];

const LOGIN_KIT_WEB = "https://developers.tiktok.com/doc/login-kit-web";
const GET_TOKEN = "https://developers.tiktok.com/doc/oauth-get-a-user-access-token";
const REFRESH_TOKEN = "https://developers.tiktok.com/docs/en/oauth-refresh-a-user-access-token";
const REVOKE_TOKEN = "https://developers.tiktok.com/docs/en/oauth-revoke-a-user-access-token";
const DIRECT_POST = "https://developers.tiktok.com/doc/content-posting-api-reference-direct-post";
const PHOTO_POST = "https://developers.tiktok.com/doc/content-posting-api-reference-photo-post";
const MEDIA_TRANSFER = "https://developers.tiktok.com/doc/content-posting-api-media-transfer-guide";

const postInfoVideo = {
  type: "object",
  required: ["privacy_level"],
  additionalProperties: false,
  properties: {
    title: { type: "string", maxLength: 2200 },
    privacy_level: { enum: PRIVACY_LEVELS },
    disable_duet: { type: "boolean" },
    disable_comment: { type: "boolean" },
    disable_stitch: { type: "boolean" },
    video_cover_timestamp_ms: { type: "integer", minimum: 0 },
    brand_content_toggle: { type: "boolean" },
    brand_organic_toggle: { type: "boolean" },
    is_aigc: { type: "boolean" },
  },
};

const videoSource = {
  type: "object",
  required: ["source"],
  additionalProperties: false,
  properties: {
    source: { enum: ["FILE_UPLOAD", "PULL_FROM_URL"] },
    video_size: { type: "integer", minimum: 1 },
    chunk_size: { type: "integer", minimum: 1 },
    total_chunk_count: { type: "integer", minimum: 1, maximum: 1000 },
    video_url: { type: "string", format: "uri" },
  },
  allOf: [
    {
      if: { properties: { source: { const: "FILE_UPLOAD" } } },
      then: { required: ["video_size", "chunk_size", "total_chunk_count"], not: { required: ["video_url"] } },
    },
    {
      if: { properties: { source: { const: "PULL_FROM_URL" } } },
      then: { required: ["video_url"] },
    },
  ],
};

export const tiktokRows: ContractRow[] = [
  {
    id: "tiktok.oauth.authorize",
    method: "GET",
    path: "/v2/auth/authorize/",
    query: {
      client_key: { required: true },
      scope: { required: true, pattern: /^[a-z0-9._]+(,[a-z0-9._]+)*$/ },
      response_type: { required: true, enum: ["code"] },
      redirect_uri: { required: true, pattern: /^https?:\/\/[^?#]+$/ },
      state: {},
      disable_auto_auth: { enum: ["0", "1"] },
      code_challenge: {},
      code_challenge_method: { enum: ["S256"] },
    },
    sentBy: [
      "src/platforms/oauth.ts authorizeUrl (tiktok.auth: client_key, comma-separated scopes, disable_auto_auth=1)",
    ],
    sources: [LOGIN_KIT_WEB],
    unconfirmed:
      "disable_auto_auth is not on the Login Kit for Web page as far as the documentation search showed; it is from shared/platforms/tiktok.md (seen in real clients)",
  },
  {
    id: "tiktok.oauth.token",
    unconfirmed:
      "the code exchange was read on TikTok's page (form content type; client_key, client_secret, code, grant_type, redirect_uri; code_verifier for mobile and desktop only); the refresh grant's form is shared/platforms/tiktok.md's",
    method: "POST",
    path: "/v2/oauth/token/",
    headers: { "content-type": /^application\/x-www-form-urlencoded/ },
    body: {
      kinds: ["form"],
      fields: {
        client_key: { required: true },
        client_secret: { required: true },
        grant_type: { required: true, enum: ["authorization_code", "refresh_token"] },
        code: {},
        redirect_uri: {},
        code_verifier: {},
        refresh_token: {},
      },
    },
    check: tokenGrantCheck,
    sentBy: ["src/platforms/oauth.ts exchangeCode, refreshGrant (client_key and client_secret in the body)"],
    sources: [GET_TOKEN, REFRESH_TOKEN, "https://developers.tiktok.com/doc/oauth-user-access-token-management"],
  },
  {
    id: "tiktok.oauth.revoke",
    method: "POST",
    path: "/v2/oauth/revoke/",
    headers: { "content-type": /^application\/x-www-form-urlencoded/ },
    body: {
      kinds: ["form"],
      fields: { client_key: { required: true }, client_secret: { required: true }, token: { required: true } },
    },
    // The page's token is "the user access token"; TikTok's examples shape them act.… and refresh tokens rft.….
    check: (values) =>
      values.token?.startsWith("rft.")
        ? "`token` is a refresh token (rft.…); TikTok revokes the user access token"
        : undefined,
    sentBy: ["src/platforms/oauth.ts revokeToken (connections/disconnect.ts)"],
    sources: [REVOKE_TOKEN],
    unconfirmed:
      "telling a refresh token by its `rft.` prefix relies on the token shapes of TikTok's examples (and the sandbox)",
  },
  {
    id: "tiktok.user.info",
    unconfirmed:
      "the field names are shared/platforms/tiktok.md's and the sandbox's (user.info.basic, .profile, .stats); the reference page was not read here",
    method: "GET",
    path: "/v2/user/info/",
    headers: API_HEADERS,
    query: { fields: { required: true, list: USER_FIELDS } },
    sentBy: [
      "src/platforms/tiktok.ts listAccounts, checkHealth",
      "src/platforms/tiktok.analytics.ts readAccount (follower_count)",
    ],
    sources: ["https://developers.tiktok.com/doc/tiktok-api-v2-get-user-info"],
  },
  {
    id: "tiktok.creator_info",
    unconfirmed:
      "an empty POST with the JSON content type is shared/platforms/tiktok.md's and the product's reading; the reference page was not read here",
    method: "POST",
    path: "/v2/post/publish/creator_info/query/",
    headers: POSTING_HEADERS,
    body: { kinds: ["json"], schema: { type: "object", maxProperties: 0 } },
    sentBy: ["src/platforms/tiktok.api.ts readCreator (listAccounts, publish)"],
    sources: ["https://developers.tiktok.com/doc/content-posting-api-reference-query-creator-info"],
  },
  {
    id: "tiktok.video.init",
    unconfirmed:
      "the Direct Post page as read gives the path, method, scope and the Authorization header; post_info and source_info are shared/platforms/tiktok.md's and the upload page's source_info table",
    method: "POST",
    path: "/v2/post/publish/video/init/",
    headers: POSTING_HEADERS,
    body: {
      kinds: ["json"],
      schema: {
        type: "object",
        required: ["post_info", "source_info"],
        additionalProperties: false,
        properties: { post_info: postInfoVideo, source_info: videoSource },
      },
    },
    sentBy: ["src/platforms/tiktok.publish.ts startVideo (PULL_FROM_URL, then FILE_UPLOAD)"],
    sources: [DIRECT_POST, MEDIA_TRANSFER],
  },
  {
    id: "tiktok.inbox.video.init",
    method: "POST",
    path: "/v2/post/publish/inbox/video/init/",
    headers: POSTING_HEADERS,
    body: {
      kinds: ["json"],
      schema: {
        type: "object",
        required: ["source_info"],
        additionalProperties: false,
        properties: { source_info: videoSource },
      },
    },
    sentBy: [],
    sources: ["https://developers.tiktok.com/doc/content-posting-api-reference-upload-video"],
  },
  {
    id: "tiktok.content.init",
    method: "POST",
    path: "/v2/post/publish/content/init/",
    headers: POSTING_HEADERS,
    body: {
      kinds: ["json"],
      schema: {
        type: "object",
        required: ["media_type", "post_mode", "post_info", "source_info"],
        additionalProperties: false,
        properties: {
          media_type: { enum: ["PHOTO"] },
          post_mode: { enum: ["DIRECT_POST", "MEDIA_UPLOAD"] },
          post_info: {
            type: "object",
            additionalProperties: false,
            properties: {
              title: { type: "string", maxLength: 90 },
              description: { type: "string", maxLength: 4000 },
              privacy_level: { enum: PRIVACY_LEVELS },
              disable_comment: { type: "boolean" },
              auto_add_music: { type: "boolean" },
              brand_content_toggle: { type: "boolean" },
              brand_organic_toggle: { type: "boolean" },
            },
          },
          source_info: {
            type: "object",
            required: ["source", "photo_images", "photo_cover_index"],
            additionalProperties: false,
            properties: {
              source: { enum: ["PULL_FROM_URL"] },
              photo_images: {
                type: "array",
                minItems: 1,
                maxItems: 35,
                items: { type: "string", format: "uri" },
              },
              photo_cover_index: { type: "integer", minimum: 0 },
            },
          },
        },
        if: { properties: { post_mode: { const: "DIRECT_POST" } } },
        then: { properties: { post_info: { required: ["privacy_level"] } } },
      },
    },
    sentBy: ["src/platforms/tiktok.publish.ts publishTikTok (photo posts)"],
    sources: [PHOTO_POST],
    unconfirmed:
      "the photo page as read gives media_type PHOTO, post_mode (its table writes `DIRECT POST` with a space; the examples, shared/platforms/tiktok.md and this row use DIRECT_POST) and that post_info and source_info are required; the fields inside them are shared/platforms/tiktok.md's",
  },
  {
    id: "tiktok.status.fetch",
    unconfirmed: "the body (publish_id) is shared/platforms/tiktok.md's; the reference page was not read here",
    method: "POST",
    path: "/v2/post/publish/status/fetch/",
    headers: POSTING_HEADERS,
    body: {
      kinds: ["json"],
      schema: {
        type: "object",
        required: ["publish_id"],
        additionalProperties: false,
        properties: { publish_id: { type: "string", minLength: 1, maxLength: 64 } },
      },
    },
    sentBy: ["src/platforms/tiktok.publish.ts finished (polling)"],
    sources: ["https://developers.tiktok.com/doc/content-posting-api-reference-get-video-status"],
  },
  {
    id: "tiktok.publish.cancel",
    method: "POST",
    path: "/v2/post/publish/cancel/",
    headers: POSTING_HEADERS,
    body: {
      kinds: ["json"],
      schema: {
        type: "object",
        required: ["publish_id"],
        additionalProperties: false,
        properties: { publish_id: { type: "string" } },
      },
    },
    sentBy: [],
    sources: [DIRECT_POST],
    unconfirmed:
      "the cancel endpoint is from shared/platforms/tiktok.md; its page was not found through the documentation search",
  },
  {
    id: "tiktok.video.list",
    unconfirmed:
      "the fields and the body (cursor, max_count up to 20) are shared/platforms/tiktok.md's and the sandbox's; the pages were not read here",
    method: "POST",
    path: "/v2/video/list/",
    headers: { ...API_HEADERS, "content-type": JSON_UTF8 },
    query: { fields: { required: true, list: VIDEO_FIELDS } },
    body: {
      kinds: ["json"],
      schema: {
        type: "object",
        additionalProperties: false,
        properties: {
          cursor: { type: "integer", minimum: 0 },
          max_count: { type: "integer", minimum: 1, maximum: 20 },
        },
      },
    },
    sentBy: ["src/platforms/tiktok.publish.ts exactPostId"],
    sources: [
      "https://developers.tiktok.com/doc/tiktok-api-v2-video-list",
      "https://developers.tiktok.com/doc/tiktok-api-v2-video-object",
    ],
  },
  {
    id: "tiktok.video.query",
    unconfirmed:
      "the v2 page was not read here: the path, the 600-a-minute limit and the fields are from TikTok's rate-limit page and video object; filters.video_ids, its bound of 20 and the video.list scope from the v1 Query Videos page",
    method: "POST",
    path: "/v2/video/query/",
    headers: { ...API_HEADERS, "content-type": JSON_UTF8 },
    query: { fields: { required: true, list: VIDEO_FIELDS } },
    body: {
      kinds: ["json"],
      schema: {
        type: "object",
        required: ["filters"],
        additionalProperties: false,
        properties: {
          filters: {
            type: "object",
            required: ["video_ids"],
            additionalProperties: false,
            properties: { video_ids: { type: "array", minItems: 1, maxItems: 20, items: { type: "string" } } },
          },
        },
      },
    },
    sentBy: ["src/platforms/tiktok.analytics.ts readPosts"],
    sources: [
      "https://developers.tiktok.com/doc/tiktok-api-v2-video-query",
      "https://developers.tiktok.com/doc/tiktok-api-v1-video-query",
      "https://developers.tiktok.com/doc/tiktok-api-v2-rate-limit",
    ],
  },
  {
    id: "tiktok.upload.put",
    method: "PUT",
    path: "/video/",
    headers: { "content-range": /^bytes \d+-\d+\/\d+$/, "content-type": /^video\/(mp4|quicktime|webm)$/ },
    query: { upload_id: { required: true }, upload_token: { required: true } },
    body: { kinds: ["binary"] },
    sentBy: ["src/platforms/tiktok.publish.ts upload (the upload_url video/init gave, on open-upload.tiktokapis.com)"],
    sources: [`${MEDIA_TRANSFER}#file_upload`],
    unconfirmed:
      "the query names of the upload URL (upload_id, upload_token) are from shared/platforms/tiktok.md's example; TikTok hands the URL out whole",
  },
];

export const checkTikTok: (request: CheckedRequest) => string | undefined = tableChecker("TikTok", tiktokRows);
