import type { FastifyInstance } from "fastify";
import { AppError } from "./errors.js";

/**
 * Text PostgreSQL cannot store. NUL (U+0000) is refused in `text` and in `jsonb`. An unpaired
 * UTF-16 surrogate has no UTF-8 encoding: a `text` column silently stores U+FFFD instead, and
 * `jsonb` refuses the `\ud800` escape, so one value could half-succeed inside a transaction.
 * Neither comes from a keyboard; both are refused rather than repaired, because a repaired value
 * is not what the person sent (and a post is published as written).
 */
const UNPAIRED_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

function unstorableText(value: string): string | undefined {
  if (value.includes("\u0000")) return "contains a NUL character (U+0000)";
  const surrogate = UNPAIRED_SURROGATE.exec(value);
  if (surrogate) {
    const codePoint = surrogate[0].charCodeAt(0).toString(16).toUpperCase();
    return `contains an unpaired surrogate (U+${codePoint}), which is not valid Unicode text`;
  }
  return undefined;
}

interface Visit {
  value: unknown;
  key?: string;
  parent?: Visit;
}

function pathOf(visit: Visit): string[] {
  const path: string[] = [];
  for (let at: Visit | undefined = visit; at?.parent; at = at.parent) path.push(at.key!);
  return path.reverse();
}

/**
 * Plain containers only (parsed JSON, a parsed query string, whose prototype chain is bare):
 * raw upload bodies (Buffers) and streams are not text.
 */
function childrenOf(value: unknown): [string, unknown][] | undefined {
  if (Array.isArray(value)) return value.map((item, index) => [String(index), item]);
  if (typeof value !== "object" || value === null) return undefined;
  const prototype = Object.getPrototypeOf(value);
  const plain = prototype === null || Object.getPrototypeOf(prototype) === null;
  return plain ? Object.entries(value) : undefined;
}

/**
 * The first string or key, in document order, that cannot be stored, with its dotted path.
 * Iterative, so a body nested a hundred thousand levels deep costs a loop, not the stack.
 */
function findUnstorableText(root: unknown): { path: string[]; problem: string } | undefined {
  const pending: Visit[] = [{ value: root }];
  while (pending.length > 0) {
    const visit = pending.pop()!;
    if (typeof visit.value === "string") {
      const problem = unstorableText(visit.value);
      if (problem) return { path: pathOf(visit), problem };
      continue;
    }
    const children = childrenOf(visit.value);
    if (!children) continue;
    for (let index = children.length - 1; index >= 0; index--) {
      const [key, value] = children[index]!;
      const keyProblem = unstorableText(key);
      if (keyProblem) return { path: [...pathOf(visit), key], problem: `has a field name that ${keyProblem}` };
      pending.push({ value, key, parent: visit });
    }
  }
  return undefined;
}

/**
 * Every route's path parameters, query string and body are checked before validation, so no
 * route can forget a field and no such value reaches the database.
 */
export function registerTextSanitation(app: FastifyInstance): void {
  app.addHook("preValidation", async (request) => {
    const parts: [string, unknown][] = [
      ["path", request.params],
      ["query string", request.query],
      ["body", request.body],
    ];
    for (const [part, value] of parts) {
      const found = findUnstorableText(value);
      if (!found) continue;
      const field = found.path.length > 0 ? found.path.join(".") : undefined;
      throw new AppError(
        400,
        "invalid_text",
        `${field ?? `The ${part}`} ${found.problem}: remove it and try again.`,
        field,
      );
    }
  });
}
