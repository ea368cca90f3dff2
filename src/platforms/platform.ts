import type { PlatformAnalytics } from "./analytics.js";
import type { Api, Classifier } from "./http.js";
import type { AccountAllowance, PlatformProfile } from "./profile.js";
import type { PlatformId } from "./profiles.js";

export type { PlatformId };
// The failures live apart so that http.ts, which throws them, does not import this module back.
export { assertNever, PlatformError, type PlatformFailure } from "./failure.js";

/** What a grant can post as: a Page, an Instagram account, a member, a company, a channel, a chat. */
export interface Account {
  externalId: string;
  kind: "page" | "instagram_business" | "member" | "organization" | "channel" | "user" | "channel_chat";
  name: string;
  /** The handle without its "@", which the dashboard adds. */
  username?: string;
  avatarUrl?: string;
  /** Facebook Pages and the Instagram accounts behind them are posted to with the Page's own token. */
  accessToken?: string;
  /** Platform details the product needs later (author URN, linked page, chat id…). */
  details: Record<string, string>;
}

/** Tokens a grant holds, with absolute expiry times. */
export interface GrantTokens {
  accessToken: string;
  refreshToken?: string;
  expiresAt?: Date;
  refreshTokenExpiresAt?: Date;
  scopes: string[];
}

export type ClientAuthentication = "basic" | "body";

/** An OAuth 2.0 platform's authorization data; platforms/oauth.ts drives oauth4webapi from it. */
export interface OAuth2Spec {
  kind: "oauth2";
  authorizePath: string;
  tokenPath: string;
  revokePath?: string;
  /**
   * The token the revocation endpoint takes: the refresh token when absent, since revoking it
   * ends the whole grant (RFC 7009 §2.1); TikTok takes the user access token.
   */
  revokes?: "access_token" | "refresh_token";
  /** Which host (of the platform's hosts) serves each endpoint. */
  hosts: { authorize: string; token: string; revoke?: string };
  scopes: string[];
  scopeSeparator: " " | ",";
  pkce: boolean;
  clientAuthentication: ClientAuthentication;
  extraAuthorizeParameters?: Record<string, string>;
  /** LinkedIn leaves token_type out of its token answers; strict clients need it put back. */
  addsMissingTokenType?: boolean;
  /** Whether the platform issues refresh tokens at all (Facebook does not; it exchanges instead). */
  refreshable: boolean;
  /** OAuth error codes by which the platform says the grant is gone for good; `invalid_grant` (RFC 6749 §5.2) when absent. */
  refusals?: string[];
  /** The platform's name for the client id, in the authorize URL and the token requests' body; `client_id` when absent. */
  clientIdParameter?: string;
  /** The token answer's field for the refresh token's lifetime in seconds; `refresh_token_expires_in` when absent. */
  refreshTokenExpiresInField?: string;
  /** The authorization errors by which a person's No comes back; RFC 6749's `access_denied` when absent. Any other is the platform refusing the request. */
  declinedErrors?: string[];
  /** The token endpoint may answer an OAuth error with HTTP 200 instead of RFC 6749's 400. */
  errorsMayAnswerOk?: boolean;
  /** The token endpoint answers errors as Graph error objects (Meta), not RFC 6749's `{"error": "…"}`. */
  graphErrors?: boolean;
  /**
   * The issuer identifier's path below the authorize host's base URL, which the issuer is
   * derived from as the platform derives it from its real host; the base URL itself when absent.
   */
  issuerPath?: string;
  /** The authorization response carries `iss` (RFC 9207). */
  issuerOnCallback?: boolean;
  /** The platform answers an ID token when `openid` is asked; where its signing keys are published. */
  idTokens?: { jwks: { host: string; path: string } };
}

export interface BotTokenSpec {
  kind: "bot";
}

/** Per-deployment data a platform file needs (never the config itself): API versions. */
export interface PlatformContext {
  apiVersion?: string;
  /** The connect variant the grant was made through (LinkedIn's profile or pages app); the first when absent. */
  variant?: string;
  /** Telegram's bot token, which the Bot API takes in the path rather than a header. */
  botToken?: string;
}

/** A connected account as stored: what health checks need to address it. */
export interface StoredAccount {
  externalId: string;
  details: Record<string, string>;
  /** The scopes the grant holds, where the platform named them in its token answer (empty when it did not). */
  scopes?: readonly string[];
}

/** A file to publish: platforms that fetch media get the URL, the others read the bytes. */
export interface OutgoingMedia {
  url: string;
  contentType: string;
  sizeBytes: number;
  fileName: string;
  read(): Promise<Buffer>;
}

export interface OutgoingPost<Options = unknown> {
  text: string;
  link?: string;
  media: OutgoingMedia[];
  /** The post's options for this platform, as its profile's schema reads them. */
  options: Options;
  /** Media the options refer to (X's thread parts), by id. */
  mediaById: ReadonlyMap<string, OutgoingMedia>;
  /** Parts already published by an earlier attempt (X threads), to continue from. */
  publishedPartIds: string[];
  /** What the platform was still processing when last asked (containers, a video), to continue from. */
  processing?: ProcessingState;
}

