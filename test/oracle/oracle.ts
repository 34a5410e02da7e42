/**
 * The brute-force oracle: the exact lexicographic optimum of a tiny wave, and an exact feasibility
 * judgement of any allocation, in rational arithmetic (test/oracle/rational.ts).
 *
 * What it shares with the workbench: only the input. A wave is the domain's `Wave` value
 * (src/domain.ts), built directly in tests (test/exact/make-wave.ts) or through src/pipeline/model/parse and
 * src/pipeline/bind (input stages). From it the oracle reads the raw data only — ids, budget, capacity,
 * eligible, model.alpha / coverage / maxAccounts, layer capacities, positions, and the bound
 * objective coefficients (minmax scale, convex weight, phi) — never `wave.upper`, and it imports
 * nothing from src/pipeline/verify, src/pipeline/exact, src/pipeline/lower, src/pipeline/solve or src/pipeline/backends.
 *
 * How it solves (n <= 6, a few lots):
 *  - With lots: every lot vector q (0 <= q_p <= Q_p) is enumerated; each account's haircut
 *    h_i = sum_p v_p q_p is exact; infeasible vectors are dropped and the rest compared
 *    lexicographically.
 *  - Without lots: for each support allowed by maxAccounts, the feasible set is a box
 *    l <= h <= u intersected with a slab lo <= sum h <= hi. Every stage maps a box∩slab to the
 *    box∩slab of its minimizers: a separable convex piecewise-linear stage (a seniority stage's
 *    senior total sum_i max(0, h_i - junior_i), overshoot, a PWL phi) by its Lagrange multiplier;
 *    minmax by the least water level; x^2 by water-filling on c_i^2 / w_i (KKT, exact); sparsity by
 *    enumerating supports. The lexicographic minimum over a union of such sets is the least of their
 *    own lexicographic minima.
 *  - x^p with p != 2 is water-filling on c_i (c_i / w_i)^(1/(p-1)), a double: its value is approximate
 *    (`exact` absent), compared with a relative tolerance.
 * Seniority: for a fixed haircut vector the junior-first split minimizes every senior layer total
 * at once, so layer stages are functions of h alone; the cumulative senior totals
 * G_l = sum_{k >= l} T_k, minimized most senior first, have the same lexicographic minima as the
 * layer totals T_l themselves.
 */
import type { Allocation, BoundObjective, Phi, Wave } from "../../src/domain.js";
import { Rational, q } from "./rational.js";

const ZERO = Rational.zero;
/** 1 ± TIGHT (1e-12) as exact rationals, for the relaxed optimum. */
const WIDER = Rational.of(10n ** 12n + 1n, 10n ** 12n);
const NARROWER = Rational.of(10n ** 12n - 1n, 10n ** 12n);

/** A stage's optimum: exact when the oracle knows it exactly, always as a double. */
export interface StageValue {
  readonly exact?: Rational;
  readonly approx: number;
}

export interface Optimum {
  /** Some allocation keeps every promise (caps, eligibility, alpha, lots, maxAccounts, layers, coverage). */
  readonly feasible: boolean;
  /** "layer:<name>" most senior first (all but the most junior layer), then the objective kinds. */
  readonly stages: readonly string[];
  /** One per stage when feasible. */
  readonly values: readonly StageValue[];
  /** The most the promises let the wave raise (sum h, coverage dropped): what an infeasible wave can still take. */
  readonly maxCoverage: Rational;
  /** One optimal allocation (the leximin one for a single minmax without lots; lots per position with lots). */
  readonly haircut?: readonly Rational[];
  readonly lots?: readonly number[];
  /** True when the optimal haircut vector is unique (a single minmax or x^2 without lots, or a single optimal lot vector). */
  readonly unique: boolean;
}

/** Per-account data in rationals, read from the raw wave. */
interface Exact {
  readonly n: number;
  readonly budget: Rational;
  readonly capacity: Rational[];
  /** min(c_i, alpha c_i, sum of layers) if eligible, else 0. */
  readonly cap: Rational[];
  /** Layer capacities [layer][account], junior first. */
  readonly layers: Rational[][];
  readonly exactCoverage: boolean;
  readonly maxAccounts: number | undefined;
}

/**
 * With `relaxed`, every cap is widened by TIGHT of itself and B lowered by TIGHT of itself: the
 * optimum when rows are kept within rounding. With lots the two can differ (ten lots of 0.1 are
 * 1.0000000000000000555 > a capacity of 1 in exact arithmetic); an answer between the two optima is right.
 */
function exactData(wave: Wave, relaxed = false): Exact {
  const n = wave.ids.length;
  const alpha = wave.model.alpha;
  const layers = (wave.layers?.capacity ?? []).map((layer) => Array.from(layer, (c) => q(c)));
  const capacity = Array.from(wave.capacity, (c) => q(c));
  const cap = capacity.map((c, i) => {
    if (wave.eligible[i] !== 1) return ZERO;
    let bound = c;
    if (alpha !== undefined) bound = Rational.min(bound, q(alpha).mul(c));
    if (layers.length > 0) bound = Rational.min(bound, Rational.sum(layers.map((layer) => layer[i]!)));
    bound = Rational.max(ZERO, bound);
    return relaxed ? bound.mul(WIDER) : bound;
  });
  const budget = relaxed ? q(wave.budget).mul(NARROWER) : q(wave.budget);
  return { n, budget, capacity, cap, layers, exactCoverage: wave.model.coverage === "exact", maxAccounts: wave.model.maxAccounts };
}

/** Stage names in the workbench's order (see the module comment). */
export function oracleStageNames(wave: Wave): string[] {
  const names: string[] = [];
  const layerNames = wave.layers?.names ?? [];
  for (let l = layerNames.length - 1; l >= 1; l--) names.push(`layer:${layerNames[l]!}`);
  for (const objective of wave.objectives) names.push(objective.kind);
  return names;
}

