import type { ValidateFunction } from "ajv";
import { compileTemplate, matchAll, type PathTemplate } from "./paths.js";
import { FILE_PART, formFields, nameList, type BodyKind, type CheckedRequest } from "./request.js";
import { describeErrors, newAjv } from "./schema.js";

/**
 * A hand-written contract for platforms that publish no machine-readable spec: one row per
 * request a client may send, each with the documentation it was read from. Rows name what the
 * product sends (`sentBy`) so a row nobody sends can be told from one the product relies on.
 */

/** Graph API field selections: the names a node offers, and what an expansion `name{…}` opens. */
export interface GraphFields {
  names: ReadonlySet<string>;
  nested?: Readonly<Record<string, GraphFields>>;
}

export interface ValueRule {
  enum?: readonly string[];
  /** A comma-separated list, each item one of these. */
  list?: readonly string[];
  pattern?: RegExp;
  type?: "integer" | "boolean" | "json";
  graphFields?: GraphFields;
  /** Values the platform has retired or refuses, though the parameter itself is fine. */
  refused?: { values: RegExp; reason: string };
}

export interface ParamRule extends ValueRule {
  required?: boolean;
}

export type Method = "GET" | "POST" | "PUT" | "DELETE";

export interface ContractRow {
  id: string;
  method: Method;
  /** A template: `{name}` stands for one path segment. */
  path: string;
  pathParams?: Readonly<Record<string, RegExp>>;
  query?: Readonly<Record<string, ParamRule>>;
  /** Parameter names that are families (`attached_media[0]`, `attached_media[1]`, …). */
  queryPatterns?: readonly { name: RegExp; rule: ParamRule }[];
  /** Query string and form body are one set of parameters (Meta's Graph API reads both alike). */
  merged?: boolean;
  body?: {
    kinds: readonly BodyKind[];
    fields?: Readonly<Record<string, ParamRule>>;
    fieldPatterns?: readonly { name: RegExp; rule: ParamRule }[];
    /** JSON Schema for a JSON body. */
    schema?: object;
  };
  /** Headers the platform requires, each value matching. */
  headers?: Readonly<Record<string, RegExp>>;
  /** Rules that tie parameters together (one of two required, a value only with another). */
  check?: (values: Readonly<Record<string, string>>, request: CheckedRequest) => string | undefined;
  /** Where the product sends it (file and function); empty when only the sandbox's own tests do. */
  sentBy: readonly string[];
  sources: readonly string[];
  /** Set when a detail could not be confirmed from an official source: what the row relies on instead. */
  unconfirmed?: string;
  /** What the row leaves out on purpose. */
  note?: string;
}

interface CompiledRow {
  row: ContractRow;
  path: PathTemplate;
  validate?: ValidateFunction;
}

/** Top-level names of a Graph `fields` selection, with their expansions: `a,b{c,d}.limit(5),e`. */
export function parseGraphFields(text: string): { name: string; inner?: string }[] {
  const found: { name: string; inner?: string }[] = [];
  let depth = 0;
  let current = "";
  const push = () => {
    const item = current.trim();
    current = "";
    if (!item) return;
    const open = item.indexOf("{");
    const head = open < 0 ? item : item.slice(0, open);
    const name = head.split(".")[0]!.trim();
    found.push(open < 0 ? { name } : { name, inner: item.slice(open + 1, item.lastIndexOf("}")) });
  };
  for (const character of text) {
    if (character === "{" || character === "(") depth += 1;
    if (character === "}" || character === ")") depth -= 1;
    if (character === "," && depth === 0) push();
    else current += character;
  }
  push();
  return found;
}

function checkGraphFields(text: string, fields: GraphFields, where: string): string | undefined {
  for (const { name, inner } of parseGraphFields(text)) {
    if (!fields.names.has(name)) return `${where} asks for \`${name}\`, which the node does not have`;
    const nested = fields.nested?.[name];
    if (inner !== undefined && nested) {
      const problem = checkGraphFields(inner, nested, `${where} ${name}{…}`);
      if (problem) return problem;
    }
  }
  return undefined;
}

export function checkValue(name: string, value: string, rule: ValueRule): string | undefined {
  if (value === FILE_PART) return undefined;
  if (rule.enum && !rule.enum.includes(value)) return `\`${name}\` is \`${value}\`; allowed: ${rule.enum.join(", ")}`;
  if (rule.list) {
    const unknown = value
      .split(",")
      .map((item) => item.trim())
      .filter((item) => !rule.list!.includes(item));
    if (unknown.length > 0)
      return `\`${name}\` has ${unknown.map((item) => `\`${item}\``).join(", ")}, not among: ${nameList(rule.list, 40)}`;
  }
  if (rule.pattern && !rule.pattern.test(value)) return `\`${name}\` is \`${value}\`, not of the form ${rule.pattern}`;
  if (rule.type === "integer" && !/^-?\d+$/.test(value)) return `\`${name}\` is \`${value}\`, not an integer`;
  if (rule.type === "boolean" && !/^(true|false)$/.test(value)) return `\`${name}\` is \`${value}\`, not true or false`;
  if (rule.type === "json") {
    try {
      JSON.parse(value);
    } catch {
      return `\`${name}\` is not JSON`;
    }
  }
  if (rule.graphFields) {
    const problem = checkGraphFields(value, rule.graphFields, `\`${name}\``);
    if (problem) return problem;
  }
  if (rule.refused) {
    const hit = value
      .split(",")
      .map((item) => item.trim())
      .find((item) => rule.refused!.values.test(item));
    if (hit) return `\`${name}\` has \`${hit}\`: ${rule.refused.reason}`;
  }
  return undefined;
}

