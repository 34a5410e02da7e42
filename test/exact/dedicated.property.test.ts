/**
 * Every dedicated algorithm against an independent reference, on random small waves (ties, zero
 * capacities, one-account waves, ineligible accounts, alpha caps): its allocation passes the
 * verifier, and its objective vector equals the lexicographic optimum HiGHS finds on a MIP/LP/QP
 * written by hand in highs-reference.ts. Infeasible waves: no allocation, and the certificate agrees.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { solveDedicated } from "../../src/pipeline/exact/index.js";
import { certify } from "../../src/pipeline/certificate/certificate.js";
import { verifyAllocation } from "../../src/pipeline/verify/verify.js";
import { arbitraryWave, progressiveFilling, rawCaps, type WaveShape } from "./arbitrary.js";
import { referenceSolve } from "./highs-reference.js";
import { makeWave, piecewise, power, type ObjectiveShorthand, type WaveSpec } from "./make-wave.js";

/** PROPERTY_RUNS=1500 for a long soak; 100 keeps the folder under its time budget. */
const runs = { numRuns: Number(process.env.PROPERTY_RUNS ?? 100) };

function closeTo(actual: number, expected: number, relative = 1e-6): boolean {
  return Math.abs(actual - expected) <= relative * Math.max(1, Math.abs(expected));
}

/** Runs the dedicated algorithm and the reference; checks verifier, objectives and the certificate. Returns the allocation's haircuts. */
async function agreesWithReference(spec: WaveSpec, expectedAlgorithm: RegExp): Promise<Float64Array | undefined> {
  const wave = makeWave(spec);
  const reference = await referenceSolve(wave);
  const dedicated = solveDedicated(wave);
  const certificate = certify(wave);
  if (reference.status === "infeasible") {
    expect(dedicated).toBeUndefined();
    expect(certificate.feasible).toBe(false);
    expect(certificate.shortfall).toBeGreaterThan(0);
    return undefined;
  }
  expect(certificate.feasible).toBe(true);
  expect(dedicated, "a dedicated algorithm should cover this feasible wave").toBeDefined();
  expect(dedicated!.algorithm).toMatch(expectedAlgorithm);
  const verdict = verifyAllocation(wave, dedicated!.allocation);
  expect(verdict.violations).toEqual([]);
  expect(verdict.ok).toBe(true);
  expect(verdict.objectives).toHaveLength(reference.objectives.length);
  verdict.objectives.forEach((value, s) => {
    const upper = reference.objectivesUpper[s]!;
    if (upper > reference.objectives[s]!) {
      // A bracketed stage: the dedicated optimum must lie within the reference's bounds.
      if (value < reference.objectives[s]! - 1e-6 * Math.max(1, upper) || !(value <= upper + 1e-6 * Math.max(1, upper))) {
        throw new Error(`stage ${s}: dedicated ${value} outside HiGHS bracket [${reference.objectives[s]}, ${upper}]`);
      }
    } else if (!closeTo(value, reference.objectives[s]!)) {
      throw new Error(`stage ${s}: dedicated ${value} vs HiGHS ${reference.objectives[s]} (all: ${verdict.objectives} vs ${reference.objectives})`);
    }
  });
  return dedicated!.allocation.haircut;
}

const sum = (values: ArrayLike<number>): number => Array.from(values).reduce((a, b) => a + b, 0);

const property = (shape: WaveShape, algorithm: RegExp, extra?: (spec: WaveSpec, haircut: Float64Array) => void) => async () => {
  await fc.assert(
    fc.asyncProperty(arbitraryWave(shape), async (spec) => {
      const haircut = await agreesWithReference(spec, algorithm);
      if (haircut && extra) extra(spec, haircut);
    }),
    runs,
  );
};

const minmax = fc.constant<ObjectiveShorthand>({ kind: "minmax" });
const sparsity = fc.constant<ObjectiveShorthand>({ kind: "sparsity" });
/** `weight: []` marks "random per-account weights" for the generator. */
const quadratic = fc.constantFrom<ObjectiveShorthand>({ kind: "convex", phi: power(2) }, { kind: "convex", phi: power(2), weight: [] });
const pwl = fc.constantFrom<ObjectiveShorthand>(
  { kind: "convex", phi: piecewise([[0, 0], [0.25, 0.1], [0.5, 0.4], [1, 1.5]]), weight: [] },
  { kind: "convex", phi: piecewise([[0, 0], [0.5, 0.5], [1, 2]]) },
  { kind: "convex", phi: piecewise([[0, 0], [1, 1]]), weight: [] },
);

