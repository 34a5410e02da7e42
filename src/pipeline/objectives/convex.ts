/**
 * convex: min sum_i u_i phi(h_i / c_i), phi = x^p (p > 1) or convex piecewise-linear through points
 * from x = 0 to x = 1. Piecewise phi is lowered exactly (one column per piece); x^p by the upper
 * envelope of tangents (an outer approximation: the stage optimum is a lower bound, the solve
 * reports the error bound), the tangents clustered where the continuous relaxation's optimum lies.
 */
import type { Phi, Wave } from "../../domain.js";
import { powerKkt } from "../exact/convex.js";
import type { KeyPath, ObjectiveModule, ParseContext } from "./objective.js";

/** phi when a convex stage names none: x^2. */
export const DEFAULT_PHI: Phi = { kind: "power", p: 2 };

export const convex: ObjectiveModule<"convex"> = {
  kind: "convex",
  parse: (raw, path, context) => ({
    kind: "convex",
    phi: phiOf(context, [...path, "phi"], raw.phi as { power?: number; points?: [number, number][] } | undefined),
    weight: context.expression([...path, "weight"], raw.weight),
  }),
  key: (spec) => JSON.stringify([spec.kind, spec.phi, spec.weight === "capacity" ? "capacity" : spec.weight.source.replace(/\s+/g, "")]),
  // A piece's cost per dollar is weight × slope / capacity, the slope at most phi's steepest (p for x^p on [0, 1]).
  bind: (spec, key, context) => ({ kind: "convex", phi: spec.phi, weight: context.coefficient(spec.weight, `${key}.weight`, steepestSlope(spec.phi)) }),
  needsIndicators: false,
  lower(objective, s, { wave, active, haircutColumn, tangents, addColumn, addRow }) {
    const shared = objective.phi.kind === "piecewise" ? extendToOne(objective.phi.points) : undefined;
    const centre = objective.phi.kind === "power" ? relaxedFractions(wave, objective.weight, objective.phi.p) : undefined;
    const terms: Array<[number, number]> = [];
    const pieces: { account: number; columns: number[]; room: number[] }[] = [];
    let constant = 0;
    for (const i of active) {
      const c = wave.capacity[i]!;
      const weight = objective.weight[i]!;
      const points = shared ?? tangentEnvelopeAt((objective.phi as { p: number }).p, tangentPoints(Math.min(1, wave.upper[i]! / c), centre?.[i] ?? 0, tangents));
      constant += weight * points[0]![1];
      const index: number[] = [haircutColumn[i]!];
      const value: number[] = [1];
      const piece = { account: i, columns: [] as number[], room: [] as number[] };
      for (let k = 1; k < points.length; k++) {
        const [x0, y0] = points[k - 1]!;
        const [x1, y1] = points[k]!;
        const column = addColumn(`d_${s}_${i}_${k}`, 0, c * (x1 - x0));
        index.push(column);
        value.push(-1);
        piece.columns.push(column);
        piece.room.push(c * (x1 - x0));
        // Cost per dollar of haircut on this piece: weight * slope / capacity.
        terms.push([column, (weight * (y1 - y0)) / (x1 - x0) / c]);
      }
      pieces.push(piece);
      addRow(`pieces_${s}_${i}`, index, value, 0, 0);
    }
    return {
      name: "convex",
      constant,
      integral: false,
      terms,
      ...(objective.phi.kind === "power" ? { approximation: { kind: "tangent-outer" as const, tangents } } : {}),
      // Fill the cheapest (leftmost) pieces first, as the optimum would.
      lift(values) {
        for (const { account, columns, room } of pieces) {
          let left = values[haircutColumn[account]!]!;
          for (let k = 0; k < columns.length; k++) {
            const amount = Math.min(left, room[k]!);
            values[columns[k]!] = amount;
            left -= amount;
          }
        }
      },
    };
  },
  toSolverUnits: (objective, scaled) => ({ ...objective, weight: scaled(objective.weight) }),
  // The weights are scaled with the money.
  valueScalesWithMoney: true,
  warmStart: "pro-rata:wealth",
};

