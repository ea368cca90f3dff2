/**
 * The sandbox's fixed world: the people one can log in as on each platform's consent page, and
 * what each may post as. Ids follow each platform's shapes, and never change between runs.
 */
export interface SandboxPerson {
  id: string;
  name: string;
  email: string;
  facebook: { userId: string; pageIds: string[] };
  x: { userId: string; username: string } | null;
  linkedin: { sub: string; administeredOrganizationIds: string[] };
  google: { sub: string; channelIds: string[] };
  tiktok?: SandboxTikTokCreator;
}

/** A TikTok account: its per-app open_id, and what creator_info tells about it. */
export interface SandboxTikTokCreator {
  openId: string;
  unionId: string;
  username: string;
  nickname: string;
  /** A private account offers followers instead of everyone; only private accounts take unaudited apps' posts. */
  privateAccount: boolean;
  maxVideoPostDurationSec: number;
  commentDisabled: boolean;
  duetDisabled: boolean;
  stitchDisabled: boolean;
}

export interface SandboxPage {
  id: string;
  name: string;
  category: string;
  instagramAccountId: string | null;
  /** Meta asks this Page's people to complete Page Publishing Authorization before anything is published. */
  publishingAuthorizationRequired?: boolean;
}

/** A Business Manager: the Pages it owns and its clients' Pages it works on, and the people in it. */
export interface SandboxBusiness {
  id: string;
  name: string;
  memberIds: string[];
  ownedPageIds: string[];
  clientPageIds: string[];
}

export interface SandboxInstagramAccount {
  id: string;
  username: string;
  name: string;
  followersCount: number;
}

export interface SandboxLinkedInOrganization {
  id: string;
  name: string;
  vanityName: string;
}

export interface SandboxChannel {
  id: string;
  title: string;
  customUrl: string;
  subscriberCount: number;
}

export interface SandboxBot {
  token: string;
  id: number;
  username: string;
  firstName: string;
}

export interface SandboxTelegramChat {
  id: number;
  username: string;
  title: string;
  memberCount: number;
  /** The bots in the chat and what each may do there. */
  members: Record<string, { status: "administrator" | "member"; canPostMessages: boolean }>;
}

export const people: SandboxPerson[] = [
  {
    id: "ava",
    name: "Ava Lindqvist",
    email: "ava@sandbox.example",
    facebook: { userId: "10000000000000001", pageIds: ["200000000000001", "200000000000002"] },
    x: { userId: "1500000000000000001", username: "ava_northwind" },
    linkedin: { sub: "aVaSaNdBoX1", administeredOrganizationIds: ["90000001", "90000002"] },
    google: { sub: "110000000000000000001", channelIds: ["UCsandboxNorthwindTV0001"] },
    tiktok: {
      openId: "-000avaSandboxOpenId0001",
      unionId: "c9a1e5b2-0001-4ad0-9c4e-5a1d0a000001",
      username: "northwind.coffee",
      nickname: "Northwind Coffee",
      privateAccount: true,
      maxVideoPostDurationSec: 600,
      commentDisabled: false,
      duetDisabled: false,
      stitchDisabled: true,
    },
  },
  {
    id: "ben",
    name: "Ben Okafor",
    email: "ben@sandbox.example",
    facebook: { userId: "10000000000000002", pageIds: ["200000000000003"] },
    x: { userId: "1500000000000000002", username: "ben_rides" },
    linkedin: { sub: "bEnSaNdBoX2", administeredOrganizationIds: [] },
    google: { sub: "110000000000000000002", channelIds: ["UCsandboxBenRides000002", "UCsandboxBenShorts00003"] },
    tiktok: {
      openId: "-000benSandboxOpenId0002",
      unionId: "c9a1e5b2-0002-4ad0-9c4e-5a1d0a000002",
      username: "ben.rides",
      nickname: "Ben Rides",
      privateAccount: false,
      maxVideoPostDurationSec: 180,
      commentDisabled: true,
      duetDisabled: false,
      stitchDisabled: false,
    },
  },
  {
    id: "cara",
    name: "Cara Jensen",
    email: "cara@sandbox.example",
    facebook: { userId: "10000000000000003", pageIds: [] },
    x: null,
    linkedin: { sub: "cArAsAnDbOx3", administeredOrganizationIds: [] },
    google: { sub: "110000000000000000003", channelIds: [] },
  },
  {
    // An agency: more Pages than one answer of /me/accounts holds, and Pages held through Business Manager.
    id: "dana",
    name: "Dana Moreau",
    email: "dana@sandbox.example",
    facebook: {
      userId: "10000000000000004",
      pageIds: Array.from({ length: 120 }, (_, index) => `2100000000${String(index + 1).padStart(5, "0")}`),
    },
    x: null,
    linkedin: { sub: "dAnAsAnDbOx4", administeredOrganizationIds: [] },
    google: { sub: "110000000000000000004", channelIds: [] },
  },
];

