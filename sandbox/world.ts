import { bots, channels, instagramAccounts, linkedinOrganizations, pages, people, telegramChats } from "./seed.js";
import type { SandboxContext } from "./context.js";
import { unitHash, type PublishedItem } from "./state.js";

/**
 * A world as large as a busy deployment's, made in one call: people with a Facebook Page (and
 * its Instagram account), an X account, a LinkedIn organization, a YouTube channel, a TikTok
 * account and a Telegram channel with its own bot, each account with posts published over the
 * last days. For benchmarks of what reads them: tokens come, as ever, from the consent pages,
 * where each generated person can be chosen. The fixed world's ids are left alone.
 */

const fixedSizes = {
  people: people.length,
  pages: pages.length,
  instagramAccounts: instagramAccounts.length,
  linkedinOrganizations: linkedinOrganizations.length,
  channels: channels.length,
  bots: bots.length,
  telegramChats: telegramChats.length,
};

export interface WorldRequest {
  people: number;
  /** Posts on each account of a platform that reports per-post figures (Telegram's bots read none). */
  postsPerAccount: number;
  /** The posts' ages are spread evenly over this many days before now. */
  spreadDays: number;
}

export interface WorldPerson {
  id: string;
  telegram: { botToken: string; chat: string };
}

const digits = (value: number, width: number) => String(value).padStart(width, "0");

export function addBulkWorld(context: SandboxContext, request: WorldRequest): WorldPerson[] {
  const start = people.length - fixedSizes.people;
  const made: WorldPerson[] = [];
  for (let index = start; index < start + request.people; index += 1) {
    const person = personAt(index);
    made.push({ id: person.id, telegram: { botToken: person.botToken, chat: `@${person.chatUsername}` } });
    publishHistory(context, person, request);
  }
  return made;
}

/** Takes the generated world away again (a sandbox reset returns to the fixed one). */
export function dropBulkWorld(): void {
  people.splice(fixedSizes.people);
  pages.splice(fixedSizes.pages);
  instagramAccounts.splice(fixedSizes.instagramAccounts);
  linkedinOrganizations.splice(fixedSizes.linkedinOrganizations);
  channels.splice(fixedSizes.channels);
  bots.splice(fixedSizes.bots);
  telegramChats.splice(fixedSizes.telegramChats);
}

function personAt(index: number) {
  const id = `bulk${index}`;
  const pageId = `23${digits(index, 13)}`;
  const instagramId = `1784150${digits(index, 10)}`;
  const organizationId = `95${digits(index, 6)}`;
  const channelId = `UCbulk${digits(index, 18)}`;
  const botId = 7_100_000_000 + index;
  const botUsername = `bulk_${index}_bot`;
  const chatUsername = `bulk_channel_${index}`;
  const instagramUsername = `bulk.ig.${index}`;
  const person = {
    id,
    name: `Bulk Person ${index}`,
    email: `${id}@sandbox.example`,
    facebook: { userId: `10000000${digits(index, 9)}`, pageIds: [pageId] },
    x: { userId: `16${digits(index, 17)}`, username: `bulk_${index}` },
    linkedin: { sub: `bUlKsAnDbOx${index}`, administeredOrganizationIds: [organizationId] },
    google: { sub: `12${digits(index, 19)}`, channelIds: [channelId] },
    tiktok: {
      openId: `-000bulkSandboxOpenId${digits(index, 6)}`,
      unionId: `c9a1e5b2-${digits(index, 4)}-4ad0-9c4e-5a1d0b${digits(index, 6)}`,
      username: `bulk.${index}`,
      nickname: `Bulk ${index}`,
      privateAccount: false,
      maxVideoPostDurationSec: 600,
      commentDisabled: false,
      duetDisabled: false,
      stitchDisabled: false,
    },
  };
  people.push(person);
  pages.push({ id: pageId, name: `Bulk Page ${index}`, category: "Local business", instagramAccountId: instagramId });
  instagramAccounts.push({
    id: instagramId,
    username: instagramUsername,
    name: `Bulk Instagram ${index}`,
    followersCount: 500 + Math.floor(unitHash(`${instagramId}:followers`) * 50_000),
  });
  linkedinOrganizations.push({ id: organizationId, name: `Bulk Organization ${index}`, vanityName: `bulk-${index}` });
  channels.push({
    id: channelId,
    title: `Bulk Channel ${index}`,
    customUrl: `@bulk${index}`,
    subscriberCount: 100 + Math.floor(unitHash(`${channelId}:subscribers`) * 20_000),
  });
  const botToken = `${botId}:AAHsandboxBulkBot${digits(index, 18)}`;
  bots.push({ token: botToken, id: botId, username: botUsername, firstName: `Bulk Bot ${index}` });
  telegramChats.push({
    id: -1_002_000_000_000 - index,
    username: chatUsername,
    title: `Bulk Channel ${index}`,
    memberCount: 50 + Math.floor(unitHash(`${chatUsername}:members`) * 5_000),
    members: { [botUsername]: { status: "administrator", canPostMessages: true } },
  });
  return { ...person, pageId, instagramId, instagramUsername, organizationId, channelId, botToken, chatUsername };
}

