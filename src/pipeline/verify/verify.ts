/**
 * The independent verifier. It re-derives every bound from the wave's raw data (capacity,
 * eligibility, model.alpha, positions, layer capacities, model.maxAccounts, model.coverage, budget)
 * and never reads `wave.upper` or anything a solver claims, so that a bug in binding, lowering or a
 * backend shows up here instead of in a report. It uses no code from the dedicated algorithms or
 * the certificate (test/verify/independence.test.ts walks the imports): only the numeric floor
 * (compensated sums, exact products, the tolerance rule of src/floor/numeric/tolerance.ts).
 */
import type { Allocation, Wave } from "../../domain.js";
import { objectiveValues } from "./objectives.js";
import { BoundedSum, ExactSum } from "../../floor/numeric/exact.js";
import { CompensatedSum } from "../../floor/numeric/sum.js";
import { allowance, tolerance, type Tolerance } from "../../floor/numeric/tolerance.js";

export type ConstraintName =
  /** An array of the allocation has the wrong length or is missing. */
  | "shape"
  | "finite"
  | "nonnegative"
  | "capacity"
  | "eligibility"
  | "alpha"
  | "coverage"
  | "lot-integrality"
  | "lot-bounds"
  | "lot-sum"
  | "maxAccounts"
  | "layer-bounds"
  | "layer-sum"
  | "seniority";

export interface Violation {
  readonly constraint: ConstraintName;
  /** The account's id when the constraint belongs to one account. */
  readonly account?: string;
  /** Index into wave.positions for lot rows. */
  readonly position?: number;
  /** How far the constraint is violated, in its own unit: dollars, lots, accounts (array entries for "shape"); +Infinity for a non-finite value. */
  readonly amount: number;
  readonly message: string;
}

export interface Verdict {
  readonly ok: boolean;
  /** The largest violation amount (see Violation.amount); 0 when ok. */
  readonly worstViolation: number;
  /** |violation| <= absolute + relative * |rhs| of that row counts as satisfied; `rule` says which rows are exact. */
  readonly tolerance: Tolerance;
  /** At most `listedPerConstraint` per constraint are listed; `notes` says how many more there were. */
  readonly violations: Violation[];
  /** Objective vector recomputed from the haircuts (see objectiveValues); [] when the shape is wrong. */
  readonly objectives: number[];
  /** What the verifier could not decide, and how many violations were not listed. */
  readonly notes: string[];
  /**
   * Promises kept as far as the verifier could check but not decided (today only "seniority": a
   * ladder with a binding maxAccounts or with lots, where the least senior totals have no closed form
   * and the allocation is above the closed form's lower bound). `ok` with a non-empty list is not
   * "verified": solveWave decides it from its proven seniority stages, `adl validate` by solving them.
   */
  readonly undecided: ConstraintName[];
}

/** Enough to diagnose; 10^6 identical violations would only bury the first one. */
const listedPerConstraint = 50;

/**
 * Checks an allocation against every constraint of the wave's model, from the raw data:
 * finite, non-negative haircuts; h_i <= c_i; ineligible h_i = 0 exactly; h_i <= alpha c_i; coverage
 * sum h >= B (or = B); lots integer 0 <= q_p <= Q_p with h_i = sum_p v_p q_p, and then coverage and
 * the caps decided exactly on the lot amounts; at most K touched (h_i > 0) accounts; layers
 * 0 <= h_il <= c_il with h_i = sum_l h_il; and lexicographic optimality of the seniority stages
 * (see checkSeniority). Each row's allowance comes from that row's own right-hand side
 * (src/floor/numeric/tolerance.ts, stated in the verdict), never from the wave's largest amount.
 * O(n * layers + positions), plus BigInt work for lot rows too close to call in floating point.
 */
