import { z } from "zod";
import { restHeaders } from "./linkedin.rest.js";
import type { Api, ErrorResponse } from "./http.js";
import { reachesBack, sameText } from "./matching.js";
import { nextMidnight } from "./reset-times.js";
import {
  PlatformError,
  StillProcessing,
  type Account,
  type OAuthPlatform,
  type OutgoingMedia,
  type PlatformFailure,
} from "./platform.js";
import { linkedinAnalytics } from "./linkedin.analytics.js";
import { linkedinPagesApp, linkedinProfile, linkedinProfileApp } from "./linkedin.profile.js";
import type { PlatformOptions } from "./profiles.js";

/**
 * LinkedIn: the member and the company pages they administer.
 * https://learn.microsoft.com/linkedin/shared/authentication/authorization-code-flow
 * https://learn.microsoft.com/linkedin/marketing/community-management/organizations/organization-access-control-by-role
 */

const userInfo = z.object({
  sub: z.string(),
  name: z.string(),
  picture: z.string().optional(),
  email: z.string().optional(),
});
const acls = z.object({
  elements: z.array(z.object({ organization: z.string(), role: z.string(), state: z.string() })),
});
const organization = z.object({ id: z.number(), localizedName: z.string(), vanityName: z.string().optional() });
const restError = z.object({
  status: z.number(),
  serviceErrorCode: z.number().optional(),
  code: z.string().optional(),
  message: z.string().optional(),
});

/** Daily limits reset at midnight UTC. https://learn.microsoft.com/linkedin/shared/api-guide/concepts/rate-limits */
function classify(response: ErrorResponse): PlatformFailure | undefined {
  const body = restError.safeParse(response.body);
  const code = body.success ? body.data.code : undefined;
  if (response.status === 401) {
    if (code === "EXPIRED_ACCESS_TOKEN" || (body.success && body.data.serviceErrorCode === 65601))
      return { kind: "token_expired" };
    return {
      kind: "token_invalid",
      reason: body.success && body.data.message ? body.data.message : "LinkedIn no longer accepts this token.",
    };
  }
  if (response.status === 429)
    return { kind: "rate_limited", retryAt: nextMidnight("UTC", response.receivedAt), scope: "account" };
  if (response.status === 426)
    return {
      kind: "rejected",
      userMessage: "This LinkedIn API version is retired: set LINKEDIN_API_VERSION to a current one.",
    };
  return undefined;
}

const MEMBER_POSTS_UNREADABLE =
  "LinkedIn doesn't let this app read your posts back; check your profile and tell us whether it posted.";

/**
 * Commentary is "little text": reserved characters must be escaped or LinkedIn cuts the post
 * at the first one. https://learn.microsoft.com/linkedin/marketing/community-management/shares/little-text-format
 */
