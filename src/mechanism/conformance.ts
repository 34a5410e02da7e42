/**
 * The heuristic conformance suite, the same idea as the backends' (src/pipeline/backends/conformance.ts,
 * MathOptInterface's `Test`): cases every heuristic rule, built in or a third party's, must pass
 * when run as a Mechanism. Each case runs the rule on seeded waves (venue columns consistent with
 * one position per account, ties, zero capacities, ineligible accounts, one-account waves) with one
 * feature of the model switched on, and asks the mechanism's one classification (verdict.ts):
 *
 * - no unexpected violation: the verifier reports only what the rule declares in `ignores`, or a
 *   coverage shortfall on a wave the certificate proves infeasible;
 * - on a feasible wave the haircuts cover the budget (to the verifier's allowance) unless the rule
 *   declares it ignores coverage;
 * - the same seed gives the same allocation;
 * - a declared closed form (Heuristic.budgetShape) agrees with `allocate` at a few budgets.
 *
 * Runner-neutral: each case throws ConformanceFailure; `runHeuristicConformance` runs them all and
 * returns a report, and a test file can make one test per case from `heuristicConformanceCases()`.
 * No wall clock, no randomness beyond the fixed seeds.
 */
import { bindWave } from "../pipeline/bind/bind.js";
import { certify } from "../pipeline/certificate/certificate.js";
import type { AccountTable, Model, PositionTable, Wave } from "../domain.js";
import type { Heuristic } from "../heuristics/heuristic.js";
import { CompensatedSum } from "../floor/numeric/sum.js";
import { allowance, tolerance } from "../floor/numeric/tolerance.js";
import { mix32 } from "../random.js";
import { ConformanceFailure, runConformanceCases } from "../pipeline/backends/conformance.js";
import { heuristicPlan } from "./closed-form.js";
import { formHaircut } from "./forms.js";
import { heuristicMechanism } from "./mechanism.js";

export { ConformanceFailure };

export interface HeuristicConformanceCase {
  readonly name: string;
  /** Runs the case on `rule`; throws ConformanceFailure (or the rule's own error) on a failure. */
  run(rule: Heuristic): Promise<void>;
}

export interface HeuristicConformanceReport {
  readonly rule: string;
  readonly passed: readonly string[];
  readonly failed: readonly { readonly name: string; readonly message: string }[];
  readonly excluded: readonly string[];
}

/** Which model features a case's waves switch on. */
interface Features {
  readonly alpha?: number;
  readonly eligibility?: boolean;
  readonly layers?: boolean;
  readonly lots?: "columns" | "positions";
  readonly maxAccounts?: number;
  readonly exactCoverage?: boolean;
  readonly side?: boolean;
}

/** A deterministic stream of numbers in [0, 1) from a seed (mix32 of a counter: no state to share). */
function stream(seed: number): () => number {
  let k = 0;
  return () => (mix32((Math.imul(seed, 0x9e3779b1) + k++) | 0) >>> 0) / 2 ** 32;
}

function pick<T>(next: () => number, values: readonly T[]): T {
  return values[Math.floor(next() * values.length)]!;
}

/**
 * One seeded wave: n accounts with every venue column (src/heuristics/columns.ts) consistent with
 * one position each, gains and principal layers, lot columns and a positions table; budget =
 * share x the most the model lets the wave take (the certificate's coverable amount).
 */