// ---------------------------------------------------------------------------------------------
// Separable piecewise-linear functions of one haircut, h >= 0
// ---------------------------------------------------------------------------------------------

/** f(h) = at0 + the integral of the slope from 0 to h; slopes[k] holds between breaks[k-1] and breaks[k]. */
interface Pwl {
  readonly at0: Rational;
  readonly breaks: readonly Rational[];
  readonly slopes: readonly Rational[];
}

function pwlAt(f: Pwl, h: Rational): Rational {
  let value = f.at0;
  let from = ZERO;
  for (let k = 0; k <= f.breaks.length; k++) {
    const to = k < f.breaks.length ? f.breaks[k]! : null;
    if (to !== null && to.le(from)) continue;
    const end = to === null || h.lt(to) ? h : to;
    if (end.gt(from)) value = value.add(f.slopes[k]!.mul(end.sub(from)));
    if (to === null || h.le(to)) break;
    from = to;
  }
  return value;
}

/** The pieces of f on [l, u]: consecutive (length, slope), slopes non-decreasing for a convex f. */
function pieces(f: Pwl, l: Rational, u: Rational): { len: Rational; slope: Rational }[] {
  const out: { len: Rational; slope: Rational }[] = [];
  let from = ZERO;
  for (let k = 0; k <= f.breaks.length; k++) {
    const to = k < f.breaks.length ? f.breaks[k]! : null;
    const start = Rational.max(from, l);
    const end = to === null ? u : Rational.min(to, u);
    if (end.gt(start)) out.push({ len: end.sub(start), slope: f.slopes[k]! });
    if (to !== null) from = Rational.max(from, to);
    if (to === null || to.ge(u)) break;
  }
  return out;
}

const linear = (slope: Rational): Pwl => ({ at0: ZERO, breaks: [], slopes: [slope] });

/** max(0, h - junior): the part of h that a junior-first split puts above the junior layers. */
const aboveJunior = (junior: Rational): Pwl => ({ at0: ZERO, breaks: [junior], slopes: [ZERO, Rational.one] });

/** w * phi(h / c) for a piecewise phi through points from x = 0 (convex), extended along its end segments. */
function piecewiseInHaircut(points: readonly (readonly [number, number])[], c: Rational, w: Rational): Pwl {
  const xs = points.map((p) => q(p[0]));
  const ys = points.map((p) => q(p[1]));
  if (xs.length === 1) return { at0: w.mul(ys[0]!), breaks: [], slopes: [ZERO] };
  const slope = (k: number): Rational => ys[k + 1]!.sub(ys[k]!).div(xs[k + 1]!.sub(xs[k]!));
  const last = xs.length - 2;
  // phi(0) along the segment that holds 0 (the first point is at x = 0 in a parsed model).
  let k0 = 0;
  while (k0 < last && xs[k0 + 1]!.le(ZERO)) k0++;
  const at0 = ys[k0]!.add(slope(k0).mul(ZERO.sub(xs[k0]!)));
  const breaks: Rational[] = [];
  const slopes: Rational[] = [slope(k0).mul(w).div(c)];
  for (let k = k0 + 1; k <= last; k++) {
    breaks.push(xs[k]!.mul(c));
    slopes.push(slope(k).mul(w).div(c));
  }
  return { at0: at0.mul(w), breaks, slopes };
}

// ---------------------------------------------------------------------------------------------
// Continuous waves: box ∩ slab, stage by stage
// ---------------------------------------------------------------------------------------------

interface Box {
  readonly lower: Rational[];
  readonly upper: Rational[];
  readonly lo: Rational;
  /** null: no upper limit on sum h. */
  readonly hi: Rational | null;
}

const sumOf = (values: readonly Rational[]): Rational => Rational.sum(values);

function boxFeasible(box: Box): boolean {
  const low = sumOf(box.lower);
  const high = sumOf(box.upper);
  if (box.lower.some((l, i) => l.gt(box.upper[i]!))) return false;
  if (high.lt(box.lo)) return false;
  return box.hi === null || low.le(box.hi);
}

/** Minimizes sum_i f_i(h_i) over the box; returns the optimum and the box of minimizers. */
function pwlStage(box: Box, fs: readonly Pwl[]): { value: Rational; box: Box } {
  const n = box.lower.length;
  const parts = fs.map((f, i) => pieces(f, box.lower[i]!, box.upper[i]!));
  const low = sumOf(box.lower);
  const high = sumOf(box.upper);
  const lo = Rational.max(box.lo, low);
  const hi = box.hi === null ? high : Rational.min(box.hi, high);
  const at = (lambda: Rational): { a: Rational[]; b: Rational[] } => {
    const a: Rational[] = [];
    const b: Rational[] = [];
    for (let i = 0; i < n; i++) {
      let below = box.lower[i]!;
      let equal = ZERO;
      for (const piece of parts[i]!) {
        const c = piece.slope.cmp(lambda);
        if (c < 0) below = below.add(piece.len);
        else if (c === 0) equal = equal.add(piece.len);
      }
      a.push(below);
      b.push(below.add(equal));
    }
    return { a, b };
  };
  const zero = at(ZERO);
  const A0 = sumOf(zero.a);
  const B0 = sumOf(zero.b);
  let lambda: Rational;
  let s1: Rational;
  let s2: Rational;
  let bounds: { a: Rational[]; b: Rational[] };
  if (B0.ge(lo) && A0.le(hi)) {
    lambda = ZERO;
    s1 = Rational.max(lo, A0);
    s2 = Rational.min(hi, B0);
    bounds = zero;
  } else {
    const target = B0.lt(lo) ? lo : hi;
    const slopes = [...new Map(parts.flat().map((p) => [p.slope.toString(), p.slope])).values()].sort((x, y) => x.cmp(y));
    const candidates: Rational[] = [];
    if (slopes.length === 0) candidates.push(ZERO);
    else {
      candidates.push(slopes[0]!.sub(Rational.one));
      slopes.forEach((s, k) => {
        candidates.push(s);
        if (k + 1 < slopes.length) candidates.push(s.add(slopes[k + 1]!).div(Rational.of(2n)));
      });
      candidates.push(slopes[slopes.length - 1]!.add(Rational.one));
    }
    const found = candidates.map((c) => ({ c, ab: at(c) })).find(({ ab }) => sumOf(ab.a).le(target) && target.le(sumOf(ab.b)));
    if (!found) throw new Error("oracle: no multiplier for a piecewise-linear stage (a non-convex function?)");
    lambda = found.c;
    bounds = found.ab;
    s1 = target;
    s2 = target;
  }
  let value = ZERO;
  for (let i = 0; i < n; i++) value = value.add(pwlAt(fs[i]!, bounds.a[i]!));
  value = value.add(lambda.mul(s1.sub(sumOf(bounds.a))));
  return { value, box: { lower: bounds.a, upper: bounds.b, lo: s1, hi: s2 } };
}

