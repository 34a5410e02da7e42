/**
 * Multi-round scenarios (schema/rounds.schema.json): a round sequence from per-round files or from
 * the market stress simulator's waves, the loss weights, and the policies to run over it.
 *
 * From the simulator: the scenario runs once under the named mechanism (the production mechanism,
 * which fixes the path: every policy is then replayed on the same rounds, as the paper's replay holds
 * round boundaries, deficits and winners fixed, §5). Round t is the t-th ADL wave: D_t = the step's
 * bankrupt deficit, B_t^need = what the insurance fund left (the wave's residual), the winners = the
 * wave's accounts with their capacities, columns and lots, and production = what the mechanism chose
 * (its haircuts and lots, H_t^prod their sum).
 */
import { dirname, isAbsolute, resolve } from "node:path";
import roundsSchema from "../../../schema/rounds.schema.json" with { type: "json" };
import type { Allocation } from "../../domain.js";
import { readAllocationCsv } from "../compare/validate.js";
import { WorkbenchError } from "../../errors.js";
import { getHeuristic } from "../../heuristics/index.js";
import { loadAccounts, loadPositions } from "../../pipeline/instance/load.js";
import { compileSchema, parseValidated, readSpecText, type SchemaHints } from "../../pipeline/model/yaml-source.js";
import { loadScenario, mechanismKind, simulate, type WaveEvent } from "../simulate/index.js";
import { CompensatedSum } from "../../floor/numeric/sum.js";
import { DEFAULT_WEIGHTS, type LossWeights } from "./loss.js";
import { roundWave, type Round, type RoundSequence } from "./round.js";
import type { AllocationRule, PolicySpec, SeverityRule } from "./run.js";

/** A severity rule as written in a rounds scenario or an experiment's rounds block. */
export type RawSeverity = "cover-all" | "ogd" | "production" | "estimate" | "needed" | number | { fixed: number } | { ogd: { eta?: number; start?: number } };
/** An allocation rule as written in a rounds scenario or an experiment's rounds block. */
export type RawAllocation = string | { "vector-md": { eta0?: number } };

interface RawRoundsScenario {
  name: string;
  description?: string;
  rounds?: { label?: string; deficit: number; needed: number; estimate?: number; accounts: string; positions?: string; production?: number; productionHaircuts?: string }[];
  simulate?: { scenario: string; mechanism: string };
  weights?: { track?: number; under?: number; over?: number; fair?: number; eps?: number };
  fractionBase?: "capacity" | "equity";
  seed?: number;
  policies?: { name: string; severity: RawSeverity; allocation: RawAllocation }[];
}

export interface RoundsScenario {
  readonly name: string;
  readonly file: string;
  readonly weights: LossWeights;
  readonly seed: number;
  readonly policies: readonly PolicySpec[];
  /** Every file the rounds read (the scenario file itself, accounts, positions, production haircuts, the simulator scenario), absolute paths: a run's manifest hashes them. */
  readonly inputs: readonly string[];
  /** Loads (or simulates) the rounds. */
  readonly load: () => Promise<RoundSequence>;
}

const validate = compileSchema(roundsSchema);
const HINTS: SchemaHints & { emptyExpected: string } = {
  document: "rounds scenario",
  schemaFile: "schema/rounds.schema.json",
  emptyExpected: "a rounds scenario (a map with name, and rounds or simulate)",
};

/**
 * The default policy set: OGD severity with pro-rata, vector mirror descent and a capacity queue;
 * cover-all with pro-rata; the ex post reference (needed severity, exact min-max); and production
 * where the rounds carry it.
 */
