/**
 * Structure first for sparsity-first waves (src/pipeline/lower/structure.ts): the pruning never removes an
 * account that some least-count cover uses (brute force over subsets, with per-account lot
 * capacities by enumeration), and the pruned, cut and symmetry-broken MIP has the same
 * lexicographic optimum as the plain one on random small lots waves.
 */
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { loadModel } from "../../src/pipeline/model/parse.js";
import { lowerWave } from "../../src/pipeline/lower/compile.js";
import { sparsityStructure } from "../../src/pipeline/lower/structure.js";
import { solveWave } from "../../src/pipeline/solve/solve.js";
import { closeBackends } from "../../src/pipeline/backends/robust.js";
import { accountsOf, arbitraryAccounts, tableOf, waveOf } from "../support/waves.js";

afterAll(async () => {
  await closeBackends();
});

const model = loadModel("models/lots-sparsity-overshoot.yaml");

/** Largest whole-lot amount of one position under the bound, by enumeration (the oracle). */
function lotRoom(lotValue: number, lots: number, upper: number): number {
  let best = 0;
  for (let q = 0; q <= lots; q++) if (q * lotValue <= upper + 1e-9) best = q * lotValue;
  return best;
}

function waveFor(random: ReturnType<typeof arbitraryAccounts> extends fc.Arbitrary<infer T> ? T : never) {
  const accounts = tableOf(random);
  const probe = waveOf(model, accounts, 0);
  let room = 0;
  for (let i = 0; i < probe.upper.length; i++) room += lotRoom(random.lot_value[i]!, random.lots[i]!, probe.upper[i]!);
  return waveOf(model, accounts, Math.round(random.budgetShare * room * 100) / 100);
}

describe("sparsityStructure", () => {
  it("keeps every account of every least-count cover (brute force over subsets)", () => {
    let pruned = 0;
    fc.assert(
      fc.property(arbitraryAccounts({ minN: 1, maxN: 9 }), (random) => {
        const wave = waveFor(random);
        const structure = sparsityStructure(wave);
        if (!structure) return;
        pruned += structure.pruned;
        const n = wave.ids.length;
        const room = Array.from({ length: n }, (_, i) => lotRoom(random.lot_value[i]!, random.lots[i]!, wave.upper[i]!));
        let best = Infinity;
        const covers: number[] = [];
        for (let mask = 1; mask < 1 << n; mask++) {
          let sum = 0;
          let count = 0;
          for (let i = 0; i < n; i++) {
            if (mask & (1 << i)) {
              sum += room[i]!;
              count++;
            }
          }
          if (sum < wave.budget - 1e-9) continue;
          if (count < best) {
            best = count;
            covers.length = 0;
          }
          if (count === best) covers.push(mask);
        }
        if (best === Infinity) return;
        expect(structure.minimumAccounts).toBeLessThanOrEqual(best);
        for (const mask of covers) for (let i = 0; i < n; i++) if (mask & (1 << i)) expect(structure.candidate[i], `account ${i} of a ${best}-cover pruned`).toBe(1);
      }),
      { numRuns: 300, seed: 20261201 },
    );
    // Not vacuous: the random waves do prune.
    expect(pruned).toBeGreaterThan(50);
  });

  it("prunes what cannot help: one large account covers B alone, the small ones go", () => {
    const wave = waveOf(model, accountsOf({ capacity: [100, 3, 2, 2, 1], lot_value: [1, 1, 1, 1, 1], lots: [100, 3, 2, 2, 1] }), 50);
    const structure = sparsityStructure(wave)!;
    expect(structure.minimumAccounts).toBe(1);
    expect(Array.from(structure.candidate)).toEqual([1, 0, 0, 0, 0]);
    // The two accounts with 2 lots of 1 are interchangeable, but pruned: no symmetry rows for them.
    expect(structure.symmetric).toEqual([]);
    expect(lowerWave(wave).activeAccounts).toBe(1);
  });

  it("orders interchangeable accounts", () => {
    const wave = waveOf(model, accountsOf({ capacity: [5, 5, 5, 4], lot_value: [1, 1, 1, 1], lots: [5, 5, 5, 4] }), 12);
    const structure = sparsityStructure(wave)!;
    expect(structure.minimumAccounts).toBe(3);
    expect(structure.symmetric).toEqual([
      [0, 1],
      [1, 2],
    ]);
  });
});

describe("the structured MIP has the plain MIP's optimum", () => {
  it("on random small lots waves (sparsity, then overshoot)", async () => {
    let pruned = 0;
    await fc.assert(
      fc.asyncProperty(arbitraryAccounts({ minN: 2, maxN: 8 }), async (random) => {
        const wave = waveFor(random);
        pruned += sparsityStructure(wave)?.pruned ?? 0;
        const plain = await solveWave(wave, { path: "mip", backend: "highs", lower: { structure: false }, timeLimitSeconds: 30 });
        const structured = await solveWave(wave, { path: "mip", backend: "highs", timeLimitSeconds: 30 });
        expect(structured.status).toBe(plain.status);
        if (plain.status !== "optimal") return;
        expect(structured.verified?.ok).toBe(true);
        plain.objective.forEach((value, s) => {
          expect(Math.abs(structured.objective[s]! - value), `${plain.stageNames[s]}: ${structured.objective[s]} vs ${value}`).toBeLessThanOrEqual(1e-7 * Math.max(1, Math.abs(value)));
        });
      }),
      { numRuns: 40, seed: 20261202 },
    );
    expect(pruned).toBeGreaterThan(5);
  });
});
