import type { ValidateFunction } from "ajv";
import { compileTemplate, matchAll, type PathTemplate } from "./paths.js";
import { nameList, type CheckedRequest } from "./request.js";
import { describeErrors, newAjv } from "./schema.js";
import { loadSpec } from "./specs.js";
import { type ContractRow, tableChecker, tokenGrantCheck } from "./table.js";

/**
 * YouTube Data API v3 and YouTube Analytics API v2, from Google's discovery documents, plus
 * Google's OAuth endpoints (no discovery document covers them) as a table. Everything Google
 * serves for YouTube shares the sandbox's `/google` prefix, and the paths do not collide.
 */

interface DiscoveryParameter {
  type: string;
  location: "query" | "path";
  required?: boolean;
  repeated?: boolean;
  enum?: string[];
  minimum?: string;
  maximum?: string;
  pattern?: string;
  description?: string;
}

interface DiscoveryMethod {
  id: string;
  httpMethod: string;
  path: string;
  flatPath?: string;
  parameters?: Record<string, DiscoveryParameter>;
  request?: { $ref: string };
  response?: { $ref: string };
  mediaUpload?: { protocols: { simple?: { path: string }; resumable?: { path: string } } };
}

interface DiscoveryResource {
  methods?: Record<string, DiscoveryMethod>;
  resources?: Record<string, DiscoveryResource>;
}

interface DiscoverySchema {
  $ref?: string;
  type?: string;
  properties?: Record<string, DiscoverySchema>;
  items?: DiscoverySchema;
  additionalProperties?: DiscoverySchema;
  enum?: string[];
}

interface Discovery {
  name: string;
  servicePath: string;
  parameters: Record<string, DiscoveryParameter>;
  resources: Record<string, DiscoveryResource>;
  schemas: Record<string, DiscoverySchema>;
}

/**
 * How a method is reached: its REST path, its media upload path (`uploadType` chooses the
 * protocol), the discovery document's legacy `/resumable/upload/…` path, or the PUTs to a
 * resumable session (https://developers.google.com/youtube/v3/guides/using_resumable_upload_protocol).
 */
type Route = "rest" | "upload" | "resumable" | "session";

interface Operation {
  discovery: Discovery;
  method: DiscoveryMethod;
  httpMethod: string;
  path: PathTemplate;
  route: Route;
  parameters: Record<string, DiscoveryParameter>;
  /** What `part` may name: the resource's top-level properties. */
  parts?: string[];
}

/**
 * The discovery document writes some rules only in prose (the Analytics reports query: "required:
 * true, pattern: [0-9]{4}-…"): read them there, as Google's client libraries' docs do.
 */
function proseRules(parameter: DiscoveryParameter): DiscoveryParameter {
  const description = parameter.description ?? "";
  const pattern = /pattern: ?"?([^\s"]+)/.exec(description)?.[1];
  return {
    ...parameter,
    required: parameter.required || /required: true/.test(description),
    pattern: parameter.pattern ?? pattern,
  };
}

function schemaOf(discovery: Discovery, reference: string | undefined): DiscoverySchema | undefined {
  return reference ? discovery.schemas[reference] : undefined;
}

/** The resource a method reads or writes: a list response's items, else the response or request itself. */
function partsOf(discovery: Discovery, method: DiscoveryMethod): string[] | undefined {
  if (!method.parameters?.part) return undefined;
  let resource = schemaOf(discovery, method.response?.$ref) ?? schemaOf(discovery, method.request?.$ref);
  const items = resource?.properties?.items?.items?.$ref;
  if (items) resource = schemaOf(discovery, items);
  if (!resource?.properties) return undefined;
  return Object.keys(resource.properties).filter((name) => name !== "kind" && name !== "etag");
}

function operationsOf(discovery: Discovery): Operation[] {
  const found: Operation[] = [];
  const walk = (resource: DiscoveryResource) => {
    for (const method of Object.values(resource.methods ?? {})) {
      const parameters = Object.fromEntries(
        Object.entries({ ...discovery.parameters, ...method.parameters }).map(([name, parameter]) => [
          name,
          proseRules(parameter),
        ]),
      );
      const base = { discovery, method, parameters, parts: partsOf(discovery, method) };
      const template = `/${discovery.servicePath}${(method.flatPath ?? method.path).replace(/\{\+/g, "{")}`;
      found.push({ ...base, httpMethod: method.httpMethod, path: compileTemplate(template), route: "rest" });
      const protocols = method.mediaUpload?.protocols;
      for (const [route, upload] of [
        ["upload", protocols?.simple],
        ["resumable", protocols?.resumable],
      ] as const) {
        if (!upload) continue;
        found.push({ ...base, httpMethod: method.httpMethod, path: compileTemplate(upload.path), route });
        found.push({ ...base, httpMethod: "PUT", path: compileTemplate(upload.path), route: "session" });
      }
    }
    for (const child of Object.values(resource.resources ?? {})) walk(child);
  };
  for (const resource of Object.values(discovery.resources)) walk(resource);
  return found;
}

