import type { Allocation, Wave } from "../../domain.js";
import { ExactSum, decimalToNumber } from "../../floor/numeric/exact.js";
import { CompensatedSum } from "../../floor/numeric/sum.js";
import { juniorFirstSplit } from "../verify/objectives.js";
import { verifyAllocation, type Verdict } from "../verify/verify.js";
import type { SolveResult } from "./solve.js";

/** The streamed writer's element-builder key (src/cli/json-stream.ts, ROW_BUILDER; a registered symbol, so no import from cli). */
const ROW_BUILDER = Symbol.for("adl-workbench.rowBuilder");
/** The streamed writer's element-text key (json-stream.ts, ROW_TEXT): JSON.stringify of a row, built without the row. */
const ROW_TEXT = Symbol.for("adl-workbench.rowText");

/** JSON.stringify of a number: its shortest decimal, or null when not finite. */
function numberText(value: number): string {
  return value - value === 0 ? String(value) : "null";
}

/**
 * The `--json` object of DESIGN §7: one per solve, stable keys, plain numbers. The answer is
 * executable: `allocation` lists every account with a non-zero haircut, `total` is the
 * (compensated) sum of that list, `touched` its length, `layerTotals` the per-layer sums of it
 * (one layer, `capacity`, when the model has no ladder). An infeasible wave's `allocation` is its
 * best partial allocation (`residual` beside it: what the backstop must supply). Every answer
 * carries `verified`, checked against `verified.budget`.
 */
export interface SolveAnswer {
  readonly status: SolveResult["status"];
  readonly path: string;
  /** The dedicated exact algorithm, when one answered (the path then reads "dedicated:<algorithm>"). */
  readonly algorithm?: string;
  readonly budget: number;
  readonly total: number;
  readonly overshoot: number;
  readonly touched: number;
  readonly maxFraction: number;
  /** Infeasible waves: B minus the partial allocation's total, dollars (the whole budget when nothing can be taken). */
  readonly residual?: number;
  readonly objective: readonly number[];
  readonly stages: readonly string[];
  readonly approximation?: readonly { stage: string; lowerBound: number; errorBound: number }[];
  /** What proved a stage when it was not the solver's bound alone (the greedy's floor, the gcd bound, an exact search). */
  readonly proofs?: readonly { stage: string; proof: string }[];
  readonly layerTotals: Readonly<Record<string, number>>;
  readonly allocation: readonly AllocationRow[];
  readonly certificate: SolveResult["certificate"];
  readonly verified: VerifiedSummary;
  readonly solver: { name: string; version: string; seconds: number; gap: number | null; nodes: number | null; attempts?: readonly unknown[]; warmStart?: string };
  readonly rounding?: SolveResult["rounding"];
  readonly repairs?: readonly string[];
  readonly message?: string;
}

export interface VerifiedSummary {
  readonly ok: boolean;
  readonly worstViolation: number;
  readonly tolerance: { absolute: number; relative: number; rule: string };
  /** The budget the allocation was checked against: B, or the relaxed budget of an infeasible wave's partial allocation. */
  readonly budget: number;
  readonly violations?: readonly unknown[];
  readonly notes?: readonly string[];
  /** Promises kept as far as checked but not decided (Verdict.undecided): `ok` then does not mean verified. */
  readonly undecided?: readonly string[];
}

export interface AllocationRow {
  readonly id: string;
  readonly haircut: number;
  readonly lots?: number;
  readonly layers?: Readonly<Record<string, number>>;
}

/** Summary numbers of an allocation: total (compensated) and touched count over non-zero haircuts, max h_i / c_i. O(n). */
export function allocationSummary(wave: Wave, allocation: Allocation): { total: number; touched: number; maxFraction: number } {
  const total = new CompensatedSum();
  let touched = 0;
  let maxFraction = 0;
  for (let i = 0; i < allocation.haircut.length; i++) {
    const h = allocation.haircut[i]!;
    if (h === 0) continue;
    total.add(h);
    touched++;
    const c = wave.capacity[i]!;
    if (c > 0) maxFraction = Math.max(maxFraction, h / c);
  }
  return { total: total.value, touched, maxFraction };
}