export function verifyAllocation(wave: Wave, allocation: Allocation): Verdict {
  const tol = tolerance(wave);
  const report = new Report(tol);
  const n = wave.ids.length;
  const haircut = allocation.haircut;

  if (haircut.length !== n) {
    report.add({ constraint: "shape", amount: Math.abs(haircut.length - n), message: `haircut has ${haircut.length} entries; the wave has ${n} accounts` });
    return report.verdict([]);
  }
  const shapeOk = checkShapes(wave, allocation, report);

  const alpha = wave.model.alpha;
  const total = new CompensatedSum();
  let allFinite = true;
  let touched = 0;
  for (let i = 0; i < n; i++) {
    const h = haircut[i]!;
    const id = wave.ids[i]!;
    if (!Number.isFinite(h)) {
      allFinite = false;
      report.add({ constraint: "finite", account: id, amount: Infinity, message: `account ${quote(id)}: haircut is ${h}` });
      continue;
    }
    total.add(h);
    if (h > 0) touched++;
    if (-h > allowance(tol, 0)) report.add({ constraint: "nonnegative", account: id, amount: -h, message: `account ${quote(id)}: haircut ${fmt(h)} is negative` });
    const c = wave.capacity[i]!;
    if (h - c > allowance(tol, c)) {
      report.add({ constraint: "capacity", account: id, amount: h - c, message: `account ${quote(id)}: haircut ${fmt(h)} exceeds capacity ${fmt(c)} by ${fmt(h - c)}` });
    }
    // Exactly 0: an excluded account (a house or vault account) is not a place for rounding dust.
    if (wave.eligible[i] === 0 && h !== 0) {
      report.add({ constraint: "eligibility", account: id, amount: Math.abs(h), message: `account ${quote(id)} is not eligible but has haircut ${fmt(h)}` });
    }
    if (alpha !== undefined && h - alpha * c > allowance(tol, alpha * c)) {
      report.add({ constraint: "alpha", account: id, amount: h - alpha * c, message: `account ${quote(id)}: haircut ${fmt(h)} exceeds alpha * capacity = ${fmt(alpha)} * ${fmt(c)} = ${fmt(alpha * c)}` });
    }
  }

  // With whole lots, coverage is decided on the lots themselves, exactly.
  const coverageOnLots = shapeOk.lots && checkLots(wave, allocation, tol, report);
  if (!coverageOnLots && allFinite) {
    const sum = total.value;
    const B = wave.budget;
    if (wave.model.coverage === "exact") {
      if (Math.abs(sum - B) > allowance(tol, B)) {
        report.add({ constraint: "coverage", amount: Math.abs(sum - B), message: `haircuts sum to ${fmt(sum)}; the model requires exactly the budget ${fmt(B)}` });
      }
    } else if (B - sum > allowance(tol, B)) {
      report.add({ constraint: "coverage", amount: B - sum, message: `haircuts sum to ${fmt(sum)}, short of the budget ${fmt(B)} by ${fmt(B - sum)}` });
    }
  } else if (!coverageOnLots) {
    report.note("coverage not checked: some haircuts are not finite numbers");
  }

  const K = wave.model.maxAccounts;
  if (K !== undefined && touched > K) {
    report.add({ constraint: "maxAccounts", amount: touched - K, message: `${touched} accounts have a positive haircut; the model allows at most ${K}` });
  }

  if (shapeOk.layers) {
    checkLayers(wave, allocation, tol, report);
    checkSeniority(wave, allocation.layers!, tol, report);
  }
  return report.verdict(objectiveValues(wave, allocation));
}

/** Collects violations, keeps the worst amount over all of them, lists a bounded number. */
class Report {
  private readonly listed: Violation[] = [];
  private readonly counts = new Map<ConstraintName, number>();
  private readonly notes: string[] = [];
  private readonly open: ConstraintName[] = [];
  private worst = 0;

  constructor(private readonly tol: Tolerance) {}

  add(violation: Violation): void {
    const count = (this.counts.get(violation.constraint) ?? 0) + 1;
    this.counts.set(violation.constraint, count);
    if (count <= listedPerConstraint) this.listed.push(violation);
    if (!(violation.amount <= this.worst)) this.worst = violation.amount;
  }

  note(text: string): void {
    this.notes.push(text);
  }

  /** A promise the verifier could not decide (see Verdict.undecided), with the reason as a note. */
  undecided(constraint: ConstraintName, why: string): void {
    if (!this.open.includes(constraint)) this.open.push(constraint);
    this.notes.push(why);
  }