/** A discovery schema as JSON Schema; formats like `google-datetime` are Google's own and left unchecked. */
function jsonSchema(schema: DiscoverySchema): object {
  if (schema.$ref) return { $ref: `#/definitions/${schema.$ref}` };
  const converted: Record<string, unknown> = {};
  if (schema.type && schema.type !== "any") converted.type = schema.type;
  if (schema.enum) converted.enum = schema.enum;
  if (schema.items) converted.items = jsonSchema(schema.items);
  if (schema.properties) {
    converted.properties = Object.fromEntries(
      Object.entries(schema.properties).map(([name, property]) => [name, jsonSchema(property)]),
    );
    // The document lists every property a resource has: a name it does not list has no meaning to YouTube.
    converted.additionalProperties = schema.additionalProperties ? jsonSchema(schema.additionalProperties) : false;
  } else if (schema.additionalProperties) {
    converted.additionalProperties = jsonSchema(schema.additionalProperties);
  }
  return converted;
}

interface Loaded {
  operations: Operation[];
  bodies: Map<string, ValidateFunction>;
}

let loaded: Loaded | undefined;
const ajv = newAjv();

function load(): Loaded {
  loaded ??= {
    operations: [
      ...operationsOf(loadSpec<Discovery>("youtube.v3.discovery.json")),
      ...operationsOf(loadSpec<Discovery>("youtubeAnalytics.v2.discovery.json")),
    ],
    bodies: new Map(),
  };
  return loaded;
}

function bodyValidator(operation: Operation): ValidateFunction | undefined {
  const reference = operation.method.request?.$ref;
  if (!reference) return undefined;
  const key = `${operation.discovery.name}:${reference}`;
  const bodies = load().bodies;
  let validate = bodies.get(key);
  if (!validate) {
    const definitions = Object.fromEntries(
      Object.entries(operation.discovery.schemas).map(([name, schema]) => [name, jsonSchema(schema)]),
    );
    validate = ajv.compile({ definitions, $ref: `#/definitions/${reference}` });
    bodies.set(key, validate);
  }
  return validate;
}

const UPLOAD_TYPES = ["media", "multipart", "resumable"];

function checkValue(
  operation: Operation,
  name: string,
  parameter: DiscoveryParameter,
  raw: string,
): string | undefined {
  const values = parameter.repeated ? raw.split(",").map((value) => value.trim()) : [raw];
  for (const value of values) {
    if (parameter.enum && !parameter.enum.includes(value))
      return `\`${name}\` is \`${value}\`; allowed: ${parameter.enum.join(", ")}`;
    if (parameter.type === "boolean" && !/^(true|false)$/.test(value))
      return `\`${name}\` is \`${value}\`, not true or false`;
    if (parameter.type === "integer") {
      if (!/^-?\d+$/.test(value)) return `\`${name}\` is \`${value}\`, not an integer`;
      const number = Number(value);
      if (parameter.minimum !== undefined && number < Number(parameter.minimum))
        return `\`${name}\` is ${value}, below the minimum ${parameter.minimum}`;
      if (parameter.maximum !== undefined && number > Number(parameter.maximum))
        return `\`${name}\` is ${value}, above the maximum ${parameter.maximum}`;
    }
    if (parameter.pattern && !new RegExp(`^(?:${parameter.pattern})$`).test(value))
      return `\`${name}\` is \`${value}\`, not of the form ${parameter.pattern}`;
    if (name === "part" && operation.parts && !operation.parts.includes(value))
      return `\`part\` has \`${value}\`, not a part of the resource (parts: ${operation.parts.join(", ")})`;
  }
  return undefined;
}