/** The least t >= 0 with sum_i clamp(t s_i, l_i, u_i) >= target (accounts with u_i > 0). */
function waterLevel(box: Box, scale: readonly Rational[], target: Rational): Rational {
  const active = box.upper.map((u, i) => i).filter((i) => box.upper[i]!.sign() > 0);
  const g = (t: Rational): Rational => sumOf(active.map((i) => Rational.min(box.upper[i]!, Rational.max(box.lower[i]!, t.mul(scale[i]!)))));
  if (g(ZERO).ge(target)) return ZERO;
  const breaks = [...new Map(active.flatMap((i) => [box.lower[i]!.div(scale[i]!), box.upper[i]!.div(scale[i]!)]).map((t) => [t.toString(), t])).values()].sort((x, y) => x.cmp(y));
  let previous = ZERO;
  for (const b of breaks) {
    if (b.le(previous)) continue;
    const gb = g(b);
    if (gb.ge(target)) {
      // Linear on [previous, b]: the accounts strictly between their bounds there move at s_i.
      const middle = previous.add(b).div(Rational.of(2n));
      let slope = ZERO;
      for (const i of active) {
        const level = middle.mul(scale[i]!);
        if (level.gt(box.lower[i]!) && level.lt(box.upper[i]!)) slope = slope.add(scale[i]!);
      }
      return previous.add(target.sub(g(previous)).div(slope));
    }
    previous = b;
  }
  throw new Error("oracle: the water level exceeds every account's cap (an infeasible box)");
}

/** min max_i h_i / s_i over the box: the value and the box with u_i <= t* s_i. */
function minmaxStage(box: Box, scale: readonly Rational[]): { value: Rational; box: Box } {
  const lo = Rational.max(box.lo, sumOf(box.lower));
  let floor = ZERO;
  box.lower.forEach((l, i) => {
    if (l.sign() > 0) floor = Rational.max(floor, l.div(scale[i]!));
  });
  const t = Rational.max(floor, waterLevel(box, scale, lo));
  const upper = box.upper.map((u, i) => (u.sign() > 0 ? Rational.min(u, t.mul(scale[i]!)) : u));
  return { value: t, box: { ...box, upper } };
}

/** The leximin point of h_i / s_i on the box, at the least total: capped water-filling. */
function waterFill(box: Box, scale: readonly Rational[]): Rational[] {
  const lo = Rational.max(box.lo, sumOf(box.lower));
  const t = waterLevel(box, scale, lo);
  return box.upper.map((u, i) => (u.sign() > 0 ? Rational.min(u, Rational.max(box.lower[i]!, t.mul(scale[i]!))) : ZERO));
}

const pointBox = (h: Rational[]): Box => {
  const total = sumOf(h);
  return { lower: h, upper: h, lo: total, hi: total };
};

/** Every least support T ({l > 0} ⊆ T ⊆ {u > 0}) that can still reach the slab. */
function sparsityStage(box: Box): { value: number; boxes: Box[] } | undefined {
  const n = box.lower.length;
  const forced = box.lower.map((l) => l.sign() > 0);
  const open = box.upper.map((u, i) => u.sign() > 0 && !forced[i]);
  const free = [...Array(n).keys()].filter((i) => open[i]);
  const low = sumOf(box.lower);
  if (box.hi !== null && low.gt(box.hi)) return undefined;
  let best: { value: number; boxes: Box[] } | undefined;
  for (let mask = 0; mask < 1 << free.length; mask++) {
    const chosen = new Set(free.filter((_, k) => mask & (1 << k)));
    const upper = box.upper.map((u, i) => (forced[i] || chosen.has(i) ? u : ZERO));
    if (sumOf(upper).lt(box.lo)) continue;
    const value = forced.filter(Boolean).length + chosen.size;
    const candidate = { ...box, upper };
    if (!best || value < best.value) best = { value, boxes: [candidate] };
    else if (value === best.value) best.boxes.push(candidate);
  }
  return best;
}

interface Evaluated {
  readonly value: StageValue;
  readonly boxes: Box[];
  /** The stage collapsed the box to one point computed with a rounded scale (x^p, p != 2). */
  readonly approximate?: boolean;
}

