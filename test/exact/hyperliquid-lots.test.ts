/**
 * The dedicated lots min-max on a real wave: Hyperliquid, 10 October 2025, wave 1, the 18 coin books
 * whose ADL quantity is a whole number of contracts (test/fixtures/hyperliquid/lots_wave1.yaml).
 * Before levels were decided exactly, `lots-minmax-breakpoints` stopped a rounding step short on
 * 122 of 400 budgets of this wave (e.g. B = 2732.21: level 3.8e-7 relative below the integer
 * optimum, total 4.3e-5 below B, yet "optimal" and verified under the old wave-wide tolerance).
 *
 * The oracle here is independent of src/pipeline/exact and src/floor/numeric: exact rationals in BigInt over the
 * decimals of the data, and for each account a binary search on its own breakpoints k v_i / s_i for
 * the least one at which the whole-lot total G reaches B; the optimum is the least of those.
 */
import { afterAll, describe, expect, it } from "vitest";
import type { Wave } from "../../src/domain.js";
import { solveDedicated } from "../../src/pipeline/exact/index.js";
import { loadWaveFromFiles } from "../../src/pipeline/solve/inputs.js";
import { solveWave } from "../../src/pipeline/solve/solve.js";
import { closeBackends } from "../../src/pipeline/backends/robust.js";

afterAll(async () => {
  await closeBackends();
});

const fixture = "test/fixtures/hyperliquid/";
const load = (budget: number): Wave =>
  loadWaveFromFiles({
    model: `${fixture}lots-minmax-positions.yaml`,
    accounts: `${fixture}positions_wave1_whole_lots.csv`,
    positions: `${fixture}positions_wave1_whole_lots.csv`,
    map: `${fixture}lots_wave1.yaml`,
    budget,
  });

/** A rational p / q (q > 0) from a double's shortest decimal. */
interface Rational {
  readonly p: bigint;
  readonly q: bigint;
}
function rational(x: number): Rational {
  const [digits, power = "0"] = String(x).split("e");
  const [whole, fraction = ""] = digits!.split(".");
  const exponent = Number(power) - fraction.length;
  const mantissa = BigInt(whole! + fraction);
  return exponent >= 0 ? { p: mantissa * 10n ** BigInt(exponent), q: 1n } : { p: mantissa, q: 10n ** BigInt(-exponent) };
}
const less = (a: Rational, b: Rational): boolean => a.p * b.q < b.p * a.q;
const lessOrEqual = (a: Rational, b: Rational): boolean => a.p * b.q <= b.p * a.q;

/** The exact integer min-max optimum (as the breakpoint k v_j / s_j) and G there. */
function oracle(wave: Wave): { level: Rational; covered: Rational } {
  const n = wave.ids.length;
  const positions = wave.positions!;
  const scale = (wave.objectives[0] as { scale: Float64Array }).scale;
  const v: Rational[] = [];
  const s: Rational[] = [];
  const most: number[] = [];
  for (let i = 0; i < n; i++) {
    const p = [...positions.account].indexOf(i);
    v[i] = rational(positions.lotValue[p]!);
    s[i] = rational(scale[i]!);
    const c = rational(wave.capacity[i]!);
    // K_i: the most lots with k v_i <= c_i, and at most the lots held.
    let lo = 0;
    let hi = positions.maxLots[p]!;
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2);
      if (lessOrEqual({ p: BigInt(mid) * v[i]!.p, q: v[i]!.q }, c)) lo = mid;
      else hi = mid - 1;
    }
    most[i] = lo;
  }
  const B = rational(wave.budget);
  /** G at level L = sum_i v_i * #{k <= K_i : k v_i / s_i <= L}, exactly. */
  const G = (L: Rational): Rational => {
    let total: Rational = { p: 0n, q: 1n };
    for (let i = 0; i < n; i++) {
      // k <= L s_i / v_i
      const bound = (L.p * s[i]!.p * v[i]!.q) / (L.q * s[i]!.q * v[i]!.p);
      const k = BigInt(Math.min(most[i]!, Number(bound)));
      total = { p: total.p * v[i]!.q + k * v[i]!.p * total.q, q: total.q * v[i]!.q };
    }
    return total;
  };
  const level = (i: number, k: number): Rational => ({ p: BigInt(k) * v[i]!.p * s[i]!.q, q: v[i]!.q * s[i]!.p });
  let best: Rational | undefined;
  for (let i = 0; i < n; i++) {
    if (most[i]! === 0) continue;
    if (less(G(level(i, most[i]!)), B)) continue;
    let lo = 1;
    let hi = most[i]!;
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      if (less(G(level(i, mid)), B)) lo = mid + 1;
      else hi = mid;
    }
    const candidate = level(i, lo);
    if (!best || less(candidate, best)) best = candidate;
  }
  return { level: best!, covered: G(best!) };
}

