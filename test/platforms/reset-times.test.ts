import assert from "node:assert/strict";
import { test } from "node:test";
import { nextMidnight } from "../../src/platforms/reset-times.js";

test("a quota resetting at midnight Pacific comes back at the next local midnight, across a clock change", () => {
  const justAfterMidnightOnFallBackDay = Date.parse("2026-11-01T07:30:00Z");
  assert.equal(
    nextMidnight("America/Los_Angeles", justAfterMidnightOnFallBackDay).toISOString(),
    "2026-11-02T08:00:00.000Z",
  );
  const justAfterMidnightOnSpringForwardDay = Date.parse("2026-03-08T08:30:00Z");
  assert.equal(
    nextMidnight("America/Los_Angeles", justAfterMidnightOnSpringForwardDay).toISOString(),
    "2026-03-09T07:00:00.000Z",
  );
});

test("a quota resetting at midnight UTC comes back at the next UTC midnight", () => {
  assert.equal(nextMidnight("UTC", Date.parse("2026-11-26T23:59:59.500Z")).toISOString(), "2026-11-27T00:00:00.000Z");
  assert.equal(nextMidnight("UTC", Date.parse("2026-11-26T00:00:00Z")).toISOString(), "2026-11-27T00:00:00.000Z");
});