function checkOperation(request: CheckedRequest): string | undefined {
  const matches = matchAll(load().operations, request.path);
  if (matches.length === 0) return `YouTube: no discovery method matches ${request.path}`;
  const found = matches.find((match) => match.candidate.httpMethod === request.method);
  if (!found) {
    const offered = [
      ...new Set(matches.map((match) => `${match.candidate.httpMethod} ${match.candidate.path.template}`)),
    ];
    return `YouTube: ${request.method} ${request.path} is no method of the discovery documents (they have ${offered.join(", ")})`;
  }
  const operation = found.candidate;
  const where = `YouTube ${operation.method.id} (${operation.httpMethod} ${operation.path.template}):`;
  const allowed = { ...operation.parameters };
  // A session URL carries the upload's id besides the query it was opened with.
  if (operation.route === "session") allowed.upload_id = { type: "string", location: "query", required: true };

  for (const [name, parameter] of Object.entries(allowed)) {
    if (parameter.location !== "path") continue;
    const value = found.params[name];
    const problem = value === undefined ? undefined : checkValue(operation, name, parameter, value);
    if (problem) return `${where} ${problem}`;
  }
  if (request.routeOnly) return undefined;

  const seen = new Set<string>();
  for (const [name, value] of request.query) {
    if (seen.has(name)) continue;
    seen.add(name);
    const parameter = allowed[name];
    if (!parameter || parameter.location !== "query") {
      const names = Object.entries(allowed)
        .filter(([, candidate]) => candidate.location === "query")
        .map(([candidate]) => candidate);
      return `${where} query parameter \`${name}\` is not a parameter of the method (parameters: ${nameList(names, 40)})`;
    }
    const problem = checkValue(operation, name, parameter, value);
    if (problem) return `${where} ${problem}`;
  }

  // `part` and friends describe the upload when the session is opened, not each PUT of bytes.
  const requiredHere = Object.entries(allowed).filter(
    ([name, parameter]) =>
      parameter.required && parameter.location === "query" && (operation.route !== "session" || name === "upload_id"),
  );
  const missing = requiredHere.find(([name]) => !request.query.has(name));
  if (missing) return `${where} required query parameter \`${missing[0]}\` is missing`;

  if (operation.route === "upload" && !UPLOAD_TYPES.includes(request.query.get("uploadType") ?? ""))
    return `${where} an upload path needs \`uploadType\` ${UPLOAD_TYPES.join(", ")} (it is ${request.query.get("uploadType") ?? "missing"})`;

  if (request.bodyKind === "json" && request.body !== undefined) {
    if (operation.route === "session") return `${where} a session PUT carries the file's bytes, not JSON`;
    const uploadType = request.query.get("uploadType");
    if ((operation.route === "upload" || operation.route === "resumable") && uploadType && uploadType !== "resumable")
      return `${where} uploadType=${uploadType} takes the media (and metadata in multipart), not a JSON body`;
    const validate = bodyValidator(operation);
    if (!validate) return `${where} takes no request body, and JSON was sent`;
    if (!validate(request.body)) return `${where} ${describeErrors(validate.errors, "body")}`;
  }
  return undefined;
}

const GOOGLE_OAUTH_DOC = "https://developers.google.com/identity/protocols/oauth2/web-server";
const GOOGLE_AUTH_LIBRARY_DOC =
  "https://cloud.google.com/nodejs/docs/reference/google-auth-library/latest/google-auth-library/generateauthurlopts";

export const googleOAuthRows: ContractRow[] = [
  {
    id: "google.oauth.authorize",
    method: "GET",
    path: "/o/oauth2/v2/auth",
    query: {
      client_id: { required: true },
      redirect_uri: { required: true },
      response_type: { required: true, enum: ["code"] },
      scope: { required: true },
      state: {},
      access_type: { enum: ["online", "offline"] },
      include_granted_scopes: { enum: ["true", "false"] },
      login_hint: {},
      prompt: { pattern: /^(none|consent|select_account)( (consent|select_account))*$/ },
      code_challenge: {},
      code_challenge_method: { enum: ["S256", "plain"] },
      enable_granular_consent: { enum: ["true", "false"] },
    },
    sentBy: ["src/platforms/oauth.ts authorizeUrl (youtube.auth: pkce, access_type, prompt, include_granted_scopes)"],
    sources: [GOOGLE_OAUTH_DOC, GOOGLE_AUTH_LIBRARY_DOC],
  },
  {
    id: "google.oauth.token",
    unconfirmed:
      "the web-server guide was found (its summary read); the token request's form is shared/platforms/youtube.md's and RFC 6749's",
    method: "POST",
    path: "/token",
    body: {
      kinds: ["form"],
      fields: {
        grant_type: { required: true, enum: ["authorization_code", "refresh_token"] },
        code: {},
        redirect_uri: {},
        code_verifier: {},
        refresh_token: {},
        client_id: { required: true },
        client_secret: {},
      },
    },
    check: tokenGrantCheck,
    sentBy: ["src/platforms/oauth.ts exchangeCode, refreshGrant (client_secret_post)"],
    sources: [GOOGLE_OAUTH_DOC],
  },
  {
    id: "google.oauth.revoke",
    method: "POST",
    path: "/revoke",
    query: { token: {} },
    body: { kinds: ["form"], fields: { token: {}, token_type_hint: {}, client_id: {}, client_secret: {} } },
    check: (values) => (values.token ? undefined : "`token` is required (in the query or the form body)"),
    sentBy: ["src/platforms/oauth.ts revokeToken (connections/disconnect.ts)"],
    sources: [GOOGLE_OAUTH_DOC],
    unconfirmed:
      "the page shows only `token`; client_id and client_secret in the body come from oauth4webapi's client_secret_post, which Google's revoke endpoint is relied on to ignore",
  },
  {
    id: "google.oauth.certs",
    method: "GET",
    path: "/oauth2/v3/certs",
    sentBy: ["src/platforms/oauth.ts exchangeCode (an ID token's signature, when openid is asked)"],
    sources: ["https://developers.google.com/identity/openid-connect/reference#discovery"],
    unconfirmed:
      "the jwks_uri is the discovery document's as shared/platforms/youtube.md names it; the document's value was not read here",
  },
];

const checkOAuth = tableChecker("Google OAuth", googleOAuthRows);
const OAUTH_PATHS = new Set(googleOAuthRows.map((row) => row.path));

export function checkGoogle(request: CheckedRequest): string | undefined {
  return OAUTH_PATHS.has(request.path) ? checkOAuth(request) : checkOperation(request);
}
