import { z } from "zod";
import type { Api, ErrorResponse } from "./http.js";
import { nextMidnight } from "./reset-times.js";
import { PlatformError, type Account, type OAuthPlatform, type PlatformFailure } from "./platform.js";

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
  if (response.status === 429) return { kind: "rate_limited", retryAt: nextMidnight("UTC"), scope: "account" };
  if (response.status === 426)
    return {
      kind: "rejected",
      userMessage: "This LinkedIn API version is retired: set LINKEDIN_API_VERSION to a current one.",
    };
  return undefined;
}

const restHeaders = (apiVersion: string | undefined) => ({
  "linkedin-version": apiVersion ?? "",
  "x-restli-protocol-version": "2.0.0",
});

async function administeredOrganizations(api: Api, apiVersion: string | undefined): Promise<Account[]> {
  let found;
  try {
    found = await api.call(acls, {
      host: "api",
      path: "/rest/organizationAcls",
      query: { q: "roleAssignee", role: "ADMINISTRATOR", state: "APPROVED" },
      headers: restHeaders(apiVersion),
    });
  } catch (error) {
    // Without the Community Management scopes the member can still post as themselves.
    if (error instanceof PlatformError && error.status === 403) return [];
    throw error;
  }
  const accounts: Account[] = [];
  for (const element of found.data.elements) {
    const id = element.organization.split(":").at(-1)!;
    const { data } = await api.call(organization, {
      host: "api",
      path: `/rest/organizations/${id}`,
      headers: restHeaders(apiVersion),
    });
    accounts.push({
      externalId: element.organization,
      kind: "organization",
      name: data.localizedName,
      username: data.vanityName,
      details: { authorUrn: element.organization },
    });
  }
  return accounts;
}

export const linkedin: OAuthPlatform = {
  id: "linkedin",
  name: "LinkedIn",
  realHosts: { oauth: "https://www.linkedin.com", api: "https://api.linkedin.com" },
  classify,
  auth: () => ({
    kind: "oauth2",
    authorizePath: "/oauth/v2/authorization",
    tokenPath: "/oauth/v2/accessToken",
    revokePath: "/oauth/v2/revoke",
    hosts: { authorize: "oauth", token: "oauth", revoke: "oauth" },
    scopes: [
      "openid",
      "profile",
      "email",
      "w_member_social",
      "r_organization_social",
      "w_organization_social",
      "rw_organization_admin",
    ],
    scopeSeparator: " ",
    pkce: false,
    clientAuthentication: "body",
    addsMissingTokenType: true,
    refreshable: true,
  }),

  async listAccounts(api, { apiVersion }) {
    const { data: me } = await api.call(userInfo, { host: "api", path: "/v2/userinfo" });
    const member: Account = {
      externalId: `urn:li:person:${me.sub}`,
      kind: "member",
      name: me.name,
      avatarUrl: me.picture,
      details: { authorUrn: `urn:li:person:${me.sub}` },
    };
    return [member, ...(await administeredOrganizations(api, apiVersion))];
  },

  async checkHealth(api) {
    await api.call(userInfo, { host: "api", path: "/v2/userinfo" });
  },
};
