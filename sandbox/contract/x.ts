import type { Ajv, ValidateFunction } from "ajv";
import { compileTemplate, matchAll, type PathTemplate } from "./paths.js";
import { nameList, type CheckedRequest } from "./request.js";
import { describeErrors, newAjv } from "./schema.js";
import { loadSpec } from "./specs.js";
import { tableChecker, type ContractRow } from "./table.js";

/**
 * X API v2, from X's own OpenAPI document (sandbox/specs/x-api-v2-docs-openapi.json, the one
 * docs.x.com renders). X answers 400 to a query parameter an operation does not declare, so an
 * undeclared parameter is a violation, not noise.
 */

const SPEC_FILE = "x-api-v2-docs-openapi.json";
const SPEC_ID = "x-openapi";

interface Schema {
  $ref?: string;
  type?: string;
  enum?: unknown[];
  items?: Schema;
  [keyword: string]: unknown;
}

interface Parameter {
  $ref?: string;
  name: string;
  in: "query" | "path" | "header" | "cookie";
  required?: boolean;
  schema?: Schema;
  style?: string;
  explode?: boolean;
}

interface Operation {
  operationId?: string;
  parameters?: Parameter[];
  requestBody?: { required?: boolean; content: Record<string, { schema?: Schema }> };
}

interface OpenApi {
  paths: Record<string, Record<string, Operation>>;
  components: {
    parameters: Record<string, Parameter>;
    schemas: Record<string, Schema>;
    securitySchemes: Record<string, { flows?: { authorizationCode?: { scopes: Record<string, string> } } }>;
  };
}

interface CompiledOperation {
  path: PathTemplate;
  method: string;
  operation: Operation;
  parameters: Parameter[];
  validators: Map<string, ValidateFunction>;
}

/** A $ref inside a fragment, made absolute so ajv resolves it against the whole components tree. */
function absolute(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(absolute);
  if (!schema || typeof schema !== "object") return schema;
  return Object.fromEntries(
    Object.entries(schema).map(([key, value]) => [
      key,
      key === "$ref" && typeof value === "string" && value.startsWith("#/") ? `${SPEC_ID}${value}` : absolute(value),
    ]),
  );
}

interface Loaded {
  spec: OpenApi;
  operations: CompiledOperation[];
  json: Ajv;
  /** Form fields and query values arrive as strings: this one reads "3" as 3 and "true" as true. */
  coercing: Ajv;
}

let loaded: Loaded | undefined;

function load(): Loaded {
  if (loaded) return loaded;
  const spec = loadSpec<OpenApi>(SPEC_FILE);
  const root = { $id: SPEC_ID, components: { schemas: spec.components.schemas } };
  const json = newAjv();
  const coercing = newAjv({ coerceTypes: true });
  json.addSchema(root);
  coercing.addSchema(root);
  const operations: CompiledOperation[] = [];
  for (const [template, item] of Object.entries(spec.paths)) {
    for (const [method, operation] of Object.entries(item)) {
      if (!["get", "post", "put", "delete", "patch"].includes(method)) continue;
      const parameters = (operation.parameters ?? []).map((parameter) =>
        parameter.$ref ? spec.components.parameters[parameter.$ref.split("/").pop()!]! : parameter,
      );
      operations.push({
        path: compileTemplate(template),
        method: method.toUpperCase(),
        operation,
        parameters,
        validators: new Map(),
      });
    }
  }
  loaded = { spec, operations, json, coercing };
  return loaded;
}

function resolve(spec: OpenApi, schema: Schema | undefined): Schema {
  let current = schema ?? {};
  for (let depth = 0; current.$ref && depth < 10; depth += 1)
    current = spec.components.schemas[current.$ref.split("/").pop()!] ?? {};
  return current;
}

function validator(operation: CompiledOperation, key: string, ajv: Ajv, schema: Schema): ValidateFunction {
  let validate = operation.validators.get(key);
  if (!validate) {
    validate = ajv.compile(absolute(schema) as object);
    operation.validators.set(key, validate);
  }
  return validate;
}

/** A query string value as the schema reads it: `a,b` as an array (style form, explode false). */
function queryValue(schema: Schema, raw: string): unknown {
  return schema.type === "array" ? raw.split(",") : raw;
}

