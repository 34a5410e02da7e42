/**
 * Lot execution decides caps and coverage exactly, as the verifier does: a float sum of lots can
 * round under a cap their exact value exceeds (6 lots of 87.8299 are 526.9794 > 526.9793999999999,
 * the double 6 * 87.8299), which took whole `npm start` jobs down on gameability's split waves.
 */
import { describe, expect, it } from "vitest";
import { executeInLots } from "../../src/heuristics/lots.js";
import { verifyAllocation } from "../../src/verify/verify.js";
import { makeWave } from "../exact/make-wave.js";

describe("executeInLots against the exact cap", () => {
  const capacity = 6 * 87.8299; // 526.9793999999999: below the lots' exact worth
  for (const scheme of ["floor-topup", "floor-lr", "ceil"] as const) {
    it(`${scheme}: never 6 lots of 87.8299 under a cap of 6 * 87.8299 (the double)`, () => {
      const wave = makeWave({ capacity: [capacity, 1000], budget: 400, objectives: [{ kind: "minmax" }], lots: { lotValue: [87.8299, 1], maxLots: [6, 1000] } });
      const execution = executeInLots(wave, Float64Array.from([capacity, 0]), Float64Array.from(wave.capacity), scheme);
      expect(execution.lots[0]).toBeLessThanOrEqual(5);
      const verdict = verifyAllocation(wave, execution);
      expect(verdict.violations.filter((v) => v.constraint === "capacity")).toEqual([]);
    });
  }
});