function powerStage(box: Box, data: Exact, p: number, weight: Float64Array): Evaluated {
  // KKT: h_i = clamp(kappa r_i, l_i, u_i) with r_i = c_i (c_i / w_i)^(1/(p-1)); exact for p = 2.
  const scale = data.capacity.map((c, i) => {
    if (c.sign() <= 0) return Rational.one;
    if (p === 2) return c.mul(c).div(q(weight[i]!));
    const r = c.toNumber() * (c.toNumber() / weight[i]!) ** (1 / (p - 1));
    return Number.isFinite(r) && r > 0 ? q(r) : Rational.one;
  });
  const h = waterFill(box, scale);
  const point = pointBox(h);
  if (p === 2) {
    let value = ZERO;
    data.capacity.forEach((c, i) => {
      if (c.sign() > 0) {
        const x = h[i]!.div(c);
        value = value.add(q(weight[i]!).mul(x).mul(x));
      }
    });
    return { value: { exact: value, approx: value.toNumber() }, boxes: [point] };
  }
  let approx = 0;
  data.capacity.forEach((c, i) => {
    if (c.sign() > 0) approx += weight[i]! * (h[i]!.toNumber() / c.toNumber()) ** p;
  });
  return { value: { approx }, boxes: [point], approximate: true };
}

function exactValue(value: Rational): StageValue {
  return { exact: value, approx: value.toNumber() };
}

/** Objective stage `objective` on one box: its minimum and the boxes of minimizers; undefined if infeasible. */
function objectiveStage(box: Box, data: Exact, objective: BoundObjective): Evaluated | undefined {
  if (!boxFeasible(box)) return undefined;
  switch (objective.kind) {
    case "sparsity": {
      const result = sparsityStage(box);
      return result && { value: exactValue(Rational.fromInteger(result.value)), boxes: result.boxes };
    }
    case "overshoot": {
      const { value, box: next } = pwlStage(box, box.lower.map(() => linear(Rational.one)));
      return { value: exactValue(value.sub(data.budget)), boxes: [next] };
    }
    case "minmax": {
      const { value, box: next } = minmaxStage(box, Array.from(objective.scale, (s) => q(s)));
      return { value: exactValue(value), boxes: [next] };
    }
    case "convex": {
      if (objective.phi.kind === "power") return powerStage(box, data, objective.phi.p, objective.weight);
      const points = objective.phi.points;
      const fs = data.capacity.map((c, i) => (c.sign() > 0 ? piecewiseInHaircut(points, c, q(objective.weight[i]!)) : linear(ZERO)));
      const { value, box: next } = pwlStage(box, fs);
      return { value: exactValue(value), boxes: [next] };
    }
  }
}

/** Cumulative junior capacity below layer l, per account. */
function juniorBelow(data: Exact, l: number): Rational[] {
  return data.capacity.map((_, i) => sumOf(data.layers.slice(0, l).map((layer) => layer[i]!)));
}

/** Subsets of `members` of exactly `size` elements. */
function subsetsOf(members: readonly number[], size: number): number[][] {
  const out: number[][] = [];
  const walk = (from: number, chosen: number[]): void => {
    if (chosen.length === size) {
      out.push([...chosen]);
      return;
    }
    for (let k = from; k < members.length; k++) walk(k + 1, [...chosen, members[k]!]);
  };
  walk(0, []);
  return out;
}

/** Compares two stage values: exactly when both are exact, else relatively within 1e-12. */
function compareValues(a: StageValue, b: StageValue): number {
  if (a.exact && b.exact) return a.exact.cmp(b.exact);
  const tolerance = 1e-12 * Math.max(Math.abs(a.approx), Math.abs(b.approx), 1e-300);
  return a.approx < b.approx - tolerance ? -1 : a.approx > b.approx + tolerance ? 1 : 0;
}

function continuousOptimum(wave: Wave, data: Exact, stages: string[]): Optimum {
  const n = data.n;
  const positive = [...Array(n).keys()].filter((i) => data.cap[i]!.sign() > 0);
  const K = data.maxAccounts;
  const supports = K !== undefined && K < positive.length ? subsetsOf(positive, K) : [positive];
  const hi = data.exactCoverage ? data.budget : null;
  let boxes: Box[] = supports.map((members) => {
    const chosen = new Set(members);
    return { lower: data.cap.map(() => ZERO), upper: data.cap.map((c, i) => (chosen.has(i) ? c : ZERO)), lo: data.budget, hi };
  });
  let maxCoverage = ZERO;
  for (const box of boxes) maxCoverage = Rational.max(maxCoverage, sumOf(box.upper));
  boxes = boxes.filter(boxFeasible);
  if (boxes.length === 0) return { feasible: false, stages, values: [], maxCoverage, unique: false };

  const values: StageValue[] = [];
  const layerCount = data.layers.length;
  let approximate = false;
  const keepBest = (results: Evaluated[]): void => {
    let best: Evaluated[] = [];
    for (const r of results) {
      const c = best.length === 0 ? -1 : compareValues(r.value, best[0]!.value);
      if (c < 0) best = [r];
      else if (c === 0) best.push(r);
    }
    if (best.length === 0) throw new Error("oracle: a stage left no feasible box");
    approximate ||= best.some((r) => r.approximate);
    const value = best[0]!.value;
    values.push(approximate && value.exact ? { approx: value.approx } : value);
    boxes = best.flatMap((r) => r.boxes);
  };
  // Seniority: cumulative senior totals G_l, most senior first; reported as layer totals T_l.
  const cumulative: StageValue[] = [];
  for (let l = layerCount - 1; l >= 1; l--) {
    const junior = juniorBelow(data, l);
    const fs = junior.map((j) => aboveJunior(j));
    keepBest(boxes.map((box) => {
      const { value, box: next } = pwlStage(box, fs);
      return { value: exactValue(value), boxes: [next] };
    }));
    cumulative.push(values.pop()!);
  }
  cumulative.forEach((g, k) => {
    const before = k === 0 ? undefined : cumulative[k - 1]!;
    values.push(before ? (g.exact && before.exact ? exactValue(g.exact.sub(before.exact)) : { approx: g.approx - before.approx }) : g);
  });
  for (const objective of wave.objectives) {
    keepBest(boxes.map((box) => objectiveStage(box, data, objective)).filter((r): r is Evaluated => r !== undefined));
  }

  // One optimal point: leximin for a single minmax, the unique point for x^2, else the least total.
  const box = boxes[0]!;
  const only = wave.objectives.length === 1 ? wave.objectives[0]! : undefined;
  let haircut: Rational[];
  let unique = false;
  if (only?.kind === "minmax") {
    haircut = waterFill(box, Array.from(only.scale, (s) => q(s)));
    unique = boxes.length === 1;
  } else if (box.lower.every((l, i) => l.eq(box.upper[i]!))) {
    haircut = [...box.lower];
    unique = boxes.length === 1 && only?.kind === "convex" && only.phi.kind === "power";
  } else {
    let rest = Rational.max(ZERO, Rational.max(box.lo, sumOf(box.lower)).sub(sumOf(box.lower)));
    haircut = box.lower.map((l, i) => {
      const add = Rational.min(rest, box.upper[i]!.sub(l));
      rest = rest.sub(add);
      return l.add(add);
    });
  }
  return { feasible: true, stages, values, maxCoverage, haircut, unique };
}