/** Builds the DESIGN §7 answer from a solve result (see SolveAnswer for the contract). O(n * layers). */
export function toAnswer(wave: Wave, result: SolveResult): SolveAnswer {
  const allocation = result.allocation ?? result.partial?.allocation;
  const { maxFraction } = allocation ? allocationSummary(wave, allocation) : { maxFraction: 0 };
  let rows: readonly AllocationRow[] = [];
  const names = wave.layers && wave.layers.names.length > 0 ? wave.layers.names : ["capacity"];
  const layerSums = names.map(() => new CompensatedSum());
  const total = new CompensatedSum();
  // With a money unit the listed haircuts are decimals: their exact sum, rounded once, prints as the venue's total.
  const exact = result.rounding ? new ExactSum() : undefined;
  if (allocation) {
    const lotsPerAccount = allocation.lots && wave.positions ? lotsByAccount(wave, allocation.lots) : undefined;
    const layers = wave.layers ? (allocation.layers && allocation.layers.length === wave.layers.names.length ? allocation.layers : juniorFirstSplit(wave, allocation.haircut)) : undefined;
    const touched = new Int32Array(allocation.haircut.length);
    let count = 0;
    for (let i = 0; i < allocation.haircut.length; i++) {
      const h = allocation.haircut[i]!;
      if (h === 0) continue;
      total.add(h);
      exact?.add(h);
      if (layers) layers.forEach((layer, l) => layerSums[l]!.add(layer[i]!));
      else layerSums[0]!.add(h);
      touched[count++] = i;
    }
    rows = allocationRows(wave, allocation.haircut, touched.subarray(0, count), lotsPerAccount, layers);
  }
  const totalTaken = exact ? decimalToNumber(exact.exact()) : total.value;
  const layerTotals = Object.fromEntries(names.map((name, l) => [name, layerSums[l]!.value]));
  const approximation = result.stages
    .filter((stage) => stage.errorBound !== undefined)
    .map((stage) => ({ stage: stage.name, lowerBound: stage.lowerBound!, errorBound: stage.errorBound! }));
  const proofs = result.stages.filter((stage) => stage.proof !== undefined).map((stage) => ({ stage: stage.name, proof: stage.proof! }));
  const checkedBudget = result.allocation ? wave.budget : (result.partial?.budget ?? wave.budget);
  const verdict: Verdict = result.allocation && result.verified ? result.verified : (result.partial?.verified ?? verifyAllocation(wave, emptyAllocation(wave)));
  return {
    status: result.status,
    path: result.path,
    ...(result.algorithm ? { algorithm: result.algorithm } : {}),
    budget: wave.budget,
    total: totalTaken,
    overshoot: totalTaken - wave.budget,
    touched: rows.length,
    maxFraction,
    ...(result.status === "infeasible" ? { residual: Math.max(0, wave.budget - totalTaken) } : {}),
    objective: result.allocation ? result.objective : (result.partial?.objective ?? result.objective),
    stages: result.stageNames,
    ...(approximation.length ? { approximation } : {}),
    ...(proofs.length ? { proofs } : {}),
    layerTotals,
    allocation: rows,
    certificate: result.certificate,
    verified: {
      ok: verdict.ok,
      worstViolation: verdict.worstViolation,
      tolerance: verdict.tolerance,
      budget: checkedBudget,
      ...(verdict.violations.length ? { violations: verdict.violations.slice(0, 50) } : {}),
      ...(verdict.notes.length ? { notes: verdict.notes } : {}),
      ...(verdict.undecided.length ? { undecided: verdict.undecided } : {}),
    },
    solver: {
      name: result.solver.name,
      version: result.solver.version,
      seconds: result.solver.seconds,
      gap: result.solver.gap,
      nodes: result.solver.nodes,
      ...(result.solver.attempts.length ? { attempts: result.solver.attempts } : {}),
      ...(result.solver.warmStart ? { warmStart: result.solver.warmStart } : {}),
    },
    ...(result.rounding ? { rounding: result.rounding } : {}),
    ...(result.repairs?.length ? { repairs: result.repairs } : {}),
    ...(result.message ? { message: result.message } : {}),
  };
}

/**
 * The answer's allocation rows as a read-only array whose rows are built when read, from the typed
 * columns: at 10^6 accounts with a ladder, a row object and a layers object per account held at once
 * were ~150 MB of the answer (profits-first peaked at 515 MiB). Reads like an array everywhere:
 * length, indexing, iteration, spread, JSON.stringify, the streamed writer (json-stream.ts), equality.
 */