  verdict(objectives: number[]): Verdict {
    for (const [constraint, count] of this.counts) {
      if (count > listedPerConstraint) this.notes.push(`${count - listedPerConstraint} further ${constraint} violations not listed (${count} in all)`);
    }
    const ok = this.counts.size === 0;
    return { ok, worstViolation: ok ? 0 : this.worst, tolerance: this.tol, violations: this.listed, objectives, notes: this.notes, undecided: this.open };
  }
}

/** Lots and layers must be present, with one entry per position / per account, exactly when the wave models them. */
function checkShapes(wave: Wave, allocation: Allocation, report: Report): { lots: boolean; layers: boolean } {
  const n = wave.ids.length;
  let lots = false;
  let layers = false;
  if (wave.positions) {
    const count = wave.positions.account.length;
    if (!allocation.lots) {
      report.add({ constraint: "shape", amount: count, message: `the wave models lots (${count} positions) but the allocation has none` });
    } else if (allocation.lots.length !== count) {
      report.add({ constraint: "shape", amount: Math.abs(allocation.lots.length - count), message: `lots has ${allocation.lots.length} entries; the wave has ${count} positions` });
    } else lots = true;
  } else if (allocation.lots) {
    report.note("the allocation carries lots but the wave models none; they were ignored");
  }
  if (wave.layers) {
    const count = wave.layers.names.length;
    const given = allocation.layers;
    if (!given) {
      report.add({ constraint: "shape", amount: count, message: `the wave has seniority layers [${wave.layers.names.join(", ")}] but the allocation gives no per-layer haircuts` });
    } else if (given.length !== count) {
      report.add({ constraint: "shape", amount: Math.abs(given.length - count), message: `layers has ${given.length} arrays; the wave has ${count} layers` });
    } else {
      layers = true;
      for (let l = 0; l < count; l++) {
        if (given[l]!.length !== n) {
          layers = false;
          report.add({ constraint: "shape", amount: Math.abs(given[l]!.length - n), message: `layer ${wave.layers.names[l]!} has ${given[l]!.length} entries; the wave has ${n} accounts` });
        }
      }
    }
  } else if (allocation.layers) {
    report.note("the allocation carries layers but the wave models none; they were ignored");
  }
  return { lots, layers };
}

/**
 * Integer 0 <= q_p <= Q_p; h_i = sum_p v_p q_p for every account (0 for an account without
 * positions) within the allowance of that amount; and, exactly on the lot amounts (integers times
 * lot values need no rounding allowance): an ineligible account closes no lot, sum_p v_p q_p <= c_i,
 * <= alpha c_i, and coverage sum_p v_p q_p >= B (= B with exact coverage).
 */