export function defaultPolicies(withProduction: boolean): PolicySpec[] {
  const policies: PolicySpec[] = [
    { name: "ogd + pro-rata", severity: { kind: "ogd" }, allocation: { kind: "heuristic", name: "pro-rata:wealth" } },
    { name: "ogd + vector-md", severity: { kind: "ogd" }, allocation: { kind: "vector-md" } },
    { name: "ogd + queue", severity: { kind: "ogd" }, allocation: { kind: "heuristic", name: "queue:capacity" } },
    { name: "cover-all + pro-rata", severity: { kind: "cover-all" }, allocation: { kind: "heuristic", name: "pro-rata:wealth" } },
    { name: "ex post min-max", severity: { kind: "needed" }, allocation: { kind: "minmax" } },
  ];
  if (withProduction) policies.push({ name: "production", severity: { kind: "production" }, allocation: { kind: "production" } });
  return policies;
}

/** A written severity rule as the runner's SeverityRule (the schema has checked its shape). */
export function severityRule(raw: RawSeverity): SeverityRule {
  if (typeof raw === "number") return { kind: "fixed", theta: raw };
  if (typeof raw === "string") return raw === "cover-all" ? { kind: "cover-all" } : raw === "ogd" ? { kind: "ogd" } : { kind: raw };
  if ("fixed" in raw) return { kind: "fixed", theta: raw.fixed };
  return { kind: "ogd", ...(raw.ogd.eta !== undefined ? { eta: raw.ogd.eta } : {}), ...(raw.ogd.start !== undefined ? { start: raw.ogd.start } : {}) };
}

/** A written allocation rule as the runner's AllocationRule (a string that is not a rule keyword is a heuristic name). */
export function allocationRule(raw: RawAllocation): AllocationRule {
  if (typeof raw !== "string") return { kind: "vector-md", ...(raw["vector-md"].eta0 !== undefined ? { eta0: raw["vector-md"].eta0 } : {}) };
  if (raw === "minmax" || raw === "minmax-lots" || raw === "vector-md" || raw === "production") return { kind: raw };
  return { kind: "heuristic", name: raw };
}

/** "ogd", "theta 0.5", "ogd(eta=0.01, start=0.5)": a severity rule as a policy name shows it. */
export function severityLabel(rule: SeverityRule): string {
  switch (rule.kind) {
    case "fixed":
      return `theta ${rule.theta}`;
    case "ogd": {
      const parts = [...(rule.eta !== undefined ? [`eta=${rule.eta}`] : []), ...(rule.start !== undefined ? [`start=${rule.start}`] : [])];
      return parts.length > 0 ? `ogd(${parts.join(", ")})` : "ogd";
    }
    default:
      return rule.kind;
  }
}

/** "pro-rata:wealth", "minmax", "vector-md(eta0=0.3)": an allocation rule as a policy name shows it. */
export function allocationLabel(rule: AllocationRule): string {
  if (rule.kind === "heuristic") return rule.name;
  if (rule.kind === "vector-md" && rule.eta0 !== undefined) return `vector-md(eta0=${rule.eta0})`;
  return rule.kind;
}

/**
 * Parses a rounds scenario's text (YAML or JSON); `file` names it and anchors relative paths.
 * Throws ModelError with file:line:column and key path for a schema violation, for neither or both
 * of rounds and simulate, and (through getHeuristic, when run) for an unknown rule name.
 */