/** phi's largest slope on [0, 1]: p for x^p, the last piece's for a piecewise phi (convex, so slopes rise). */
function steepestSlope(phi: Phi): number {
  if (phi.kind === "power") return phi.p;
  const points = extendToOne(phi.points);
  const [x0, y0] = points[points.length - 2]!;
  const [x1, y1] = points[points.length - 1]!;
  return (y1 - y0) / (x1 - x0);
}

function phiOf(context: ParseContext, path: KeyPath, raw: { power?: number; points?: [number, number][] } | undefined): Phi {
  if (raw === undefined) return DEFAULT_PHI;
  if (raw.power !== undefined) return { kind: "power", p: raw.power };
  const points = raw.points!;
  const at = (k: number, c?: 0 | 1): KeyPath => [...path, "points", k, ...(c === undefined ? [] : [c])];
  const written = (k: number): string => `[${points[k]![0]}, ${points[k]![1]}]`;
  if (points[0]![0] !== 0) throw context.error(at(0, 0), "the first point at x = 0", `x = ${points[0]![0]}`);
  for (let k = 1; k < points.length; k++) {
    if (!(points[k]![0] > points[k - 1]![0])) {
      throw context.error(at(k, 0), `x increasing (greater than ${points[k - 1]![0]} of the point before)`, `x = ${points[k]![0]}`);
    }
  }
  const last = points.length - 1;
  if (points[last]![0] !== 1) throw context.error(at(last, 0), "the last point at x = 1 (phi must cover every fraction in [0, 1])", `x = ${points[last]![0]}`);
  let previousSlope = -Infinity;
  for (let k = 1; k < points.length; k++) {
    const slope = (points[k]![1] - points[k - 1]![1]) / (points[k]![0] - points[k - 1]![0]);
    const tolerance = 1e-12 * Math.max(1, Math.abs(slope), Math.abs(previousSlope));
    if (k === 1 && slope < 0) {
      throw context.error(at(1), "phi non-decreasing (each point's y at least the previous one's)", `${written(1)} after ${written(0)}`);
    }
    if (slope < previousSlope - tolerance) {
      throw context.error(
        at(k),
        "phi convex (slopes non-decreasing from point to point)",
        `slope ${+slope.toPrecision(6)} from ${written(k - 1)} to ${written(k)} after slope ${+previousSlope.toPrecision(6)}`,
      );
    }
    previousSlope = slope;
  }
  if (!(points[last]![1] > points[0]![1])) {
    throw context.error([...path, "points"], "phi increasing somewhere (a constant phi penalizes nothing)", `y = ${points[0]![1]} throughout`);
  }
  return { kind: "piecewise", points: points.map(([x, y]) => [x, y] as const) };
}

/** Piecewise points extended with the last slope to x = 1 (haircut fractions never exceed 1). */
function extendToOne(points: readonly (readonly [number, number])[]): Array<readonly [number, number]> {
  const result = points.map((point) => [point[0], point[1]] as const);
  const last = result[result.length - 1]!;
  if (last[0] < 1 && result.length >= 2) {
    const before = result[result.length - 2]!;
    const slope = (last[1] - before[1]) / (last[0] - before[0]);
    result.push([1, last[1] + slope * (1 - last[0])]);
  }
  return result;
}

/** Share of the tangents spread uniformly over an account's whole range (the rest cluster at its centre). */
const UNIFORM_SHARE = 0.25;
/** The clustered tangents cover [centre / CLUSTER_SPREAD, centre * CLUSTER_SPREAD]. */
const CLUSTER_SPREAD = 1.5;

/**
 * Where one account's `tangents + 1` tangents touch x^p, on its feasible fraction range [0, top]
 * (top = its bound / capacity). Uniform on [0, 1] wasted them: at fractions near 0.06 the envelope's
 * error was ~7% of the value with 32 tangents. With a centre (the account's fraction at the optimum
 * of the continuous relaxation, a cheap exact KKT solve) three quarters of them are spaced
 * geometrically over centre / 1.5 .. centre * 1.5, where the optimum lies unless lots or maxAccounts
 * move it far (the rest, uniform over [0, top], keep the error moderate there). For x^2, tangents at
 * a and r a leave a relative error ((r - 1) / (r + 1))^2: about 3e-4 here. Any choice keeps the
 * envelope below x^p, so the stage optimum stays a lower bound. Sorted, distinct, 0 and top included.
 */
