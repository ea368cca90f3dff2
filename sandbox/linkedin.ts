import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { nextMidnight } from "../src/platforms/reset-times.js";
import { PlatformReply, type SandboxContext, type SandboxPlatform } from "./context.js";
import { grown, shareOf } from "./metrics.js";
import { bearerToken, findAccessToken, findClient, registerAuthorizePage, scopesFrom } from "./oauth.js";
import { authenticateClient, registerTokenEndpoint, type TokenEndpoint } from "./oauth-grants.js";
import { linkedinOrganizations, people, type SandboxPerson } from "./seed.js";
import type { AccessTokenRecord, OAuthClient, PublishedItem } from "./state.js";
import { registerJwks } from "./id-tokens.js";

/**
 * LinkedIn: OAuth 2.0 (credentials in the body, no token_type in the answer), userinfo, the
 * versioned REST API (Posts, Images, Videos, organization ACLs, share statistics).
 * https://learn.microsoft.com/linkedin/shared/authentication/authorization-code-flow
 * https://learn.microsoft.com/linkedin/marketing/community-management/shares/posts-api
 */

/** Versions the sandbox answers; older ones are sunset (426), as LinkedIn keeps about a year. */
const OLDEST_VERSION = 202511;
const LATEST_VERSION = 202607;
const COMMENTARY_LIMIT = 3_000;
const VIDEO_PART_BYTES = 4 * 1024 * 1024;
const RESERVED = /[\\|{}@[\]()<>#*_~]/;
const HOUR = 3_600_000;
const DAY = 86_400_000;
/** When the sandbox's pages and members start drawing impressions and followers. */
const STATISTICS_SINCE = Date.UTC(2024, 0, 1);

/** The oldest time statistics still cover: "a rolling 12-month window". */
export function windowStart(now: number): number {
  const start = new Date(now);
  start.setUTCMonth(start.getUTCMonth() - 12);
  return start.getTime();
}

interface Asset {
  urn: string;
  kind: "image" | "video";
  owner: string;
  fileSizeBytes: number;
  parts: { firstByte: number; lastByte: number; etag?: string }[];
  uploaded: boolean;
  finalizedAt?: number;
}

const personOf = (personId: string) => people.find((person) => person.id === personId)!;

function restError(status: number, body: Record<string, unknown>, headers: Record<string, string> = {}) {
  return new PlatformReply(status, { status, ...body }, headers);
}

const oauthError = (status: number, error: string, description: string) =>
  new PlatformReply(status, { error, error_description: description });

const unprocessable = (path: string, message: string) =>
  restError(422, {
    errorDetailType: "com.linkedin.common.error.BadRequest",
    message: `${path} :: ${message}`,
    errorDetails: {
      inputErrors: [{ description: message, input: { inputPath: { fieldPath: path } }, code: "INVALID_VALUE" }],
    },
  });

/**
 * "Little text": an unescaped reserved character ends the commentary there, as LinkedIn cuts
 * posts at a stray parenthesis. Escaped ones are kept as the character itself.
 * https://learn.microsoft.com/linkedin/marketing/community-management/shares/little-text-format
 */
export function readLittleText(commentary: string): string {
  let result = "";
  for (let index = 0; index < commentary.length; index += 1) {
    const character = commentary[index]!;
    if (character === "\\" && index + 1 < commentary.length && RESERVED.test(commentary[index + 1]!)) {
      result += commentary[index + 1];
      index += 1;
    } else if (RESERVED.test(character)) {
      break;
    } else {
      result += character;
    }
  }
  return result;
}

/**
 * The products a LinkedIn app is provisioned with in the developer portal, and the scopes each
 * lets it ask for. Community Management must be the only product on its app.
 * https://learn.microsoft.com/linkedin/consumer/integrations/self-serve/sign-in-with-linkedin-v2
 * https://learn.microsoft.com/linkedin/consumer/integrations/self-serve/share-on-linkedin
 * https://learn.microsoft.com/linkedin/marketing/community-management/community-management-api-migration-guide
 */
export const linkedinProducts: Record<string, string[]> = {
  sign_in_with_linkedin: ["openid", "profile", "email"],
  share_on_linkedin: ["w_member_social"],
  member_post_analytics: ["r_member_postAnalytics"],
  community_management: [
    "r_organization_social",
    "w_organization_social",
    "rw_organization_admin",
    "r_organization_admin",
    "w_member_social",
    "r_basicprofile",
    // Restricted within the product: granted to approved developers only, and never asked for
    // by the product (it reads back only organizations' posts).
    // https://learn.microsoft.com/linkedin/marketing/community-management/community-management-overview
    "r_member_social",
  ],
};

/**
 * The products an app needs for these scopes, each scope from the first product that grants it,
 * so a member app never gets Community Management for w_member_social. Member Post Analytics
 * joins the member app's products, as its analytics read the member's posts.
 */
export function linkedinProductsFor(scopes: string[]): string[] {
  const products = new Set(
    scopes.map((scope) => Object.keys(linkedinProducts).find((product) => linkedinProducts[product]!.includes(scope))!),
  );
  if (products.has("share_on_linkedin")) products.add("member_post_analytics");
  return [...products].filter(Boolean);
}

/** What an app registered without naming its products has: the two self-serve products. */
const DEFAULT_PRODUCTS = ["sign_in_with_linkedin", "share_on_linkedin"];

const productsOf = (client: OAuthClient) => client.products ?? DEFAULT_PRODUCTS;

/** Why the portal would not let an app have these products, if it would not. */
export function linkedinAppProblem(products: string[] | undefined): string | undefined {
  const unknown = (products ?? []).filter((product) => !(product in linkedinProducts));
  if (unknown.length > 0)
    return `Unknown LinkedIn products ${unknown.join(", ")}; known: ${Object.keys(linkedinProducts).join(", ")}`;
  if (products?.includes("community_management") && products.length > 1)
    return "The Community Management API must be the only product on its app.";
  return undefined;
}

export const linkedin: SandboxPlatform = {
  prefix: "linkedin",
  standsFor: ["linkedin"],
  // Programmatic refresh is granted per app on request; the sandbox's apps have it.
  appDefaults: (scopes) => ({
    programmaticRefresh: true,
    ...(scopes ? { products: linkedinProductsFor(scopes) } : {}),
  }),
  realBaseUrls: { oauth: "https://www.linkedin.com", api: "https://api.linkedin.com" },
  transientError: (status) =>
    restError(status, { message: status === 503 ? "Service Unavailable" : "Internal Server Error" }),
  rateLimitError: (retryAfterSeconds) =>
    restError(
      429,
      {
        serviceErrorCode: 101,
        code: "TOO_MANY_REQUESTS",
        message: "Resource level throttle APPLICATION DAY limit for calls to this resource is reached.",
      },
      { "retry-after": String(retryAfterSeconds) },
    ),

  register(app: FastifyInstance, context: SandboxContext) {
    const { lifetimes, limits } = context.options;

    registerAuthorizePage(app, context, {
      platform: "linkedin",
      path: "/oauth/v2/authorization",
      appLabel: "LinkedIn",
      parse(query) {
        const client = findClient(context, "linkedin", query.client_id);
        if (!client) return "Bummer, something went wrong: the client_id is invalid.";
        if (!query.redirect_uri || !client.redirectUris.includes(query.redirect_uri))
          return "The redirect_uri does not match the registered value.";
        if (query.response_type !== "code") return "response_type must be code.";
        return {
          client,
          redirectUri: query.redirect_uri,
          scopes: scopesFrom(query.scope, /[\s,]+/),
          state: query.state,
        };
      },
      // An authorization asking for any scope the app is not provisioned for is refused whole.
      // https://learn.microsoft.com/linkedin/shared/authentication/authorization-code-flow#failed-requests
      refused(request) {
        const provisioned = new Set(productsOf(request.client).flatMap((product) => linkedinProducts[product] ?? []));
        const missing = request.scopes.find((scope) => !provisioned.has(scope));
        if (!missing) return undefined;
        const target = new URL(request.redirectUri);
        target.searchParams.set("error", "unauthorized_scope_error");
        target.searchParams.set("error_description", `Scope "${missing}" is not authorized for your application`);
        if (request.state !== undefined) target.searchParams.set("state", request.state);
        return target;
      },
      denied(request) {
        const target = new URL(request.redirectUri);
        target.searchParams.set("error", "user_cancelled_authorize");
        target.searchParams.set("error_description", "The user cancelled the authorization");
        if (request.state !== undefined) target.searchParams.set("state", request.state);
        return target;
      },
    });

    /**
     * LinkedIn's token endpoint: credentials in the form; refresh tokens only for apps approved
     * for programmatic refresh, kept on use and sent again with their remaining lifetime.
     * https://learn.microsoft.com/linkedin/shared/authentication/programmatic-refresh-tokens
     */
    const tokenEndpoint: TokenEndpoint = {
      platform: "linkedin",
      path: "/oauth/v2/accessToken",
      credentialsIn: ["form"],
      refusals: {
        client: () => oauthError(401, "invalid_client", "Client authentication failed"),
        code: () =>
          oauthError(
            400,
            "invalid_request",
            "Unable to retrieve access token: appid/redirect uri/code verifier does not match authorization code. Or authorization code expired. Or external member binding exists",
          ),
        refreshToken: () =>
          oauthError(
            400,
            "invalid_request",
            "The provided authorization grant or refresh token is invalid, expired or revoked.",
          ),
        grantType: () => oauthError(400, "invalid_request", 'A required parameter "grant_type" is missing'),
      },
      access: { prefix: "AQV", lifetimeSeconds: lifetimes.linkedinAccessSeconds },
      refresh: {
        prefix: "AQW",
        lifetimeSeconds: lifetimes.linkedinRefreshSeconds,
        issuedFor: (_code, client) => Boolean(client.programmaticRefresh),
        rotation: "keep_and_resend",
      },
      // No token_type: LinkedIn leaves it out, and strict OAuth clients must cope.
      answer: ({ access, refresh, refreshIsNew }) => ({
        access_token: access.token,
        expires_in: lifetimes.linkedinAccessSeconds,
        ...(refresh
          ? {
              refresh_token: refresh.token,
              refresh_token_expires_in: refreshIsNew
                ? lifetimes.linkedinRefreshSeconds
                : Math.floor(((refresh.expiresAt ?? context.now()) - context.now()) / 1000),
            }
          : {}),
        scope: access.scopes.join(","),
      }),
      // https://learn.microsoft.com/linkedin/consumer/integrations/self-serve/sign-in-with-linkedin-v2#id-token-payload
      idTokens: {
        issuerPath: "/oauth",
        subject: (personId) => personOf(personId).linkedin.sub,
        claims: (personId, scopes) => {
          const person = personOf(personId);
          return {
            ...(scopes.includes("profile")
              ? {
                  name: person.name,
                  picture: `https://media.licdn.com/dms/image/${person.linkedin.sub}/profile-displayphoto`,
                }
              : {}),
            ...(scopes.includes("email") ? { email: person.email, email_verified: true } : {}),
          };
        },
      },
    };
    registerTokenEndpoint(app, context, tokenEndpoint);
    registerJwks(app, "/oauth/openid/jwks");

    app.post("/oauth/v2/revoke", async (request, reply) => {
      const { client, fields } = await authenticateClient(context, tokenEndpoint, request);
      const record = fields.token ? context.state.data.accessTokens[fields.token] : undefined;
      if (record?.clientId === client.clientId) record.revoked = true;
      return reply.status(200).send();
    });

    function authenticate(request: FastifyRequest): { token: AccessTokenRecord; person: SandboxPerson } {
      const found = findAccessToken(context, ["linkedin"], bearerToken(request.headers.authorization));
      switch (found) {
        case "missing":
        case "unknown":
          throw restError(401, {
            serviceErrorCode: 65600,
            code: "INVALID_ACCESS_TOKEN",
            message: "Invalid access token",
          });
        case "expired":
          throw restError(401, {
            serviceErrorCode: 65601,
            code: "EXPIRED_ACCESS_TOKEN",
            message: "The token used in the request has expired",
          });
        case "revoked":
          throw restError(401, {
            serviceErrorCode: 65602,
            code: "REVOKED_ACCESS_TOKEN",
            message: "The token used in the request has been revoked by the user",
          });
      }
      context.take(`linkedin:app:${found.clientId}`, limits.linkedinCallsPerDayPerApp, 86_400_000, {
        resetAt: (now) => nextMidnight("UTC", now).getTime(),
      });
      return { token: found, person: people.find((candidate) => candidate.id === found.personId)! };
    }

    function requireScope(token: AccessTokenRecord, scope: string, resource: string) {
      if (!token.scopes.includes(scope)) {
        throw restError(403, {
          serviceErrorCode: 100,
          code: "ACCESS_DENIED",
          message: `Not enough permissions to access: ${resource}`,
        });
      }
    }

    /** Every /rest call names its API version; a sunset one answers 426. */
    function requireVersion(request: FastifyRequest) {
      const header = request.headers["linkedin-version"];
      if (typeof header !== "string") {
        throw restError(400, {
          code: "VERSION_MISSING",
          message: "A version must be present. Please specify a version by adding the LinkedIn-Version header.",
        });
      }
      const version = Number(header.slice(0, 6));
      if (!/^\d{6}(\.\d{2})?$/.test(header) || version < OLDEST_VERSION || version > LATEST_VERSION) {
        throw restError(426, { code: "NONEXISTENT_VERSION", message: `Requested version ${header} is not active` });
      }
    }

    function rest(request: FastifyRequest, scope?: string, resource = "") {
      requireVersion(request);
      const auth = authenticate(request);
      if (scope) requireScope(auth.token, scope, resource);
      return auth;
    }

    const personUrn = (person: SandboxPerson) => `urn:li:person:${person.linkedin.sub}`;
    const administers = (person: SandboxPerson, organizationUrn: string) =>
      person.linkedin.administeredOrganizationIds.some((id) => `urn:li:organization:${id}` === organizationUrn);

    function requireAuthor(token: AccessTokenRecord, person: SandboxPerson, author: string) {
      if (author === personUrn(person)) return requireScope(token, "w_member_social", "partnerApiPostsExternal.CREATE");
      if (author.startsWith("urn:li:organization:") && administers(person, author))
        return requireScope(token, "w_organization_social", "partnerApiPostsExternal.CREATE");
      throw restError(403, {
        serviceErrorCode: 100,
        code: "ACCESS_DENIED",
        message: `Not enough permissions to post as ${author}`,
      });
    }

    app.get("/v2/userinfo", async (request) => {
      const { token, person } = authenticate(request);
      if (!token.scopes.includes("openid"))
        throw restError(403, {
          serviceErrorCode: 100,
          code: "ACCESS_DENIED",
          message: "Not enough permissions to access: userinfo.GET.NO_VERSION",
        });
      const [given, ...family] = person.name.split(" ");
      return {
        sub: person.linkedin.sub,
        name: person.name,
        given_name: given,
        family_name: family.join(" "),
        picture: `https://media.licdn.com/dms/image/${person.linkedin.sub}/profile-displayphoto`,
        locale: { country: "US", language: "en" },
        ...(token.scopes.includes("email") ? { email: person.email, email_verified: true } : {}),
      };
    });

    app.get("/rest/organizationAcls", async (request) => {
      const { person } = rest(request, "rw_organization_admin", "organizationAcls.FINDER-roleAssignee");
      const query = request.query as Record<string, string>;
      if (query.q !== "roleAssignee") throw restError(400, { message: "Invalid finder; use q=roleAssignee" });
      const wantsAdmin = !query.role || query.role === "ADMINISTRATOR";
      const elements = wantsAdmin
        ? person.linkedin.administeredOrganizationIds.map((id) => ({
            roleAssignee: personUrn(person),
            state: "APPROVED",
            role: "ADMINISTRATOR",
            organization: `urn:li:organization:${id}`,
          }))
        : [];
      return { paging: { count: 10, start: 0, total: elements.length, links: [] }, elements };
    });

    app.get("/rest/organizations/:id", async (request) => {
      rest(request);
      const { id } = request.params as { id: string };
      const organization = linkedinOrganizations.find((candidate) => candidate.id === id);
      if (!organization)
        throw restError(404, { serviceErrorCode: 0, code: "NOT_FOUND", message: `Organization ${id} not found` });
      return {
        id: Number(organization.id),
        localizedName: organization.name,
        vanityName: organization.vanityName,
        logoV2: { original: `urn:li:digitalmediaAsset:${organization.id}logo` },
      };
    });

    // Images and videos: initializeUpload, then PUT to the URL given, then use the URN.
    const root = (request: FastifyRequest) => `${request.protocol}://${request.host}${app.prefix}`;

    app.post("/rest/images", async (request) => {
      const { token, person } = rest(request);
      if ((request.query as Record<string, string>).action !== "initializeUpload")
        throw restError(400, { message: "Unsupported action" });
      const owner = ((request.body ?? {}) as { initializeUploadRequest?: { owner?: string } }).initializeUploadRequest
        ?.owner;
      if (!owner)
        throw unprocessable(
          "/initializeUploadRequest/owner",
          "field is required but not found and has no default value",
        );
      requireAuthor(token, person, owner);
      const id = `C4E${context.state.nextId("li:image", "10000000").padStart(12, "0")}`;
      const asset: Asset = {
        urn: `urn:li:image:${id}`,
        kind: "image",
        owner,
        fileSizeBytes: 0,
        parts: [],
        uploaded: false,
      };
      context.state.putObject("li_asset", asset.urn, asset);
      return {
        value: {
          uploadUrlExpiresAt: context.now() + 86_400_000,
          uploadUrl: `${root(request)}/upload/image/${encodeURIComponent(asset.urn)}`,
          image: asset.urn,
        },
      };
    });

    app.put("/upload/image/:urn", async (request, reply) => {
      const { urn } = request.params as { urn: string };
      const asset = context.state.object<Asset>("li_asset", urn);
      if (!asset || asset.kind !== "image") throw restError(404, { message: "Upload not found" });
      const bytes = Buffer.isBuffer(request.body) ? request.body.length : 0;
      if (bytes === 0) throw restError(400, { message: "Empty upload" });
      asset.fileSizeBytes = bytes;
      asset.uploaded = true;
      context.state.putObject("li_asset", urn, asset);
      return reply.status(201).send();
    });

    app.post("/rest/videos", async (request) => {
      const { token, person } = rest(request);
      const action = (request.query as Record<string, string>).action;
      const body = (request.body ?? {}) as {
        initializeUploadRequest?: { owner?: string; fileSizeBytes?: number };
        finalizeUploadRequest?: { video?: string; uploadToken?: string; uploadedPartIds?: string[] };
      };
      if (action === "initializeUpload") {
        const { owner, fileSizeBytes } = body.initializeUploadRequest ?? {};
        if (!owner)
          throw unprocessable(
            "/initializeUploadRequest/owner",
            "field is required but not found and has no default value",
          );
        if (!Number.isInteger(fileSizeBytes) || (fileSizeBytes ?? 0) <= 0)
          throw unprocessable("/initializeUploadRequest/fileSizeBytes", "must be a positive integer");
        requireAuthor(token, person, owner);
        const id = `D4E${context.state.nextId("li:video", "20000000").padStart(12, "0")}`;
        const parts = [];
        for (let firstByte = 0; firstByte < fileSizeBytes!; firstByte += VIDEO_PART_BYTES) {
          parts.push({ firstByte, lastByte: Math.min(fileSizeBytes!, firstByte + VIDEO_PART_BYTES) - 1 });
        }
        const asset: Asset = {
          urn: `urn:li:video:${id}`,
          kind: "video",
          owner,
          fileSizeBytes: fileSizeBytes!,
          parts,
          uploaded: false,
        };
        context.state.putObject("li_asset", asset.urn, asset);
        return {
          value: {
            uploadUrlsExpireAt: context.now() + 86_400_000,
            video: asset.urn,
            uploadInstructions: parts.map((part, index) => ({
              uploadUrl: `${root(request)}/upload/video/${encodeURIComponent(asset.urn)}/${index}`,
              firstByte: part.firstByte,
              lastByte: part.lastByte,
            })),
            uploadToken: "",
          },
        };
      }
      if (action === "finalizeUpload") {
        const { video, uploadedPartIds } = body.finalizeUploadRequest ?? {};
        const asset = video ? context.state.object<Asset>("li_asset", video) : undefined;
        if (!asset || asset.kind !== "video") throw unprocessable("/finalizeUploadRequest/video", "unknown video");
        const expected = asset.parts.map((part) => part.etag);
        if (expected.some((etag) => !etag) || JSON.stringify(expected) !== JSON.stringify(uploadedPartIds ?? [])) {
          throw restError(400, { message: "uploadedPartIds do not match the parts uploaded" });
        }
        asset.uploaded = true;
        asset.finalizedAt = context.now();
        context.state.putObject("li_asset", asset.urn, asset);
        return {};
      }
      throw restError(400, { message: "Unsupported action" });
    });

    app.put("/upload/video/:urn/:part", async (request, reply) => {
      const { urn, part } = request.params as { urn: string; part: string };
      const asset = context.state.object<Asset>("li_asset", urn);
      const instruction = asset?.parts[Number(part)];
      if (!asset || !instruction) throw restError(404, { message: "Upload not found" });
      const bytes = Buffer.isBuffer(request.body) ? request.body.length : 0;
      if (bytes !== instruction.lastByte - instruction.firstByte + 1) {
        throw restError(400, {
          message: `Part ${part} must be ${instruction.lastByte - instruction.firstByte + 1} bytes; got ${bytes}`,
        });
      }
      instruction.etag = `/ambry-video/signedId/${urn.split(":").at(-1)}-${part}`;
      context.state.putObject("li_asset", urn, asset);
      return reply.status(200).header("etag", instruction.etag).send();
    });

    function assetStatus(asset: Asset): "WAITING_UPLOAD" | "PROCESSING" | "AVAILABLE" {
      if (!asset.uploaded) return "WAITING_UPLOAD";
      if (asset.kind === "video" && context.now() - (asset.finalizedAt ?? 0) < lifetimes.videoProcessingSeconds * 1000)
        return "PROCESSING";
      return "AVAILABLE";
    }

    for (const kind of ["images", "videos"] as const) {
      app.get(`/rest/${kind}/:urn`, async (request) => {
        rest(request);
        const { urn } = request.params as { urn: string };
        const asset = context.state.object<Asset>("li_asset", urn);
        if (!asset) throw restError(404, { serviceErrorCode: 0, code: "NOT_FOUND", message: `${urn} not found` });
        return {
          id: asset.urn,
          owner: asset.owner,
          status: assetStatus(asset),
          downloadUrl: `https://media.licdn.com/${encodeURIComponent(asset.urn)}`,
        };
      });
    }

    function checkMedia(id: string, author: string, kind: "image" | "video") {
      const asset = context.state.object<Asset>("li_asset", id);
      if (!asset || asset.kind !== kind) throw unprocessable("/content/media/id", `${id} does not exist`);
      if (asset.owner !== author) throw unprocessable("/content/media/id", `${id} is owned by another author`);
      if (assetStatus(asset) !== "AVAILABLE")
        throw unprocessable("/content/media/id", `${id} is not AVAILABLE yet (${assetStatus(asset)})`);
      return { type: kind, id, bytes: asset.fileSizeBytes };
    }

    app.post("/rest/posts", async (request, reply: FastifyReply) => {
      const { token, person } = rest(request);
      const body = (request.body ?? {}) as {
        author?: string;
        commentary?: string;
        visibility?: string;
        distribution?: unknown;
        lifecycleState?: string;
        content?: {
          media?: { id?: string; title?: string };
          multiImage?: { images?: { id?: string }[] };
          article?: { source?: string; title?: string };
        };
      };
      for (const field of ["author", "visibility", "distribution", "lifecycleState"] as const) {
        if (body[field] === undefined)
          throw unprocessable(`/${field}`, "field is required but not found and has no default value");
      }
      if (!["PUBLIC", "CONNECTIONS", "LOGGED_IN"].includes(body.visibility!))
        throw unprocessable("/visibility", `invalid value ${body.visibility}`);
      requireAuthor(token, person, body.author!);
      const commentary = body.commentary ?? "";
      if (commentary.length > COMMENTARY_LIMIT)
        throw unprocessable("/commentary", `length ${commentary.length} exceeds ${COMMENTARY_LIMIT}`);

      const media: PublishedItem["media"] = [];
      const content = body.content;
      if (content?.media?.id) {
        media.push(
          checkMedia(content.media.id, body.author!, content.media.id.startsWith("urn:li:video:") ? "video" : "image"),
        );
      } else if (content?.multiImage) {
        const images = content.multiImage.images ?? [];
        if (images.length < 2 || images.length > 20)
          throw unprocessable("/content/multiImage/images", "a multi-image post has 2 to 20 images");
        for (const image of images) media.push(checkMedia(image.id ?? "", body.author!, "image"));
      } else if (content?.article && !content.article.source) {
        throw unprocessable("/content/article/source", "field is required but not found and has no default value");
      }

      const daily = context.take(
        `linkedin:posts:${person.linkedin.sub}`,
        limits.linkedinPostsPerDayPerMember,
        86_400_000,
        { resetAt: (now) => nextMidnight("UTC", now).getTime() },
      );
      if (!daily.allowed) {
        throw restError(429, {
          serviceErrorCode: 101,
          code: "TOO_MANY_REQUESTS",
          message: "Resource level throttle MEMBER DAY limit for calls to this resource is reached.",
        });
      }
      const urn = `urn:li:share:${context.state.nextId("li:share", "7300000000000000000")}`;
      context.state.publish({
        platform: "linkedin",
        accountId: body.author!,
        kind: "post",
        id: urn,
        createdAt: context.now(),
        url: `https://www.linkedin.com/feed/update/${urn}/`,
        text: readLittleText(commentary),
        media,
        extra: {
          visibility: body.visibility,
          lifecycleState: body.lifecycleState,
          article: content?.article,
          rawCommentary: commentary,
        },
      });
      return reply.status(201).header("x-restli-id", urn).header("x-linkedin-id", urn).send();
    });

    const postView = (item: PublishedItem) => ({
      id: item.id,
      author: item.accountId,
      commentary: item.text,
      visibility: item.extra.visibility,
      lifecycleState: item.extra.lifecycleState,
      createdAt: item.createdAt,
      publishedAt: item.createdAt,
      lastModifiedAt: item.createdAt,
      distribution: { feedDistribution: "MAIN_FEED", targetEntities: [], thirdPartyDistributionChannels: [] },
      ...(item.media.length === 1 ? { content: { media: { id: item.media[0]!.id } } } : {}),
      ...(item.media.length > 1
        ? { content: { multiImage: { images: item.media.map((media) => ({ id: media.id })) } } }
        : {}),
      ...(item.extra.article ? { content: { article: item.extra.article } } : {}),
    });

    const findPost = (urn: string) => context.state.findPublished(["linkedin"], urn);

    app.get("/rest/posts/:urn", async (request) => {
      rest(request);
      const item = findPost((request.params as { urn: string }).urn);
      if (!item) throw restError(404, { serviceErrorCode: 0, code: "NOT_FOUND", message: "Post not found" });
      return postView(item);
    });

    /**
     * A member's posts are read with r_member_social (granted to approved partners only), an
     * organization's with r_organization_social.
     * https://learn.microsoft.com/linkedin/marketing/community-management/shares/posts-api#permissions
     */
    app.get("/rest/posts", async (request) => {
      const { token, person } = rest(request);
      const query = request.query as Record<string, string>;
      if (query.q !== "author" || !query.author) throw restError(400, { message: "Use q=author&author={urn}" });
      const readScope = query.author.startsWith("urn:li:organization:") ? "r_organization_social" : "r_member_social";
      requireScope(token, readScope, "partnerApiPostsExternal.FINDER-author");
      if (query.author !== personUrn(person) && !administers(person, query.author)) {
        throw restError(403, {
          serviceErrorCode: 100,
          code: "ACCESS_DENIED",
          message: `Not enough permissions to read posts of ${query.author}`,
        });
      }
      const count = Math.min(100, Number(query.count ?? 10));
      const items = context.state.data.published
        .filter((item) => item.platform === "linkedin" && item.accountId === query.author)
        .sort((a, b) => b.createdAt - a.createdAt)
        .slice(0, count);
      return { paging: { start: 0, count, links: [] }, elements: items.map(postView) };
    });

    app.delete("/rest/posts/:urn", async (request, reply) => {
      const { token, person } = rest(request);
      const item = findPost((request.params as { urn: string }).urn);
      if (!item) throw restError(404, { serviceErrorCode: 0, code: "NOT_FOUND", message: "Post not found" });
      requireAuthor(token, person, item.accountId);
      context.state.data.published.splice(context.state.data.published.indexOf(item), 1);
      return reply.status(204).send();
    });

    /** Counts as of the hour: the same on every call within it, so tests assert exact numbers. */
    const measuredAt = () => Math.floor(context.now() / HOUR) * HOUR;

    /** A post's lifetime statistics, derived from its age alone. */
    function postStatistics(item: PublishedItem) {
      const impressions = grown(`${item.id}:impressions`, item.createdAt, measuredAt(), 60);
      return statisticsFrom(item.id, impressions);
    }

    /** The rest of a set of statistics, each a stable share of its impressions. */
    function statisticsFrom(key: string, impressions: number) {
      const clicks = shareOf(`${key}:clicks`, impressions, 0.01, 0.04);
      const likes = shareOf(`${key}:likes`, impressions, 0.01, 0.03);
      const comments = shareOf(`${key}:comments`, impressions, 0.001, 0.005);
      const shares = shareOf(`${key}:shares`, impressions, 0.0005, 0.003);
      return {
        uniqueImpressionsCount: shareOf(`${key}:unique`, impressions, 0.6, 0.85),
        shareCount: shares,
        engagement: impressions ? (clicks + likes + comments + shares) / impressions : 0,
        clickCount: clicks,
        likeCount: likes,
        impressionCount: impressions,
        commentCount: comments,
      };
    }

    /** What an organization's posts drew over one day, by a count that grows since STATISTICS_SINCE. */
    function dayStatistics(organization: string, start: number, end: number) {
      const at = Math.min(end, measuredAt());
      const impressions = Math.max(
        0,
        grown(`${organization}:impressions`, STATISTICS_SINCE, at, 60) -
          grown(`${organization}:impressions`, STATISTICS_SINCE, start, 60),
      );
      return statisticsFrom(`${organization}:${start}`, impressions);
    }

    const followersAt = (organization: string, at: number) =>
      2_000 + Number(organization.slice(-3)) * 311 + grown(`${organization}:followers`, STATISTICS_SINCE, at, 2);

    /** The query string as sent: Rest.li 2.0 structures are read from it before any decoding. */
    function rawParameter(request: FastifyRequest, name: string): string | undefined {
      const search = request.url.split("?")[1] ?? "";
      const found = search.split("&").find((pair) => pair.startsWith(`${name}=`));
      return found?.slice(name.length + 1);
    }

    const illegalArgument = (message: string) => restError(400, { code: "ILLEGAL_ARGUMENT", message });

    /**
     * A URN inside a Rest.li 2.0 structure must be URL-encoded: unencoded, its colons read as the
     * structure's own. https://learn.microsoft.com/linkedin/shared/api-guide/concepts/protocol-version
     */
    function encodedUrn(raw: string, parameter: string): string {
      if (raw.includes(":"))
        throw illegalArgument(
          `Invalid value for param ${parameter}: URNs in Rest.li 2.0 structures must be URL-encoded`,
        );
      return decodeURIComponent(raw);
    }

    /** `List(a,b)` as sent, each item an encoded URN. */
    function urnList(request: FastifyRequest, parameter: string): string[] | undefined {
      const raw = rawParameter(request, parameter);
      if (raw === undefined) return undefined;
      const items = /^List\((.*)\)$/.exec(raw)?.[1];
      if (items === undefined) throw illegalArgument(`Invalid value for param ${parameter}: expected List(…)`);
      return items
        .split(",")
        .filter(Boolean)
        .map((item) => encodedUrn(item, parameter));
    }

    /** `(timeRange:(start:…,end:…),timeGranularityType:DAY|MONTH)` as sent, within the 12-month window. */
    function dayBuckets(request: FastifyRequest): { start: number; end: number }[] | undefined {
      const raw = rawParameter(request, "timeIntervals");
      if (raw === undefined) return undefined;
      const parsed =
        /^\(timeRange:\(start:(\d+),end:(\d+)\),timeGranularityType:(DAY|MONTH)\)$/.exec(raw) ??
        /^\(timeGranularityType:(DAY|MONTH),timeRange:\(start:(\d+),end:(\d+)\)\)$/.exec(raw);
      if (!parsed) throw illegalArgument("Invalid value for param timeIntervals");
      const [start, end, granularity] = raw.startsWith("(timeRange")
        ? [Number(parsed[1]), Number(parsed[2]), parsed[3]]
        : [Number(parsed[2]), Number(parsed[3]), parsed[1]];
      if (start >= end) throw illegalArgument("timeIntervals.timeRange.start must be before its end");
      if (start < windowStart(context.now()))
        throw illegalArgument(
          "timeIntervals.timeRange.start is outside the rolling 12-month window statistics are kept for",
        );
      if (granularity === "MONTH") throw illegalArgument("the sandbox answers timeGranularityType DAY only");
      const buckets = [];
      for (let at = start; at < Math.min(end, context.now()); at += DAY) buckets.push({ start: at, end: at + DAY });
      return buckets;
    }

    /** Statistics read by a page's ADMINISTRATOR with rw_organization_admin. */
    function requireStatisticsAccess(request: FastifyRequest, finder: string) {
      const { person } = rest(request, "rw_organization_admin", `${finder}.FINDER-organizationalEntity`);
      const query = request.query as Record<string, string>;
      const organization = query.organizationalEntity ?? "";
      if (query.q !== "organizationalEntity" || !administers(person, organization)) {
        throw restError(403, {
          serviceErrorCode: 100,
          code: "ACCESS_DENIED",
          message: `Not enough permissions to access: ${finder}.FINDER-organizationalEntity`,
        });
      }
      return organization;
    }

    /**
     * Share statistics: per post (lifetime) or per day, organic only, for the rolling 12 months.
     * https://learn.microsoft.com/linkedin/marketing/community-management/organizations/share-statistics
     */
    app.get("/rest/organizationalEntityShareStatistics", async (request) => {
      const organization = requireStatisticsAccess(request, "organizationalEntityShareStatistics");
      const posts = context.state.data.published.filter(
        (item) => item.platform === "linkedin" && item.accountId === organization,
      );
      const oldest = windowStart(context.now());
      for (const [parameter, kind] of [
        ["shares", "share"],
        ["ugcPosts", "ugcPost"],
      ] as const) {
        const urns = urnList(request, parameter);
        if (!urns) continue;
        const elements = urns.flatMap((urn) => {
          const post = posts.find((item) => item.id === urn);
          return post && post.createdAt >= oldest
            ? [{ organizationalEntity: organization, [kind]: urn, totalShareStatistics: postStatistics(post) }]
            : [];
        });
        return { paging: { count: elements.length, start: 0, links: [] }, elements };
      }
      const buckets = dayBuckets(request);
      if (buckets) {
        return {
          paging: { count: buckets.length, start: 0, links: [] },
          elements: buckets.map((bucket) => ({
            organizationalEntity: organization,
            timeRange: bucket,
            totalShareStatistics: dayStatistics(organization, bucket.start, bucket.end),
          })),
        };
      }
      const impressions = posts
        .filter((item) => item.createdAt >= oldest)
        .reduce((sum, item) => sum + postStatistics(item).impressionCount, 0);
      return {
        paging: { count: 1, start: 0, links: [] },
        elements: [
          { organizationalEntity: organization, totalShareStatistics: statisticsFrom(organization, impressions) },
        ],
      };
    });

    /**
     * Follower statistics: gains per day with timeIntervals, lifetime breakdowns without.
     * https://learn.microsoft.com/linkedin/marketing/community-management/organizations/follower-statistics
     */
    app.get("/rest/organizationalEntityFollowerStatistics", async (request) => {
      const organization = requireStatisticsAccess(request, "organizationalEntityFollowerStatistics");
      const buckets = dayBuckets(request);
      if (!buckets) {
        return {
          paging: { count: 1, start: 0, links: [] },
          elements: [
            {
              organizationalEntity: organization,
              followerCountsByAssociationType: [],
              followerCountsBySeniority: [],
              followerCountsByIndustry: [],
              followerCountsByFunction: [],
              followerCountsByStaffCountRange: [],
              followerCountsByGeoCountry: [],
              followerCountsByGeo: [],
            },
          ],
        };
      }
      return {
        paging: { count: buckets.length, start: 0, links: [] },
        elements: buckets.map((bucket) => {
          const gain =
            followersAt(organization, Math.min(bucket.end, measuredAt())) - followersAt(organization, bucket.start);
          const organic = shareOf(`${organization}:${bucket.start}:organic`, gain, 0.85, 1);
          return {
            organizationalEntity: organization,
            timeRange: bucket,
            followerGains: { organicFollowerGain: organic, paidFollowerGain: gain - organic },
          };
        }),
      };
    });

    app.get("/rest/networkSizes/:urn", async (request) => {
      rest(request);
      const { urn } = request.params as { urn: string };
      if ((request.query as Record<string, string>).edgeType !== "COMPANY_FOLLOWED_BY_MEMBER")
        throw illegalArgument("edgeType must be COMPANY_FOLLOWED_BY_MEMBER for an organization");
      const organization = linkedinOrganizations.find((candidate) => `urn:li:organization:${candidate.id}` === urn);
      if (!organization) throw restError(404, { serviceErrorCode: 0, code: "NOT_FOUND", message: `${urn} not found` });
      return { firstDegreeSize: followersAt(urn, measuredAt()) };
    });

    const memberQueryTypes = ["IMPRESSION", "MEMBERS_REACHED", "RESHARE", "REACTION", "COMMENT"];
    /** Per query type, what it counts: a post's own statistics, and a member's daily rate. */
    const memberCount: Record<string, (statistics: ReturnType<typeof statisticsFrom>) => number> = {
      IMPRESSION: (statistics) => statistics.impressionCount,
      MEMBERS_REACHED: (statistics) => statistics.uniqueImpressionsCount,
      RESHARE: (statistics) => statistics.shareCount,
      REACTION: (statistics) => statistics.likeCount,
      COMMENT: (statistics) => statistics.commentCount,
    };

    /** `(year:…,month:…,day:…)` as a UTC midnight. */
    function dateOf(raw: string): number {
      const parsed = /^\(year:(\d{4}),month:(\d{1,2}),day:(\d{1,2})\)$/.exec(raw);
      if (!parsed) throw illegalArgument("Invalid value for param dateRange");
      return Date.UTC(Number(parsed[1]), Number(parsed[2]) - 1, Number(parsed[3]));
    }

    const asDate = (time: number) => {
      const date = new Date(time);
      return { year: date.getUTCFullYear(), month: date.getUTCMonth() + 1, day: date.getUTCDate() };
    };

    /**
     * A member's statistics: one post (`entity`) or all their posts (`me`), one query type a call.
     * https://learn.microsoft.com/linkedin/marketing/community-management/members/post-statistics
     */
    app.get("/rest/memberCreatorPostAnalytics", async (request) => {
      const { person } = rest(request, "r_member_postAnalytics", "memberCreatorPostAnalytics.FINDER-entity");
      const query = request.query as Record<string, string>;
      const queryType = query.queryType ?? "";
      if (!memberQueryTypes.includes(queryType))
        throw illegalArgument(`queryType must be one of ${memberQueryTypes.join(", ")}`);
      const metricType = {
        "com.linkedin.adsexternalapi.memberanalytics.v1.CreatorPostAnalyticsMetricTypeV1": queryType,
      };
      if (query.q === "entity") {
        const entity = /^\((share|ugcPost):(.*)\)$/.exec(rawParameter(request, "entity") ?? "");
        if (!entity) throw illegalArgument("Invalid value for param entity: expected (share:…) or (ugcPost:…)");
        const post = findPost(encodedUrn(entity[2]!, "entity"));
        if (!post) throw restError(404, { serviceErrorCode: 0, code: "NOT_FOUND", message: "Post not found" });
        if (post.accountId !== personUrn(person))
          throw restError(403, {
            serviceErrorCode: 100,
            code: "ACCESS_DENIED",
            message: "Not enough permissions to access: memberCreatorPostAnalytics.FINDER-entity",
          });
        if (query.aggregation !== "TOTAL") throw illegalArgument("a single post's statistics are aggregated TOTAL");
        return {
          paging: { start: 0, count: 1, links: [] },
          elements: [{ count: memberCount[queryType]!(postStatistics(post)), metricType }],
        };
      }
      if (query.q !== "me") throw illegalArgument("Use q=entity or q=me");
      const range = /^\(start:(\([^)]*\)),end:(\([^)]*\))\)$/.exec(rawParameter(request, "dateRange") ?? "");
      if (!range || query.aggregation !== "DAILY")
        throw illegalArgument("the me finder is read here DAILY, with dateRange=(start:(…),end:(…))");
      const elements = [];
      for (let start = dateOf(range[1]!); start < Math.min(dateOf(range[2]!), context.now()); start += DAY) {
        elements.push({
          count: memberCount[queryType]!(dayStatistics(personUrn(person), start, start + DAY)),
          dateRange: { start: asDate(start), end: asDate(start + DAY) },
          metricType,
        });
      }
      return { paging: { start: 0, count: elements.length, links: [] }, elements };
    });
  },
};