function checkLots(wave: Wave, allocation: Allocation, tol: Tolerance, report: Report): boolean {
  const positions = wave.positions!;
  const lots = allocation.lots!;
  const n = wave.ids.length;
  const P = positions.account.length;
  // Positions grouped by account (a counting sort of our own: the verifier shares no lot code).
  const start = new Int32Array(n + 1);
  for (let p = 0; p < P; p++) {
    const i = positions.account[p]!;
    if (i >= 0 && i < n) start[i + 1]!++;
  }
  for (let i = 0; i < n; i++) start[i + 1]! += start[i]!;
  const next = start.slice(0, n);
  const order = new Int32Array(start[n]!);
  let integral = true;
  for (let p = 0; p < P; p++) {
    const q = lots[p]!;
    const i = positions.account[p]!;
    const id = wave.ids[i] ?? `#${i}`;
    const Q = positions.maxLots[p]!;
    if (!Number.isInteger(q)) {
      integral = false;
      report.add({ constraint: "lot-integrality", account: id, position: p, amount: Number.isFinite(q) ? Math.abs(q - Math.round(q)) : Infinity, message: `account ${quote(id)}, position ${p}: ${q} lots is not a whole number` });
    }
    if (q < 0 || q > Q) {
      report.add({ constraint: "lot-bounds", account: id, position: p, amount: q < 0 ? -q : q - Q, message: `account ${quote(id)}, position ${p}: ${q} lots outside 0..${Q}` });
    }
    if (i >= 0 && i < n) order[next[i]!++] = p;
  }
  if (!integral) {
    report.note("lots: some lot counts are not whole numbers; coverage and the caps were checked on the haircuts, not on the lots");
    return false;
  }

  const alpha = wave.model.alpha;
  const quick = new BoundedSum();
  const coverage = new BoundedSum();
  // The exact decision, for the rows the float bound cannot call (lots worth exactly a cap: a tie),
  // one reused accumulator and one decimal reading per distinct lot value.
  const exact = new ExactSum(new Map());
  /** sign(account i's lot amount - a * b): the float sum with its error bound, the exact sum when too close. */
  const side = (i: number, a: number, b: number): number => {
    const decided = quick.compare(a * b);
    if (!Number.isNaN(decided) && Number.isFinite(a * b)) return decided;
    exact.reset();
    for (let t = start[i]!; t < start[i + 1]!; t++) {
      const p = order[t]!;
      if (Number.isFinite(positions.lotValue[p]!)) exact.addProduct(lots[p]!, positions.lotValue[p]!);
    }
    return exact.compareProduct(a, b);
  };
  for (let i = 0; i < n; i++) {
    quick.reset();
    for (let t = start[i]!; t < start[i + 1]!; t++) {
      const p = order[t]!;
      const v = positions.lotValue[p]!;
      const q = lots[p]!;
      if (!Number.isFinite(v)) continue;
      quick.addProduct(q, v);
      coverage.addProduct(q, v);
    }
    const lotAmount = quick.value;
    const id = wave.ids[i]!;
    const h = allocation.haircut[i]!;
    if (Number.isFinite(h) && Math.abs(h - lotAmount) > allowance(tol, lotAmount)) {
      report.add({ constraint: "lot-sum", account: id, amount: Math.abs(h - lotAmount), message: `account ${quote(id)}: haircut ${fmt(h)} differs from its lots' value sum_p v_p q_p = ${fmt(lotAmount)}` });
    }
    if (start[i + 1] === start[i]) continue;
    const c = wave.capacity[i]!;
    if (wave.eligible[i] === 0) {
      if (side(i, 1, 0) !== 0) report.add({ constraint: "eligibility", account: id, amount: Math.abs(lotAmount), message: `account ${quote(id)} is not eligible but closes lots worth ${fmt(lotAmount)}` });
      continue;
    }
    if (Number.isFinite(c) && side(i, 1, c) > 0) {
      report.add({ constraint: "capacity", account: id, amount: lotAmount - c, message: `account ${quote(id)}: its lots are worth ${fmt(lotAmount)} > capacity ${fmt(c)} (decided exactly)` });
    }
    if (alpha !== undefined && Number.isFinite(c) && side(i, alpha, c) > 0) {
      report.add({ constraint: "alpha", account: id, amount: lotAmount - alpha * c, message: `account ${quote(id)}: its lots are worth ${fmt(lotAmount)} > alpha * capacity = ${fmt(alpha * c)} (decided exactly)` });
    }
  }
  const B = wave.budget;
  const sum = coverage.value;
  let covered = coverage.compare(B);
  if (Number.isNaN(covered)) {
    exact.reset();
    for (let p = 0; p < P; p++) {
      const i = positions.account[p]!;
      if (i >= 0 && i < n && Number.isFinite(positions.lotValue[p]!)) exact.addProduct(lots[p]!, positions.lotValue[p]!);
    }
    covered = exact.compare(B);
  }
  if (wave.model.coverage === "exact" && covered !== 0) {
    report.add({ constraint: "coverage", amount: Math.abs(sum - B) || Number.MIN_VALUE, message: `lots are worth ${fmt(sum)} in all; the model requires exactly the budget ${fmt(B)} (decided exactly)` });
  } else if (covered < 0) {
    report.add({ constraint: "coverage", amount: B - sum || Number.MIN_VALUE, message: `lots are worth ${fmt(sum)} in all, short of the budget ${fmt(B)} by ${fmt(B - sum)} (decided exactly)` });
  }
  return true;
}

