import { z } from "zod";
import { metaHosts, upgradeToLongLived } from "./facebook.js";
import { classifyGraphError, facebookLogin } from "./meta-graph.js";
import type { OAuthPlatform } from "./platform.js";

/**
 * Instagram business and creator accounts, reached through the Facebook Page they are linked
 * to; calls use that Page's token.
 * https://developers.facebook.com/docs/instagram-platform/instagram-api-with-facebook-login
 */

const pagesWithInstagram = z.object({
  data: z.array(
    z.object({
      id: z.string(),
      name: z.string(),
      access_token: z.string(),
      instagram_business_account: z
        .object({ id: z.string(), username: z.string().optional(), profile_picture_url: z.string().optional() })
        .optional(),
    }),
  ),
});

export const instagram: OAuthPlatform = {
  id: "instagram",
  name: "Instagram",
  realHosts: metaHosts,
  classify: classifyGraphError,
  auth: facebookLogin([
    "instagram_basic",
    "instagram_content_publish",
    "instagram_manage_insights",
    "pages_show_list",
    "pages_read_engagement",
    "business_management",
  ]),
  upgradeGrant: upgradeToLongLived,

  async listAccounts(api, { apiVersion }) {
    const { data } = await api.call(pagesWithInstagram, {
      host: "graph",
      path: `/${apiVersion}/me/accounts`,
      query: {
        fields: "id,name,access_token,instagram_business_account{id,username,profile_picture_url}",
        limit: "100",
      },
    });
    return data.data.flatMap((page) =>
      page.instagram_business_account
        ? [
            {
              externalId: page.instagram_business_account.id,
              kind: "instagram_business" as const,
              name: page.instagram_business_account.username
                ? `@${page.instagram_business_account.username}`
                : page.name,
              username: page.instagram_business_account.username,
              avatarUrl: page.instagram_business_account.profile_picture_url,
              accessToken: page.access_token,
              details: { pageId: page.id, pageName: page.name },
            },
          ]
        : [],
    );
  },

  async checkHealth(api, account, { apiVersion }) {
    await api.call(z.object({ id: z.string() }), {
      host: "graph",
      path: `/${apiVersion}/${account.externalId}`,
      query: { fields: "id,username" },
    });
  },
};