export function tangentPoints(top: number, centre: number, tangents: number): number[] {
  if (!(top > 0)) return [0];
  const points = new Set<number>([0, top]);
  const clustered = centre > 0 && centre <= top ? Math.max(0, tangents - 1 - Math.round(tangents * UNIFORM_SHARE)) : 0;
  const uniform = tangents - 1 - clustered;
  for (let k = 1; k <= uniform; k++) points.add((k / (uniform + 1)) * top);
  if (clustered > 0) {
    const lo = centre / CLUSTER_SPREAD;
    const hi = Math.min(top, centre * CLUSTER_SPREAD);
    const ratio = hi / lo;
    for (let k = 0; k < clustered; k++) points.add(lo * ratio ** (clustered === 1 ? 0.5 : k / (clustered - 1)));
  }
  return [...points].filter((x) => x >= 0 && x <= top).sort((a, b) => a - b);
}

/**
 * Each account's fraction h_i / c_i at the optimum of the continuous relaxation (no lots, no
 * maxAccounts) of min sum w_i (h_i / c_i)^p, sum h >= B, 0 <= h <= bound: the exact KKT point
 * (src/pipeline/exact/convex.ts). Undefined when it cannot be computed (the tangents are then uniform).
 */
function relaxedFractions(wave: Wave, weight: Float64Array, p: number): Float64Array | undefined {
  if (!(p > 1) || !Number.isFinite(p)) return undefined;
  const n = wave.ids.length;
  let reach = 0;
  for (let i = 0; i < n; i++) reach += wave.upper[i]!;
  const total = Math.min(wave.budget, reach);
  if (!(total > 0)) return undefined;
  const haircut = powerKkt(new Float64Array(n), wave.upper, wave.capacity, weight, p, total);
  if (!haircut) return undefined;
  const fraction = new Float64Array(n);
  for (let i = 0; i < n; i++) fraction[i] = wave.capacity[i]! > 0 ? haircut[i]! / wave.capacity[i]! : 0;
  return fraction;
}

/**
 * Breakpoints of the upper envelope of the tangents of x^p at the sorted points `at` (from 0 to
 * top): [0, 0], the intersections of consecutive tangents, and [top, top^p]. Below x^p everywhere
 * on [0, top] (an outer approximation of the epigraph).
 */
export function tangentEnvelopeAt(p: number, at: readonly number[]): Array<readonly [number, number]> {
  const points: Array<readonly [number, number]> = [[0, 0]];
  const top = at[at.length - 1]!;
  if (!(top > 0)) return points;
  for (let k = 0; k + 1 < at.length; k++) {
    const a = at[k]!;
    const b = at[k + 1]!;
    const x = ((p - 1) * (b ** p - a ** p)) / (p * (b ** (p - 1) - a ** (p - 1)));
    // Rounding can put the intersection a hair outside [a, b]; clamp it so the pieces stay ordered.
    const within = Math.min(b, Math.max(a, x));
    const y = a ** p + p * a ** (p - 1) * (within - a);
    if (within > points[points.length - 1]![0]) points.push([within, y]);
  }
  if (top > points[points.length - 1]![0]) points.push([top, top ** p]);
  return points;
}

/**
 * Breakpoints of the upper envelope of `tangents + 1` tangents of x^p at x_k = k / tangents on [0, 1].
 * The envelope lies below x^p everywhere (an outer approximation of the epigraph), so minimizing
 * it gives a certified lower bound on the true optimum.
 */
export function tangentEnvelope(p: number, tangents: number): Array<readonly [number, number]> {
  const points: Array<readonly [number, number]> = [[0, 0]];
  // Tangent at a: y = a^p + p a^{p-1} (x - a). Consecutive tangents at a < b meet at
  // x = ((p - 1)(b^p - a^p)) / (p (b^{p-1} - a^{p-1})).
  for (let k = 0; k < tangents; k++) {
    const a = k / tangents;
    const b = (k + 1) / tangents;
    const x = ((p - 1) * (b ** p - a ** p)) / (p * (b ** (p - 1) - a ** (p - 1)));
    const y = a ** p + p * a ** (p - 1) * (x - a);
    points.push([x, y]);
  }
  points.push([1, 1]);
  return points;
}
