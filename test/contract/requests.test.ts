import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { contractViolation, journalRequest, parseJournal } from "../../sandbox/contract/index.js";

/**
 * Every platform request a run recorded, checked against what the platform allows. The journal
 * is a file (SANDBOX_CONTRACT_JOURNAL): a JSON array, GET /_sandbox/journal's `{ entries }`, or
 * JSON Lines, each entry `{ platform?, method, path, query?, headers?, body? }` (see
 * sandbox/contract/journal.ts). Entries the sandbox faulted on purpose are left out: what a
 * test made the sandbox do is not the product's request.
 */
const file = process.env.SANDBOX_CONTRACT_JOURNAL;

test(
  "every journalled platform request is one its platform allows",
  { skip: file ? false : "SANDBOX_CONTRACT_JOURNAL names no journal file to check (set it to a recorded journal)" },
  () => {
    const entries = parseJournal(readFileSync(file!, "utf8"));
    const violations = new Map<string, string[]>();
    let checked = 0;
    for (const entry of entries) {
      if (entry.fault) continue;
      const found = journalRequest(entry);
      if (!found) continue;
      checked += 1;
      const violation = contractViolation(found.request, { routeOnly: found.routeOnly });
      if (!violation) continue;
      const seen = violations.get(violation) ?? [];
      seen.push(`${entry.method} ${entry.path}`);
      violations.set(violation, seen);
    }
    const report = [...violations].map(
      ([violation, requests]) => `${violation}\n    ${requests.length}× e.g. ${requests[0]}`,
    );
    assert.ok(checked > 0 || entries.length === 0, "the journal has entries, and none is a platform request");
    assert.equal(report.length, 0, `${report.length} kinds of request the platforms refuse:\n${report.join("\n")}`);
  },
);
