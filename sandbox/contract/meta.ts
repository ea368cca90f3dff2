import { CODEGEN_SOURCE, graphNodes, type GraphNodeType } from "./meta-fields.js";
import type { CheckedRequest } from "./request.js";
import { tableChecker, type ContractRow, type GraphFields, type ParamRule } from "./table.js";

/**
 * Meta's Graph API and Facebook Login, for Facebook Pages and Instagram professional accounts
 * (one host, one table). Meta publishes no OpenAPI document; the SDK generator's specs
 * (meta-fields.ts) are the nearest machine-readable source and confirm node fields and edge
 * parameters. Graph reads a parameter from the query string or the form body alike, so rows
 * are `merged`. A node id says nothing of its type, so rows are told apart by edge name.
 */

const VERSION = /^v\d+\.\d+$/;
/** Numeric ids, `{page}_{post}` post ids, or `me`. */
const NODE = /^(me|\d+(_\d+)?)$/;
const NUMERIC = /^\d+$/;

const namesOf = (type: GraphNodeType): string[] => [...graphNodes[type].fields, ...graphNodes[type].edges];

/** A selection on nodes of these types; expansions of a linked node are checked against its own type. */
function graphFields(types: readonly GraphNodeType[], extra: readonly string[] = []): GraphFields {
  const expansion = (type: GraphNodeType): GraphFields => ({ names: new Set(namesOf(type)) });
  return {
    names: new Set([...extra, ...types.flatMap(namesOf)]),
    nested: {
      instagram_business_account: expansion("IGUser"),
      connected_instagram_account: expansion("IGUser"),
      picture: expansion("ProfilePictureSource"),
      owner: expansion("IGUser"),
    },
  };
}

/** Every Graph call may carry its token, and an app secret proof, as parameters. https://developers.facebook.com/docs/graph-api/securing-requests */
const AUTH: Record<string, ParamRule> = {
  access_token: {},
  appsecret_proof: { pattern: /^[0-9a-f]{64}$/ },
  appsecret_time: {},
};
/** Cursor and time paging on list edges. https://developers.facebook.com/docs/graph-api/results */
const PAGING: Record<string, ParamRule> = {
  limit: { type: "integer" },
  after: {},
  before: {},
  since: {},
  until: {},
};

const LOGIN_MANUAL_FLOW = "https://developers.facebook.com/docs/facebook-login/guides/advanced/manual-flow";
const LONG_LIVED = "https://developers.facebook.com/docs/facebook-login/guides/access-tokens/get-long-lived";
const PAGES_POSTS = "https://developers.facebook.com/docs/pages-api/posts";
const IG_PUBLISHING = "https://developers.facebook.com/docs/instagram-platform/content-publishing";
const IG_MEDIA_EDGE =
  "https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-user/media";

const oauthTokenParams: Record<string, ParamRule> = {
  client_id: { required: true },
  client_secret: {},
  redirect_uri: {},
  code: {},
  code_verifier: {},
  grant_type: { enum: ["authorization_code", "fb_exchange_token"] },
  fb_exchange_token: {},
};

const checkTokenGrant = (values: Readonly<Record<string, string>>) => {
  if (values.grant_type === "fb_exchange_token")
    return values.fb_exchange_token && values.client_secret
      ? undefined
      : "grant_type=fb_exchange_token needs `fb_exchange_token` and `client_secret`";
  return values.code && values.redirect_uri && values.client_secret
    ? undefined
    : "a code exchange needs `code`, `redirect_uri` and `client_secret`";
};

/** Metrics Meta has retired: asked for, they answer error 100 (the sandbox does the same). */
const RETIRED_METRICS = {
  values:
    /^(page_impressions\w*|page_fans\w*|post_impressions\w*|impressions|plays|video_views|clips_replays_count|ig_reels_aggregated_all_plays_count)$/,
  reason:
    "a retired metric (page_impressions*, page_fans*, post_impressions* on every version; Instagram impressions, plays, video_views since v22.0)",
};

