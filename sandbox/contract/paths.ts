/** Path templates (`/2/users/{id}/tweets`) matched segment by segment. */

export interface PathTemplate {
  template: string;
  segments: { literal?: string; param?: string }[];
  /** Literal segments: where two templates match, the more literal one is the route (`/2/users/me` over `/2/users/{id}`). */
  literals: number;
}

export function compileTemplate(template: string): PathTemplate {
  const segments = template
    .replace(/^\//, "")
    .split("/")
    .map((segment) => {
      const param = /^\{([^}]+)\}$/.exec(segment)?.[1];
      return param ? { param } : { literal: segment };
    });
  return { template, segments, literals: segments.filter((segment) => segment.literal !== undefined).length };
}

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** The template's parameters when the path matches it. */
export function matchTemplate(template: PathTemplate, path: string): Record<string, string> | undefined {
  const parts = path.replace(/^\//, "").split("/");
  if (parts.length !== template.segments.length) return undefined;
  const params: Record<string, string> = {};
  for (const [index, segment] of template.segments.entries()) {
    const part = parts[index]!;
    if (segment.literal !== undefined) {
      if (segment.literal !== part) return undefined;
    } else {
      if (part === "") return undefined;
      params[segment.param!] = decode(part);
    }
  }
  return params;
}

/** Every candidate whose template matches, the most literal first. */
export function matchAll<T extends { path: PathTemplate }>(
  candidates: readonly T[],
  path: string,
): { candidate: T; params: Record<string, string> }[] {
  return candidates
    .map((candidate) => ({ candidate, params: matchTemplate(candidate.path, path) }))
    .filter((found): found is { candidate: T; params: Record<string, string> } => found.params !== undefined)
    .sort((a, b) => b.candidate.path.literals - a.candidate.path.literals);
}