function ruleFor(
  name: string,
  rules: Readonly<Record<string, ParamRule>> | undefined,
  patterns: readonly { name: RegExp; rule: ParamRule }[] | undefined,
): ParamRule | undefined {
  return rules?.[name] ?? patterns?.find((pattern) => pattern.name.test(name))?.rule;
}

function checkParams(
  where: string,
  values: Record<string, string>,
  rules: Readonly<Record<string, ParamRule>> | undefined,
  patterns: readonly { name: RegExp; rule: ParamRule }[] | undefined,
  checkRequired: boolean,
): string | undefined {
  for (const [name, value] of Object.entries(values)) {
    const rule = ruleFor(name, rules, patterns);
    if (!rule) {
      const allowed = [...Object.keys(rules ?? {}), ...(patterns ?? []).map((pattern) => String(pattern.name))];
      return `${where} \`${name}\` is not a documented parameter (documented: ${nameList(allowed) || "none"})`;
    }
    const problem = checkValue(name, value, rule);
    if (problem) return `${where} ${problem}`;
  }
  if (checkRequired) {
    const missing = Object.entries(rules ?? {}).find(([name, rule]) => rule.required && !(name in values));
    if (missing) return `${where} required \`${missing[0]}\` is missing`;
  }
  return undefined;
}

/** One value per name: the platforms read the first of a repeated parameter, and so does the check. */
function queryValues(query: URLSearchParams): Record<string, string> {
  const values: Record<string, string> = {};
  for (const [name, value] of query) if (!(name in values)) values[name] = value;
  return values;
}

/** A JSON body's top-level members as the parameters Graph reads them as (objects as JSON text). */
function jsonParams(request: CheckedRequest): Record<string, string> {
  if (request.bodyKind !== "json" || !request.body || typeof request.body !== "object" || Array.isArray(request.body))
    return {};
  return Object.fromEntries(
    Object.entries(request.body as Record<string, unknown>).map(([name, value]) => [
      name,
      typeof value === "string" ? value : JSON.stringify(value),
    ]),
  );
}

export function tableChecker(
  label: string,
  rows: readonly ContractRow[],
): (request: CheckedRequest) => string | undefined {
  let compiled: CompiledRow[] | undefined;
  const ajv = newAjv();
  const compile = () =>
    (compiled ??= rows.map((row) => ({
      row,
      path: compileTemplate(row.path),
      validate: row.body?.schema ? ajv.compile(row.body.schema) : undefined,
    })));

  return (request) => {
    const matches = matchAll(compile(), request.path);
    if (matches.length === 0) return `${label}: no documented endpoint matches ${request.path}`;
    const found = matches.find((match) => match.candidate.row.method === request.method);
    if (!found) {
      const methods = [...new Set(matches.map((match) => `${match.candidate.row.method} ${match.candidate.row.path}`))];
      return `${label}: ${request.method} ${request.path} is not documented (documented: ${methods.join(", ")})`;
    }
    const { row, validate } = found.candidate;
    const where = `${label} ${row.method} ${row.path}:`;

    for (const [name, pattern] of Object.entries(row.pathParams ?? {})) {
      const value = found.params[name];
      if (value !== undefined && !pattern.test(value))
        return `${where} path segment {${name}} is \`${value}\`, not of the form ${pattern}`;
    }
    if (request.routeOnly) return undefined;

    for (const [name, pattern] of Object.entries(row.headers ?? {})) {
      const value = request.headers[name];
      if (value === undefined) return `${where} the \`${name}\` header is required`;
      if (!pattern.test(value)) return `${where} the \`${name}\` header is \`${value}\`, not of the form ${pattern}`;
    }

    const query = queryValues(request.query);
    const fields = formFields(request);
    const body = row.body;
    // A POST whose body was not handed over cannot be judged for what it lacks.
    const bodyInspected = request.method === "GET" || request.method === "DELETE" || request.bodyKind !== "none";

    if (request.bodyKind !== "none" && body && !body.kinds.includes(request.bodyKind))
      return `${where} the body is ${request.bodyKind}; it takes ${body.kinds.join(" or ")}`;
    if (request.bodyKind !== "none" && request.bodyKind !== "binary" && !body && request.body !== undefined)
      return `${where} takes no body, and one was sent (${request.contentType ?? request.bodyKind})`;

    let values = query;
    if (row.merged) {
      values = { ...query, ...(fields ?? jsonParams(request)) };
      const problem = checkParams(
        where,
        values,
        { ...row.query, ...body?.fields },
        [...(row.queryPatterns ?? []), ...(body?.fieldPatterns ?? [])],
        bodyInspected,
      );
      if (problem) return problem;
    } else {
      const problem = checkParams(where, query, row.query, row.queryPatterns, true);
      if (problem) return problem;
      if (fields && body) {
        const bodyProblem = checkParams(`${where} body`, fields, body.fields, body.fieldPatterns, true);
        if (bodyProblem) return bodyProblem;
        values = { ...query, ...fields };
      }
    }

    if (request.bodyKind === "json" && validate && request.body !== undefined && !validate(request.body))
      return `${where} ${describeErrors(validate.errors, "body")}`;

    if (row.check && bodyInspected) {
      const problem = row.check(values, request);
      if (problem) return `${where} ${problem}`;
    }
    return undefined;
  };
}

/** What RFC 6749 asks of each grant at a token endpoint (§4.1.3, §6), whichever platform's it is. */
export function tokenGrantCheck(values: Record<string, string | undefined>): string | undefined {
  if (values.grant_type === "authorization_code" && (!values.code || !values.redirect_uri))
    return "grant_type=authorization_code needs `code` and `redirect_uri`";
  if (values.grant_type === "refresh_token" && !values.refresh_token)
    return "grant_type=refresh_token needs `refresh_token`";
  return undefined;
}
