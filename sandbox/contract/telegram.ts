import { FILE_PART, formFields, nameList, type CheckedRequest } from "./request.js";
import { loadSpec } from "./specs.js";

/**
 * The Telegram Bot API, from its spec as JSON (sandbox/specs/telegram-bot-api.min.json, scraped
 * from https://core.telegram.org/bots/api). Parameters may come in the query string, a JSON body,
 * a form or multipart; Telegram reads them as one set, and so does the check.
 */

interface Field {
  name: string;
  types: string[];
  required: boolean;
  description?: string;
}

interface TypeSpec {
  name: string;
  fields?: Field[];
  subtypes?: string[];
}

interface BotApi {
  methods: Record<string, { name: string; fields?: Field[] }>;
  types: Record<string, TypeSpec>;
}

let api: { spec: BotApi; byLowerName: Map<string, { name: string; fields: Field[] }> } | undefined;

function load() {
  if (api) return api;
  const spec = loadSpec<BotApi>("telegram-bot-api.min.json");
  // "All methods in the Bot API are case-insensitive." (https://core.telegram.org/bots/api#making-requests)
  const byLowerName = new Map(
    Object.values(spec.methods).map((method) => [
      method.name.toLowerCase(),
      { name: method.name, fields: method.fields ?? [] },
    ]),
  );
  api = { spec, byLowerName };
  return api;
}

/** The value an InputMedia* type's `type` field must have, from its description ("must be photo"). */
function discriminator(type: TypeSpec): string | undefined {
  const field = type.fields?.find((candidate) => candidate.name === "type");
  return field?.description ? /must be (\w+)/.exec(field.description)?.[1] : undefined;
}

/**
 * Whether a value is of a type expression (`Integer`, `Array of InputMediaPhoto`, a type name).
 * `text` values come from a query string or a form, where Telegram reads numbers and booleans
 * from their text and objects as JSON; in a JSON body they are JSON values.
 */
function typeProblem(expression: string, value: unknown, where: string, text: boolean): string | undefined {
  const spec = load().spec;
  if (expression.startsWith("Array of ")) {
    let array = value;
    if (text && typeof value === "string") {
      try {
        array = JSON.parse(value);
      } catch {
        return `${where} must be a JSON-serialized array`;
      }
    }
    if (!Array.isArray(array)) return `${where} must be an array`;
    for (const [index, item] of array.entries()) {
      const problem = typeProblem(expression.slice("Array of ".length), item, `${where}[${index}]`, false);
      if (problem) return problem;
    }
    return undefined;
  }
  const scalar = typeof value === "string" || typeof value === "number" || typeof value === "boolean";
  switch (expression) {
    case "Integer":
      return (typeof value === "number" && Number.isInteger(value)) ||
        (typeof value === "string" && /^-?\d+$/.test(value))
        ? undefined
        : `${where} must be an Integer (it is ${JSON.stringify(value)})`;
    case "Float":
      return (typeof value === "number" && Number.isFinite(value)) ||
        (typeof value === "string" && value.trim() !== "" && Number.isFinite(Number(value)))
        ? undefined
        : `${where} must be a Float (it is ${JSON.stringify(value)})`;
    case "Boolean":
      return typeof value === "boolean" || value === "true" || value === "false"
        ? undefined
        : `${where} must be a Boolean (it is ${JSON.stringify(value)})`;
    case "String":
      return scalar && typeof value !== "boolean" ? undefined : `${where} must be a String`;
    case "InputFile":
      return value === FILE_PART || typeof value === "string"
        ? undefined
        : `${where} must be a file or a file reference`;
  }
  const type = spec.types[expression];
  if (!type) return undefined;
  let object = value;
  if (text && typeof value === "string") {
    try {
      object = JSON.parse(value);
    } catch {
      return `${where} must be a JSON-serialized ${expression}`;
    }
  }
  if (type.subtypes) return unionProblem(type.subtypes, object, where, false);
  if (!object || typeof object !== "object" || Array.isArray(object)) return `${where} must be a ${expression} object`;
  const record = object as Record<string, unknown>;
  const fields = type.fields ?? [];
  for (const name of Object.keys(record)) {
    if (!fields.some((field) => field.name === name))
      return `${where} has \`${name}\`, which ${expression} does not have (fields: ${nameList(fields.map((field) => field.name))})`;
  }
  for (const field of fields) {
    if (!(field.name in record)) {
      if (field.required) return `${where} lacks the required \`${field.name}\` of ${expression}`;
      continue;
    }
    const expected = field.name === "type" ? discriminator(type) : undefined;
    if (expected && record.type !== expected) return `${where}.type must be \`${expected}\` in ${expression}`;
    const problem = unionProblem(field.types, record[field.name], `${where}.${field.name}`, false);
    if (problem) return problem;
  }
  return undefined;
}

