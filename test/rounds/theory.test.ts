/**
 * The theory of arXiv 2602.15182 as tests, each against a closed form or an independent computation:
 * the two-account alternating instance (§4.1 eq. 18), Proposition 1's bound for projected OGD on
 * random sequences, and pro-rata's zero monotonicity violations (Proposition 9 part 3).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { instanceBound, neededSeverity, severityVariation } from "../../src/tools/rounds/bound.js";
import { roundWave, type Round, type RoundSequence } from "../../src/tools/rounds/round.js";
import { runRounds, type PolicySpec } from "../../src/tools/rounds/run.js";
import { monotonicityViolations } from "../../src/tools/rounds/stability.js";
import { accountsOf } from "../support/waves.js";

function round(label: string, capacity: number[], deficit: number, needed: number, extra: Record<string, number[]> = {}, ids?: string[]): Round {
  return { label, deficit, needed, wave: roundWave({ accounts: accountsOf({ capacity, ...extra }, ids) }, "test") };
}

describe("a fixed-priority queue has linear regret on the alternating two-account instance (§4.1)", () => {
  it.each([
    [2, 10],
    [4, 16],
    [1000, 7],
  ])("M = %d, T = %d: regret (T/2) lambda (1 - 1/M) against allocating to the larger account", async (M, T) => {
    const lambda = 3;
    // Capacities (1, M) on odd rounds, (M, 1) on even; B_t = 1 (D_t = 1, cover-all); account 1 always first.
    const rounds = Array.from({ length: T }, (_, t) => round(String(t + 1), t % 2 === 0 ? [1, M] : [M, 1], 1, 1, { priority: [2, 1] }));
    const sequence: RoundSequence = { name: "alternating", source: "test", rounds };
    const policies: PolicySpec[] = [
      { name: "fixed queue", severity: { kind: "cover-all" }, allocation: { kind: "heuristic", name: "queue:score(priority)" } },
      { name: "larger first", severity: { kind: "cover-all" }, allocation: { kind: "heuristic", name: "queue:capacity" } },
    ];
    const result = await runRounds(sequence, policies, { weights: { under: 0, over: 0, fair: lambda } });
    const [queue, larger] = result.policies;
    // Odd rounds cost lambda, even rounds lambda / M; the comparator pays lambda / M every round.
    const oddRounds = Math.ceil(T / 2);
    expect(queue!.loss).toBeCloseTo(lambda * oddRounds + (lambda / M) * (T - oddRounds), 12);
    expect(larger!.loss).toBeCloseTo((T * lambda) / M, 12);
    expect(queue!.regret.policyClass).toBeCloseTo(oddRounds * lambda * (1 - 1 / M), 12);
    if (T % 2 === 0) expect(queue!.regret.policyClass).toBeCloseTo((T / 2) * lambda * (1 - 1 / M), 12);
    // With B_t = 1 fixed, the best split is pro-rata (1/(M+1) each round): the allocation regret, linear too.
    expect(queue!.regret.allocation).toBeCloseTo(queue!.loss - (T * lambda) / (M + 1), 9);
    // The best per-round action may also choose B: with no tracking weight it takes nothing and loses 0.
    expect(queue!.regret.dynamic).toBeCloseTo(queue!.loss, 12);
    // Taking B = 1 from the 1 or the M never makes the larger account's residual the smaller one: no flips here.
    expect(queue!.stability.monotonicityViolations).toBe(0);
  });
});

/** A random round sequence: deficits across orders of magnitude, needed budgets around and above them. */
const arbitrarySequence = fc
  .array(
    fc.record({
      deficit: fc.oneof(fc.double({ min: 0, max: 1e3, noNaN: true }), fc.double({ min: 1e3, max: 1e9, noNaN: true }), fc.constant(0)),
      neededShare: fc.double({ min: 0, max: 1.5, noNaN: true }),
      capacity: fc.array(fc.double({ min: 1e-6, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 4 }),
    }),
    { minLength: 1, maxLength: 30 },
  )
  .map((spec) => spec.map((r, t) => round(String(t + 1), r.capacity, r.deficit, r.deficit * r.neededShare)));

describe("Proposition 1: projected OGD on theta stays under sqrt((1 + 2 P_T) sum D^2)", () => {
  it("on random sequences, from any start", async () => {
    await fc.assert(
      fc.asyncProperty(arbitrarySequence, fc.double({ min: 0, max: 1, noNaN: true }), async (rounds, start) => {
        const result = await runRounds({ name: "random", source: "test", rounds }, [{ name: "ogd", severity: { kind: "ogd", start }, allocation: { kind: "heuristic", name: "pro-rata:wealth" } }]);
        const theta = rounds.map((r) => neededSeverity(r.needed, r.deficit));
        const bound = Math.sqrt((1 + 2 * severityVariation(theta)) * rounds.reduce((s, r) => s + r.deficit * r.deficit, 0));
        void instanceBound;
        // Independent recomputation of the severity regret from the rows: sum D |theta - theta_need|.
        const regret = result.rows.reduce((s, row) => s + row.deficit * Math.abs(row.theta - row.thetaNeeded), 0);
        expect(Math.abs(result.bound - bound)).toBeLessThanOrEqual(1e-9 + 1e-12 * bound);
        expect(regret).toBeLessThanOrEqual(bound * (1 + 1e-12) + 1e-9);
        expect(result.policies[0]!.withinBound).toBe(true);
      }),
      { numRuns: 150 },
    );
  });

  it("a fixed severity can exceed the bound: the check is not vacuous", async () => {
    // theta* alternates 0 and 1: P_T = T - 1, bound sqrt((2T - 1) T D^2); theta = 1 loses D every other round.
    const T = 200;
    const rounds = Array.from({ length: T }, (_, t) => round(String(t + 1), [10], 1, t % 2 === 0 ? 0 : 1));
    const result = await runRounds({ name: "alternating", source: "test", rounds }, [
      { name: "cover-all", severity: { kind: "cover-all" }, allocation: { kind: "heuristic", name: "pro-rata:wealth" } },
      { name: "ogd", severity: { kind: "ogd" }, allocation: { kind: "heuristic", name: "pro-rata:wealth" } },
    ]);
    expect(result.bound).toBeCloseTo(Math.sqrt((2 * T - 1) * T), 9);
    expect(result.policies[0]!.severityRegret).toBe(T / 2);
    expect(result.policies[1]!.withinBound).toBe(true);
  });
});

describe("pro-rata has zero monotonicity violations (Proposition 9, part 3)", () => {
  it("on random waves and budgets, capped pro-rata and the exact min-max never flip an adjacent pair", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.oneof(fc.double({ min: 1e-6, max: 1e15, noNaN: true }), fc.integer({ min: 1, max: 5 })), { minLength: 1, maxLength: 12 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        async (capacity, share) => {
          const total = capacity.reduce((s, c) => s + c, 0);
          const rounds = [round("1", capacity, total, total * share)];
          const result = await runRounds({ name: "one", source: "test", rounds }, [
            { name: "pro-rata", severity: { kind: "needed" }, allocation: { kind: "heuristic", name: "pro-rata:wealth" } },
            { name: "min-max", severity: { kind: "needed" }, allocation: { kind: "minmax" } },
          ]);
          for (const policy of result.policies) expect(policy.stability.monotonicityViolations, policy.name).toBe(0);
        },
      ),
      { numRuns: 100 },
    );
  });

  it("a budget's last rounding dust is not a flip (found by the property: 1 .. 6.9e10 at share 1 - 4.5e-8)", async () => {
    const capacity = [1, 68719477045.82875, 4, 622.755204668968, 1, 1, 0.00024414061772737324];
    const total = capacity.reduce((s, c) => s + c, 0);
    const rounds = [round("1", capacity, total, total * 0.9999999553401702)];
    const result = await runRounds({ name: "one", source: "test", rounds }, [
      { name: "pro-rata", severity: { kind: "needed" }, allocation: { kind: "heuristic", name: "pro-rata:wealth" } },
    ]);
    expect(result.policies[0]!.stability.monotonicityViolations).toBe(0);
  });

  it("and a capacity queue does flip them (the diagnostic can fail)", () => {
    // Largest first takes everything from the 10: residuals 0 < 5 < 8.
    expect(monotonicityViolations([10, 8, 5], [10, 0, 0]).share).toBe(0.5);
    expect(monotonicityViolations([10, 8, 5], [5, 4, 2.5]).share).toBe(0);
  });
});