describe("dedicated algorithms agree with HiGHS", () => {
  it("sparsity: greedy-l0 with caps, alpha, eligibility", property({ objective: sparsity, maxShare: 1.1 }, /^greedy-l0$/, (spec, h) => {
    expect(sum(h)).toBeCloseTo(spec.budget, 9);
  }));

  it("sparsity with maxAccounts", property({ objective: sparsity, maxAccounts: true, maxShare: 1 }, /^greedy-l0$/));

  it("sparsity with exact coverage", property({ objective: sparsity, exactCoverage: true }, /^greedy-l0$/));

  it("sparsity with lots, one position per account", property({ objective: sparsity, lots: "one", maxShare: 1.1 }, /^greedy-l0-lots$/));

  it("sparsity with lots, several positions per account", property({ objective: sparsity, lots: "several", maxShare: 1 }, /^greedy-l0-lots$/));

  it("minmax: water-filling equals HiGHS and the progressive-filling leximin vector; sum = B", property({ objective: minmax, maxShare: 1.1 }, /^(pro-rata|water-filling)$/, (spec, h) => {
    const scale = (spec.objectives![0] as { scale?: readonly number[] }).scale ?? spec.capacity;
    const expected = progressiveFilling(rawCaps(spec), scale, spec.budget);
    expected.forEach((x, i) => expect(h[i]).toBeCloseTo(x, 9));
    expect(Math.abs(sum(h) - spec.budget)).toBeLessThanOrEqual(1e-9 * Math.max(1, spec.budget));
  }));

  it("minmax with exact coverage", property({ objective: minmax, exactCoverage: true }, /^(pro-rata|water-filling)$/));

  it("convex x^2 (weights capacity or arbitrary): kkt-convex", property({ objective: quadratic, maxShare: 1.1 }, /^kkt-convex$/));

  it("convex piecewise-linear: greedy-pwl", property({ objective: pwl, maxShare: 1.1 }, /^greedy-pwl$/));

  it("lots minmax, one position per account", property({ objective: minmax, lots: "one", maxShare: 1.1 }, /^lots-minmax-breakpoints$/));

  it("lots minmax, several positions with one lot value per account", property({ objective: minmax, lots: "several-same-value" }, /^lots-minmax-breakpoints$/));

  it("seniority around water-filling", property({ objective: minmax, layers: true, maxShare: 1.1 }, /^seniority\((pro-rata|water-filling)\)$/));

  it("seniority around sparsity", property({ objective: sparsity, layers: true }, /^seniority\(greedy-l0\)$/));

  it("seniority around convex x^2", property({ objective: quadratic, layers: true }, /^seniority\(kkt-convex\)$/));

  it("seniority around piecewise-linear convex", property({ objective: pwl, layers: true }, /^seniority\(greedy-pwl\)$/));
});

describe("convex powers other than 2 satisfy the KKT conditions", () => {
  // For a separable convex cost under one sum constraint, an allocation is optimal iff no dollar can
  // move from an account that can give less to one that can give more at a lower marginal cost:
  // max{g_i : h_i > lower_i} <= min{g_j : h_j < upper_j}, g_i = u_i p (h_i/c_i)^(p-1) / c_i.
  it.each([1.5, 2, 3, 7])("p = %s", async (p) => {
    await fc.assert(
      fc.property(arbitraryWave({ objective: fc.constantFrom<ObjectiveShorthand>({ kind: "convex", phi: power(p) }, { kind: "convex", phi: power(p), weight: [] }) }), (spec) => {
        const wave = makeWave(spec);
        const dedicated = solveDedicated(wave);
        if (!certify(wave).feasible) return;
        expect(dedicated?.algorithm).toBe("kkt-convex");
        const h = dedicated!.allocation.haircut;
        expect(verifyAllocation(wave, dedicated!.allocation).ok).toBe(true);
        const caps = rawCaps(spec);
        const weight = (spec.objectives![0] as { weight?: readonly number[] }).weight ?? spec.capacity;
        const marginal = (i: number) => (weight[i]! * p * (h[i]! / spec.capacity[i]!) ** (p - 1)) / spec.capacity[i]!;
        let giving = 0;
        let taking = Infinity;
        const eps = 1e-9 * Math.max(1, spec.budget);
        for (let i = 0; i < h.length; i++) {
          if (!(spec.capacity[i]! > 0)) continue;
          if (h[i]! > eps) giving = Math.max(giving, marginal(i));
          if (h[i]! < caps[i]! - eps) taking = Math.min(taking, marginal(i));
        }
        expect(giving).toBeLessThanOrEqual(taking * (1 + 1e-6) + 1e-12);
        expect(sum(h)).toBeCloseTo(spec.budget, 9);
      }),
      runs,
    );
  });
});
