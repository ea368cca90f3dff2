import type { CheckedRequest } from "./request.js";
import { type ContractRow, type ParamRule, tableChecker, tokenGrantCheck } from "./table.js";

/**
 * LinkedIn's OAuth, OpenID userinfo and versioned REST API (Community Management): no
 * machine-readable spec is published, so this is the documented contract as a table.
 */

/** Every /rest call names the API version (YYYYMM, or YYYYMM.RR) and Rest.li 2.0.0. */
const REST_HEADERS = { "linkedin-version": /^\d{6}(\.\d{2})?$/, "x-restli-protocol-version": /^2\.0\.0$/ };
const PERSON_OR_ORGANIZATION = /^urn:li:(person|organization):[A-Za-z0-9_-]+$/;
const INTEGER: ParamRule = { type: "integer" };

const AUTH_CODE_FLOW = "https://learn.microsoft.com/linkedin/shared/authentication/authorization-code-flow";
const REFRESH_TOKENS = "https://learn.microsoft.com/linkedin/shared/authentication/programmatic-refresh-tokens";
const VERSIONING = "https://learn.microsoft.com/linkedin/marketing/versioning";
const POSTS_API = "https://learn.microsoft.com/linkedin/marketing/community-management/shares/posts-api";
const IMAGES_API = "https://learn.microsoft.com/linkedin/marketing/community-management/shares/images-api";
const VIDEOS_API = "https://learn.microsoft.com/linkedin/marketing/community-management/shares/videos-api";
const ORGANIZATION_ACLS =
  "https://learn.microsoft.com/linkedin/marketing/community-management/organizations/organization-access-control-by-role";
const SHARE_STATISTICS =
  "https://learn.microsoft.com/linkedin/marketing/community-management/organizations/share-statistics";
const FOLLOWER_STATISTICS =
  "https://learn.microsoft.com/linkedin/marketing/community-management/organizations/follower-statistics";
const MEMBER_POST_STATISTICS =
  "https://learn.microsoft.com/linkedin/marketing/community-management/members/post-statistics";
const RESTLI_2 = "https://learn.microsoft.com/linkedin/shared/api-guide/concepts/protocol-version";
const ORGANIZATION = /^urn:li:organization:\d+$/;
/** A Rest.li 2.0 list of URNs of one kind, as the query decodes it. */
const urnList = (kind: string) => new RegExp(`^List\\(urn:li:${kind}:\\d+(,urn:li:${kind}:\\d+)*\\)$`);
/** One DAY or MONTH interval, its range in epoch milliseconds. */
const TIME_INTERVALS = /^\(timeRange:\(start:\d+,end:\d+\),timeGranularityType:(DAY|MONTH)\)$/;

const urnObject = (name: string) => ({
  type: "object",
  required: ["id"],
  additionalProperties: false,
  properties: { id: { type: "string", pattern: `^urn:li:${name}:` }, altText: { type: "string" } },
});

/** POST /rest/posts, as the Posts API's create schema describes it. */
const postSchema = {
  type: "object",
  required: ["author", "visibility", "distribution", "lifecycleState"],
  additionalProperties: false,
  properties: {
    author: { type: "string", pattern: PERSON_OR_ORGANIZATION.source },
    commentary: { type: "string", maxLength: 3000 },
    visibility: { enum: ["PUBLIC", "CONNECTIONS", "LOGGED_IN", "CONTAINER"] },
    distribution: {
      type: "object",
      required: ["feedDistribution"],
      additionalProperties: false,
      properties: {
        feedDistribution: { enum: ["MAIN_FEED", "NONE"] },
        targetEntities: { type: "array" },
        thirdPartyDistributionChannels: { type: "array" },
      },
    },
    lifecycleState: { enum: ["PUBLISHED", "DRAFT", "PUBLISH_REQUESTED", "PUBLISH_FAILED"] },
    isReshareDisabledByAuthor: { type: "boolean" },
    contentLandingPage: { type: "string" },
    contentCallToActionLabel: { type: "string" },
    reshareContext: { type: "object" },
    container: { type: "string" },
    adContext: { type: "object" },
    content: {
      type: "object",
      additionalProperties: false,
      maxProperties: 1,
      properties: {
        media: {
          type: "object",
          required: ["id"],
          additionalProperties: false,
          properties: {
            id: { type: "string", pattern: "^urn:li:(image|video|document):" },
            title: { type: "string" },
            altText: { type: "string" },
          },
        },
        multiImage: {
          type: "object",
          required: ["images"],
          additionalProperties: false,
          properties: {
            images: { type: "array", minItems: 2, maxItems: 20, items: urnObject("image") },
            altText: { type: "string" },
          },
        },
        article: {
          type: "object",
          required: ["source"],
          additionalProperties: false,
          properties: {
            source: { type: "string" },
            title: { type: "string" },
            description: { type: "string" },
            thumbnail: { type: "string", pattern: "^urn:li:image:" },
            thumbnailAltText: { type: "string" },
          },
        },
        poll: { type: "object" },
        reference: { type: "object" },
        celebration: { type: "object" },
      },
    },
  },
};