// ---------------------------------------------------------------------------------------------
// Lots: enumerate every lot vector
// ---------------------------------------------------------------------------------------------

/**
 * The junior-first split of exact haircuts over the wave's layers ([layer][account]): each layer takes
 * what is above the layers below it, up to its own capacity; the most senior takes the rest.
 */
export function juniorFirstLayers(wave: Wave, haircut: readonly Rational[]): Rational[][] {
  const data = exactData(wave);
  const L = data.layers.length;
  return data.layers.map((layer, l) => {
    const junior = juniorBelow(data, l);
    return haircut.map((x, i) => {
      const above = Rational.max(ZERO, x.sub(junior[i]!));
      return l === L - 1 ? above : Rational.min(above, layer[i]!);
    });
  });
}

/** The oracle's optimal allocation as the workbench's `Allocation` (doubles; lots; junior-first layers). */
export function optimalAllocation(wave: Wave, optimum: Optimum): Allocation {
  const haircut = optimum.haircut!;
  return {
    haircut: Float64Array.from(haircut, (x) => x.toNumber()),
    ...(optimum.lots ? { lots: Int32Array.from(optimum.lots) } : {}),
    ...(wave.layers ? { layers: juniorFirstLayers(wave, haircut).map((layer) => Float64Array.from(layer, (x) => x.toNumber())) } : {}),
  };
}

/** The objective vector of a haircut vector (layer stages by the junior-first split), oracle rules. */
function vectorOf(wave: Wave, data: Exact, h: readonly Rational[]): StageValue[] {
  const values: StageValue[] = [];
  for (let l = data.layers.length - 1; l >= 1; l--) {
    const junior = juniorBelow(data, l);
    let total = ZERO;
    h.forEach((x, i) => {
      // Junior-first: layer l takes what is above the junior layers, up to its own capacity (the most senior takes the rest).
      const above = Rational.max(ZERO, x.sub(junior[i]!));
      total = total.add(l === data.layers.length - 1 ? above : Rational.min(above, data.layers[l]![i]!));
    });
    values.push(exactValue(total));
  }
  for (const objective of wave.objectives) values.push(objectiveValueOf(wave, data, objective, h));
  return values;
}

function objectiveValueOf(wave: Wave, data: Exact, objective: BoundObjective, h: readonly Rational[]): StageValue {
  switch (objective.kind) {
    case "sparsity":
      return exactValue(Rational.fromInteger(h.filter((x) => x.sign() > 0).length));
    case "overshoot":
      return exactValue(sumOf(h).sub(data.budget));
    case "minmax": {
      let worst = ZERO;
      h.forEach((x, i) => {
        if (x.sign() > 0) worst = Rational.max(worst, x.div(q(objective.scale[i]!)));
      });
      return exactValue(worst);
    }
    case "convex":
      return convexValue(objective.phi, objective.weight, data, h);
  }
}

function convexValue(phi: Phi, weight: Float64Array, data: Exact, h: readonly Rational[]): StageValue {
  if (phi.kind === "power" && phi.p !== 2) {
    let approx = 0;
    data.capacity.forEach((c, i) => {
      if (c.sign() > 0) approx += weight[i]! * Math.max(0, h[i]!.toNumber() / c.toNumber()) ** phi.p;
    });
    return { approx };
  }
  let value = ZERO;
  data.capacity.forEach((c, i) => {
    if (c.sign() <= 0) return;
    const w = q(weight[i]!);
    if (phi.kind === "power") {
      const x = h[i]!.div(c);
      value = value.add(w.mul(x).mul(x));
    } else value = value.add(pwlAt(piecewiseInHaircut(phi.points, c, w), h[i]!));
  });
  return exactValue(value);
}

function compareVectors(a: readonly StageValue[], b: readonly StageValue[]): number {
  for (let s = 0; s < a.length; s++) {
    const c = compareValues(a[s]!, b[s]!);
    if (c !== 0) return c;
  }
  return 0;
}

/** How many lot vectors the oracle will enumerate (callers keep waves small). */
export function lotVectorCount(wave: Wave): number {
  const positions = wave.positions;
  if (!positions) return 1;
  let count = 1;
  for (let p = 0; p < positions.account.length; p++) count *= positions.maxLots[p]! + 1;
  return count;
}