function checkParameter(
  loadedSpec: Loaded,
  operation: CompiledOperation,
  parameter: Parameter,
  raw: string,
  where: string,
): string | undefined {
  const schema = resolve(loadedSpec.spec, parameter.schema);
  const items = resolve(loadedSpec.spec, schema.items);
  // Field lists are long enums: name the values that are wrong rather than echo all allowed ones.
  if (schema.type === "array" && items.enum) {
    const unknown = raw.split(",").filter((value) => !items.enum!.includes(value));
    if (unknown.length > 0)
      return `${where} \`${parameter.name}\` has ${unknown.map((value) => `\`${value}\``).join(", ")}, not among: ${nameList(items.enum.map(String), 60)}`;
  }
  const holder = { value: queryValue(schema, raw) };
  // Coercion rewrites the value in place ("5" to 5), so it is validated inside a holder.
  const validate = validator(operation, `${parameter.in}:${parameter.name}`, loadedSpec.coercing, {
    type: "object",
    properties: { value: parameter.schema ?? {} },
  });
  if (validate(holder)) return undefined;
  const errors = (validate.errors ?? []).map((error) => ({
    ...error,
    instancePath: error.instancePath.replace(/^\/value/, ""),
  }));
  return `${where} ${describeErrors(errors, `${parameter.in} ${parameter.name}`)}`;
}

function checkBody(loadedSpec: Loaded, operation: CompiledOperation, request: CheckedRequest, where: string) {
  const requestBody = operation.operation.requestBody;
  if (request.bodyKind === "none") return undefined;
  if (!requestBody) {
    const empty =
      request.body === undefined ||
      request.body === "" ||
      (typeof request.body === "object" && request.body !== null && Object.keys(request.body).length === 0);
    return empty ? undefined : `${where} takes no request body, and one was sent (${request.contentType})`;
  }
  const declared = Object.keys(requestBody.content);
  const media = request.contentType ?? "";
  const entry = requestBody.content[media];
  if (!entry) return `${where} the body is ${media || request.bodyKind}; the operation takes ${declared.join(" or ")}`;
  if (request.body === undefined || !entry.schema) return undefined;
  const json = request.bodyKind === "json";
  const validate = validator(operation, `body:${media}`, json ? loadedSpec.json : loadedSpec.coercing, entry.schema);
  // Coercion may rewrite values: the caller's body is left as it was.
  const body = json ? request.body : structuredClone(request.body);
  return validate(body) ? undefined : `${where} ${describeErrors(validate.errors, "body")}`;
}

function checkOperation(request: CheckedRequest): string | undefined {
  const loadedSpec = load();
  const matches = matchAll(loadedSpec.operations, request.path);
  if (matches.length === 0) return `X: the OpenAPI document has no path matching ${request.path}`;
  const found = matches.find((match) => match.candidate.method === request.method);
  if (!found) {
    const offered = matches.map((match) => `${match.candidate.method} ${match.candidate.path.template}`);
    return `X: ${request.method} ${request.path} is not an operation (the document has ${offered.join(", ")})`;
  }
  const operation = found.candidate;
  const where = `X ${operation.method} ${operation.path.template}:`;

  for (const parameter of operation.parameters.filter((candidate) => candidate.in === "path")) {
    const value = found.params[parameter.name];
    if (value === undefined) continue;
    const problem = checkParameter(loadedSpec, operation, parameter, value, where);
    if (problem) return problem;
  }
  if (request.routeOnly) return undefined;

  const declared = operation.parameters.filter((parameter) => parameter.in === "query");
  const seen = new Set<string>();
  for (const [name, value] of request.query) {
    if (seen.has(name)) continue;
    seen.add(name);
    const parameter = declared.find((candidate) => candidate.name === name);
    if (!parameter)
      return `${where} query parameter \`${name}\` is not declared by the operation (declared: ${nameList(
        declared.map((candidate) => candidate.name),
        40,
      )})`;
    const problem = checkParameter(loadedSpec, operation, parameter, value, where);
    if (problem) return problem;
  }
  const missing = declared.find((parameter) => parameter.required && !request.query.has(parameter.name));
  if (missing) return `${where} required query parameter \`${missing.name}\` is missing`;

  return checkBody(loadedSpec, operation, request, where);
}

