import assert from "node:assert/strict";
import type { PlatformId } from "../../src/platforms/profiles.js";
import { defaultClients, sandboxEnvironment } from "../../sandbox/index.js";
import { bots, telegramChats } from "../../sandbox/seed.js";
import { HttpClient } from "../support/client.js";
import { createOrganization, signUp } from "../support/factories.js";
import { consent } from "../sandbox/support.js";
import { jpegOf, mp4Of, upload } from "../posts/support.js";
import type { SandboxProcess } from "./fleet.js";

/** The platforms the chaos run posts to; another platform joins the run when it joins this list. */
export const chaosPlatforms = [
  "facebook",
  "instagram",
  "x",
  "linkedin",
  "youtube",
  "telegram",
] as const satisfies readonly PlatformId[];
export type ChaosPlatform = (typeof chaosPlatforms)[number];

/** Every platform's base URL and app credentials pointed at the sandbox process. */
export function platformEnvironment(sandbox: SandboxProcess): Record<string, string> {
  return sandboxEnvironment((prefix) => sandbox.base(prefix));
}

/** What a developer does in each platform's console: register the app's callback URLs. */
export async function registerApp(sandbox: SandboxProcess, appUrl: URL): Promise<void> {
  for (const client of defaultClients(appUrl.origin)) await sandbox.control("/clients", client);
}

/** Who an organization is at each platform: the consent identity and the account it posts as. */
interface Persona {
  organizationName: string;
  personId: string;
  /** Facebook Page, Instagram account, LinkedIn author: chosen when a grant offers several. */
  facebookPage: string;
  instagramAccount: string;
  linkedinAuthor: string;
  /** The LinkedIn app the author is connected through: the profile app for a member, the pages app for a company. */
  linkedinVariant: "profile" | "pages";
  youtubeIdentity: string;
}

export const personas: Persona[] = [
  {
    organizationName: "Northwind Chaos",
    personId: "ava",
    facebookPage: "200000000000001",
    instagramAccount: "17841400000000001",
    linkedinAuthor: "urn:li:organization:90000001",
    linkedinVariant: "pages",
    youtubeIdentity: "ava:UCsandboxNorthwindTV0001",
  },
  {
    organizationName: "Bikes Chaos",
    personId: "ben",
    facebookPage: "200000000000003",
    instagramAccount: "17841400000000002",
    linkedinAuthor: "urn:li:person:bEnSaNdBoX2",
    linkedinVariant: "profile",
    youtubeIdentity: "ben:UCsandboxBenRides000002",
  },
];

export interface Account {
  connectionId: string;
  platform: ChaosPlatform;
  /** The account as the sandbox files what it publishes (accountId of /_sandbox/published). */
  sandboxAccount: string;
}

export interface Organization {
  index: number;
  persona: Persona;
  client: HttpClient;
  accounts: Record<ChaosPlatform, Account>;
  media: { photos: string[]; video: string };
}

/** The browser's round trip through the consent page; a grant with several accounts is narrowed to one. */
async function connect(client: HttpClient, platform: PlatformId, identity: string, wanted?: string, variant?: string) {
  const started = await client.post(`/api/social-media/connect/${platform}${variant ? `?variant=${variant}` : ""}`);
  assert.equal(started.status, 200, JSON.stringify(started.body));
  const back = await consent(started.body.authorizeUrl, { identity });
  const landed = await client.get(`${back.pathname}${back.search}`);
  const location = new URL(landed.headers.get("location") ?? "/", client.baseUrl);
  assert.ok(!location.searchParams.has("error"), `connecting ${platform}: ${location.search}`);
  const grant = location.searchParams.get("choose");
  if (!grant) return;
  const offered = (await client.get(`/api/social-media/grants/${grant}`)).body.accounts as { externalId: string }[];
  const chosen = offered.find((account) => account.externalId === wanted) ?? offered[0]!;
  const saved = await client.post(`/api/social-media/grants/${grant}`, { externalIds: [chosen.externalId] });
  assert.equal(saved.status, 201, JSON.stringify(saved.body));
}

/** The sandbox's name for the account a connection posts as. */
function sandboxAccountOf(connection: { platform: PlatformId; externalId: string }): string {
  if (connection.platform !== "telegram") return connection.externalId;
  const chat = telegramChats.find((candidate) => String(candidate.id) === connection.externalId);
  return chat ? `@${chat.username}` : connection.externalId;
}

/** An organization with an account on every platform and media to post, set up as a person would. */
export async function createOrganizationWorld(appUrl: URL, index: number): Promise<Organization> {
  const persona = personas[index]!;
  const client = new HttpClient(appUrl);
  await signUp(client, { name: `Chaos ${persona.personId}` });
  await createOrganization(client, persona.organizationName);
  await connect(client, "facebook", persona.personId, persona.facebookPage);
  await connect(client, "instagram", persona.personId, persona.instagramAccount);
  await connect(client, "x", persona.personId);
  await connect(client, "linkedin", persona.personId, persona.linkedinAuthor, persona.linkedinVariant);
  await connect(client, "youtube", persona.youtubeIdentity);
  const telegram = await client.post("/api/social-media/bot/telegram", {
    botToken: bots[0]!.token,
    chat: `@${telegramChats[0]!.username}`,
  });
  assert.equal(telegram.status, 201, JSON.stringify(telegram.body));

  const connections = (await client.get("/api/social-media/connections")).body.connections as {
    id: string;
    platform: PlatformId;
    externalId: string;
  }[];
  const accounts = Object.fromEntries(
    chaosPlatforms.map((platform) => {
      const connection = connections.find((candidate) => candidate.platform === platform);
      assert.ok(connection, `${persona.organizationName} has no ${platform} connection`);
      return [platform, { connectionId: connection.id, platform, sandboxAccount: sandboxAccountOf(connection) }];
    }),
  ) as Record<ChaosPlatform, Account>;

  const photos: string[] = [];
  for (let photo = 0; photo < 3; photo += 1) {
    const file = { name: `photo-${photo}.jpg`, type: "image/jpeg", body: jpegOf(1080, 1080) };
    photos.push((await upload(client, file)).id);
  }
  const video = (await upload(client, { name: "clip.mp4", type: "video/mp4", body: mp4Of(30) })).id;
  return { index, persona, client, accounts, media: { photos, video } };
}