function lotsOptimum(wave: Wave, data: Exact, stages: string[]): Optimum {
  const positions = wave.positions!;
  const n = data.n;
  const byAccount: number[][] = Array.from({ length: n }, () => []);
  for (let p = 0; p < positions.account.length; p++) byAccount[positions.account[p]!]!.push(p);
  // Each account's options: (its lots per position, h_i), keeping only h_i <= cap_i.
  const options = byAccount.map((list, i) => {
    let combos: { lots: number[]; h: Rational }[] = [{ lots: [], h: ZERO }];
    for (const p of list) {
      const v = q(positions.lotValue[p]!);
      const next: { lots: number[]; h: Rational }[] = [];
      for (const combo of combos) for (let k = 0; k <= positions.maxLots[p]!; k++) next.push({ lots: [...combo.lots, k], h: combo.h.add(v.mul(Rational.fromInteger(k))) });
      combos = next;
    }
    return combos.filter((combo) => combo.h.le(data.cap[i]!) && (combo.h.sign() === 0 || wave.eligible[i] === 1));
  });
  const K = data.maxAccounts ?? n;
  let best: { vector: StageValue[]; h: Rational[]; lots: number[]; ties: number } | undefined;
  let maxCoverage = ZERO;
  const h: Rational[] = new Array<Rational>(n).fill(ZERO);
  const chosen: number[][] = new Array<number[]>(n).fill([]);
  const walk = (i: number, touched: number, total: Rational): void => {
    if (i === n) {
      if (total.gt(maxCoverage)) maxCoverage = total;
      const covered = data.exactCoverage ? total.eq(data.budget) : total.ge(data.budget);
      if (!covered) return;
      const vector = vectorOf(wave, data, h);
      const c = best ? compareVectors(vector, best.vector) : -1;
      if (c < 0) {
        const lots = new Array<number>(positions.account.length).fill(0);
        byAccount.forEach((list, a) => list.forEach((p, k) => (lots[p] = chosen[a]![k]!)));
        best = { vector, h: [...h], lots, ties: 1 };
      } else if (c === 0) best!.ties++;
      return;
    }
    for (const option of options[i]!) {
      const touches = option.h.sign() > 0 ? 1 : 0;
      if (touched + touches > K) continue;
      h[i] = option.h;
      chosen[i] = option.lots;
      walk(i + 1, touched + touches, total.add(option.h));
    }
    h[i] = ZERO;
  };
  walk(0, 0, ZERO);
  if (!best) return { feasible: false, stages, values: [], maxCoverage, unique: false };
  const found = best as { vector: StageValue[]; h: Rational[]; lots: number[]; ties: number };
  return { feasible: true, stages, values: found.vector, maxCoverage, haircut: found.h, lots: found.lots, unique: found.ties === 1 };
}

/**
 * The exact lexicographic optimum of `wave` (seniority stages first, then the objectives), by brute
 * force: every lot vector with lots, every support and the box∩slab stage maps without. Meant for
 * n <= 6 and lotVectorCount(wave) up to a few thousand. Pure: reads the wave's raw data only.
 */
export function oracleOptimum(wave: Wave, options: { relaxed?: boolean } = {}): Optimum {
  const data = exactData(wave, options.relaxed);
  const stages = oracleStageNames(wave);
  return wave.positions ? lotsOptimum(wave, data, stages) : continuousOptimum(wave, data, stages);
}

// ---------------------------------------------------------------------------------------------
// Feasibility, judged exactly
// ---------------------------------------------------------------------------------------------

/**
 * The judgement's bands, per row `lhs <= rhs` of one promise (its own right-hand side, never the
 * wave's largest number):
 *  - kept: lhs - rhs <= TIGHT * |rhs| (rounding of a correct computation; any sane verifier accepts it);
 *  - broken: lhs - rhs > LOOSE * |rhs| + LOOSE_ABS (no verifier may accept it: a cent on any row
 *    below 10^6 dollars, a haircut on an ineligible account, a lot over Q);
 *  - between: ambiguous (the verifier may say either).
 * Rows from integers (lot counts, lot values times lots against capacity and B) are kept only when
 * they hold exactly. An ineligible account's haircut must be exactly 0.
 */
export const TIGHT = 1e-12;
export const LOOSE = 1e-8;
export const LOOSE_ABS = 1e-8;

export type Band = "kept" | "ambiguous" | "broken";

export interface Finding {
  readonly promise: string;
  readonly account?: string;
  readonly band: Exclude<Band, "kept">;
  /** Dollars, except lots (lot-integrality, lot-bounds: lots) and shape (entries). */
  readonly amount: number;
}

export interface Judgement {
  /** "feasible": every row kept; "infeasible": some row broken; else "ambiguous". */
  readonly verdict: "feasible" | "ambiguous" | "infeasible";
  readonly findings: readonly Finding[];
}

function band(lhs: Rational, rhs: Rational, exact = false): { band: Band; amount: number } {
  const over = lhs.sub(rhs);
  if (over.sign() <= 0) return { band: "kept", amount: 0 };
  const amount = over.toNumber();
  const scale = rhs.abs().toNumber();
  if (!exact && amount <= TIGHT * scale) return { band: "kept", amount };
  return { band: amount > LOOSE * scale + LOOSE_ABS ? "broken" : "ambiguous", amount };
}

/**
 * Judges `allocation` against every promise of `wave` in exact arithmetic (see the bands above):
 * shape, finite and non-negative haircuts, h_i <= c_i, ineligible h_i = 0, h_i <= alpha c_i,
 * coverage (>= or = B), lots (integers in 0..Q_p; h_i = sum_p v_p q_p; the lots' own value within
 * c_i, alpha c_i and covering B exactly), at most K touched accounts (touched: h_i > 0; broken when
 * more than K exceed LOOSE of their own capacity), layers (0 <= h_il <= c_il, h_i = sum_l h_il) and
 * lexicographic seniority against `optimum` (computed when not given).
 */
