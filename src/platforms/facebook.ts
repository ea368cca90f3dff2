import { z } from "zod";
import { classifyGraphError, facebookLogin, graphPicture } from "./meta-graph.js";
import type { OAuthPlatform } from "./platform.js";

/**
 * Facebook Pages through Facebook Login.
 * https://developers.facebook.com/docs/facebook-login/guides/advanced/manual-flow
 * https://developers.facebook.com/docs/pages-api/getting-started
 */

export const metaHosts = {
  dialog: "https://www.facebook.com",
  graph: "https://graph.facebook.com",
  video: "https://graph-video.facebook.com",
};

const created = z.object({ id: z.string() });
const publishedPosts = z.object({
  data: z.array(
    z.object({
      id: z.string(),
      message: z.string().optional(),
      created_time: z.string(),
      permalink_url: z.string().optional(),
    }),
  ),
});

const postUrl = (id: string) => `https://www.facebook.com/${id}`;

const accountsAnswer = z.object({
  data: z.array(
    z.object({
      id: z.string(),
      name: z.string(),
      access_token: z.string(),
      tasks: z.array(z.string()).optional(),
      picture: graphPicture,
    }),
  ),
});

/**
 * Facebook has no refresh token: the short-lived user token is traded for a long-lived one,
 * whose Page tokens do not expire. https://developers.facebook.com/docs/facebook-login/guides/access-tokens/get-long-lived
 */
export const upgradeToLongLived: NonNullable<OAuthPlatform["upgradeGrant"]> = (grant, exchange) =>
  exchange("fb_exchange_token", { fb_exchange_token: grant.accessToken });

export const facebook: OAuthPlatform = {
  id: "facebook",
  name: "Facebook Pages",
  realHosts: metaHosts,
  classify: classifyGraphError,
  auth: facebookLogin([
    "pages_show_list",
    "pages_manage_posts",
    "pages_read_engagement",
    "read_insights",
    "business_management",
  ]),
  upgradeGrant: upgradeToLongLived,

  async listAccounts(api, { apiVersion }) {
    const { data } = await api.call(accountsAnswer, {
      host: "graph",
      path: `/${apiVersion}/me/accounts`,
      query: { fields: "id,name,access_token,tasks,picture{url}", limit: "100" },
    });
    // Posting needs the CREATE_CONTENT task on the Page.
    return data.data
      .filter((page) => !page.tasks || page.tasks.includes("CREATE_CONTENT"))
      .map((page) => ({
        externalId: page.id,
        kind: "page" as const,
        name: page.name,
        avatarUrl: page.picture?.data.url,
        accessToken: page.access_token,
        details: { pageId: page.id },
      }));
  },

  async checkHealth(api, account, { apiVersion }) {
    await api.call(z.object({ id: z.string() }), {
      host: "graph",
      path: `/${apiVersion}/${account.externalId}`,
      query: { fields: "id,name" },
    });
  },
};