/** Each account's posts, in the shapes the platforms' own publishing leaves them. */
function publishHistory(context: SandboxContext, person: ReturnType<typeof personAt>, request: WorldRequest) {
  const { state } = context;
  const now = context.now();
  const spreadMs = request.spreadDays * 86_400_000;
  for (let post = 0; post < request.postsPerAccount; post += 1) {
    const createdAt = (platform: string) =>
      now - Math.floor(((post + unitHash(`${person.id}:${platform}:${post}`)) / request.postsPerAccount) * spreadMs);
    const item = (
      fields: Omit<PublishedItem, "createdAt" | "media" | "text"> & Partial<Pick<PublishedItem, "media" | "text">>,
    ) =>
      state.publish({
        text: `Post ${post} of ${person.name}`,
        media: [],
        createdAt: createdAt(fields.platform),
        ...fields,
      });
    const facebookId = `${person.pageId}_${state.nextNumber("bulk:facebook") + 9_000_000_000}`;
    item({
      platform: "facebook",
      accountId: person.pageId,
      kind: "fb_post",
      id: facebookId,
      url: `https://www.facebook.com/${facebookId}`,
      extra: {},
    });
    const instagramId = state.nextId("bulk:instagram", "18100000000000000");
    item({
      platform: "instagram",
      accountId: person.instagramId,
      kind: "ig_media",
      id: instagramId,
      url: `https://www.instagram.com/p/bulk${instagramId}/`,
      media: [{ type: "image" }],
      extra: { mediaType: "IMAGE", username: person.instagramUsername },
    });
    const xId = state.nextId("bulk:x", "1900000000000000000");
    item({
      platform: "x",
      accountId: person.x.userId,
      kind: "post",
      id: xId,
      url: `https://x.com/${person.x.username}/status/${xId}`,
      extra: {},
    });
    const shareUrn = `urn:li:share:${state.nextId("bulk:linkedin", "7300000000000000000")}`;
    item({
      platform: "linkedin",
      accountId: `urn:li:organization:${person.organizationId}`,
      kind: "post",
      id: shareUrn,
      url: `https://www.linkedin.com/feed/update/${shareUrn}/`,
      extra: { visibility: "PUBLIC", lifecycleState: "PUBLISHED" },
    });
    const videoId = `bk${digits(state.nextNumber("bulk:youtube"), 9)}`;
    item({
      platform: "youtube",
      accountId: person.channelId,
      kind: "video",
      id: videoId,
      url: `https://www.youtube.com/watch?v=${videoId}`,
      extra: {
        snippet: { title: `Video ${post}`, description: "", categoryId: "22" },
        status: { privacyStatus: "public" },
      },
    });
    const tiktokId = state.nextId("bulk:tiktok", "7400000000000000000");
    item({
      platform: "tiktok",
      accountId: person.tiktok.openId,
      kind: "video",
      id: tiktokId,
      url: `https://www.tiktok.com/@${person.tiktok.username}/video/${tiktokId}`,
      extra: { publishId: `v_pub_bulk_${tiktokId}`, privacyLevel: "PUBLIC_TO_EVERYONE", title: `Video ${post}` },
    });
  }
}