/** 0 <= h_il <= c_il and h_i = sum_l h_il. */
function checkLayers(wave: Wave, allocation: Allocation, tol: Tolerance, report: Report): void {
  const names = wave.layers!.names;
  const capacities = wave.layers!.capacity;
  const layers = allocation.layers!;
  for (let i = 0; i < wave.ids.length; i++) {
    const id = wave.ids[i]!;
    const sum = new CompensatedSum();
    let finite = true;
    for (let l = 0; l < names.length; l++) {
      const x = layers[l]![i]!;
      const c = capacities[l]![i]!;
      if (!Number.isFinite(x)) {
        finite = false;
        report.add({ constraint: "finite", account: id, amount: Infinity, message: `account ${quote(id)}: layer ${names[l]!} haircut is ${x}` });
        continue;
      }
      sum.add(x);
      if (-x > allowance(tol, 0)) report.add({ constraint: "layer-bounds", account: id, amount: -x, message: `account ${quote(id)}: layer ${names[l]!} haircut ${fmt(x)} is negative` });
      if (x - c > allowance(tol, c)) {
        report.add({ constraint: "layer-bounds", account: id, amount: x - c, message: `account ${quote(id)}: layer ${names[l]!} haircut ${fmt(x)} exceeds its capacity ${fmt(c)}` });
      }
    }
    const h = allocation.haircut[i]!;
    if (finite && Number.isFinite(h) && Math.abs(h - sum.value) > allowance(tol, sum.value)) {
      report.add({ constraint: "layer-sum", account: id, amount: Math.abs(h - sum.value), message: `account ${quote(id)}: haircut ${fmt(h)} differs from the sum of its layers ${fmt(sum.value)}` });
    }
  }
}

/**
 * Lexicographic optimality of the seniority stages (most senior layer minimized first, then the next).
 *
 * Per account (always, with or without lots or maxAccounts): an account that gives from a layer
 * >= l while its own layers < l have room is never optimal, because moving the smaller of the two
 * amounts to the junior layer leaves h_i (hence every other constraint) unchanged and lowers a senior
 * total. This condition is necessary but, across accounts, not sufficient.
 *
 * Across accounts, without lots and without maxAccounts, the least possible total from layers >= l
 * has a closed form: with cap_i = min(c_i, alpha c_i) (0 if ineligible) each account can give at most
 * J_i(l) = min(sum_{k<l} c_ik, cap_i) from the junior layers, so the senior total is at least
 * M_l = max(0, B - sum_i J_i(l)); taking every account's junior layers up to J_i(l*) for the marginal
 * layer l* reaches M_l for every l at once, so M_l is the lexicographic optimum and the check
 * "total from layers >= l <= M_l" is exact. A maxAccounts K that does not bind (K at least the
 * number of accounts that can give anything) changes nothing, so the closed form still decides.
 * With lots or a binding K the junior amounts cannot be chosen freely (a knapsack / a cardinality
 * choice); relaxing that choice (any K accounts' J_i, each at most its cap) gives a lower bound
 * LB_l <= M_l. A senior total within the allowance of LB_l is therefore at its minimum for every l
 * at once (decided: kept); above it the verifier cannot tell, and says so in `undecided`.
 */