export function escapeLittleText(text: string): string {
  return text.replace(/[\\|{}@[\]()<>#*_~]/g, (character) => `\\${character}`);
}

/** Commentary as LinkedIn gives it back (still little text) read as the text that was sent. */
function unescapeLittleText(text: string): string {
  return text.replace(/\\([\\|{}@[\]()<>#*_~])/g, "$1");
}

const imageUpload = z.object({ value: z.object({ uploadUrl: z.string(), image: z.string() }) });
const videoUpload = z.object({
  value: z.object({
    video: z.string(),
    uploadToken: z.string().default(""),
    uploadInstructions: z.array(z.object({ uploadUrl: z.string(), firstByte: z.number(), lastByte: z.number() })),
  }),
});
const assetStatus = z.object({ status: z.string() });
/** The most posts one finder call returns. */
const PAGE_SIZE = 100;
const postList = z.object({
  elements: z.array(z.object({ id: z.string(), commentary: z.string().optional(), createdAt: z.number().optional() })),
});

/** Whether LinkedIn has processed an uploaded image or video; one that failed fails the post. */
async function isAvailable(api: Api, urn: string, apiVersion: string | undefined): Promise<boolean> {
  const kind = urn.startsWith("urn:li:video:") ? "videos" : "images";
  const { data } = await api.call(assetStatus, {
    host: "api",
    path: `/rest/${kind}/${encodeURIComponent(urn)}`,
    headers: restHeaders(apiVersion),
  });
  if (data.status === "PROCESSING_FAILED") {
    throw new PlatformError(
      "linkedin",
      { kind: "rejected", userMessage: "LinkedIn could not process the video." },
      { message: "processing failed" },
    );
  }
  return data.status === "AVAILABLE";
}

/** Media uploaded for the post, kept by the engine while LinkedIn processes it, so it is never uploaded twice. */
const uploaded = z.object({ urns: z.array(z.string()) });

/** initializeUpload, PUT the bytes (in parts for video, keeping each ETag), finalize. */
async function uploadMedia(
  api: Api,
  owner: string,
  media: OutgoingMedia,
  apiVersion: string | undefined,
): Promise<string> {
  const bytes = await media.read();
  const headers = restHeaders(apiVersion);
  const put = (url: string, data: Buffer) =>
    api.call(z.unknown(), {
      method: "PUT",
      host: "api",
      path: "",
      absoluteUrl: new URL(url),
      bytes: { data, contentType: "application/octet-stream" },
    });
  if (!media.contentType.startsWith("video/")) {
    const { data } = await api.call(imageUpload, {
      method: "POST",
      host: "api",
      path: "/rest/images",
      query: { action: "initializeUpload" },
      headers,
      json: { initializeUploadRequest: { owner } },
    });
    await put(data.value.uploadUrl, bytes);
    return data.value.image;
  }
  const { data } = await api.call(videoUpload, {
    method: "POST",
    host: "api",
    path: "/rest/videos",
    query: { action: "initializeUpload" },
    headers,
    json: {
      initializeUploadRequest: { owner, fileSizeBytes: bytes.length, uploadCaptions: false, uploadThumbnail: false },
    },
  });
  const etags: string[] = [];
  for (const part of data.value.uploadInstructions) {
    const answer = await put(part.uploadUrl, bytes.subarray(part.firstByte, part.lastByte + 1));
    etags.push(answer.headers.get("etag") ?? "");
  }
  await api.call(z.unknown(), {
    method: "POST",
    host: "api",
    path: "/rest/videos",
    query: { action: "finalizeUpload" },
    headers,
    json: {
      finalizeUploadRequest: { video: data.value.video, uploadToken: data.value.uploadToken, uploadedPartIds: etags },
    },
  });
  return data.value.video;
}

/**
 * Roles whose members may post as the page: Super admins and Content admins.
 * https://learn.microsoft.com/linkedin/marketing/community-management/organizations/organization-access-control-by-role
 */
const POSTING_ROLES = ["ADMINISTRATOR", "CONTENT_ADMINISTRATOR"];

async function administeredOrganizations(api: Api, apiVersion: string | undefined): Promise<Account[]> {
  const urns = new Set<string>();
  for (const role of POSTING_ROLES) {
    const { data } = await api.call(acls, {
      host: "api",
      path: "/rest/organizationAcls",
      query: { q: "roleAssignee", role, state: "APPROVED" },
      headers: restHeaders(apiVersion),
    });
    for (const element of data.elements) urns.add(element.organization);
  }
  const accounts: Account[] = [];
  for (const urn of urns) {
    const id = urn.split(":").at(-1)!;
    const { data } = await api.call(organization, {
      host: "api",
      path: `/rest/organizations/${id}`,
      headers: restHeaders(apiVersion),
    });
    accounts.push({
      externalId: urn,
      kind: "organization",
      name: data.localizedName,
      username: data.vanityName,
      details: { authorUrn: urn },
    });
  }
  return accounts;
}

export const linkedin: OAuthPlatform<PlatformOptions<"linkedin">> = {
  ...linkedinProfile,
  realHosts: { oauth: "https://www.linkedin.com", api: "https://api.linkedin.com", web: "https://www.linkedin.com" },
  classify,
  analytics: linkedinAnalytics,
  auth: () => ({
    kind: "oauth2",
    authorizePath: "/oauth/v2/authorization",
    tokenPath: "/oauth/v2/accessToken",
    revokePath: "/oauth/v2/revoke",
    hosts: { authorize: "oauth", token: "oauth", revoke: "oauth" },
    // The profile app's scopes; the pages app's replace them when connecting pages.
    scopes: linkedinProfileApp.scopes,
    scopeSeparator: " ",
    pkce: false,
    clientAuthentication: "body",
    addsMissingTokenType: true,
    refreshable: true,
    // LinkedIn refuses an invalid, expired or revoked refresh token with `invalid_request`.
    // https://learn.microsoft.com/linkedin/shared/authentication/programmatic-refresh-tokens
    refusals: ["invalid_grant", "invalid_request"],
    // The ID token's issuer is https://www.linkedin.com/oauth, not the authorize host; its keys are
    // listed by the discovery document at https://www.linkedin.com/oauth/.well-known/openid-configuration.
    // https://learn.microsoft.com/linkedin/consumer/integrations/self-serve/sign-in-with-linkedin-v2#id-token
    issuerPath: "/oauth",
    // Cancel comes back as LinkedIn's own errors; unauthorized_scope_error is the app's fault, not the member's.
    // https://learn.microsoft.com/linkedin/shared/authentication/authorization-code-flow#failed-requests
    declinedErrors: ["access_denied", "user_cancelled_authorize", "user_cancelled_login"],
    idTokens: { jwks: { host: "oauth", path: "/oauth/openid/jwks" } },
  }),

  async listAccounts(api, { apiVersion, variant }) {
    if (variant === linkedinPagesApp.id) return administeredOrganizations(api, apiVersion);
    const { data: me } = await api.call(userInfo, { host: "api", path: "/v2/userinfo" });
    return [
      {
        externalId: `urn:li:person:${me.sub}`,
        kind: "member",
        name: me.name,
        avatarUrl: me.picture,
        details: { authorUrn: `urn:li:person:${me.sub}` },
      },
    ];
  },

  // A pages token has no openid to read userinfo with: the page's own record proves it instead.
  async checkHealth(api, account, { apiVersion, variant }) {
    if (variant === linkedinPagesApp.id) {
      await api.call(organization, {
        host: "api",
        path: `/rest/organizations/${account.externalId.split(":").at(-1)}`,
        headers: restHeaders(apiVersion),
      });
      return;
    }
    await api.call(userInfo, { host: "api", path: "/v2/userinfo" });
  },

  publishing: {
    async publish(api, account, post, { apiVersion }) {
      const author = account.details.authorUrn ?? account.externalId;
      const kept = uploaded.safeParse(post.processing);
      const urns: string[] = kept.success ? kept.data.urns : [];
      if (!kept.success) for (const media of post.media) urns.push(await uploadMedia(api, author, media, apiVersion));
      // A video takes LinkedIn a while: the engine checks again later rather than this call waiting.
      const ready = await Promise.all(urns.map((urn) => isAvailable(api, urn, apiVersion)));
      if (ready.includes(false)) throw new StillProcessing({ state: { urns }, waitingFor: "the upload" });
      const content =
        urns.length > 1
          ? { multiImage: { images: urns.map((id) => ({ id })) } }
          : urns.length === 1
            ? {
                media: {
                  id: urns[0],
                  ...(urns[0]!.startsWith("urn:li:video:") ? { title: post.text.slice(0, 100) } : {}),
                },
              }
            : post.link
              ? { article: { source: post.link, title: post.link } }
              : undefined;
      const answer = await api.call(z.unknown(), {
        method: "POST",
        host: "api",
        path: "/rest/posts",
        headers: restHeaders(apiVersion),
        json: {
          author,
          commentary: escapeLittleText(post.text),
          visibility: "PUBLIC",
          distribution: { feedDistribution: "MAIN_FEED", targetEntities: [], thirdPartyDistributionChannels: [] },
          lifecycleState: "PUBLISHED",
          isReshareDisabledByAuthor: false,
          ...(content ? { content } : {}),
        },
      });
      const urn = answer.headers.get("x-restli-id");
      if (!urn)
        throw new PlatformError(
          "linkedin",
          { kind: "ambiguous" },
          { message: "LinkedIn created a post but named no URN" },
        );
      return { remoteId: urn, url: api.url("web", `/feed/update/${urn}/`).toString() };
    },

    /**
     * https://learn.microsoft.com/linkedin/marketing/community-management/shares/posts-api#find-posts-by-authors
     * Finding a member's posts takes r_member_social, which LinkedIn grants only to approved
     * partners and this app does not ask for; an organization's take r_organization_social, which
     * it does. https://learn.microsoft.com/linkedin/marketing/community-management/shares/posts-api#permissions
     */
    async findPublished(api, account, post, since, { apiVersion }) {
      const author = account.details.authorUrn ?? account.externalId;
      if (!author.startsWith("urn:li:organization:"))
        throw new PlatformError(
          "linkedin",
          { kind: "rejected", userMessage: MEMBER_POSTS_UNREADABLE },
          { message: "LinkedIn reads a member's posts back only with r_member_social" },
        );
      const { data } = await api.call(postList, {
        host: "api",
        path: "/rest/posts",
        query: { q: "author", author, count: String(PAGE_SIZE), sortBy: "CREATED" },
        headers: restHeaders(apiVersion),
      });
      const items = data.elements.map((item) => ({ ...item, createdAt: new Date(item.createdAt ?? 0) }));
      return {
        found: items
          .filter((item) => item.createdAt >= since && sameText(post.text, unescapeLittleText(item.commentary ?? "")))
          .map((item) => ({
            remoteId: item.id,
            url: api.url("web", `/feed/update/${item.id}/`).toString(),
            createdAt: item.createdAt,
          })),
        complete: reachesBack(
          items.map((item) => item.createdAt),
          { pageSize: PAGE_SIZE, since },
        ),
      };
    },
  },
};