function conformanceWave(seed: number, n: number, features: Features, share: number): Wave {
  const next = stream(seed);
  const columns = new Map<string, number[]>();
  const put = (name: string, value: number): void => {
    let column = columns.get(name);
    if (column === undefined) columns.set(name, (column = []));
    column.push(value);
  };
  const account: number[] = [];
  const lotValue: number[] = [];
  const held: number[] = [];
  for (let i = 0; i < n; i++) {
    const side = pick(next, [1, -1]);
    const size = pick(next, [1, 2, 3, 4]);
    const entry = pick(next, [10, 20, 50]);
    const mark = entry * pick(next, [0.5, 0.8, 1, 1.25, 1.5, 2]);
    const collateral = pick(next, [0, 0, 5, 10, 10, 30]);
    const upnl = side * size * (mark - entry);
    const notional = size * mark;
    const equity = collateral + upnl;
    const gains = Math.max(0, upnl);
    put("gains", gains);
    put("principal", collateral);
    put("capacity", gains + collateral);
    put("upnl", upnl);
    put("entry_notional", size * entry);
    put("notional", notional);
    put("equity", equity);
    put("leverage", notional / Math.max(1, equity));
    put("margin_ratio", (0.05 * notional) / Math.max(1, equity));
    put("mark", mark);
    put("entry", entry);
    if (features.side !== false) put("side", side);
    put("entry_pnl", upnl / (size * entry));
    put("risk_weight", pick(next, [1, 2, 3, 4]));
    put("lot_value", pick(next, [0.5, 1, 2, 5]));
    put("lots", pick(next, [0, 1, 3, 6, 12]));
    // At least one eligible account, or binding rejects the wave.
    put("elig", i === 0 ? 1 : pick(next, [0, 1, 1]));
    for (let p = pick(next, [0, 1, 1, 2, 3]); p > 0; p--) {
      account.push(i);
      lotValue.push(pick(next, [0.5, 1, 3, 7]));
      held.push(pick(next, [0, 1, 2, 6]));
    }
  }
  const table = new Map<string, Float64Array>([...columns].map(([name, values]) => [name, Float64Array.from(values)]));
  const accounts: AccountTable = { file: "conformance.csv", ids: Array.from({ length: n }, (_, i) => `a${i}`), capacity: table.get("capacity")!, columns: table };
  const positions: PositionTable = { file: "conformance-positions.csv", account: Int32Array.from(account), market: account.map((_, p) => `m${p}`), lotValue: Float64Array.from(lotValue), lots: Int32Array.from(held) };
  const model: Model = {
    name: "conformance",
    file: "conformance.yaml",
    budget: { margin: 0 },
    objective: [{ kind: "sparsity" }],
    coverage: features.exactCoverage ? "exact" : "atLeast",
    stageTolerance: 1e-9,
    ...(features.alpha !== undefined ? { alpha: features.alpha } : {}),
    ...(features.eligibility ? { eligibility: { source: "elig > 0", where: "conformance" } } : {}),
    ...(features.layers ? { seniority: ["gains", "principal"] } : {}),
    ...(features.lots === "columns" ? { lots: { source: "columns" as const, lotValue: "lot_value", lots: "lots" } } : {}),
    ...(features.lots === "positions" ? { lots: { source: "positions" as const } } : {}),
    ...(features.maxAccounts !== undefined ? { maxAccounts: features.maxAccounts } : {}),
  };
  const instance = { accounts, ...(features.lots === "positions" ? { positions } : {}) };
  const attach = (wave: Wave): Wave => (wave.columns ? wave : { ...wave, columns: table });
  const reach = certify(attach(bindWave(model, instance, { budget: 0 }))).coverable;
  return attach(bindWave(model, instance, { budget: Math.round(share * reach * 1e6) / 1e6 }));
}

/** The waves of one case: small ones of every size from 1 to 8, two larger ones, budgets from 0 to the reach. */
function wavesOf(features: Features, shares: readonly number[] = [0, 0.3, 0.77, 1]): Wave[] {
  const waves: Wave[] = [];
  let seed = 1;
  for (const n of [1, 2, 3, 4, 5, 6, 7, 8, 40, 60]) {
    for (const share of shares) waves.push(conformanceWave(seed++, n, features, share));
  }
  return waves;
}

function total(haircut: Float64Array): number {
  const sum = new CompensatedSum();
  for (const h of haircut) sum.add(h);
  return sum.value;
}

/** Runs the rule as a Mechanism on every wave: no unexpected violation, and coverage on feasible waves unless declared ignored. */
async function keepsPromises(name: string, rule: Heuristic, waves: readonly Wave[]): Promise<void> {
  const mechanism = heuristicMechanism(rule);
  for (const [k, wave] of waves.entries()) {
    const certificate = certify(wave);
    const outcome = await mechanism.run(wave, { seed: k, certificate });
    const where = `wave ${k + 1} (${wave.ids.length} accounts, B = ${wave.budget})`;
    if (outcome.unexpected.length > 0) throw new ConformanceFailure(name, `${where}: ${outcome.unexpected.map((v) => v.message).join("; ")}`);
    if (certificate.feasible && !rule.ignores.includes("coverage")) {
      const covered = total(outcome.allocation!.haircut);
      if (covered < wave.budget - allowance(tolerance(wave), wave.budget)) throw new ConformanceFailure(name, `${where}: covers ${covered} of a budget the wave can cover`);
    }
  }
}