const videoUploadSchema = {
  type: "object",
  oneOf: [
    {
      required: ["initializeUploadRequest"],
      additionalProperties: false,
      properties: {
        initializeUploadRequest: {
          type: "object",
          required: ["owner", "fileSizeBytes"],
          additionalProperties: false,
          properties: {
            owner: { type: "string", pattern: PERSON_OR_ORGANIZATION.source },
            fileSizeBytes: { type: "integer", minimum: 1 },
            uploadCaptions: { type: "boolean" },
            uploadThumbnail: { type: "boolean" },
            mediaLibraryMetadata: { type: "object" },
          },
        },
      },
    },
    {
      required: ["finalizeUploadRequest"],
      additionalProperties: false,
      properties: {
        finalizeUploadRequest: {
          type: "object",
          required: ["video", "uploadToken", "uploadedPartIds"],
          additionalProperties: false,
          properties: {
            video: { type: "string", pattern: "^urn:li:video:" },
            uploadToken: { type: "string" },
            uploadedPartIds: { type: "array", items: { type: "string" } },
          },
        },
      },
    },
  ],
};

export const linkedinRows: ContractRow[] = [
  {
    id: "linkedin.oauth.authorize",
    unconfirmed:
      "the page was found, but its parameter table was not visible in what the documentation search returns; the parameters are shared/platforms/linkedin.md's (standard OAuth 2.0)",
    method: "GET",
    path: "/oauth/v2/authorization",
    query: {
      response_type: { required: true, enum: ["code"] },
      client_id: { required: true },
      redirect_uri: { required: true },
      state: {},
      scope: { required: true },
    },
    sentBy: ["src/platforms/oauth.ts authorizeUrl (linkedin.auth: space-separated scopes, no PKCE)"],
    sources: [AUTH_CODE_FLOW],
  },
  {
    id: "linkedin.oauth.accessToken",
    unconfirmed:
      "as for the authorize row: the form (grant_type, code, redirect_uri, client_id, client_secret; refresh_token for programmatic refresh) is shared/platforms/linkedin.md's",
    method: "POST",
    path: "/oauth/v2/accessToken",
    body: {
      kinds: ["form"],
      fields: {
        grant_type: { required: true, enum: ["authorization_code", "refresh_token"] },
        code: {},
        redirect_uri: {},
        refresh_token: {},
        client_id: { required: true },
        client_secret: { required: true },
      },
    },
    check: tokenGrantCheck,
    sentBy: ["src/platforms/oauth.ts exchangeCode, refreshGrant (client_secret_post)"],
    sources: [AUTH_CODE_FLOW, REFRESH_TOKENS],
  },
  {
    id: "linkedin.oauth.revoke",
    method: "POST",
    path: "/oauth/v2/revoke",
    body: {
      kinds: ["form"],
      fields: { client_id: { required: true }, client_secret: { required: true }, token: { required: true } },
    },
    sentBy: ["src/platforms/oauth.ts revokeToken (connections/disconnect.ts)"],
    sources: [AUTH_CODE_FLOW],
    unconfirmed:
      "no official page for /oauth/v2/revoke was found through the documentation search; the row is shared/platforms/linkedin.md and the sandbox (sandbox/linkedin.ts)",
  },
  {
    id: "linkedin.openid.jwks",
    unconfirmed:
      "the path is the jwks_uri of https://www.linkedin.com/oauth/.well-known/openid-configuration as shared/platforms/linkedin.md names it; the discovery document itself was not read here",
    method: "GET",
    path: "/oauth/openid/jwks",
    sentBy: ["src/platforms/oauth.ts exchangeCode (the ID token's signature, for the profile app)"],
    sources: ["https://learn.microsoft.com/linkedin/consumer/integrations/self-serve/sign-in-with-linkedin-v2"],
  },
  {
    id: "linkedin.userinfo",
    unconfirmed:
      "the OpenID userinfo endpoint is from shared/platforms/linkedin.md and the sandbox; its page was not read here",
    method: "GET",
    path: "/v2/userinfo",
    sentBy: ["src/platforms/linkedin.ts listAccounts, checkHealth"],
    sources: ["https://learn.microsoft.com/linkedin/consumer/integrations/self-serve/sign-in-with-linkedin-v2"],
  },
  {
    id: "linkedin.organizationAcls",
    method: "GET",
    path: "/rest/organizationAcls",
    headers: REST_HEADERS,
    query: {
      q: { required: true, enum: ["roleAssignee", "organization"] },
      role: { pattern: /^[A-Z_]+$/ },
      state: { enum: ["APPROVED", "REJECTED", "REQUESTED", "REVOKED"] },
      organization: { pattern: /^urn:li:organization:\d+$/ },
      projection: {},
      start: INTEGER,
      count: INTEGER,
    },
    check: (values) =>
      values.q === "organization" && !values.organization ? "the organization finder needs `organization`" : undefined,
    sentBy: [
      "src/platforms/linkedin.ts administeredOrganizations (q=roleAssignee, role=ADMINISTRATOR, state=APPROVED)",
    ],
    sources: [ORGANIZATION_ACLS, VERSIONING],
    unconfirmed:
      "the `state` values are from shared/platforms/linkedin.md and the API's enum as third-party schemas give it",
  },
  {
    id: "linkedin.organizations.get",
    unconfirmed:
      "the lookup by id is from shared/platforms/linkedin.md; the Organization Lookup page was not read here",
    method: "GET",
    path: "/rest/organizations/{id}",
    pathParams: { id: /^\d+$/ },
    headers: REST_HEADERS,
    query: { projection: {} },
    sentBy: ["src/platforms/linkedin.ts administeredOrganizations"],
    sources: [
      "https://learn.microsoft.com/linkedin/marketing/community-management/organizations/organization-lookup-api",
      VERSIONING,
    ],
  },
  {
    id: "linkedin.images.initializeUpload",
    unconfirmed:
      "the Images API page as read gives the two required headers; the initializeUpload body is shared/platforms/linkedin.md's",
    method: "POST",
    path: "/rest/images",
    headers: REST_HEADERS,
    query: { action: { required: true, enum: ["initializeUpload"] } },
    body: {
      kinds: ["json"],
      schema: {
        type: "object",
        required: ["initializeUploadRequest"],
        additionalProperties: false,
        properties: {
          initializeUploadRequest: {
            type: "object",
            required: ["owner"],
            additionalProperties: false,
            properties: {
              owner: { type: "string", pattern: PERSON_OR_ORGANIZATION.source },
              mediaLibraryMetadata: { type: "object" },
            },
          },
        },
      },
    },
    sentBy: ["src/platforms/linkedin.ts uploadMedia (images)"],
    sources: [IMAGES_API],
  },
  {
    id: "linkedin.images.get",
    unconfirmed:
      "GET by image URN is from shared/platforms/linkedin.md and the sandbox; the Images API page as read gives only the headers",
    method: "GET",
    path: "/rest/images/{urn}",
    pathParams: { urn: /^urn:li:image:[A-Za-z0-9_-]+$/ },
    headers: REST_HEADERS,
    sentBy: ["src/platforms/linkedin.ts waitAvailable (images)"],
    sources: [IMAGES_API],
  },
  {
    id: "linkedin.videos.action",
    unconfirmed:
      "the Videos API page was found (its introduction read); the initializeUpload and finalizeUpload bodies are shared/platforms/linkedin.md's",
    method: "POST",
    path: "/rest/videos",
    headers: REST_HEADERS,
    query: { action: { required: true, enum: ["initializeUpload", "finalizeUpload"] } },
    body: { kinds: ["json"], schema: videoUploadSchema },
    check: (values, request) => {
      const body = (request.body ?? {}) as Record<string, unknown>;
      return `${values.action}Request` in body || request.body === undefined
        ? undefined
        : `action=${values.action} takes \`${values.action}Request\` in the body`;
    },
    sentBy: ["src/platforms/linkedin.ts uploadMedia (videos: initializeUpload, finalizeUpload)"],
    sources: [VIDEOS_API],
  },
  {
    id: "linkedin.videos.get",
    unconfirmed: "GET by video URN is from shared/platforms/linkedin.md; see the videos row",
    method: "GET",
    path: "/rest/videos/{urn}",
    pathParams: { urn: /^urn:li:video:[A-Za-z0-9_-]+$/ },
    headers: REST_HEADERS,
    sentBy: ["src/platforms/linkedin.ts waitAvailable (videos)"],
    sources: [VIDEOS_API],
  },
  {
    id: "linkedin.upload.image",
    method: "PUT",
    path: "/upload/image/{urn}",
    body: { kinds: ["binary"] },
    sentBy: ["src/platforms/linkedin.ts uploadMedia (the uploadUrl initializeUpload gave)"],
    sources: [IMAGES_API],
    unconfirmed:
      "LinkedIn's upload URLs are opaque and signed; this path is the sandbox's stand-in for them (sandbox/linkedin.ts), so only the method and the raw body are LinkedIn's",
  },
  {
    id: "linkedin.upload.video",
    method: "PUT",
    path: "/upload/video/{urn}/{part}",
    pathParams: { part: /^\d+$/ },
    body: { kinds: ["binary"] },
    sentBy: ["src/platforms/linkedin.ts uploadMedia (each uploadInstructions part)"],
    sources: [VIDEOS_API],
    unconfirmed: "as for images: the path is the sandbox's stand-in for LinkedIn's signed upload URLs",
  },
  {
    id: "linkedin.posts.create",
    method: "POST",
    path: "/rest/posts",
    headers: REST_HEADERS,
    body: { kinds: ["json"], schema: postSchema },
    sentBy: ["src/platforms/linkedin.ts publish"],
    sources: [
      POSTS_API,
      "https://learn.microsoft.com/linkedin/marketing/community-management/shares/little-text-format",
    ],
    unconfirmed:
      "that LinkedIn refuses fields the Posts schema does not list (additionalProperties false here) follows Rest.li's usual 422 for unrecognized fields, not a sentence of the Posts API page",
  },
  {
    id: "linkedin.posts.findByAuthor",
    unconfirmed:
      "the author finder's parameters (q=author, author, count up to 100, start, sortBy, viewContext) are from the product's own reading of the Posts API page and the sandbox; the page was not read here",
    method: "GET",
    path: "/rest/posts",
    headers: REST_HEADERS,
    query: {
      q: { required: true, enum: ["author"] },
      author: { required: true, pattern: PERSON_OR_ORGANIZATION },
      count: { type: "integer", pattern: /^(100|[1-9]\d?)$/ },
      start: INTEGER,
      sortBy: { enum: ["LAST_MODIFIED", "CREATED"] },
      viewContext: { enum: ["READER", "AUTHOR"] },
    },
    sentBy: ["src/platforms/linkedin.ts findPublished"],
    sources: [`${POSTS_API}#find-posts-by-authors`],
  },
  {
    id: "linkedin.posts.get",
    unconfirmed: "from the Posts API as shared/platforms/linkedin.md and the sandbox describe it; not read here",
    method: "GET",
    path: "/rest/posts/{urn}",
    pathParams: { urn: /^urn:li:(share|ugcPost):\d+$/ },
    headers: REST_HEADERS,
    query: { viewContext: { enum: ["READER", "AUTHOR"] } },
    sentBy: [],
    sources: [POSTS_API],
  },
  {
    id: "linkedin.posts.delete",
    unconfirmed: "from the Posts API as the sandbox emulates it; not read here",
    method: "DELETE",
    path: "/rest/posts/{urn}",
    pathParams: { urn: /^urn:li:(share|ugcPost):\d+$/ },
    headers: REST_HEADERS,
    sentBy: [],
    sources: [POSTS_API],
  },
  {
    id: "linkedin.organizationalEntityShareStatistics",
    method: "GET",
    path: "/rest/organizationalEntityShareStatistics",
    headers: REST_HEADERS,
    query: {
      q: { required: true, enum: ["organizationalEntity"] },
      organizationalEntity: { required: true, pattern: ORGANIZATION },
      shares: { pattern: urnList("share") },
      ugcPosts: { pattern: urnList("ugcPost") },
      timeIntervals: { pattern: TIME_INTERVALS },
    },
    sentBy: [
      "src/platforms/linkedin.analytics.ts organizationPosts (shares, ugcPosts), organizationAccount (timeIntervals)",
    ],
    sources: [SHARE_STATISTICS, RESTLI_2],
    unconfirmed:
      "the most URNs one List takes (the product sends 20); shares and ugcPosts together in one call (the product sends them apart)",
  },
  {
    id: "linkedin.organizationalEntityFollowerStatistics",
    method: "GET",
    path: "/rest/organizationalEntityFollowerStatistics",
    headers: REST_HEADERS,
    query: {
      q: { required: true, enum: ["organizationalEntity"] },
      organizationalEntity: { required: true, pattern: ORGANIZATION },
      timeIntervals: { pattern: TIME_INTERVALS },
    },
    sentBy: ["src/platforms/linkedin.analytics.ts organizationAccount (timeIntervals, DAY)"],
    sources: [FOLLOWER_STATISTICS, RESTLI_2],
    unconfirmed:
      "the `followerGains.organicFollowerGain/paidFollowerGain` spelling and the 12-month window for time-bound follower statistics are from shared/platforms/analytics.md [LIF][MJ]; the page was not read here",
  },
  {
    id: "linkedin.networkSizes",
    unconfirmed:
      "edgeType=COMPANY_FOLLOWED_BY_MEMBER is from shared/platforms/analytics.md and the sandbox; the page was not read here",
    method: "GET",
    path: "/rest/networkSizes/{urn}",
    pathParams: { urn: ORGANIZATION },
    headers: REST_HEADERS,
    query: { edgeType: { required: true, enum: ["COMPANY_FOLLOWED_BY_MEMBER"] } },
    sentBy: ["src/platforms/linkedin.analytics.ts organizationAccount (the follower count now)"],
    sources: [FOLLOWER_STATISTICS],
  },
  {
    id: "linkedin.memberCreatorPostAnalytics",
    method: "GET",
    path: "/rest/memberCreatorPostAnalytics",
    headers: REST_HEADERS,
    query: {
      q: { required: true, enum: ["entity", "me"] },
      entity: { pattern: /^\((share|ugcPost):urn:li:(share|ugcPost):\d+\)$/ },
      queryType: { required: true, enum: ["IMPRESSION", "MEMBERS_REACHED", "RESHARE", "REACTION", "COMMENT"] },
      aggregation: { required: true, enum: ["TOTAL", "DAILY"] },
      dateRange: {
        pattern: /^\(start:\(year:\d{4},month:\d{1,2},day:\d{1,2}\),end:\(year:\d{4},month:\d{1,2},day:\d{1,2}\)\)$/,
      },
    },
    check: (values) => (values.q === "entity" && !values.entity ? "the entity finder needs `entity`" : undefined),
    sentBy: ["src/platforms/linkedin.analytics.ts memberPosts (q=entity, TOTAL), memberAccount (q=me, DAILY)"],
    sources: [MEMBER_POST_STATISTICS, RESTLI_2],
    unconfirmed:
      "the entity union `(share:…)`/`(ugcPost:…)`, the dateRange shape and whether its end is exclusive, and the answer's `count` field are read from the page's examples as shared/platforms/analytics.md gives them (verify); POST_SAVE and POST_SEND (li-lms-2026-06 per [PZ1680]) are left out until confirmed",
  },
];

export const checkLinkedIn: (request: CheckedRequest) => string | undefined = tableChecker("LinkedIn", linkedinRows);
