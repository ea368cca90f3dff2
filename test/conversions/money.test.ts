import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { amountPer, fromUnits, returnOnInvestment, sumAmounts, toUnits } from "../../src/conversions/money.js";

describe("exact money", () => {
  test("decimal text round-trips through units without a float's error", () => {
    assert.equal(toUnits("0.1") + toUnits("0.2"), toUnits("0.3"));
    assert.equal(fromUnits(toUnits("250")), "250.00");
    assert.equal(fromUnits(toUnits("0.0001")), "0.0001");
    assert.equal(fromUnits(toUnits("12.5")), "12.50");
    assert.equal(fromUnits(-toUnits("3.25")), "-3.25");
  });

  test("sums are exact over many small amounts", () => {
    assert.equal(sumAmounts(Array.from({ length: 1000 }, () => "0.01")), "10.00");
    assert.equal(sumAmounts([]), "0.00");
  });

  test("an amount per item rounds half up at the fourth decimal, and is null over none", () => {
    assert.equal(amountPer("100", 3), "33.3333");
    assert.equal(amountPer("2", 3), "0.6667");
    assert.equal(amountPer("100", 4), "25.00");
    assert.equal(amountPer("100", 0), null);
  });

  test("ROI is (revenue − cost) ÷ cost, and null without a cost", () => {
    assert.equal(returnOnInvestment("250.00", "100.00"), 1.5);
    assert.equal(returnOnInvestment("50", "100"), -0.5);
    assert.equal(returnOnInvestment("0", "100"), -1);
    assert.equal(returnOnInvestment("100", "300"), -0.666667);
    assert.equal(returnOnInvestment("250", "0"), null);
  });
});
