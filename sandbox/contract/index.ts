import { checkLinkedIn, linkedinRows } from "./linkedin.js";
import { checkMeta, metaRows } from "./meta.js";
import { normalise, type CheckedRequest, type ContractPlatform, type ContractRequest } from "./request.js";
import type { ContractRow } from "./table.js";
import { checkTelegram } from "./telegram.js";
import { checkTikTok, tiktokRows } from "./tiktok.js";
import { checkX, xOAuthRows } from "./x.js";
import { checkGoogle, googleOAuthRows } from "./youtube.js";

export type { ContractPlatform, ContractRequest } from "./request.js";
export type { ContractRow } from "./table.js";
export { fromSandboxPath, isSandboxOnly, journalRequest, parseJournal, type JournalRequest } from "./journal.js";

const checkers: Record<ContractPlatform, (request: CheckedRequest) => string | undefined> = {
  x: checkX,
  youtube: checkGoogle,
  google: checkGoogle,
  telegram: checkTelegram,
  facebook: checkMeta,
  instagram: checkMeta,
  meta: checkMeta,
  linkedin: checkLinkedIn,
  tiktok: checkTikTok,
};

/**
 * Why the platform would refuse this request, by its published spec (X, YouTube, Telegram) or
 * the documented contract table (Meta, LinkedIn, TikTok); undefined when it is allowed.
 *
 * Specs are read and compiled on first use, per platform, and validators are kept: a check is a
 * path match and a few lookups, cheap enough to run on every request the sandbox serves.
 */
export function contractViolation(request: ContractRequest, options: { routeOnly?: boolean } = {}): string | undefined {
  const check = checkers[request.platform];
  if (!check) return `no contract is known for the platform \`${request.platform}\``;
  return check(normalise(request, options.routeOnly));
}

/** The hand-written tables, per sandbox prefix, for reports and for the tests that keep them honest. */
export const contractTables: Readonly<Record<string, readonly ContractRow[]>> = {
  x: xOAuthRows,
  google: googleOAuthRows,
  meta: metaRows,
  linkedin: linkedinRows,
  tiktok: tiktokRows,
};
