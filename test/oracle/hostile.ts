/**
 * Hostile allocations for the verdict differential: the oracle's own optimum, then that optimum
 * pushed a cent (or 1e-6 relative) across one promise at a time — over a cap, short of B, dust on an
 * ineligible account, over alpha, one account past maxAccounts, a negative haircut, principal taken
 * while gains are left, a lot past Q, lots that disagree with the haircut, a NaN. The verifier must
 * accept what the oracle judges feasible and reject what it judges infeasible (ambiguous ones, within
 * rounding of a row's right-hand side, may go either way).
 */
import type { Allocation, Wave } from "../../src/domain.js";
import { verifyAllocation } from "../../src/pipeline/verify/verify.js";
import { worstBroken, type Disagreement } from "./differential.js";
import { judgeAllocation, optimalAllocation, type Judgement, type Optimum } from "./oracle.js";

export interface Hostile {
  readonly name: string;
  readonly allocation: Allocation;
}

const CENT = 0.01;

function copy(a: Allocation): { haircut: Float64Array; lots?: Int32Array; layers?: Float64Array[] } {
  return { haircut: Float64Array.from(a.haircut), ...(a.lots ? { lots: Int32Array.from(a.lots) } : {}), ...(a.layers ? { layers: a.layers.map((l) => Float64Array.from(l)) } : {}) };
}

/** Adds `amount` to account i's haircut and to its most senior layer (so that the layers still sum). */
function bump(a: ReturnType<typeof copy>, i: number, amount: number): void {
  a.haircut[i] = a.haircut[i]! + amount;
  if (a.layers) a.layers[a.layers.length - 1]![i] = a.layers[a.layers.length - 1]![i]! + amount;
}

/** The oracle's optimum and its perturbations (see the module comment); the wave must be feasible. */
export function hostileAllocations(wave: Wave, optimum: Optimum): Hostile[] {
  const base = optimalAllocation(wave, optimum);
  const out: Hostile[] = [{ name: "optimum", allocation: base }];
  const n = wave.ids.length;
  const eligible = [...Array(n).keys()].filter((i) => wave.eligible[i] === 1 && wave.capacity[i]! > 0);
  const ineligible = [...Array(n).keys()].filter((i) => wave.eligible[i] === 0);
  const largest = [...Array(n).keys()].reduce((best, i) => (base.haircut[i]! > base.haircut[best]! ? i : best), 0);
  const lotted = wave.positions !== undefined;

  const push = (name: string, edit: (a: ReturnType<typeof copy>) => boolean): void => {
    const a = copy(base);
    if (edit(a)) out.push({ name, allocation: a });
  };
  if (!lotted) {
    for (const i of eligible.slice(0, 2)) push(`cent over the cap of ${wave.ids[i]}`, (a) => (bump(a, i, wave.capacity[i]! + CENT - a.haircut[i]!), true));
    push("a cent short of B", (a) => (base.haircut[largest]! >= CENT ? (bump(a, largest, -CENT), true) : false));
    push("1e-6 relative short of B", (a) => {
      for (let i = 0; i < n; i++) a.haircut[i] = a.haircut[i]! * (1 - 1e-6);
      if (a.layers) for (const layer of a.layers) for (let i = 0; i < n; i++) layer[i] = layer[i]! * (1 - 1e-6);
      return wave.budget > 0;
    });
    const alpha = wave.model.alpha;
    if (alpha !== undefined && alpha < 1) for (const i of eligible.slice(0, 1)) push(`a cent over alpha on ${wave.ids[i]}`, (a) => (bump(a, i, alpha * wave.capacity[i]! + CENT - a.haircut[i]!), true));
    const K = wave.model.maxAccounts;
    if (K !== undefined) {
      const spare = eligible.find((i) => base.haircut[i] === 0 && wave.capacity[i]! * (wave.model.alpha ?? 1) >= CENT);
      if (spare !== undefined) push(`a cent on ${wave.ids[spare]}, one account too many`, (a) => (bump(a, spare, CENT), base.haircut.filter((h) => h > 0).length >= K));
    }
    push("a negative haircut", (a) => {
      const other = eligible.find((i) => i !== largest);
      if (other === undefined || base.haircut[largest]! + CENT > wave.capacity[largest]!) return false;
      bump(a, other, -CENT - a.haircut[other]!);
      bump(a, largest, CENT + base.haircut[other]!);
      return true;
    });
    if (wave.layers && wave.layers.names.length >= 2) {
      const junior = wave.layers.capacity[0]!;
      const senior = wave.layers.capacity[wave.layers.names.length - 1]!;
      const i = eligible.find((k) => base.layers![0]![k]! >= CENT && senior[k]! - base.layers![wave.layers!.names.length - 1]![k]! >= CENT && junior[k]! > 0);
      // Across accounts: principal from an account whose junior layers are full, for gains of another account.
      const L = wave.layers.names.length;
      const full = eligible.find((k) => wave.layers!.capacity.slice(0, L - 1).every((layer, l) => base.layers![l]![k]! >= layer[k]!) && senior[k]! - base.layers![L - 1]![k]! >= CENT);
      const giver = eligible.find((k) => k !== full && base.layers![0]![k]! >= CENT);
      if (full !== undefined && giver !== undefined) {
        push(`principal on ${wave.ids[full]} for gains of ${wave.ids[giver]}`, (a) => {
          bump(a, full, CENT);
          a.haircut[giver] = a.haircut[giver]! - CENT;
          a.layers![0]![giver] = a.layers![0]![giver]! - CENT;
          return true;
        });
      }
      if (i !== undefined) {
        push(`principal for gains on ${wave.ids[i]}`, (a) => {
          a.layers![0]![i] = a.layers![0]![i]! - CENT;
          a.layers![a.layers!.length - 1]![i] = a.layers![a.layers!.length - 1]![i]! + CENT;
          return true;
        });
      }
    }
  } else {
    const positions = wave.positions!;
    for (let p = 0; p < Math.min(2, positions.account.length); p++) {
      const i = positions.account[p]!;
      push(`a lot past Q on ${wave.ids[i]}`, (a) => {
        a.lots![p] = positions.maxLots[p]! + 1;
        a.haircut[i] = a.haircut[i]! + positions.lotValue[p]! * (a.lots![p]! - base.lots![p]!);
        return true;
      });
    }
    push("one lot fewer on the largest", (a) => {
      const p = [...Array(positions.account.length).keys()].find((k) => positions.account[k] === largest && base.lots![k]! > 0);
      if (p === undefined) return false;
      a.lots![p] = a.lots![p]! - 1;
      a.haircut[largest] = a.haircut[largest]! - positions.lotValue[p]!;
      return true;
    });
    push("a haircut a cent above its lots", (a) => (bump(a, largest, CENT), true));
  }
  for (const i of ineligible.slice(0, 2)) {
    push(`a cent on ineligible ${wave.ids[i]}`, (a) => (bump(a, i, CENT), !lotted));
    push(`1e-6 on ineligible ${wave.ids[i]}`, (a) => (bump(a, i, 1e-6), !lotted));
  }
  push("NaN", (a) => ((a.haircut[0] = Number.NaN), true));
  return out;
}

