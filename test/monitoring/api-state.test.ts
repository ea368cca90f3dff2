import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { stateOf, type StateEvidence } from "../../src/monitoring/api-health.js";

const slowP95Ms = 10_000;
const evidence = (overrides: Partial<StateEvidence>): StateEvidence => ({
  calls: 20,
  outages: 0,
  platformFailures: 0,
  ...overrides,
});

describe("a platform's state from a window's calls", () => {
  test("no calls, or calls that all worked, is operational", () => {
    assert.equal(stateOf(evidence({ calls: 0 }), slowP95Ms), "operational");
    assert.equal(stateOf(evidence({ p95Ms: 900 }), slowP95Ms), "operational");
  });

  test("half or more unanswered or 5xx over at least five calls is down", () => {
    assert.equal(stateOf(evidence({ calls: 5, outages: 3, platformFailures: 3 }), slowP95Ms), "down");
    assert.equal(stateOf(evidence({ calls: 20, outages: 10, platformFailures: 10 }), slowP95Ms), "down");
  });

  test("four failed calls of four are too few to call a platform down: degraded", () => {
    assert.equal(stateOf(evidence({ calls: 4, outages: 4, platformFailures: 4 }), slowP95Ms), "degraded");
  });

  test("a tenth failing on the platform's side (rate limits included) is degraded, less is not", () => {
    assert.equal(stateOf(evidence({ platformFailures: 2 }), slowP95Ms), "degraded");
    assert.equal(stateOf(evidence({ platformFailures: 1 }), slowP95Ms), "operational");
  });

  test("a p95 above the bound is degraded however few calls failed", () => {
    assert.equal(stateOf(evidence({ p95Ms: 12_000 }), slowP95Ms), "degraded");
  });
});
