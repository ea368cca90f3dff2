import { readFileSync } from "node:fs";

/**
 * The platforms' published specs, as copied into sandbox/specs. Read on first use and kept:
 * most test files never check a request, and those that do check many.
 */
const cache = new Map<string, unknown>();

export function loadSpec<T>(file: string): T {
  let spec = cache.get(file);
  if (spec === undefined) {
    spec = JSON.parse(readFileSync(new URL(`../specs/${file}`, import.meta.url), "utf8"));
    cache.set(file, spec);
  }
  return spec as T;
}