/** Every case, in order. Names are stable: `exclude` takes them. */
export function heuristicConformanceCases(): readonly HeuristicConformanceCase[] {
  const promiseCase = (name: string, features: Features, shares?: readonly number[]): HeuristicConformanceCase => ({
    name,
    run: (rule) => keepsPromises(name, rule, wavesOf(features, shares)),
  });
  return [
    {
      name: "declares a name, a description and what it ignores",
      async run(rule) {
        if (typeof rule.name !== "string" || rule.name.trim() === "") throw new ConformanceFailure(this.name, "no name");
        if (typeof rule.description !== "string" || rule.description.trim() === "") throw new ConformanceFailure(this.name, "no description");
        if (!Array.isArray(rule.ignores)) throw new ConformanceFailure(this.name, "ignores is not a list");
      },
    },
    promiseCase("caps and coverage", {}),
    promiseCase("without a side column", { side: false }),
    promiseCase("alpha", { alpha: 0.5 }),
    promiseCase("eligibility", { eligibility: true }),
    promiseCase("seniority layers", { layers: true }),
    promiseCase("lots as columns", { lots: "columns" }),
    promiseCase("lots as a positions table", { lots: "positions" }),
    promiseCase("a limit on touched accounts", { maxAccounts: 2 }),
    promiseCase("exact coverage", { exactCoverage: true }),
    // Above what the wave can take: a shortfall is the certificate's finding, never the rule's fault.
    promiseCase("an infeasible wave", { alpha: 0.5, layers: true }, [1.3, 2]),
    {
      name: "the same seed gives the same allocation",
      async run(rule) {
        for (const [k, wave] of wavesOf({ lots: "positions", layers: true }, [0.6]).entries()) {
          const first = rule.allocate(wave, { seed: k }).haircut;
          const again = rule.allocate(wave, { seed: k }).haircut;
          if (first.length !== again.length || first.some((h, i) => !Object.is(h, again[i]))) throw new ConformanceFailure(this.name, `wave ${k + 1}: two runs with seed ${k} differ`);
        }
      },
    },
    {
      name: "a declared closed form agrees with allocate",
      async run(rule) {
        if (rule.budgetShape === undefined) return;
        for (const [k, wave] of wavesOf({ alpha: 0.5, eligibility: true }, [1]).entries()) {
          const plan = heuristicPlan(wave, rule, k);
          // A declared shape may not reach every wave (zero-weight accounts pay in a second phase): then there is nothing to check.
          if (typeof plan === "string") continue;
          for (const fraction of [0.25, 0.5, 0.9]) {
            const at: Wave = { ...wave, budget: plan.domainEnd * fraction };
            const haircut = rule.allocate(at, { seed: k }).haircut;
            const slack = allowance(tolerance(at), at.budget);
            for (let j = 0; j < haircut.length; j++) {
              const expected = formHaircut(plan.form, j, at.budget);
              if (!(Math.abs(expected - haircut[j]!) <= slack)) {
                throw new ConformanceFailure(this.name, `wave ${k + 1}, B = ${at.budget}: account ${wave.ids[j]} pays ${haircut[j]}, the declared ${plan.algorithm} form says ${expected}`);
              }
            }
          }
        }
      },
    },
  ];
}

/**
 * Runs every heuristic conformance case (except those named in `exclude`) on `rule`, and reports
 * which passed and which failed (with the reason). Never throws for a failing case.
 */
export async function runHeuristicConformance(rule: Heuristic, options: { exclude?: readonly string[] } = {}): Promise<HeuristicConformanceReport> {
  return { rule: rule.name, ...(await runConformanceCases(heuristicConformanceCases(), rule, options.exclude)) };
}