/** A platform's own record of work it holds for the post (container ids, a video URN): JSON. */
export type ProcessingState = Record<string, unknown>;

/**
 * Thrown by publish when the platform has what it needs but is still processing it (an Instagram
 * container, a LinkedIn video): nothing is published yet. Not a failure but an answer that comes
 * later, thrown so that publish answers a result only when there is one. The engine keeps `state`
 * with the target and calls publish again with it (as `post.processing`), no earlier than
 * `checkAt`, until it publishes or the deadline passes.
 */
export class StillProcessing extends Error {
  constructor(
    readonly processing: {
      state: ProcessingState;
      checkAt?: Date;
      /** How long the platform may take in all, from the first answer; the deployment's default when absent. */
      deadlineMs?: number;
      /** What is being waited for, for the target's status ("the video"). */
      waitingFor: string;
    },
  ) {
    super(`still processing ${processing.waitingFor}`);
  }
}

export interface PublishResult {
  remoteId: string;
  url: string;
  /** What the platform said is left of the account's window (X's x-rate-limit-* headers). */
  budget?: { remaining: number; resetAt: Date };
  /** Where the platform made the post other than asked (YouTube's forced private), for the person to see. */
  notice?: string;
}

/** A post found on the account that is the one sent, for reconciling after a request that may have landed. */
export interface RemotePost {
  remoteId: string;
  url: string;
  createdAt: Date;
}

/**
 * What a search for a post found. `complete` says the platform let us read every post since the
 * time asked; when it did not (an account busier than the pages it serves), finding nothing
 * proves nothing.
 */
export interface PublishedSearch {
  found: RemotePost[];
  complete: boolean;
}

export interface Publishing<Options> {
  publish(
    api: Api,
    account: StoredAccount,
    post: OutgoingPost<Options>,
    context: PlatformContext,
    onPartPublished: (partId: string) => Promise<void>,
  ): Promise<PublishResult>;
  /**
   * The posts on the account, made since a time, that are exactly this post as the platform
   * keeps it (for a thread: its first part not yet in publishedPartIds, replying to the last one
   * that is). Only the platform knows how it stores what was sent (links shortened, text
   * escaped, a title derived), so the comparison lives here. Absent where the platform cannot
   * be asked (Telegram's bots cannot read a channel's history).
   */
  findPublished?(
    api: Api,
    account: StoredAccount,
    post: OutgoingPost<Options>,
    since: Date,
    context: PlatformContext,
  ): Promise<PublishedSearch>;
}

/** A platform's wire module: its pure profile, and how to talk to it. */
interface PlatformBase<Options, Connects extends "oauth" | "bot"> extends PlatformProfile<
  PlatformId,
  Options,
  Connects
> {
  publishing?: Publishing<Options>;
  /** How the platform is measured; absent until its collection is written. */
  analytics?: PlatformAnalytics;
  /**
   * The real base URLs by name; a configured base URL replaces all of them but `web`, the public
   * site links to posts are made on, which its own setting replaces (see resolveHosts).
   */
  realHosts: Record<string, string> & { web: string };
  classify: Classifier;
}

export interface OAuthPlatform<Options = unknown> extends PlatformBase<Options, "oauth"> {
  auth: (context: PlatformContext) => OAuth2Spec;
  /** Facebook trades the short-lived token for a long-lived one before listing pages. */
  upgradeGrant?: (
    grant: GrantTokens,
    exchange: (grantType: string, parameters: Record<string, string>) => Promise<GrantTokens>,
  ) => Promise<GrantTokens>;
  listAccounts(api: Api, context: PlatformContext): Promise<Account[]>;
  /** A cheap call that proves the account's token still works. */
  checkHealth(api: Api, account: StoredAccount, context: PlatformContext): Promise<void>;
  /** What the account allows a post to choose now, where the platform says (and asks the composer to show). */
  allowance?(api: Api, account: StoredAccount, context: PlatformContext): Promise<AccountAllowance>;
}

export interface BotPlatform<Options = unknown> extends PlatformBase<Options, "bot"> {
  auth: () => BotTokenSpec;
  /** Checks that the bot may post in the chat and answers the chat as the account. */
  verifyChannel(api: Api, botToken: string, chat: string): Promise<Account>;
  /** A cheap call that proves the bot may still post (the token comes in context.botToken). */
  checkHealth(api: Api, account: StoredAccount, context: PlatformContext): Promise<void>;
  publishing: Publishing<Options>;
}

export type PlatformDefinition = OAuthPlatform | BotPlatform;

export function isBotPlatform(definition: PlatformDefinition): definition is BotPlatform {
  return definition.connectsWith === "bot";
}
