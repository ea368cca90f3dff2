import { randomUUID } from "node:crypto";
import fc from "fast-check";

/** The part of JSON Schema the API's documents use. */
export interface JsonSchema {
  type?: string | string[];
  format?: string;
  pattern?: string;
  enum?: unknown[];
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  minItems?: number;
  items?: JsonSchema;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  anyOf?: JsonSchema[];
  default?: unknown;
}

export interface Parameter {
  name: string;
  in: "path" | "query";
  required?: boolean;
  schema: JsonSchema;
}

/** One method on one path of the OpenAPI document: what the fuzz and the tenant walk call. */
export interface Operation {
  method: string;
  /** OpenAPI style: /api/posts/{id}. */
  path: string;
  parameters: Parameter[];
  body?: JsonSchema;
}

export async function readOperations(baseUrl: URL): Promise<Operation[]> {
  const answer = await fetch(new URL("/api/docs/json", baseUrl));
  if (answer.status !== 200) throw new Error(`the OpenAPI document answered ${answer.status}`);
  const document = (await answer.json()) as {
    paths: Record<
      string,
      Record<string, { parameters?: Parameter[]; requestBody?: { content: Record<string, { schema: JsonSchema }> } }>
    >;
  };
  return Object.entries(document.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, operation]) => ({
      method: method.toUpperCase(),
      path,
      parameters: operation.parameters ?? [],
      body: operation.requestBody?.content["application/json"]?.schema,
    })),
  );
}

/** The Fastify route of an operation (/api/posts/:id), as the app's route table writes it. */
export const routeOf = (operation: Pick<Operation, "path">) => operation.path.replace(/\{(\w+)\}/g, ":$1");

export const operationName = (operation: Pick<Operation, "method" | "path">) => `${operation.method} ${operation.path}`;

/**
 * Percent-encodes text for a URL. An unpaired surrogate has no UTF-8 form (encodeURIComponent
 * throws), so it goes as the three bytes a careless encoder would write (WTF-8): invalid UTF-8.
 */
export function encodeForUrl(text: string): string {
  return text.replace(/[\ud800-\udbff][\udc00-\udfff]|[\s\S]/g, (unit) => {
    const code = unit.charCodeAt(0);
    if (unit.length === 2 || code < 0xd800 || code > 0xdfff) return encodeURIComponent(unit);
    return [0xe0 | (code >> 12), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f)]
      .map((byte) => `%${byte.toString(16).toUpperCase()}`)
      .join("");
  });
}

/** Fills the path's parameters, each value URL-encoded. */
export function concretePath(operation: Pick<Operation, "path">, values: Record<string, string>): string {
  return operation.path.replace(/\{(\w+)\}/g, (_, name: string) => encodeForUrl(values[name] ?? "x"));
}

/**
 * Values that pass a field's schema (or come close): what every field but the one under test
 * holds, so a request reaches past validation into the handler. `known` offers real values by
 * field name (an account's id, a bot token) where the schema cannot say what exists.
 */
export function validValue(schema: JsonSchema, name: string, known: Record<string, unknown> = {}): unknown {
  if (name in known) return known[name];
  if (schema.anyOf) return validValue(schema.anyOf.find((option) => option.type !== "null") ?? {}, name, known);
  if (schema.enum) return schema.enum[0];
  if (schema.default !== undefined) return schema.default;
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case "object":
      return Object.fromEntries(
        (schema.required ?? []).map((property) => [
          property,
          validValue(schema.properties?.[property] ?? {}, property, known),
        ]),
      );
    case "array":
      return Array.from({ length: schema.minItems ?? 0 }, () => validValue(schema.items ?? {}, name, known));
    case "integer":
    case "number":
      return schema.minimum ?? 1;
    case "boolean":
      return true;
    default:
      break;
  }
  if (schema.format === "uuid") return randomUUID();
  if (schema.format === "email") return `fuzz-${randomUUID().slice(0, 8)}@example.com`;
  if (schema.format === "date-time") return new Date(Date.now() + 86_400_000).toISOString();
  if (schema.format === "uri") return "https://example.com/";
  if (schema.pattern) {
    const [sample] = fc.sample(fc.stringMatching(new RegExp(schema.pattern)), { numRuns: 1, seed: 1 });
    return sample;
  }
  return "x".repeat(Math.max(schema.minLength ?? 1, 1));
}

/** Every field of a body, nested ones by their dotted path (`options.youtube.title`, `mediaIds.0`). */
export function fieldPaths(schema: JsonSchema, prefix: string[] = []): string[][] {
  const paths: string[][] = prefix.length > 0 ? [prefix] : [];
  for (const [property, child] of Object.entries(schema.properties ?? {}))
    paths.push(...fieldPaths(child, [...prefix, property]));
  if (schema.items) paths.push(...fieldPaths(schema.items, [...prefix, "0"]));
  return paths;
}

/** A copy of `body` with the value at `path` replaced (containers on the way are created). */
export function withValueAt(body: unknown, path: string[], value: unknown): unknown {
  if (path.length === 0) return value;
  const [head, ...rest] = path as [string, ...string[]];
  const container: Record<string, unknown> | unknown[] = Array.isArray(body)
    ? [...body]
    : typeof body === "object" && body !== null
      ? { ...body }
      : /^\d+$/.test(head)
        ? []
        : {};
  (container as Record<string, unknown>)[head] = withValueAt((container as Record<string, unknown>)[head], rest, value);
  return container;
}