export const pages: SandboxPage[] = [
  { id: "200000000000001", name: "Northwind Coffee", category: "Coffee shop", instagramAccountId: "17841400000000001" },
  { id: "200000000000002", name: "Northwind Bakery", category: "Bakery", instagramAccountId: null },
  { id: "200000000000003", name: "Ben's Bikes", category: "Bicycle shop", instagramAccountId: "17841400000000002" },
  ...Array.from({ length: 120 }, (_, index) => ({
    id: `2100000000${String(index + 1).padStart(5, "0")}`,
    name: `Moreau Client ${index + 1}`,
    category: "Local business",
    instagramAccountId: null,
  })),
  {
    id: "220000000000001",
    name: "Moreau Agency",
    category: "Marketing agency",
    instagramAccountId: "17841400000000003",
  },
  {
    id: "220000000000002",
    name: "Harbor Deli",
    category: "Deli",
    instagramAccountId: null,
    publishingAuthorizationRequired: true,
  },
];

export const businesses: SandboxBusiness[] = [
  {
    id: "300000000000001",
    name: "Moreau Agency Business",
    memberIds: ["dana"],
    ownedPageIds: ["220000000000001"],
    clientPageIds: ["220000000000002"],
  },
];

export const instagramAccounts: SandboxInstagramAccount[] = [
  { id: "17841400000000001", username: "northwind.coffee", name: "Northwind Coffee", followersCount: 12840 },
  { id: "17841400000000002", username: "bens.bikes", name: "Ben's Bikes", followersCount: 3120 },
  { id: "17841400000000003", username: "moreau.agency", name: "Moreau Agency", followersCount: 870 },
];

export const linkedinOrganizations: SandboxLinkedInOrganization[] = [
  { id: "90000001", name: "Northwind Group", vanityName: "northwind-group" },
  { id: "90000002", name: "Northwind Labs", vanityName: "northwind-labs" },
];

export const channels: SandboxChannel[] = [
  { id: "UCsandboxNorthwindTV0001", title: "Northwind TV", customUrl: "@northwindtv", subscriberCount: 48200 },
  { id: "UCsandboxBenRides000002", title: "Ben Rides", customUrl: "@benrides", subscriberCount: 9100 },
  { id: "UCsandboxBenShorts00003", title: "Ben Rides Shorts", customUrl: "@benridesshorts", subscriberCount: 2300 },
];

export const bots: SandboxBot[] = [
  {
    token: "7000000001:AAHsandboxNorthwindNewsBot0000000001",
    id: 7000000001,
    username: "northwind_news_bot",
    firstName: "Northwind News",
  },
  {
    token: "7000000002:AAHsandboxQuietObserverBot0000000002",
    id: 7000000002,
    username: "quiet_observer_bot",
    firstName: "Quiet Observer",
  },
];

export const telegramChats: SandboxTelegramChat[] = [
  {
    id: -1001000000001,
    username: "northwind_news",
    title: "Northwind News",
    memberCount: 5230,
    members: {
      northwind_news_bot: { status: "administrator", canPostMessages: true },
      quiet_observer_bot: { status: "administrator", canPostMessages: false },
    },
  },
  {
    id: -1001000000002,
    username: "northwind_lounge",
    title: "Northwind Lounge",
    memberCount: 310,
    members: { northwind_news_bot: { status: "member", canPostMessages: false } },
  },
];
