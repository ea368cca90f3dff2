import { useQueries } from "@tanstack/react-query";
import type { AccountAllowance } from "../../../src/platforms/profile";
import { platformProfiles } from "../../../src/platforms/profiles";
import { api, type Connection, type PlatformId } from "../api";

/** What every chosen account of a platform allows: a choice must suit them all, a switch off in one is off. */
function combined(allowances: AccountAllowance[]): AccountAllowance {
  const choices: Record<string, string[]> = {};
  for (const allowance of allowances)
    for (const [key, values] of Object.entries(allowance.choices ?? {}))
      choices[key] = choices[key] ? choices[key].filter((value) => values.includes(value)) : values;
  const longest = allowances.flatMap((allowance) => allowance.maxVideoSeconds ?? []);
  return {
    postingAs: allowances.flatMap((allowance) => allowance.postingAs ?? []).join(", ") || undefined,
    choices,
    disabled: [...new Set(allowances.flatMap((allowance) => allowance.disabled ?? []))],
    ...(longest.length ? { maxVideoSeconds: Math.min(...longest) } : {}),
  };
}

/** Asks each chosen account's platform what it allows now, where the platform says, per platform. */
export function useAllowances(chosen: Connection[]): {
  byPlatform: Partial<Record<PlatformId, AccountAllowance>>;
  problems: string[];
} {
  const asked = chosen.filter((connection) => platformProfiles[connection.platform].optionFields.length > 0);
  const answers = useQueries({
    queries: asked.map((connection) => ({
      queryKey: ["allowance", connection.id],
      queryFn: () => api("GET", "/api/social-media/connections/{id}/allowance", { path: { id: connection.id } }),
      staleTime: 60_000,
      retry: false,
    })),
  });
  const byPlatform: Partial<Record<PlatformId, AccountAllowance[]>> = {};
  const problems: string[] = [];
  answers.forEach((answer, index) => {
    const connection = asked[index]!;
    if (answer.data) (byPlatform[connection.platform] ??= []).push(answer.data.allowance);
    if (answer.error) problems.push(`${connection.name}: ${(answer.error as Error).message}`);
  });
  return {
    byPlatform: Object.fromEntries(
      Object.entries(byPlatform).map(([platform, allowances]) => [platform, combined(allowances)]),
    ),
    problems,
  };
}