describe("lots min-max on a real Hyperliquid wave returns the exact integer optimum", () => {
  it("the fixture is the 18-account wave, one position per account", () => {
    const wave = load(1000);
    expect(wave.ids.length).toBe(18);
    expect(wave.positions!.account.length).toBe(18);
  });

  it("B = 2732.21 (where a rounding step was lost): the oracle's level, coverage to the cent and beyond, verified optimal", async () => {
    const wave = load(2732.21);
    const { level } = oracle(wave);
    const result = await solveWave(wave);
    expect(result.path).toBe("dedicated:lots-minmax-breakpoints");
    expect(result.algorithm).toBe("lots-minmax-breakpoints");
    expect(result.status).toBe("optimal");
    expect(result.verified!.ok).toBe(true);
    const reached = result.objective[0]!;
    expect(Math.abs(reached - Number(level.p) / Number(level.q))).toBeLessThanOrEqual(1e-15 * reached);
    const taken = [...result.allocation!.lots!].reduce<Rational>((sum, q, p) => {
      const v = rational(wave.positions!.lotValue[p]!);
      return { p: sum.p * v.q + BigInt(q) * v.p * sum.q, q: sum.q * v.q };
    }, { p: 0n, q: 1n });
    expect(lessOrEqual(rational(2732.21), taken)).toBe(true);
    // HiGHS stops within its 1e-5 gap of it (so it says "feasible"), and never below the exact optimum.
    const mip = await solveWave(wave, { path: "mip" });
    expect(mip.verified!.ok).toBe(true);
    expect(mip.objective[0]!).toBeGreaterThanOrEqual(reached * (1 - 1e-12));
    expect(mip.objective[0]! - reached).toBeLessThanOrEqual(2e-5 * reached);
  });

  it("40 budgets across the wave: the dedicated level equals the exact oracle's and whole lots cover B exactly", () => {
    for (let k = 1; k <= 40; k++) {
      const budget = Math.round(273_904 * (k / 41) * 100) / 100;
      const wave = load(budget);
      const { level } = oracle(wave);
      const solved = solveDedicated(wave)!;
      const scale = (wave.objectives[0] as { scale: Float64Array }).scale;
      let worst = 0;
      solved.allocation.haircut.forEach((h, i) => (worst = Math.max(worst, h / scale[i]!)));
      const exact = Number(level.p) / Number(level.q);
      expect(Math.abs(worst - exact), `B = ${budget}`).toBeLessThanOrEqual(4e-16 * exact);
      const taken = [...solved.allocation.lots!].reduce<Rational>((sum, q, p) => {
        const v = rational(wave.positions!.lotValue[p]!);
        return { p: sum.p * v.q + BigInt(q) * v.p * sum.q, q: sum.q * v.q };
      }, { p: 0n, q: 1n });
      expect(lessOrEqual(rational(budget), taken), `B = ${budget}`).toBe(true);
    }
  });
});