function checkSeniority(wave: Wave, layers: readonly Float64Array[], tol: Tolerance, report: Report): void {
  const names = wave.layers!.names;
  const capacities = wave.layers!.capacity;
  const L = names.length;
  if (L < 2) return;
  const n = wave.ids.length;

  // Per-account junior-first condition.
  const seniorFrom = new Float64Array(L + 1);
  for (let i = 0; i < n; i++) {
    seniorFrom[L] = 0;
    for (let l = L - 1; l >= 0; l--) seniorFrom[l] = seniorFrom[l + 1]! + Math.max(0, layers[l]![i]!);
    let slackBelow = 0;
    let worstMove = 0;
    let worstLayer = 0;
    let worstSlack = 0;
    for (let l = 1; l < L; l++) {
      slackBelow += Math.max(0, capacities[l - 1]![i]! - layers[l - 1]![i]!);
      const movable = Math.min(slackBelow, seniorFrom[l]!);
      if (movable > worstMove) {
        worstMove = movable;
        worstLayer = l;
        worstSlack = slackBelow;
      }
    }
    if (worstMove > allowance(tol, 0)) {
      const id = wave.ids[i]!;
      report.add({
        constraint: "seniority",
        account: id,
        amount: worstMove,
        message:
          `account ${quote(id)}: ${fmt(seniorFrom[worstLayer]!)} taken from ${names.slice(worstLayer).join("/")} while ${fmt(worstSlack)} of its own ` +
          `${names.slice(0, worstLayer).join("/")} was left; moving ${fmt(worstMove)} down keeps its haircut and lowers a senior layer (definite violation)`,
      });
    }
  }

  const alpha = wave.model.alpha ?? 1;
  const B = wave.budget;
  const capOf = (i: number): number => {
    const c = wave.capacity[i]!;
    return wave.eligible[i] === 0 ? 0 : Math.max(0, Math.min(c, alpha * c));
  };
  let givers = 0;
  for (let i = 0; i < n; i++) if (capOf(i) > 0) givers++;
  const K = wave.model.maxAccounts;
  // A K below the number of accounts that can give binds: the junior amounts of only K accounts count.
  const binding = K !== undefined && K < givers ? K : undefined;
  const exact = !wave.positions && binding === undefined;
  const open: string[] = [];
  for (let l = L - 1; l >= 1; l--) {
    const usable = new Float64Array(n);
    const seniorTotal = new CompensatedSum();
    // taken - least, compensated (below): it starts as the senior total.
    const excess = new CompensatedSum();
    for (let i = 0; i < n; i++) {
      let junior = 0;
      for (let k = 0; k < l; k++) junior += capacities[k]![i]!;
      usable[i] = Math.min(junior, capOf(i));
      for (let k = l; k < L; k++) {
        seniorTotal.add(layers[k]![i]!);
        excess.add(layers[k]![i]!);
      }
    }
    const counted = binding === undefined ? usable : largest(usable, binding);
    const juniorUsable = new CompensatedSum();
    for (const u of counted) juniorUsable.add(u);
    // least = max(0, B - junior usable) and taken - least, both compensated: beside a 1e15 account
    // a cent of principal must still show (B - J in plain doubles loses everything below 0.1).
    const shortfall = new CompensatedSum();
    shortfall.add(B);
    for (const u of counted) shortfall.add(-u);
    const least = Math.max(0, shortfall.value);
    const taken = seniorTotal.value;
    if (shortfall.value > 0) {
      excess.add(-B);
      for (const u of counted) excess.add(u);
    }
    // The row "senior total <= least" is an optimality condition the solver fixes with the model's
    // stage tolerance: judged like every row, against its own right-hand side (least), never B or the
    // largest account: a cent of principal taken while a whale's gains are left is a violation.
    const above = excess.value > tol.absolute + Math.max(tol.relative, wave.model.stageTolerance) * least;
    if (above && !exact) {
      // Above a lower bound only: not decided.
      open.push(names.slice(l).join("/"));
      continue;
    }
    if (above) {
      const layerNames = names.slice(l).join("/");
      report.add({
        constraint: "seniority",
        amount: excess.value,
        message:
          `${fmt(taken)} taken from ${layerNames} but the least possible is ${fmt(least)}: ${layerNames} touched while junior capacity was left ` +
          `(junior layers ${names.slice(0, l).join("/")} can give ${fmt(juniorUsable.value)} of the budget ${fmt(B)})`,
      });
    }
  }
  if (open.length > 0) {
    report.undecided(
      "seniority",
      `seniority: with ${wave.positions ? "lots" : `maxAccounts ${K} (binding)`} the least possible senior totals have no closed form, and ${open.join(", ")} ` +
        "take more than its lower bound; only the per-account junior-first condition (necessary) was checked, global lexicographic optimality was not decided",
    );
  }
}

/** The k largest entries of `values` (any order). O(n log n); only for a ladder with a binding maxAccounts. */
function largest(values: Float64Array, k: number): Float64Array {
  return Float64Array.from(values).sort().reverse().subarray(0, Math.max(0, k));
}

function quote(id: string): string {
  return JSON.stringify(id);
}

/** Twelve significant digits: enough to see a 1e-9 relative violation, short enough to read. */
function fmt(x: number): string {
  return Number.isFinite(x) ? String(Number(x.toPrecision(12))) : String(x);
}
