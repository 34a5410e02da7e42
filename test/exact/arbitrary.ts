/**
 * fast-check generators for small waves (n <= 7) with ties, zero capacities, one-account waves and
 * ineligible accounts, and independent brute-force references used by the property tests.
 */
import fc from "fast-check";
import type { ObjectiveShorthand, WaveSpec } from "./make-wave.js";

export interface WaveShape {
  readonly objective: fc.Arbitrary<ObjectiveShorthand>;
  readonly lots?: "one" | "several" | "several-same-value";
  readonly layers?: boolean;
  readonly maxAccounts?: boolean;
  readonly exactCoverage?: boolean;
  readonly maxN?: number;
  /** Largest budget as a share of what the caps can give; above 1 some waves are infeasible. */
  readonly maxShare?: number;
}

const amount = fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 20 }), fc.constant(10), fc.constant(4));
const lotValue = fc.constantFrom(0.5, 1, 2, 3, 5);

interface Row {
  readonly junior: number;
  readonly middle: number;
  readonly senior: number;
  readonly eligible: number;
  readonly scale: number;
  readonly weight: number;
  readonly positions: readonly { readonly lotValue: number; readonly maxLots: number }[];
}

const row = fc.record({
  junior: amount,
  middle: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 6 })),
  senior: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 10 })),
  eligible: fc.oneof({ weight: 6, arbitrary: fc.constant(1) }, { weight: 1, arbitrary: fc.constant(0) }),
  scale: fc.integer({ min: 1, max: 5 }),
  weight: fc.constantFrom(1, 2, 3, 0.5),
  positions: fc.array(fc.record({ lotValue, maxLots: fc.integer({ min: 0, max: 8 }) }), { minLength: 1, maxLength: 3 }),
}) as fc.Arbitrary<Row>;

/**
 * Small waves of the given shape. A convex objective that carries any `weight` gets random
 * per-account weights in its place; a minmax objective gets a random per-account scale half the time.
 */
export function arbitraryWave(shape: WaveShape): fc.Arbitrary<WaveSpec> {
  return fc
    .record({
      rows: fc.array(row, { minLength: 1, maxLength: shape.maxN ?? 7 }),
      share: fc.oneof(
        { weight: 8, arbitrary: fc.integer({ min: 1, max: Math.round((shape.maxShare ?? 1) * 100) }).map((percent) => percent / 100) },
        { weight: 1, arbitrary: fc.constantFrom(0, 1) },
      ),
      alpha: fc.constantFrom(undefined, 1, 0.5, 0.75),
      layerCount: fc.constantFrom(2, 3),
      maxAccounts: fc.integer({ min: 1, max: 4 }),
      objective: shape.objective,
      ownScale: fc.boolean(),
    })
    .map(({ rows, share, alpha, layerCount, maxAccounts, objective, ownScale }) => {
      const layered = shape.layers === true;
      const capacity = rows.map((r) => (layered ? r.junior + r.middle + r.senior : r.junior + r.senior));
      let positions: WaveSpec["positions"];
      if (shape.lots) {
        const account: number[] = [];
        const values: number[] = [];
        const maxLots: number[] = [];
        rows.forEach((r, i) => {
          const own = shape.lots === "one" ? r.positions.slice(0, 1) : r.positions;
          for (const p of own) {
            account.push(i);
            values.push(shape.lots === "several-same-value" ? r.positions[0]!.lotValue : p.lotValue);
            maxLots.push(p.maxLots);
          }
        });
        positions = { account, lotValue: values, maxLots };
      }
      const a = alpha ?? 1;
      let reach = 0;
      rows.forEach((r, i) => {
        if (!r.eligible) return;
        let cap = Math.min(capacity[i]!, a * capacity[i]!);
        if (positions) {
          let lots = 0;
          positions.account.forEach((owner, p) => {
            if (owner === i) lots += positions!.lotValue[p]! * positions!.maxLots[p]!;
          });
          cap = Math.min(cap, lots);
        }
        reach += cap;
      });
      const budget = Math.round(share * reach * 4) / 4;
      let filled: ObjectiveShorthand = objective;
      if (objective.kind === "minmax" && ownScale) filled = { kind: "minmax", scale: rows.map((r) => r.scale) };
      if (objective.kind === "convex" && objective.weight) filled = { ...objective, weight: rows.map((r) => r.weight) };
      const spec: WaveSpec = {
        capacity,
        budget,
        objectives: [filled],
        eligible: rows.map((r) => r.eligible),
        ...(alpha !== undefined ? { alpha } : {}),
        ...(positions ? { positions } : {}),
        ...(shape.maxAccounts ? { maxAccounts } : {}),
        ...(shape.exactCoverage ? { coverage: "exact" as const } : {}),
        ...(layered
          ? layerCount === 2
            ? { layers: { names: ["gains", "principal"], capacity: [rows.map((r) => r.junior + r.middle), rows.map((r) => r.senior)] } }
            : { layers: { names: ["recent", "settled", "principal"], capacity: [rows.map((r) => r.junior), rows.map((r) => r.middle), rows.map((r) => r.senior)] } }
          : {}),
      };
      return spec;
    });
}

/**
 * Leximin of h_i / s_i under 0 <= h_i <= up_i, sum h = B, by progressive filling: every active
 * account's ratio rises at the same speed; an account freezes when it reaches its cap. O(n^2),
 * deliberately naive (no sorting), as an independent check of the breakpoint algorithm.
 */
export function progressiveFilling(up: readonly number[], scale: readonly number[], budget: number): number[] {
  const n = up.length;
  const h = new Array<number>(n).fill(0);
  const frozen = up.map((u, i) => !(u > 0) || !(scale[i]! > 0));
  let level = 0;
  let remaining = budget;
  while (remaining > 1e-12 * Math.max(1, budget)) {
    const active = [...Array(n).keys()].filter((i) => !frozen[i]);
    if (active.length === 0) break;
    const rate = active.reduce((sum, i) => sum + scale[i]!, 0);
    const next = Math.min(...active.map((i) => up[i]! / scale[i]!));
    const toNext = (next - level) * rate;
    if (toNext >= remaining) {
      level += remaining / rate;
      for (const i of active) h[i] = level * scale[i]!;
      remaining = 0;
    } else {
      level = next;
      for (const i of active) {
        if (up[i]! / scale[i]! <= next) {
          h[i] = up[i]!;
          frozen[i] = true;
        } else h[i] = level * scale[i]!;
      }
      remaining -= toNext;
    }
  }
  return h;
}

/** Per-account caps from the raw data (independent of wave.upper): 0 if ineligible, else min(c, alpha c). */
export function rawCaps(spec: WaveSpec): number[] {
  const a = spec.alpha ?? 1;
  return spec.capacity.map((c, i) => ((spec.eligible?.[i] ?? 1) ? Math.min(c, a * c) : 0));
}
