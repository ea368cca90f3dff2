import type { PlatformId } from "../src/platforms/profiles.js";
import { readFileSync, writeFileSync } from "node:fs";
import { createHash, randomBytes } from "node:crypto";

/** The product's platform ids name the sandbox's apps and people too. */
export type PlatformName = PlatformId;

export interface OAuthClient {
  platform: PlatformName;
  clientId: string;
  clientSecret: string;
  redirectUris: string[];
  /** LinkedIn issues refresh tokens only to apps approved for programmatic refresh. */
  programmaticRefresh?: boolean;
  /** TikTok lets an app post publicly only once it has passed TikTok's audit. */
  audited?: boolean;
  /** LinkedIn: the products the app is provisioned with, which decide the scopes it may ask for. */
  products?: string[];
}

export interface AuthorizationCode {
  code: string;
  platform: PlatformName;
  clientId: string;
  personId: string;
  scopes: string[];
  redirectUri: string;
  codeChallenge?: string;
  codeChallengeMethod?: string;
  /** Google: access_type=offline asks for a refresh token. */
  offline?: boolean;
  /** Google: include_granted_scopes=true adds what the person granted the client before. */
  includeGrantedScopes?: boolean;
  subject?: string;
  expiresAt: number;
  used: boolean;
}

export interface AccessTokenRecord {
  token: string;
  platform: PlatformName;
  clientId: string;
  personId: string;
  scopes: string[];
  /** user (short- or long-lived), page (Facebook page token), bot (Telegram). */
  kind: "user" | "long-lived-user" | "page";
  /** What the token acts as: a Facebook Page (page tokens), a YouTube channel chosen at consent. */
  subject?: string;
  expiresAt: number | null;
  revoked: boolean;
  issuedAt: number;
}

export interface RefreshTokenRecord {
  token: string;
  platform: PlatformName;
  clientId: string;
  personId: string;
  scopes: string[];
  subject?: string;
  expiresAt: number | null;
  /** X rotates: a used refresh token is dead. */
  used: boolean;
  revoked: boolean;
}

/** Anything published, in the shape the platform reads it back, with who it belongs to. */
export interface PublishedItem {
  platform: PlatformName;
  /** The account it was published as: a page, IG account, X user, LinkedIn author URN, channel, chat. */
  accountId: string;
  id: string;
  kind: string;
  createdAt: number;
  url: string;
  text: string;
  media: { type: string; id?: string; url?: string; bytes?: number }[];
  parentId?: string;
  extra: Record<string, unknown>;
}

export interface JournalEntry {
  seq: number;
  at: number;
  platform: string;
  method: string;
  path: string;
  status: number;
  fault?: string;
  /** What a refusal said (its body, shortened), so a refused call can be told apart from another. */
  refusal?: string;
}

interface Data {
  clients: OAuthClient[];
  codes: Record<string, AuthorizationCode>;
  accessTokens: Record<string, AccessTokenRecord>;
  refreshTokens: Record<string, RefreshTokenRecord>;
  published: PublishedItem[];
  /** Platform-specific working state: uploads, containers, sessions; keyed by id. */
  objects: Record<string, Record<string, unknown>>;
  counters: Record<string, number>;
  /** Rate-limit and quota windows: key → { windowStart, used }. */
  windows: Record<string, { windowStart: number; used: number }>;
}

export function emptyData(clients: OAuthClient[]): Data {
  return {
    clients,
    codes: {},
    accessTokens: {},
    refreshTokens: {},
    published: [],
    objects: {},
    counters: {},
    windows: {},
  };
}

export class SandboxState {
  data: Data;
  journal: JournalEntry[] = [];
  /** Requests from the product that the platform's spec or documented contract does not allow. */
  contractViolations: { method: string; path: string; violation: string }[] = [];
  /** Every call since the start or the last reset, per platform: the journal keeps only the latest. */
  callCounts: Record<string, { calls: number; refused: number; faulted: number }> = {};
  /** The latest refused calls, kept apart so that a long run's many answered calls do not push them out of the journal. */
  refusals: JournalEntry[] = [];
  private journalSeq = 0;
  private publishedIndex?: { source: PublishedItem[]; length: number; byKey: Map<string, PublishedItem> };

  constructor(
    initialClients: OAuthClient[],
    private readonly persistFile?: string,
  ) {
    this.data = emptyData(initialClients);
    if (persistFile) {
      try {
        this.data = JSON.parse(readFileSync(persistFile, "utf8")) as Data;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
      }
    }
  }

  /** Deterministic counters: the same sequence of calls yields the same ids on every run. */
  nextNumber(counter: string): number {
    const next = (this.data.counters[counter] ?? 0) + 1;
    this.data.counters[counter] = next;
    return next;
  }

  /** A numeric id past JavaScript's safe integers (X, Instagram and LinkedIn ids are 64-bit), as a string. */
  nextId(counter: string, base: string): string {
    return (BigInt(base) + BigInt(this.nextNumber(counter))).toString();
  }

  secret(prefix: string, bytes = 24): string {
    return `${prefix}${randomBytes(bytes).toString("base64url")}`;
  }

  object<T>(kind: string, id: string): T | undefined {
    return this.data.objects[`${kind}:${id}`] as T | undefined;
  }

  putObject(kind: string, id: string, value: object): void {
    this.data.objects[`${kind}:${id}`] = value as Record<string, unknown>;
  }

  publish(item: PublishedItem): PublishedItem {
    const index = this.publishedIndex;
    if (index?.source === this.data.published && index.length === this.data.published.length) {
      index.byKey.set(`${item.platform}:${item.id}`, item);
      index.length += 1;
    }
    this.data.published.push(item);
    return item;
  }

  /**
   * What a platform published under an id, found by key: a benchmark's world holds tens of
   * thousands of posts, and every read of one would otherwise walk them all. The index is
   * rebuilt when the list changed other than through publish (a deletion, a reset, a load).
   */
  findPublished(platforms: readonly PlatformName[], id: string): PublishedItem | undefined {
    const published = this.data.published;
    if (this.publishedIndex?.source !== published || this.publishedIndex.length !== published.length)
      this.publishedIndex = {
        source: published,
        length: published.length,
        byKey: new Map(published.map((item) => [`${item.platform}:${item.id}`, item])),
      };
    for (const platform of platforms) {
      const item = this.publishedIndex.byKey.get(`${platform}:${id}`);
      if (item) return item;
    }
    return undefined;
  }

  record(entry: Omit<JournalEntry, "seq">): void {
    const counts = (this.callCounts[entry.platform] ??= { calls: 0, refused: 0, faulted: 0 });
    counts.calls += 1;
    if (entry.fault) counts.faulted += 1;
    this.journalSeq += 1;
    const journalled = { seq: this.journalSeq, ...entry };
    if (!entry.fault && entry.status >= 400) {
      counts.refused += 1;
      this.refusals.push(journalled);
      if (this.refusals.length > 1_000) this.refusals.shift();
    }
    this.journal.push(journalled);
    if (this.journal.length > 10_000) this.journal.splice(0, this.journal.length - 10_000);
  }

  save(): void {
    if (this.persistFile) writeFileSync(this.persistFile, JSON.stringify(this.data));
  }

  reset(clients: OAuthClient[]): void {
    this.data = emptyData(clients);
    this.journal = [];
    this.callCounts = {};
    this.refusals = [];
    this.contractViolations = [];
  }
}

/** A stable number in [0, 1) for a key: metrics derive from it, never from Math.random. */
export function unitHash(key: string): number {
  return createHash("sha256").update(key).digest().readUInt32BE(0) / 2 ** 32;
}
