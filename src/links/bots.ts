import { platformIds, platformProfiles } from "../platforms/profiles.js";

/** Fetchers of links that are not one of our platforms': chat apps' previews and search engines. */
const otherFetchers = [
  // https://api.slack.com/robots
  { name: "Slackbot", userAgentToken: "Slackbot" },
  // https://discord.com/developers/docs/resources/message#embed-object (Discordbot builds the embeds)
  { name: "Discordbot", userAgentToken: "Discordbot" },
  // WhatsApp previews come from "WhatsApp/2.x" and Meta's crawler: https://opengraphplus.com/consumers/whatsapp/crawling
  { name: "WhatsApp", userAgentToken: "WhatsApp" },
  // Google's crawlers and fetchers, its video site's included: https://developers.google.com/search/docs/crawling-indexing/overview-google-crawlers
  { name: "Googlebot", userAgentToken: "Googlebot" },
  { name: "Google", userAgentToken: "Google-" },
  // https://www.bing.com/webmasters/help/which-crawlers-does-bing-use-8c184ec0
  { name: "bingbot", userAgentToken: "bingbot" },
];

const knownFetchers = [...platformIds.flatMap((id) => platformProfiles[id].linkFetchers ?? []), ...otherFetchers].map(
  (fetcher) => ({ name: fetcher.name, token: fetcher.userAgentToken.toLowerCase() }),
);

/** Automated agents that say what they are without being on the list above. */
const GENERIC_AGENT = /bot|crawler|spider|preview/i;

/**
 * The bot a user agent names, or null for what looks like a person's browser. An empty user
 * agent is a script's, never a browser's.
 */
export function botOf(userAgent: string | undefined): string | null {
  if (!userAgent) return "no user agent";
  const lower = userAgent.toLowerCase();
  const known = knownFetchers.find((fetcher) => lower.includes(fetcher.token));
  if (known) return known.name;
  return GENERIC_AGENT.test(userAgent) ? "other bot" : null;
}