export function parseRoundsScenario(text: string, file: string): RoundsScenario {
  const { data, source } = parseValidated(text, file, validate, HINTS);
  const raw = data as RawRoundsScenario;
  if ((raw.rounds === undefined) === (raw.simulate === undefined)) {
    throw source.error(raw.rounds !== undefined ? ["simulate"] : [], "exactly one of rounds (per-round files) or simulate (the market simulator's waves)", raw.rounds !== undefined ? "both" : "neither", undefined, raw.rounds !== undefined);
  }
  const w = raw.weights ?? {};
  const weights: LossWeights = {
    under: w.under ?? w.track ?? DEFAULT_WEIGHTS.under,
    over: w.over ?? w.track ?? DEFAULT_WEIGHTS.over,
    fair: w.fair ?? DEFAULT_WEIGHTS.fair,
    eps: w.eps ?? DEFAULT_WEIGHTS.eps,
    fractionBase: raw.fractionBase ?? "capacity",
  };
  const here = (path: string): string => (isAbsolute(path) ? path : resolve(dirname(file), path));
  const withProduction = raw.simulate !== undefined || (raw.rounds?.every((r) => r.productionHaircuts !== undefined) ?? false);
  const policies = raw.policies?.map((p) => ({ name: p.name, severity: severityRule(p.severity), allocation: allocationRule(p.allocation) })) ?? defaultPolicies(withProduction);
  // An unknown rule name is placed in this file now, not found at the first round.
  policies.forEach((policy, k) => {
    if (policy.allocation.kind !== "heuristic") return;
    try {
      getHeuristic(policy.allocation.name);
    } catch (error) {
      if (error instanceof WorkbenchError) throw source.error(["policies", k, "allocation"], error.expected, error.found, error.hint);
      throw error;
    }
  });

  const load = async (): Promise<RoundSequence> => {
    if (raw.simulate !== undefined) return simulatedRounds(here(raw.simulate.scenario), raw.simulate.mechanism);
    const rounds = raw.rounds!.map((r, t): Round => {
      const accounts = loadAccounts(here(r.accounts));
      const positions = r.positions !== undefined ? loadPositions(here(r.positions), accounts) : undefined;
      const wave = roundWave({ accounts, ...(positions ? { positions } : {}) }, `${file} rounds[${t}]`);
      let production: Round["production"];
      if (r.productionHaircuts !== undefined) {
        const allocation = readAllocationCsv(here(r.productionHaircuts), wave);
        production = productionOf(allocation);
      } else if (r.production !== undefined) production = { total: r.production };
      return {
        label: r.label ?? String(t + 1),
        deficit: r.deficit,
        needed: r.needed,
        ...(r.estimate !== undefined ? { estimate: r.estimate } : {}),
        wave,
        ...(production ? { production } : {}),
      };
    });
    return { name: raw.name, source: file, rounds };
  };
  const inputs = new Set<string>([resolve(file)]);
  if (raw.simulate !== undefined) {
    inputs.add(here(raw.simulate.scenario));
    if (mechanismKind(raw.simulate.mechanism) === "model") inputs.add(isAbsolute(raw.simulate.mechanism) ? raw.simulate.mechanism : resolve(dirname(here(raw.simulate.scenario)), raw.simulate.mechanism));
  }
  for (const r of raw.rounds ?? []) for (const path of [r.accounts, r.positions, r.productionHaircuts]) if (path !== undefined) inputs.add(here(path));
  return { name: raw.name, file, weights, seed: raw.seed ?? 1, policies, inputs: [...inputs].sort(), load };
}

function productionOf(allocation: Allocation): NonNullable<Round["production"]> {
  const total = new CompensatedSum();
  for (const h of allocation.haircut) total.add(h);
  return { total: total.value, haircut: allocation.haircut, ...(allocation.lots ? { lots: allocation.lots } : {}) };
}

/** Reads a rounds scenario file; an unreadable file is a ModelError naming it. */
export function loadRoundsScenario(path: string): RoundsScenario {
  return parseRoundsScenario(readSpecText(path, "rounds scenario"), path);
}

/**
 * The simulator's waves as a round sequence (see the module comment). Runs the scenario once
 * (gaming and per-account detail off: they do not change the waves). O(one simulation).
 */
export async function simulatedRounds(scenarioFile: string, mechanism: string): Promise<RoundSequence> {
  const scenario = loadScenario(scenarioFile);
  const events: WaveEvent[] = [];
  await simulate(scenario, mechanism, { gaming: false, accountDetail: false, onWave: (event) => events.push(event) });
  const rounds = events.map((event): Round => {
    const wave = roundWave(event.input.instance, `${scenarioFile} wave ${event.wave}`);
    const allocation = event.solution.allocation;
    return {
      label: `wave ${event.wave + 1} (step ${event.step})`,
      deficit: event.deficit,
      needed: event.residual,
      wave,
      ...(allocation ? { production: productionOf(allocation) } : {}),
    };
  });
  return { name: `${scenario.name} under ${mechanism}`, source: scenarioFile, rounds };
}