export function judgeAllocation(wave: Wave, allocation: Allocation, optimum?: Optimum): Judgement {
  const data = exactData(wave);
  const findings: Finding[] = [];
  const add = (promise: string, result: { band: Band; amount: number }, account?: number): void => {
    if (result.band !== "kept") findings.push({ promise, band: result.band, amount: result.amount, ...(account !== undefined ? { account: wave.ids[account]! } : {}) });
  };
  const n = data.n;
  const broken = (promise: string, amount: number, account?: number): void => add(promise, { band: "broken", amount }, account);
  if (allocation.haircut.length !== n) {
    broken("shape", Math.abs(allocation.haircut.length - n));
    return { verdict: "infeasible", findings };
  }
  if (wave.positions && allocation.lots?.length !== wave.positions.account.length) broken("shape", wave.positions.account.length);
  if (wave.layers && (allocation.layers?.length !== wave.layers.names.length || allocation.layers.some((layer) => layer.length !== n))) broken("shape", wave.layers.names.length);
  if (findings.length > 0) return { verdict: "infeasible", findings };

  const h: Rational[] = [];
  for (let i = 0; i < n; i++) {
    const x = allocation.haircut[i]!;
    if (!Number.isFinite(x)) {
      broken("finite", Infinity, i);
      h.push(ZERO);
      continue;
    }
    h.push(q(x));
  }
  if (findings.length > 0) return { verdict: "infeasible", findings };
  const alpha = wave.model.alpha;
  for (let i = 0; i < n; i++) {
    add("nonnegative", band(h[i]!.neg(), ZERO), i);
    add("capacity", band(h[i]!, data.capacity[i]!), i);
    if (wave.eligible[i] !== 1 && !h[i]!.isZero()) broken("eligibility", h[i]!.abs().toNumber(), i);
    if (alpha !== undefined) add("alpha", band(h[i]!, q(alpha).mul(data.capacity[i]!)), i);
  }
  const total = sumOf(h);
  add("coverage", band(data.budget, total));
  if (data.exactCoverage) add("coverage", band(total, data.budget));

  let touchedExact = h.filter((x) => x.sign() > 0).length;
  let touchedLoose = h.filter((x, i) => x.toNumber() > LOOSE * data.capacity[i]!.toNumber() + LOOSE_ABS).length;
  if (wave.positions) {
    const positions = wave.positions;
    const lots = allocation.lots!;
    const lotSum: Rational[] = new Array<Rational>(n).fill(ZERO);
    for (let p = 0; p < positions.account.length; p++) {
      const k = lots[p]!;
      const i = positions.account[p]!;
      if (!Number.isInteger(k)) {
        broken("lot-integrality", Math.abs(k - Math.round(k)), i);
        continue;
      }
      if (k < 0 || k > positions.maxLots[p]!) broken("lot-bounds", k < 0 ? -k : k - positions.maxLots[p]!, i);
      lotSum[i] = lotSum[i]!.add(q(positions.lotValue[p]!).mul(Rational.fromInteger(k)));
    }
    for (let i = 0; i < n; i++) {
      add("lot-sum", band(h[i]!, lotSum[i]!), i);
      add("lot-sum", band(lotSum[i]!, h[i]!), i);
      add("capacity", band(lotSum[i]!, data.capacity[i]!, true), i);
      if (alpha !== undefined) add("alpha", band(lotSum[i]!, q(alpha).mul(data.capacity[i]!), true), i);
      if (wave.eligible[i] !== 1 && !lotSum[i]!.isZero()) broken("eligibility", lotSum[i]!.toNumber(), i);
    }
    const lotTotal = sumOf(lotSum);
    add("coverage", band(data.budget, lotTotal, true));
    if (data.exactCoverage) add("coverage", band(lotTotal, data.budget, true));
    touchedExact = Math.max(touchedExact, lotSum.filter((x) => x.sign() > 0).length);
    touchedLoose = Math.max(touchedLoose, lotSum.filter((x, i) => x.toNumber() > LOOSE * data.capacity[i]!.toNumber() + LOOSE_ABS).length);
  }
  const K = data.maxAccounts;
  if (K !== undefined) {
    // In dollars: the (K+1)-th largest haircut, the least that must go for K accounts to remain.
    const sorted = h.map((x) => x.toNumber()).sort((a, b) => b - a);
    const excess = sorted[K] ?? 0;
    if (touchedLoose > K) broken("maxAccounts", excess);
    else if (touchedExact > K) add("maxAccounts", { band: "ambiguous", amount: excess });
  }

  if (wave.layers) {
    const layers = allocation.layers!.map((layer) => Array.from(layer, (x) => (Number.isFinite(x) ? q(x) : null)));
    for (let i = 0; i < n; i++) {
      let sum = ZERO;
      for (let l = 0; l < layers.length; l++) {
        const x = layers[l]![i];
        if (x === null || x === undefined) {
          broken("finite", Infinity, i);
          continue;
        }
        sum = sum.add(x);
        add("layer-bounds", band(x.neg(), ZERO), i);
        add("layer-bounds", band(x, data.layers[l]![i]!), i);
      }
      add("layer-sum", band(h[i]!, sum), i);
      add("layer-sum", band(sum, h[i]!), i);
    }
    if (layers.length >= 2 && !findings.some((f) => f.promise === "finite")) {
      // Junior-first inside each account: what it holds in junior layers but was not taken from them,
      // beside what was taken from more senior ones, could move down with its haircut unchanged. A
      // promise of its own, judged against 0 (its right-hand side), not against the wave's totals.
      for (let i = 0; i < n; i++) {
        let juniorLeft = ZERO;
        for (let l = 1; l < layers.length; l++) {
          const x = layers[l - 1]![i] ?? ZERO;
          const room = data.layers[l - 1]![i]!.sub(x);
          if (room.sign() > 0) juniorLeft = juniorLeft.add(room);
          let senior = ZERO;
          for (let k = l; k < layers.length; k++) senior = senior.add(layers[k]![i] ?? ZERO);
          const movable = juniorLeft.lt(senior) ? juniorLeft : senior;
          if (movable.sign() > 0) add("seniority", band(movable, ZERO), i);
        }
      }
      const best = optimum ?? oracleOptimum(wave);
      if (best.feasible) {
        // Lexicographic, most senior first: a senior total above the least possible (given the ones before) breaks the ladder.
        for (let s = 0; s < layers.length - 1; s++) {
          const l = layers.length - 1 - s;
          const taken = sumOf(layers[l]!.map((x) => x ?? ZERO));
          const least = best.values[s]!.exact ?? q(best.values[s]!.approx);
          const result = band(taken, least);
          if (result.band === "broken") {
            add("seniority", result);
            break;
          }
          if (result.band === "ambiguous") add("seniority", result);
          if (taken.lt(least) && band(least, taken).band === "broken") break;
        }
      }
    }
  }
  const verdict = findings.some((f) => f.band === "broken") ? "infeasible" : findings.length > 0 ? "ambiguous" : "feasible";
  return { verdict, findings };
}