function allocationRows(
  wave: Wave,
  haircut: Float64Array,
  touched: Int32Array,
  lotsPerAccount: Int32Array | undefined,
  layers: readonly Float64Array[] | undefined,
): readonly AllocationRow[] {
  const layerNames = wave.layers?.names;
  const rowAt = (k: number): AllocationRow => {
    const i = touched[k]!;
    const row: { id: string; haircut: number; lots?: number; layers?: Record<string, number> } = { id: wave.ids[i]!, haircut: haircut[i]! };
    if (lotsPerAccount) row.lots = lotsPerAccount[i]!;
    if (layers && layerNames) {
      const split: Record<string, number> = {};
      for (let l = 0; l < layerNames.length; l++) split[layerNames[l]!] = layers[l]![i]!;
      row.layers = split;
    }
    return row;
  };
  // The same text as JSON.stringify(rowAt(k)), key for key, without the object (json-stream.ts, ROW_TEXT).
  const layerKeys = layerNames?.map((name, l) => `${l === 0 ? "" : ","}${JSON.stringify(name)}:`);
  // Object key order puts index-like names first, `__proto__` is no own key, a repeated name is one key: JSON.stringify decides those.
  const plainNames = !layerNames || (new Set(layerNames).size === layerNames.length && layerNames.every((name) => name !== "__proto__" && !/^(0|[1-9]\d*)$/.test(name)));
  const rowText = !plainNames ? (k: number): string => JSON.stringify(rowAt(k)) : (k: number): string => {
    const i = touched[k]!;
    let text = `{"id":${JSON.stringify(wave.ids[i]!)},"haircut":${numberText(haircut[i]!)}`;
    if (lotsPerAccount) text += `,"lots":${numberText(lotsPerAccount[i]!)}`;
    if (layers && layerKeys) {
      text += ',"layers":{';
      for (let l = 0; l < layerKeys.length; l++) text += layerKeys[l]! + numberText(layers[l]![i]!);
      text += "}";
    }
    return `${text}}`;
  };
  const length = touched.length;
  const index = (key: string | symbol): number => {
    if (typeof key !== "string") return -1;
    const k = Number(key);
    return Number.isInteger(k) && k >= 0 && k < length && String(k) === key ? k : -1;
  };
  // The target is an empty array of the right length (holes): Array.isArray holds, and Array.prototype's methods apply.
  const target = new Array<AllocationRow>(length);
  // The streamed writer builds rows with this directly (json-stream.ts, ROW_BUILDER): no trap per row.
  Object.defineProperty(target, ROW_BUILDER, { value: rowAt, enumerable: false });
  Object.defineProperty(target, ROW_TEXT, { value: rowText, enumerable: false });
  return new Proxy(target, {
    get(target, key, receiver) {
      const k = index(key);
      return k >= 0 ? rowAt(k) : Reflect.get(target, key, receiver);
    },
    has(target, key) {
      return index(key) >= 0 || Reflect.has(target, key);
    },
    ownKeys(target) {
      const keys: (string | symbol)[] = [];
      for (let k = 0; k < length; k++) keys.push(String(k));
      return [...keys, ...Reflect.ownKeys(target)];
    },
    getOwnPropertyDescriptor(target, key) {
      const k = index(key);
      return k >= 0 ? { value: rowAt(k), writable: false, enumerable: true, configurable: true } : Reflect.getOwnPropertyDescriptor(target, key);
    },
    set() {
      return false;
    },
    defineProperty() {
      return false;
    },
    deleteProperty() {
      return false;
    },
  });
}

/** No haircut at all, in the wave's shape (what an infeasible wave without a partial allocation takes). */
function emptyAllocation(wave: Wave): Allocation {
  const n = wave.ids.length;
  return {
    haircut: new Float64Array(n),
    ...(wave.positions ? { lots: new Int32Array(wave.positions.account.length) } : {}),
    ...(wave.layers ? { layers: wave.layers.names.map(() => new Float64Array(n)) } : {}),
  };
}

function lotsByAccount(wave: Wave, lots: Int32Array): Int32Array {
  const perAccount = new Int32Array(wave.ids.length);
  const account = wave.positions!.account;
  for (let p = 0; p < lots.length; p++) perAccount[account[p]!] = perAccount[account[p]!]! + lots[p]!;
  return perAccount;
}