export const metaRows: ContractRow[] = [
  {
    id: "meta.login.dialog",
    unconfirmed:
      "the manual-flow page as read shows client_id, redirect_uri and state; response_type, scope and auth_type are from shared/platforms/facebook.md and the sandbox",
    method: "GET",
    path: "/{version}/dialog/oauth",
    pathParams: { version: VERSION },
    query: {
      client_id: { required: true },
      redirect_uri: { required: true },
      state: {},
      response_type: { enum: ["code", "token", "code token", "granted_scopes", "code granted_scopes"] },
      scope: {},
      auth_type: { enum: ["rerequest", "reauthenticate", "reauthorize"] },
      config_id: {},
    },
    sentBy: ["src/platforms/oauth.ts authorizeUrl (meta-graph.ts facebookLogin: comma-separated scopes, no PKCE)"],
    sources: [LOGIN_MANUAL_FLOW],
  },
  {
    id: "meta.login.access_token.get",
    unconfirmed:
      "the long-lived exchange (grant_type=fb_exchange_token, client_id, client_secret, fb_exchange_token) was read on Meta's page; the code exchange's parameters (client_id, redirect_uri, client_secret, code) are from shared/platforms/facebook.md",
    method: "GET",
    path: "/{version}/oauth/access_token",
    pathParams: { version: VERSION },
    merged: true,
    query: { ...oauthTokenParams },
    check: checkTokenGrant,
    sentBy: [],
    sources: [LOGIN_MANUAL_FLOW, LONG_LIVED],
  },
  {
    id: "meta.login.access_token.post",
    method: "POST",
    path: "/{version}/oauth/access_token",
    pathParams: { version: VERSION },
    merged: true,
    body: { kinds: ["form"], fields: { ...oauthTokenParams } },
    check: checkTokenGrant,
    sentBy: [
      "src/platforms/oauth.ts exchangeCode (grant_type=authorization_code, client_secret_post)",
      "src/platforms/oauth.ts exchangeGrant via facebook.ts upgradeToLongLived (grant_type=fb_exchange_token)",
    ],
    sources: [LOGIN_MANUAL_FLOW, LONG_LIVED],
    unconfirmed:
      "Meta documents these exchanges as GET with query parameters and no grant_type for the code; oauth4webapi always POSTs a form with grant_type=authorization_code. Relied on Graph reading POST form parameters as it does for every endpoint, and on the sandbox (sandbox/facebook.ts) accepting both",
  },
  {
    id: "meta.debug_token",
    unconfirmed:
      "input_token and an app access_token are from shared/platforms/facebook.md; the reference page was not read here",
    method: "GET",
    path: "/{version}/debug_token",
    pathParams: { version: VERSION },
    query: { input_token: { required: true }, access_token: { required: true } },
    sentBy: [],
    sources: ["https://developers.facebook.com/docs/graph-api/reference/debug_token/"],
  },
  {
    id: "meta.user.permissions.delete",
    method: "DELETE",
    path: "/{version}/{user}/permissions",
    pathParams: { version: VERSION, user: NODE },
    merged: true,
    query: { ...AUTH, permission: {} },
    sentBy: [],
    sources: [
      "https://developers.facebook.com/docs/facebook-login/guides/permissions/request-revoke",
      `${CODEGEN_SOURCE}/User.json (DELETE permissions)`,
    ],
  },
  {
    id: "meta.user.accounts",
    unconfirmed:
      "the edge's parameters and the Page's fields are the SDK spec's; `tasks` as a field of the accounts edge is from shared/platforms/facebook.md",
    method: "GET",
    path: "/{version}/{user}/accounts",
    pathParams: { version: VERSION, user: NODE },
    query: {
      ...AUTH,
      ...PAGING,
      // The accounts edge adds the Page's token and the person's tasks on it to the Page's own fields.
      fields: { graphFields: graphFields(["Page"], ["tasks", "access_token"]) },
      ad_id: {},
      is_place: { type: "boolean" },
      is_promotable: { type: "boolean" },
    },
    sentBy: ["src/platforms/facebook.ts listAccounts", "src/platforms/instagram.ts listAccounts"],
    sources: ["https://developers.facebook.com/docs/graph-api/reference/user/accounts/", `${CODEGEN_SOURCE}/User.json`],
  },
  {
    id: "meta.user.businesses",
    unconfirmed: "the fields a business answers beyond id and name are not checked here",
    method: "GET",
    path: "/{version}/{user}/businesses",
    pathParams: { version: VERSION, user: NODE },
    query: { ...AUTH, ...PAGING, fields: {} },
    sentBy: ["src/platforms/facebook.ts managedPages (Facebook's and Instagram's listAccounts)"],
    sources: ["https://developers.facebook.com/docs/graph-api/reference/user/businesses/"],
  },
  {
    id: "meta.business.owned_pages",
    unconfirmed: "that a Page listed on this edge carries access_token for a person with a task on it",
    method: "GET",
    path: "/{version}/{business}/owned_pages",
    pathParams: { version: VERSION, business: NODE },
    query: { ...AUTH, ...PAGING, fields: { graphFields: graphFields(["Page"], ["tasks", "access_token"]) } },
    sentBy: ["src/platforms/facebook.ts managedPages (Facebook's and Instagram's listAccounts)"],
    sources: ["https://developers.facebook.com/docs/graph-api/reference/business/owned_pages/"],
  },
  {
    id: "meta.business.client_pages",
    unconfirmed: "that a Page listed on this edge carries access_token for a person with a task on it",
    method: "GET",
    path: "/{version}/{business}/client_pages",
    pathParams: { version: VERSION, business: NODE },
    query: { ...AUTH, ...PAGING, fields: { graphFields: graphFields(["Page"], ["tasks", "access_token"]) } },
    sentBy: ["src/platforms/facebook.ts managedPages (Facebook's and Instagram's listAccounts)"],
    sources: [
      "https://developers.facebook.com/documentation/ads-commerce/marketing-api/reference/business/client_pages",
    ],
  },
  {
    id: "meta.node.read",
    method: "GET",
    path: "/{version}/{node}",
    pathParams: { version: VERSION, node: NODE },
    query: {
      ...AUTH,
      fields: {
        graphFields: graphFields([
          "User",
          "Page",
          "PagePost",
          "Photo",
          "AdVideo",
          "IGUser",
          "IGMedia",
          "ShadowIGMediaBuilder",
        ]),
      },
    },
    sentBy: [
      "src/platforms/facebook.ts checkHealth (fields=id,name)",
      "src/platforms/instagram.ts checkHealth (fields=id,username)",
      "src/platforms/instagram.ts publish (a container: fields=status_code,status)",
      "src/platforms/instagram.ts publish (the media: fields=permalink)",
    ],
    sources: [
      "https://developers.facebook.com/docs/graph-api/reference/page/",
      "https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-container",
      "https://developers.facebook.com/docs/instagram-platform/reference/instagram-media",
      CODEGEN_SOURCE,
    ],
  },
  {
    id: "meta.node.delete",
    method: "DELETE",
    path: "/{version}/{node}",
    pathParams: { version: VERSION, node: NODE },
    merged: true,
    query: { ...AUTH },
    sentBy: [],
    sources: [PAGES_POSTS, `${CODEGEN_SOURCE}/PagePost.json (DELETE)`],
  },
  {
    id: "meta.page.feed.post",
    method: "POST",
    path: "/{version}/{page}/feed",
    pathParams: { version: VERSION, page: NUMERIC },
    merged: true,
    query: { ...AUTH },
    body: {
      kinds: ["form", "json"],
      fields: {
        message: {},
        link: {},
        published: { type: "boolean" },
        scheduled_publish_time: {},
        place: {},
        tags: {},
        targeting: { type: "json" },
        feed_targeting: { type: "json" },
      },
      fieldPatterns: [{ name: /^attached_media\[\d+\]$/, rule: { type: "json", pattern: /"media_fbid"/ } }],
    },
    check: (values) =>
      values.message || values.link || Object.keys(values).some((name) => name.startsWith("attached_media["))
        ? undefined
        : "a feed post needs `message`, `link` or `attached_media`",
    sentBy: ["src/platforms/facebook.ts publish (text and link posts; several photos as attached_media)"],
    sources: [PAGES_POSTS, `${CODEGEN_SOURCE}/Page.json (POST feed)`],
    note: "only the parameters the product and the sandbox use are listed; the SDK spec names ~90 more (add them here when the product sends them)",
  },
  {
    id: "meta.page.photos.post",
    unconfirmed:
      "the SDK spec lists url, message, caption, published, temporary, no_story, scheduled_publish_time and alt_text_custom; `source` (a multipart upload) is from shared/platforms/facebook.md",
    method: "POST",
    path: "/{version}/{page}/photos",
    pathParams: { version: VERSION, page: NUMERIC },
    merged: true,
    query: { ...AUTH },
    body: {
      kinds: ["form", "multipart", "json"],
      fields: {
        url: {},
        source: {},
        message: {},
        caption: {},
        published: { type: "boolean" },
        temporary: { type: "boolean" },
        no_story: { type: "boolean" },
        scheduled_publish_time: {},
        alt_text_custom: {},
      },
    },
    check: (values) => (values.url || values.source ? undefined : "a photo needs `url` or a multipart `source`"),
    sentBy: ["src/platforms/facebook.ts publish (one photo; each of several, published=false)"],
    sources: [
      "https://developers.facebook.com/docs/graph-api/reference/page/photos/",
      PAGES_POSTS,
      `${CODEGEN_SOURCE}/Page.json (POST photos)`,
    ],
  },
  {
    id: "meta.page.videos.post",
    method: "POST",
    path: "/{version}/{page}/videos",
    pathParams: { version: VERSION, page: NUMERIC },
    merged: true,
    query: { ...AUTH },
    body: {
      kinds: ["form", "multipart", "json"],
      fields: {
        file_url: {},
        source: {},
        description: {},
        title: {},
        published: { type: "boolean" },
        scheduled_publish_time: {},
        thumb: {},
        no_story: { type: "boolean" },
        embeddable: { type: "boolean" },
        upload_phase: {},
        upload_session_id: {},
        file_size: { type: "integer" },
        start_offset: { type: "integer" },
        end_offset: { type: "integer" },
        video_file_chunk: {},
      },
    },
    check: (values) =>
      values.file_url || values.source || values.upload_phase
        ? undefined
        : "a video needs `file_url`, a multipart `source`, or an `upload_phase` of a resumable upload",
    sentBy: ["src/platforms/facebook.ts publish (a video, on graph-video.facebook.com)"],
    sources: [
      "https://developers.facebook.com/docs/graph-api/reference/page/videos/",
      "https://developers.facebook.com/docs/video-api/guides/publishing",
      `${CODEGEN_SOURCE}/Page.json (POST videos)`,
    ],
  },
  ...(["published_posts", "feed"] as const).map((edge): ContractRow => ({
    id: `meta.page.${edge}.get`,
    method: "GET",
    path: `/{version}/{page}/${edge}`,
    pathParams: { version: VERSION, page: NUMERIC },
    query: {
      ...AUTH,
      ...PAGING,
      fields: { graphFields: graphFields(["PagePost"]) },
      include_hidden: { type: "boolean" },
      show_expired: { type: "boolean" },
      with: {},
    },
    sentBy: edge === "published_posts" ? ["src/platforms/facebook.ts findPublished (posts)"] : [],
    sources: [`https://developers.facebook.com/docs/graph-api/reference/page/${edge}/`, `${CODEGEN_SOURCE}/Page.json`],
  })),
  {
    id: "meta.page.videos.get",
    method: "GET",
    path: "/{version}/{page}/videos",
    pathParams: { version: VERSION, page: NUMERIC },
    query: {
      ...AUTH,
      ...PAGING,
      fields: { graphFields: graphFields(["AdVideo"]) },
      type: {},
    },
    sentBy: ["src/platforms/facebook.ts findPublished (videos)"],
    sources: [
      "https://developers.facebook.com/docs/graph-api/reference/page/videos/",
      `${CODEGEN_SOURCE}/Page.json (GET videos)`,
    ],
  },
  {
    id: "meta.insights",
    method: "GET",
    path: "/{version}/{node}/insights",
    pathParams: { version: VERSION, node: NODE },
    query: {
      ...AUTH,
      ...PAGING,
      fields: {},
      metric: { required: true, refused: RETIRED_METRICS },
      period: {},
      date_preset: {},
      metric_type: { enum: ["default", "time_series", "total_value"] },
      breakdown: {},
      timeframe: {},
    },
    sentBy: [],
    sources: [
      "https://developers.facebook.com/docs/graph-api/reference/insights/",
      "https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-media/insights",
      "https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-user/insights",
      `${CODEGEN_SOURCE}/Page.json, IGUser.json, IGMedia.json (GET insights)`,
    ],
    unconfirmed:
      "the retired metric names are from shared/platforms/facebook.md and instagram.md and the sandbox's emulation, not read on Meta's changelog here",
  },
  {
    id: "meta.video.insights",
    method: "GET",
    path: "/{version}/{video}/video_insights",
    pathParams: { version: VERSION, video: NUMERIC },
    query: { ...AUTH, ...PAGING, metric: {}, period: {}, since: {}, until: {} },
    sentBy: ["src/platforms/facebook.analytics.ts readPosts (a video's insights)"],
    sources: [
      "https://developers.facebook.com/docs/graph-api/reference/video/video_insights",
      "https://developers.facebook.com/docs/video-api/guides/insights",
      `${CODEGEN_SOURCE}/AdVideo.json (GET video_insights)`,
    ],
  },
  {
    id: "meta.ig.media.post",
    method: "POST",
    path: "/{version}/{ig_user}/media",
    pathParams: { version: VERSION, ig_user: NUMERIC },
    merged: true,
    query: { ...AUTH },
    body: {
      kinds: ["form", "json"],
      fields: {
        image_url: {},
        video_url: {},
        media_type: { enum: ["CAROUSEL", "REELS", "STORIES", "VIDEO", "IMAGE"] },
        caption: {},
        is_carousel_item: { type: "boolean" },
        children: { pattern: /^\d+(,\d+)*$/ },
        alt_text: {},
        cover_url: {},
        thumb_offset: { type: "integer" },
        share_to_feed: { type: "boolean" },
        location_id: {},
        user_tags: { type: "json" },
        collaborators: {},
        audio_name: {},
        product_tags: { type: "json" },
        upload_type: { enum: ["resumable"] },
        trial_params: { type: "json" },
      },
    },
    check: (values) => {
      // VIDEO went with feed videos becoming reels; a carousel's video item still names it.
      if (values.media_type === "VIDEO" && values.is_carousel_item !== "true")
        return "media_type=VIDEO is no longer supported outside a carousel item: use REELS";
      if (values.media_type === "CAROUSEL") {
        const children = (values.children ?? "").split(",").filter(Boolean);
        return children.length >= 2 && children.length <= 10
          ? undefined
          : "a CAROUSEL container needs 2 to 10 `children`";
      }
      if (values.media_type === "REELS" && !values.video_url) return "a REELS container needs `video_url`";
      return values.image_url || values.video_url || values.upload_type
        ? undefined
        : "a container needs `image_url` or `video_url`";
    },
    sentBy: ["src/platforms/instagram.ts publish (image, REELS, STORIES, carousel items and CAROUSEL)"],
    sources: [
      IG_MEDIA_EDGE,
      IG_PUBLISHING,
      "https://developers.facebook.com/docs/graph-api/changelog/out-of-cycle-changes/june-28-2022",
      `${CODEGEN_SOURCE}/IGUser.json (POST media)`,
    ],
    unconfirmed:
      "media_type=IMAGE: not a documented value (an image container omits media_type); listed because the sandbox accepts it. VIDEO for a carousel item's video is from the content publishing guide as the product reads it",
  },
  {
    id: "meta.ig.media_publish.post",
    method: "POST",
    path: "/{version}/{ig_user}/media_publish",
    pathParams: { version: VERSION, ig_user: NUMERIC },
    merged: true,
    query: { ...AUTH },
    body: { kinds: ["form", "json"], fields: { creation_id: { required: true, pattern: NUMERIC } } },
    sentBy: ["src/platforms/instagram.ts publish"],
    sources: [
      "https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-user/media_publish",
      IG_PUBLISHING,
      `${CODEGEN_SOURCE}/IGUser.json (POST media_publish: creation_id required)`,
    ],
  },
  {
    id: "meta.ig.content_publishing_limit",
    method: "GET",
    path: "/{version}/{ig_user}/content_publishing_limit",
    pathParams: { version: VERSION, ig_user: NUMERIC },
    query: { ...AUTH, fields: { list: ["config", "quota_usage"] }, since: {} },
    sentBy: ["src/platforms/instagram.ts publish (the budget, before publishing)"],
    sources: [
      "https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-user/content_publishing_limit",
      `${CODEGEN_SOURCE}/IGUser.json, ContentPublishingLimitResponse.json`,
    ],
  },
  ...(["media", "stories"] as const).map((edge): ContractRow => ({
    id: `meta.ig.${edge}.get`,
    method: "GET",
    path: `/{version}/{ig_user}/${edge}`,
    pathParams: { version: VERSION, ig_user: NUMERIC },
    query: { ...AUTH, ...PAGING, fields: { graphFields: graphFields(["IGMedia"]) } },
    sentBy: [`src/platforms/instagram.ts findPublished (${edge === "media" ? "posts and reels" : "stories"})`],
    sources: [
      edge === "media"
        ? IG_MEDIA_EDGE
        : "https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-user/stories",
      `${CODEGEN_SOURCE}/IGUser.json (GET ${edge})`,
    ],
  })),
];

export const checkMeta: (request: CheckedRequest) => string | undefined = tableChecker("Meta Graph", metaRows);