export interface VerdictCase {
  readonly name: string;
  readonly oracle: Judgement;
  readonly verifierOk: boolean;
}

/** The verifier's verdict beside the oracle's on every hostile allocation; disagreements where the oracle is definite. */
export function verdictDisagreements(wave: Wave, optimum: Optimum): { cases: VerdictCase[]; disagreements: Disagreement[] } {
  const cases: VerdictCase[] = [];
  const disagreements: Disagreement[] = [];
  for (const hostile of hostileAllocations(wave, optimum)) {
    const oracle = judgeAllocation(wave, hostile.allocation, optimum);
    const verdict = verifyAllocation(wave, hostile.allocation);
    cases.push({ name: hostile.name, oracle, verifierOk: verdict.ok });
    if (oracle.verdict === "ambiguous") continue;
    // Undecided is not accepted (Verdict.undecided; solveWave and adl validate decide it): a break of only
    // such promises, where the verifier says it could not decide them, is no disagreement.
    const broken = oracle.findings.filter((f) => f.band === "broken").map((f) => f.promise);
    if (oracle.verdict === "infeasible" && verdict.ok && broken.length > 0 && broken.every((promise) => (verdict.undecided as readonly string[]).includes(promise))) continue;
    if ((oracle.verdict === "feasible") !== verdict.ok) {
      const why = oracle.verdict === "feasible" ? `the verifier rejects it: ${verdict.violations[0]?.message ?? ""}` : `the verifier accepts it; the oracle finds ${oracle.findings.filter((f) => f.band === "broken").map((f) => `${f.promise}${f.account ? ` (${f.account})` : ""} by ${f.amount}`).join(", ")}`;
      disagreements.push({ kind: "verdict", detail: `${hostile.name}: ${why}`, ...(oracle.verdict === "infeasible" ? { amount: worstBroken(oracle.findings) } : {}) });
    }
  }
  return { cases, disagreements };
}