/**
 * The oracle's objective vector of an allocation (same order as oracleStageNames): layer totals from
 * the allocation's own layers (junior-first split when it has none); touched = h_i above TIGHT times
 * the smaller of its own capacity and B (rounding dust on an untouched account is not a haircut); with lots, every stage
 * from the lots' exact value sum_p v_p q_p.
 */
export function oracleObjectives(wave: Wave, allocation: Allocation): StageValue[] {
  const data = exactData(wave);
  let h = Array.from(allocation.haircut, (x) => q(x));
  if (wave.positions && allocation.lots) {
    const sums: Rational[] = new Array<Rational>(data.n).fill(ZERO);
    for (let p = 0; p < wave.positions.account.length; p++) {
      const i = wave.positions.account[p]!;
      sums[i] = sums[i]!.add(q(wave.positions.lotValue[p]!).mul(Rational.fromInteger(allocation.lots[p]!)));
    }
    h = sums;
  }
  const values = vectorOf(wave, data, h);
  if (wave.layers && allocation.layers && allocation.layers.length === wave.layers.names.length) {
    for (let s = 0; s < wave.layers.names.length - 1; s++) {
      const l = wave.layers.names.length - 1 - s;
      values[s] = exactValue(sumOf(Array.from(allocation.layers[l]!, (x) => q(x))));
    }
  }
  if (!wave.positions) {
    const offset = data.layers.length > 1 ? data.layers.length - 1 : 0;
    wave.objectives.forEach((objective, k) => {
      if (objective.kind === "sparsity") {
        // Dust below TIGHT of the account's capacity (and of B, when B is smaller: B = 3e-31 is covered by a real 3e-31 haircut) is not a haircut.
        const budget = data.budget.toNumber();
        const touched = h.filter((x, i) => x.toNumber() > TIGHT * (budget > 0 ? Math.min(data.capacity[i]!.toNumber(), budget) : data.capacity[i]!.toNumber())).length;
        values[offset + k] = exactValue(Rational.fromInteger(touched));
      }
    });
  }
  return values;
}

/**
 * The exact least min-max level of a lots wave with a single minmax objective (no maxAccounts): the
 * least t with sum_i max{h_i : h_i a lot sum of account i, h_i <= cap_i, h_i <= t s_i} >= B. The level
 * is one of the values h / s_i, so a bisection over them, exact, decides it. For waves too large to
 * enumerate whole lot vectors (n up to thousands, a few positions per account, tens of lots each).
 * Returns undefined when even t = infinity does not cover B.
 */
export function lotsMinmaxLevel(wave: Wave, options: { relaxed?: boolean } = {}): Rational | undefined {
  const positions = wave.positions!;
  const objective = wave.objectives[0]!;
  if (objective.kind !== "minmax" || wave.objectives.length !== 1 || wave.model.maxAccounts !== undefined) throw new Error("lotsMinmaxLevel: a single minmax objective without maxAccounts");
  const data = exactData(wave, options.relaxed);
  const byAccount: number[][] = Array.from({ length: data.n }, () => []);
  for (let p = 0; p < positions.account.length; p++) byAccount[positions.account[p]!]!.push(p);
  // Every achievable haircut per account, sorted (a few positions with tens of lots each).
  const achievable = byAccount.map((list, i) => {
    let sums = [ZERO];
    for (const p of list) {
      const v = q(positions.lotValue[p]!);
      const next = new Map<string, Rational>();
      for (const s of sums) for (let k = 0; k <= positions.maxLots[p]!; k++) {
        const h = s.add(v.mul(Rational.fromInteger(k)));
        if (h.le(data.cap[i]!)) next.set(h.toString(), h);
      }
      sums = [...next.values()];
    }
    return sums.sort((a, b) => a.cmp(b));
  });
  const scale = Array.from(objective.scale, (s) => q(s));
  const covered = (t: Rational | null): boolean => {
    let total = ZERO;
    achievable.forEach((sums, i) => {
      const limit = t === null ? null : t.mul(scale[i]!);
      let best = ZERO;
      for (const h of sums) if (limit === null || h.le(limit)) best = h;
      total = total.add(best);
    });
    return total.ge(data.budget);
  };
  if (!covered(null)) return undefined;
  const levels = [ZERO, ...achievable.flatMap((sums, i) => sums.filter((h) => h.sign() > 0).map((h) => h.div(scale[i]!)))].sort((a, b) => a.cmp(b));
  let lo = 0;
  let hi = levels.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (covered(levels[mid]!)) hi = mid;
    else lo = mid + 1;
  }
  return levels[lo]!;
}