/** The OAuth scopes X's document lists for its authorization-code flow. */
function oauthScopes(): string[] {
  const scheme = load().spec.components.securitySchemes.OAuth2UserToken;
  return Object.keys(scheme?.flows?.authorizationCode?.scopes ?? {});
}

const OAUTH_DOC = "https://docs.x.com/fundamentals/authentication/oauth-2-0/user-access-token";
/** X's own SDK: the authorize host `https://x.com/i` and the token host `https://api.x.com`. */
const XDK_DOC = "https://docs.x.com/xdks/python/reference/xdk.oauth2_auth";

/**
 * X's OAuth 2.0 endpoints are not paths in the OpenAPI document (its security scheme names only
 * the token URL), so they are a table like the platforms without a spec.
 */
export const xOAuthRows: ContractRow[] = [
  {
    id: "x.oauth.authorize",
    method: "GET",
    path: "/i/oauth2/authorize",
    query: {
      response_type: { required: true, enum: ["code"] },
      client_id: { required: true },
      redirect_uri: { required: true },
      scope: { required: true },
      state: { required: true },
      code_challenge: { required: true },
      code_challenge_method: { required: true, enum: ["S256", "plain"] },
    },
    check: (values) => {
      const scopes = oauthScopes();
      const unknown = (values.scope ?? "").split(" ").filter((scope) => scope && !scopes.includes(scope));
      return unknown.length > 0
        ? `scope ${unknown.map((scope) => `\`${scope}\``).join(", ")} is not among the OpenAPI document's OAuth2UserToken scopes`
        : undefined;
    },
    sentBy: ["src/platforms/oauth.ts authorizeUrl (x.auth: pkce, space-separated scopes)"],
    sources: [OAUTH_DOC, XDK_DOC],
  },
  {
    id: "x.oauth.token",
    method: "POST",
    path: "/2/oauth2/token",
    body: {
      kinds: ["form"],
      fields: {
        grant_type: { required: true, enum: ["authorization_code", "refresh_token"] },
        code: {},
        redirect_uri: {},
        code_verifier: {},
        refresh_token: {},
        client_id: {},
      },
    },
    check: (values, request) => {
      if (values.grant_type === "authorization_code") {
        const missing = ["code", "redirect_uri", "code_verifier"].find((name) => !values[name]);
        if (missing) return `grant_type=authorization_code needs \`${missing}\``;
      }
      if (values.grant_type === "refresh_token" && !values.refresh_token)
        return "grant_type=refresh_token needs `refresh_token`";
      // A confidential client authenticates with Basic; only a public client names itself in the body.
      if (!/^Basic /i.test(request.headers.authorization ?? "") && !values.client_id)
        return "neither an `Authorization: Basic` header (confidential client) nor `client_id` (public client)";
      return undefined;
    },
    sentBy: ["src/platforms/oauth.ts exchangeCode, refreshGrant (client_secret_basic)"],
    sources: [OAUTH_DOC, XDK_DOC, `${SPEC_FILE} components.securitySchemes.OAuth2UserToken.tokenUrl`],
  },
  {
    id: "x.oauth.revoke",
    method: "POST",
    path: "/2/oauth2/revoke",
    body: {
      kinds: ["form"],
      fields: {
        token: { required: true },
        token_type_hint: { enum: ["access_token", "refresh_token"] },
        client_id: {},
      },
    },
    sentBy: ["src/platforms/oauth.ts revokeToken (connections/disconnect.ts)"],
    sources: [OAUTH_DOC],
    unconfirmed:
      "client authentication on revoke: the page shows a public client's `client_id` in the body; Basic for a confidential client is read from the token endpoint's rule and shared/platforms/x.md",
  },
];

const checkOAuth = tableChecker("X", xOAuthRows);
const OAUTH_PATHS = new Set(xOAuthRows.map((row) => row.path));

export function checkX(request: CheckedRequest): string | undefined {
  return OAUTH_PATHS.has(request.path) ? checkOAuth(request) : checkOperation(request);
}