/** Fine when any of the types fits; for tagged objects, the one whose `type` matches explains the failure. */
function unionProblem(types: string[], value: unknown, where: string, text: boolean): string | undefined {
  // The spec writes sendMediaGroup's `media` as "Array of InputMediaPhoto" or "Array of
  // InputMediaVideo" …, where the page means one album mixing them: an array of any of the kinds.
  if (types.length > 1 && types.every((type) => type.startsWith("Array of "))) {
    let array = value;
    if (text && typeof value === "string") {
      try {
        array = JSON.parse(value);
      } catch {
        return `${where} must be a JSON-serialized array`;
      }
    }
    if (!Array.isArray(array)) return `${where} must be an array`;
    const items = types.map((type) => type.slice("Array of ".length));
    for (const [index, item] of array.entries()) {
      const problem = unionProblem(items, item, `${where}[${index}]`, false);
      if (problem) return problem;
    }
    return undefined;
  }
  const problems = types.map((type) => typeProblem(type, value, where, text));
  if (problems.some((problem) => problem === undefined)) return undefined;
  const spec = load().spec;
  const tag = (item: unknown) =>
    item && typeof item === "object" && !Array.isArray(item) ? (item as Record<string, unknown>).type : undefined;
  const sample = Array.isArray(value) ? value.find((item) => tag(item) !== undefined) : value;
  const wanted = tag(sample);
  const tagged = types.findIndex((type) => {
    const named = spec.types[type.replace(/^(Array of )+/, "")];
    return named !== undefined && wanted !== undefined && discriminator(named) === wanted;
  });
  if (tagged >= 0) return problems[tagged];
  return problems.length === 1 ? problems[0] : `${where} must be ${types.join(" or ")}`;
}

/** Counts the spec states only in prose: sendMediaGroup's media "must include 2-10 items". */
function countProblem(field: Field, value: unknown, key: string): string | undefined {
  const range = /must include (\d+)-(\d+) items/.exec(field.description ?? "");
  if (!range) return undefined;
  let items = value;
  if (typeof value === "string") {
    try {
      items = JSON.parse(value);
    } catch {
      return undefined;
    }
  }
  if (!Array.isArray(items)) return undefined;
  const [min, max] = [Number(range[1]), Number(range[2])];
  return items.length < min || items.length > max
    ? `\`${key}\` has ${items.length} items; it must have ${min} to ${max}`
    : undefined;
}

function jsonBody(request: CheckedRequest): Record<string, unknown> | undefined {
  if (request.bodyKind !== "json" || !request.body || typeof request.body !== "object" || Array.isArray(request.body))
    return undefined;
  return request.body as Record<string, unknown>;
}

const BOT_PATH = /^\/bot([^/]+)\/([^/]+)$/;
/** `123456:AA…` as BotFather issues them; the sandbox's journal writes `[redacted]` in its place. */
const TOKEN = /^(\d+:[A-Za-z0-9_-]+|\[redacted\])$/;

export function checkTelegram(request: CheckedRequest): string | undefined {
  const match = BOT_PATH.exec(request.path);
  if (!match) return `Telegram: ${request.path} is not a Bot API method path (/bot<token>/<method>)`;
  const [, token, name] = match;
  if (!TOKEN.test(token!)) return "Telegram: the path's bot token is not of the form <bot id>:<secret>";
  if (request.method !== "GET" && request.method !== "POST")
    return `Telegram: the Bot API takes GET and POST, not ${request.method}`;
  const method = load().byLowerName.get(name!.toLowerCase());
  if (!method) return `Telegram: \`${name}\` is not a Bot API method`;
  if (request.routeOnly) return undefined;
  const where = `Telegram ${method.name}:`;

  const values: Record<string, { value: unknown; text: boolean }> = {};
  for (const [key, value] of request.query) values[key] ??= { value, text: true };
  for (const [key, value] of Object.entries(formFields(request) ?? {})) values[key] = { value, text: true };
  for (const [key, value] of Object.entries(jsonBody(request) ?? {})) values[key] = { value, text: false };
  if (request.bodyKind === "json" && request.body !== undefined && !jsonBody(request))
    return `${where} a JSON body must be an object of parameters`;

  // Files referenced as attach://<name> travel as multipart parts of that name.
  const attached = new Set(
    JSON.stringify(Object.values(values).map((entry) => entry.value))
      .match(/attach:\/\/[^"\\]+/g)
      ?.map((reference) => reference.slice("attach://".length)) ?? [],
  );
  for (const [key, { value, text }] of Object.entries(values)) {
    const field = method.fields.find((candidate) => candidate.name === key);
    if (!field) {
      if (attached.has(key) && value === FILE_PART) continue;
      return `${where} \`${key}\` is not a parameter of ${method.name} (parameters: ${
        nameList(
          method.fields.map((candidate) => candidate.name),
          40,
        ) || "none"
      })`;
    }
    // A multipart upload of an InputFile is a file part; anything else is the field's own value.
    if (value === FILE_PART && !field.types.includes("InputFile"))
      return `${where} \`${key}\` was sent as a file, and it takes ${field.types.join(" or ")}`;
    const problem = unionProblem(field.types, value, `\`${key}\``, text) ?? countProblem(field, value, key);
    if (problem) return `${where} ${problem}`;
  }
  // What the body holds is unknown when it was not handed over (a multipart stream): nothing can be missing.
  const inspected = request.method === "GET" || request.bodyKind !== "none" || request.query.size > 0;
  if (inspected && (request.bodyKind !== "multipart" || request.body !== undefined)) {
    const missing = method.fields.find((field) => field.required && !(field.name in values));
    if (missing) return `${where} required \`${missing.name}\` is missing`;
  }
  return undefined;
}
