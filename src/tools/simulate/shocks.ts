/**
 * Seeded random streams and the price path: correlated fat-tailed log returns.
 *
 * Shocks are multivariate Student-t: r = sigma ⊙ (L z) * sqrt((nu - 2) / V), z ~ N(0, I),
 * V ~ chi²(nu) shared by all markets in a step, L the Cholesky factor of the correlation. The
 * shared V gives the tail dependence of a market-wide stress (all markets jump together), and the
 * factor (nu - 2) / nu... scaling makes each market's variance exactly sigma² (nu > 2).
 */
import { uniformFloat64 } from "pure-rand/distribution/uniformFloat64";
import { mix32, seededGenerator } from "../../random.js";
import type { Scenario } from "./scenario.js";

/** Independent streams of one run, derived from the scenario's seed by seed mixing. */
export const STREAM = { prices: 1, population: 2, gaming: 3 } as const;

/** A uniform-in-[0, 1) draw function on its own stream: seed mixed with the stream's tag. */
export function stream(seed: number, tag: number): () => number {
  const rng = seededGenerator(mix32(seed ^ Math.imul(tag, 0x9e3779b9)));
  return () => uniformFloat64(rng);
}

/** Standard normal by Box–Muller (one of the pair; simple and exact in distribution). */
export function normal(uniform: () => number): number {
  let u = uniform();
  while (u <= 0) u = uniform();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * uniform());
}

/** Gamma(shape, 1) by Marsaglia–Tsang (with the u^(1/shape) boost for shape < 1). */
export function gamma(shape: number, uniform: () => number): number {
  if (shape < 1) {
    let u = uniform();
    while (u <= 0) u = uniform();
    return gamma(shape + 1, uniform) * u ** (1 / shape);
  }
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    const x = normal(uniform);
    const v = (1 + c * x) ** 3;
    if (v <= 0) continue;
    const u = uniform();
    if (Math.log(u) < 0.5 * x * x + d - d * v + d * Math.log(v)) return d * v;
  }
}

/**
 * Mark prices for steps 0..steps+extra (row t = prices after t moves; row 0 the initial marks):
 * the scenario's explicit `path` where given (flat beyond it), else seeded multivariate-t shocks.
 * `extra` steps past the run let the two-pass evaluation look `extra` steps beyond the last wave.
 * Prices never depend on the accounts' state (liquidations slip, marks do not move), so both
 * passes of the counterfactual see the same path. O((steps + extra) * M²).
 */
export function pricePath(scenario: Scenario, extra: number): Float64Array[] {
  const M = scenario.markets.length;
  const total = scenario.steps + extra;
  const uniform = stream(scenario.seed, STREAM.prices);
  const nu = scenario.nu;
  const L = scenario.cholesky;
  const rows: Float64Array[] = [Float64Array.from(scenario.markets, (m) => m.price)];
  const z = new Float64Array(M);
  for (let t = 1; t <= total; t++) {
    const previous = rows[t - 1]!;
    const next = new Float64Array(M);
    const explicit = scenario.path?.[t - 1];
    if (explicit !== undefined || scenario.path !== undefined) {
      for (let m = 0; m < M; m++) next[m] = previous[m]! * Math.exp(explicit?.[m] ?? 0);
    } else {
      for (let m = 0; m < M; m++) z[m] = normal(uniform);
      // chi²(nu) = 2 * Gamma(nu / 2).
      const scale = Math.sqrt((nu - 2) / (2 * gamma(nu / 2, uniform)));
      for (let m = 0; m < M; m++) {
        let correlated = 0;
        const row = L[m]!;
        for (let k = 0; k <= m; k++) correlated += row[k]! * z[k]!;
        next[m] = previous[m]! * Math.exp(scenario.markets[m]!.volatility * correlated * scale);
      }
    }
    rows.push(next);
  }
  return rows;
}
