/**
 * Experiment files (`experiments/*.yaml`) → a validated `Experiment`: scenarios × mechanisms ×
 * parameter sweeps, the metric settings and the frontier to map. Same error discipline as model
 * files (schema/experiment.schema.json; every error names file:line:column and the key path), and
 * every referenced model file and heuristic name is checked here, before a single job runs.
 */
import { readFileSync } from "node:fs";
import { dirname, relative, resolve } from "node:path";
import experimentSchema from "../../../schema/experiment.schema.json" with { type: "json" };
import type { Model } from "../../domain.js";
import { ModelError, WorkbenchError, describeReadError } from "../../errors.js";
import { getHeuristic } from "../../heuristics/index.js";
import { loadModel, parseModel } from "../../pipeline/model/parse.js";
import { compileSchema, parseValidated, readSpecText, type SchemaHints, type Segment, type Source } from "../../pipeline/model/yaml-source.js";
import type { CapacityLaw } from "../scenarios/population.js";
import { loadMapping, type ColumnMapping } from "../../pipeline/instance/mapping.js";
import { loadScenario, mechanismKind, resolveModelPath } from "../simulate/index.js";
import type { BackendChoice } from "../../pipeline/backends/backend.js";
import type { LossWeights } from "../rounds/loss.js";
import type { PolicySpec } from "../rounds/run.js";
import { allocationLabel, allocationRule, loadRoundsScenario, severityLabel, severityRule, type RawAllocation, type RawSeverity } from "../rounds/scenario.js";
import { DEFAULT_REFERENCE, readRoundTable } from "../rounds/table.js";
import { SCORECARD_AXES, type ScorecardAxis } from "../../floor/records/row.js";

/** Parameters a mechanism may sweep; each changes the model, the accounts or the heuristic name. */
export const SWEEP_PARAMETERS = ["alpha", "maxAccounts", "margin", "riskWeightExponent", "lotScale", "k"] as const;
export type SweepParameter = (typeof SWEEP_PARAMETERS)[number];
/** One point of a mechanism's grid: a value for each swept parameter. */
export type SweepPoint = Readonly<Partial<Record<SweepParameter, number>>>;

// The scorecard's axes are part of the run-folder contract (the report reads them from the manifest).
export { SCORECARD_AXES, type ScorecardAxis };

export type BudgetLevel = { readonly kind: "share" | "deficit" | "budget"; readonly value: number };

export interface Scenario {
  readonly name: string;
  readonly source:
    | { readonly kind: "generate"; readonly law: CapacityLaw; readonly n: number; readonly tailIndex?: number; readonly scale?: number; readonly sigma?: number }
    | { readonly kind: "accounts"; readonly file: string; readonly map?: { readonly file: string; readonly mapping: ColumnMapping } }
    | { readonly kind: "simulate"; readonly file: string; readonly mechanisms: readonly string[] };
  readonly seeds: readonly number[];
  readonly budgets: readonly BudgetLevel[];
}

/**
 * A multi-round scenario of the experiment (repeated ADL, DESIGN.md §9): a round sequence from a
 * rounds scenario file with the online policies to run over it (one job per policy), or a
 * per-round table whose recorded policies are scored as the paper's Table 2 (one job per policy).
 */
export type RoundsSpec =
  | {
      readonly kind: "scenario";
      readonly name: string;
      /** The rounds scenario file (schema/rounds.schema.json), absolute. */
      readonly file: string;
      readonly policies: readonly PolicySpec[];
      /** The scenario file's weights with the experiment's lambda and fractionBase applied. */
      readonly weights: LossWeights;
      readonly seed: number;
    }
  | {
      readonly kind: "table";
      readonly name: string;
      /** The per-round table (CSV), absolute. */
      readonly file: string;
      /** The table's policies, in its column order. */
      readonly policies: readonly string[];
      readonly lambda: number;
      readonly reference: string;
    };

/**
 * A mechanism as an experiment lists it: a model or a heuristic name with its sweep grid. At a grid
 * point it is run as one src/mechanism Mechanism (run/execute.ts mechanismAt).
 */
export interface ExperimentMechanism {
  /** Display name, unique in the experiment. */
  readonly name: string;
  readonly kind: "model" | "heuristic";
  /** The model solved (kind model) or the one whose constraints judge the heuristic. */
  readonly model: Model;
  /** Registry name, possibly with {param} placeholders filled per grid point. */
  readonly heuristic?: string;
  /** The grid: every combination of the swept values (one empty point when nothing is swept). */
  readonly grid: readonly SweepPoint[];
}

export interface Experiment {
  readonly name: string;
  readonly file: string;
  readonly description?: string;
  readonly seed: number;
  readonly scenarios: readonly Scenario[];
  readonly mechanisms: readonly ExperimentMechanism[];
  /** Multi-round scenarios; empty when the experiment has none. */
  readonly rounds: readonly RoundsSpec[];
  readonly metrics: {
    readonly beta: number;
    readonly ltvColumn: string;
    readonly perturbations: number;
    readonly epsilon: number;
    readonly gamingAccounts: number;
  };
  readonly frontier: {
    readonly maxAccounts: readonly number[];
    readonly coverage: readonly number[];
    readonly waves: number | null;
    /** "each": one frontier per distinct constraint set among the mechanisms; else a mechanism name (that one's set only). */
    readonly constraints: string;
    /** Solve the maxAccounts frontier by MIP where no closed form applies (lots, a ladder). */
    readonly mip: boolean;
  } | null;
  /** The mechanism the report's scorecard compares every other with (a name or a display name); null: none named. */
  readonly baseline: string | null;
  readonly report: {
    /** Mechanisms the charts draw (names or display names); null: the report picks. */
    readonly focus: readonly string[] | null;
    /** Pareto axes of the scorecard. */
    readonly axes: readonly ScorecardAxis[];
  };
  readonly exposure: { readonly accounts: number; readonly steps: number; readonly waves: number };
  readonly solver: { readonly backend: BackendChoice; readonly timeLimitSeconds: number; readonly mipGap: number };
  /** Every file the experiment reads (models, accounts), absolute paths, for the manifest's hashes. */
  readonly inputs: readonly string[];
}

interface RawExperiment {
  name: string;
  description?: string;
  seed?: number;
  scenarios?: {
    name: string;
    generate?: { law?: CapacityLaw; n: number; tailIndex?: number; scale?: number; sigma?: number };
    accounts?: string;
    map?: string;
    simulate?: string;
    seeds?: number | number[];
    budget?: { share?: number | number[]; deficit?: number | number[]; budget?: number | number[] };
  }[];
  mechanisms?: { model?: string; heuristic?: string; name?: string; sweep?: Partial<Record<SweepParameter, number[]>> }[];
  metrics?: {
    churn?: { beta?: number; ltv?: string };
    brittleness?: { perturbations?: number; epsilon?: number };
    gameability?: { accounts?: number };
  };
  rounds?: { name: string; scenario?: string; table?: string; policies?: { name?: string; severity: RawSeverity | RawSeverity[]; allocation: RawAllocation | RawAllocation[] }[]; lambda?: number; fractionBase?: "capacity" | "equity"; reference?: string }[];
  frontier?: { maxAccounts?: number[]; coverage?: number[]; waves?: number; constraints?: string; mip?: boolean };
  baseline?: string;
  report?: { focus?: string[]; axes?: ScorecardAxis[] };
  exposure?: { accounts?: number; steps?: number; waves?: number };
  solver?: { backend?: BackendChoice; timeLimit?: number; mipGap?: number };
}

const validate = compileSchema(experimentSchema);

const HINTS: SchemaHints & { emptyExpected: string } = {
  document: "experiment",
  schemaFile: "schema/experiment.schema.json",
  emptyExpected: "an experiment (a map with name, scenarios and mechanisms)",
  expected(path, e) {
    const last = path[path.length - 1];
    if (e.keyword === "type" && (last === "share" || last === "deficit" || last === "budget")) return "a number or a list of numbers";
    if (e.keyword === "type" && last === "seeds") return "a count of seeds (an integer >= 1) or a list of seeds";
    // A rule of a rounds policy, alone or in a list: name every form it may take, not only the first branch's.
    const rule = typeof last === "number" ? path[path.length - 2] : last;
    if (path[0] === "rounds" && rule === "severity") return "a severity rule: cover-all, ogd, production, estimate, needed, a number theta in [0, 1], {fixed: theta} or {ogd: {eta, start}}";
    if (path[0] === "rounds" && rule === "allocation" && e.keyword !== "minLength") return "an allocation rule: minmax, minmax-lots, vector-md, production, a heuristic name, or {vector-md: {eta0}} with eta0 > 0";
    return undefined;
  },
};

/** What a heuristic is judged against when the experiment (or `adl allocate`) names no model: caps and coverage only. */
export const CAPS_AND_COVERAGE = `name: caps-and-coverage
description: Caps and coverage only (the constraints every mechanism keeps); minmax as a neutral objective.
objective: { kind: minmax, scale: capacity }
`;

function cartesian(sweep: Partial<Record<SweepParameter, number[]>> | undefined): Partial<Record<SweepParameter, number>>[] {
  let grid: Partial<Record<SweepParameter, number>>[] = [{}];
  for (const parameter of SWEEP_PARAMETERS) {
    const values = sweep?.[parameter];
    if (!values) continue;
    grid = grid.flatMap((point) => values.map((value) => ({ ...point, [parameter]: value })));
  }
  return grid;
}

/** The heuristic name at one grid point: {k} etc. replaced by the point's values. */
export function heuristicAt(template: string, point: SweepPoint): string {
  return template.replace(/\{(\w+)\}/g, (whole, key: string) => {
    const value = point[key as SweepParameter];
    return value === undefined ? whole : String(value);
  });
}

function listOf(value: number | number[] | undefined): number[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

/** Parses and checks an experiment; `file` names it in errors and anchors its relative paths. */
export function parseExperiment(text: string, file: string): Experiment {
  const { data, source } = parseValidated(text, file, validate, HINTS);
  const raw = data as RawExperiment;
  const base = dirname(resolve(file));
  const at = (path: string): string => resolve(base, path);
  const inputs = new Set<string>();
  /** A file the experiment names: a missing one is named at the experiment's key, a broken one names its own line. */
  const loadReferenced = <T>(written: string, key: readonly Segment[], what: string, load: (path: string) => T): { value: T; path: string } => {
    const path = at(written);
    try {
      return { value: load(path), path };
    } catch (error) {
      if (error instanceof ModelError && error.place.line === undefined) {
        throw source.error(key, `a readable ${what} (relative to the experiment file)`, `${written}: ${error.found}`);
      }
      throw error;
    }
  };

  if (raw.rounds === undefined) {
    for (const key of ["scenarios", "mechanisms"] as const) {
      if (raw[key] === undefined) throw source.error([], `a key "${key}" (or a rounds block: an experiment of multi-round scenarios only)`, "none");
    }
  }
  const scenarioNames = new Set<string>();
  const scenarios: Scenario[] = (raw.scenarios ?? []).map((s, k) => {
    if (scenarioNames.has(s.name)) throw source.error(["scenarios", k, "name"], "scenario names that differ", `a second ${JSON.stringify(s.name)}`);
    scenarioNames.add(s.name);
    const sources = (["generate", "accounts", "simulate"] as const).filter((key) => s[key] !== undefined);
    if (sources.length !== 1) {
      throw source.error(["scenarios", k], "exactly one of generate, accounts or simulate", sources.length === 0 ? "none" : sources.join(" and "));
    }
    if (s.map !== undefined && s.accounts === undefined) throw source.error(["scenarios", k, "map"], "map together with accounts (it renames an accounts file's columns)", s.generate !== undefined ? "a generate scenario" : "a simulate scenario", undefined, true);
    if (s.simulate !== undefined) {
      for (const key of ["budget", "seeds"] as const) {
        if (s[key] !== undefined) throw source.error(["scenarios", k, key], `no ${key} in a simulate scenario (the scenario file sets its seed; its waves come from the market)`, `a ${key}`, undefined, true);
      }
      const { value: scenario, path } = loadReferenced(s.simulate, ["scenarios", k, "simulate"], "simulator scenario file", loadScenario);
      if (scenario.mechanisms.length === 0) throw source.error(["scenarios", k, "simulate"], "a scenario file with a mechanisms list", `${s.simulate} lists none`);
      inputs.add(path);
      for (const mechanism of scenario.mechanisms) if (mechanismKind(mechanism) === "model") inputs.add(resolveModelPath(scenario, mechanism));
      return { name: s.name, source: { kind: "simulate", file: path, mechanisms: scenario.mechanisms }, seeds: [scenario.seed], budgets: [] };
    }
    if (s.budget === undefined) throw source.error(["scenarios", k], 'a key "budget" (budget levels of the waves)', "none");
    let scenarioSource: Scenario["source"];
    if (s.accounts !== undefined) {
      const path = at(s.accounts);
      try {
        readFileSync(path, { flag: "r" }).subarray(0, 0);
      } catch (error) {
        throw source.error(["scenarios", k, "accounts"], "a readable accounts file (relative to the experiment file)", `${s.accounts}: ${describeReadError(error)}`);
      }
      inputs.add(path);
      let map: { file: string; mapping: ColumnMapping } | undefined;
      if (s.map !== undefined) {
        const mapPath = at(s.map);
        try {
          map = { file: mapPath, mapping: loadMapping(mapPath) };
        } catch (error) {
          // An unreadable file is named at the experiment's key; a broken one names its own line.
          if (error instanceof WorkbenchError && error.place.line === undefined && error.place.path === undefined) {
            throw source.error(["scenarios", k, "map"], "a readable column mapping file (relative to the experiment file)", `${s.map}: ${error.found}`);
          }
          throw error;
        }
        inputs.add(mapPath);
      }
      scenarioSource = { kind: "accounts", file: path, ...(map ? { map } : {}) };
    } else {
      const g = s.generate!;
      scenarioSource = {
        kind: "generate",
        law: g.law ?? "pareto",
        n: g.n,
        ...(g.tailIndex !== undefined ? { tailIndex: g.tailIndex } : {}),
        ...(g.scale !== undefined ? { scale: g.scale } : {}),
        ...(g.sigma !== undefined ? { sigma: g.sigma } : {}),
      };
    }
    const seeds = s.seeds === undefined ? [1] : typeof s.seeds === "number" ? Array.from({ length: s.seeds }, (_, j) => j + 1) : s.seeds;
    if (new Set(seeds).size !== seeds.length) throw source.error(["scenarios", k, "seeds"], "distinct seeds", "a repeated seed");
    const [kind, values] = Object.entries(s.budget)[0] as [BudgetLevel["kind"], number | number[]];
    const budgets = listOf(values).map((value, j) => {
      if (!Number.isFinite(value) || value < 0) {
        throw source.error(["scenarios", k, "budget", kind, ...(Array.isArray(values) ? [j] : [])], "a finite number >= 0", String(value));
      }
      return { kind, value };
    });
    return { name: s.name, source: scenarioSource, seeds, budgets };
  });

  const mechanismNames = new Set<string>();
  const mechanisms: ExperimentMechanism[] = (raw.mechanisms ?? []).map((m, k) => {
    let model: Model;
    if (m.model !== undefined) {
      const loaded = loadReferenced(m.model, ["mechanisms", k, "model"], "model file", loadModel);
      model = loaded.value;
      inputs.add(loaded.path);
    } else if (m.heuristic !== undefined) {
      model = parseModel(CAPS_AND_COVERAGE, "<caps and coverage>");
    } else {
      throw source.error(["mechanisms", k], "a model, a heuristic, or both (a heuristic judged against a model)", "neither");
    }
    const grid = cartesian(m.sweep);
    if (m.heuristic !== undefined) {
      for (const point of grid) {
        const name = heuristicAt(m.heuristic, point);
        if (/\{\w+\}/.test(name)) {
          throw source.error(["mechanisms", k, "heuristic"], "placeholders that name swept parameters (e.g. {k} with sweep: {k: [...]})", JSON.stringify(m.heuristic));
        }
        try {
          getHeuristic(name);
        } catch (error) {
          const reason = error instanceof WorkbenchError ? `${error.found}${error.hint ? ` (${error.hint})` : ""}` : error instanceof Error ? error.message : String(error);
          throw source.error(["mechanisms", k, "heuristic"], "a heuristic name (see `adl compare --list`)", `${JSON.stringify(name)}: ${reason}`);
        }
      }
    }
    const name = m.name ?? (m.heuristic ?? model.name);
    if (mechanismNames.has(name)) {
      throw source.error(["mechanisms", k, m.name !== undefined ? "name" : m.heuristic !== undefined ? "heuristic" : "model"], "mechanism names that differ (add name: …)", `a second ${JSON.stringify(name)}`);
    }
    mechanismNames.add(name);
    return { name, kind: m.heuristic !== undefined ? "heuristic" : "model", model, ...(m.heuristic !== undefined ? { heuristic: m.heuristic } : {}), grid };
  });

  if (raw.frontier?.constraints !== undefined && raw.frontier.constraints !== "each" && !mechanismNames.has(raw.frontier.constraints)) {
    throw source.error(["frontier", "constraints"], `"each" or a mechanism's name (${[...mechanismNames].join(", ")})`, JSON.stringify(raw.frontier.constraints));
  }
  /** A mechanism named by its name, or by a display name "name[param=value,…]" of one of its grid points. */
  const named = (written: string): boolean =>
    mechanisms.some((m) => {
      const bases = [m.name, ...(m.heuristic !== undefined ? m.grid.map((point) => heuristicAt(m.heuristic!, point)) : [])];
      return bases.some((base) => written === base || written.startsWith(`${base}[`));
    });
  if (raw.baseline !== undefined && !named(raw.baseline)) {
    throw source.error(["baseline"], `a mechanism of the experiment (${[...mechanismNames].join(", ")})`, JSON.stringify(raw.baseline));
  }
  for (const [k, focus] of (raw.report?.focus ?? []).entries()) {
    if (!named(focus)) throw source.error(["report", "focus", k], `a mechanism of the experiment (${[...mechanismNames].join(", ")})`, JSON.stringify(focus));
  }

  const rounds = parseRoundsBlock(raw.rounds ?? [], source, loadReferenced, inputs);

  const metrics = raw.metrics ?? {};
  return {
    name: raw.name,
    file,
    ...(raw.description !== undefined ? { description: raw.description } : {}),
    seed: raw.seed ?? 1,
    scenarios,
    mechanisms,
    rounds,
    metrics: {
      beta: metrics.churn?.beta ?? 3,
      ltvColumn: metrics.churn?.ltv ?? "capacity",
      perturbations: metrics.brittleness?.perturbations ?? 3,
      epsilon: metrics.brittleness?.epsilon ?? 0.01,
      gamingAccounts: metrics.gameability?.accounts ?? 5,
    },
    frontier: raw.frontier
      ? {
          maxAccounts: raw.frontier.maxAccounts ?? [],
          coverage: raw.frontier.coverage ?? [],
          waves: raw.frontier.waves ?? null,
          constraints: raw.frontier.constraints ?? "each",
          mip: raw.frontier.mip ?? false,
        }
      : null,
    baseline: raw.baseline ?? null,
    report: { focus: raw.report?.focus ?? null, axes: raw.report?.axes ?? ["shortfall", "maxFraction", "ltvRetained"] },
    exposure: { accounts: raw.exposure?.accounts ?? 3, steps: raw.exposure?.steps ?? 24, waves: raw.exposure?.waves ?? 1 },
    solver: { backend: raw.solver?.backend ?? "highs", timeLimitSeconds: raw.solver?.timeLimit ?? 10, mipGap: raw.solver?.mipGap ?? 0 },
    inputs: [...inputs].sort(),
  };
}

type Referenced = <T>(written: string, key: readonly Segment[], what: string, load: (path: string) => T) => { value: T; path: string };

/**
 * The experiment's rounds block: each entry a rounds scenario file (its policies, or the product of
 * the severity and allocation rules listed here) or a per-round table (its recorded policies).
 * Every referenced file is read now and every name checked, each error placed at its key.
 */
function parseRoundsBlock(raw: NonNullable<RawExperiment["rounds"]>, source: Source, loadReferenced: Referenced, inputs: Set<string>): RoundsSpec[] {
  const names = new Set<string>();
  return raw.map((r, k): RoundsSpec => {
    const at = (...rest: Segment[]): Segment[] => ["rounds", k, ...rest];
    if (names.has(r.name)) throw source.error(at("name"), "multi-round scenario names that differ", `a second ${JSON.stringify(r.name)}`);
    names.add(r.name);
    const sources = (["scenario", "table"] as const).filter((key) => r[key] !== undefined);
    if (sources.length !== 1) throw source.error(at(), "exactly one of scenario (a rounds scenario file) or table (a per-round table)", sources.length === 0 ? "none" : "both");
    const only = (key: "policies" | "fractionBase" | "reference", kind: "scenario" | "table", why: string): void => {
      if (r[key] !== undefined && r[kind] === undefined) throw source.error(at(key), `${key} only with ${kind} (${why})`, `${key} with ${sources[0]}`, undefined, true);
    };
    only("policies", "scenario", "a table's policies are its budget_<p> columns");
    only("fractionBase", "scenario", "a table's max_pct_<p> columns are already fractions");
    only("reference", "table", "a scenario's regret is measured against its own comparators");

    if (r.table !== undefined) {
      // A missing file is named at the key; a bad cell keeps its own row and column.
      const loaded = loadReferenced(r.table, at("table"), "per-round table (CSV)", (path) => {
        try {
          return readRoundTable(path);
        } catch (error) {
          if (error instanceof WorkbenchError && error.place.row === undefined && error.place.field === undefined && error.expected.startsWith("a readable")) {
            throw new ModelError({ file: path }, error.expected, error.found);
          }
          throw error;
        }
      });
      inputs.add(loaded.path);
      const policies = loaded.value.policies.map((p) => p.name);
      const reference = r.reference ?? DEFAULT_REFERENCE;
      if (!policies.includes(reference)) throw source.error(at(r.reference !== undefined ? "reference" : "table"), `a fairness reference among the table's policies (${policies.join(", ")})`, r.reference !== undefined ? JSON.stringify(reference) : `no ${DEFAULT_REFERENCE} column (name one with reference: …)`);
      return { kind: "table", name: r.name, file: loaded.path, policies, lambda: r.lambda ?? 1, reference };
    }

    const { value: scenario, path } = loadReferenced(r.scenario!, at("scenario"), "rounds scenario file", loadRoundsScenario);
    // The rounds' own files are read only when a job runs; a missing one is named here, before any job.
    for (const input of scenario.inputs) {
      try {
        readFileSync(input, { flag: "r" }).subarray(0, 0);
      } catch (error) {
        throw source.error(at("scenario"), "a rounds scenario whose files are readable (paths relative to the scenario file)", `${displayPath(input)}: ${describeReadError(error)}`);
      }
      inputs.add(input);
    }
    const policies: PolicySpec[] = [];
    (r.policies ?? []).forEach((p, j) => {
      const severities = Array.isArray(p.severity) ? p.severity : [p.severity];
      const allocations = Array.isArray(p.allocation) ? p.allocation : [p.allocation];
      if (p.name !== undefined && severities.length * allocations.length > 1) throw source.error(at("policies", j, "name"), "a name only for a single policy (a product of rules names each policy itself)", `${severities.length * allocations.length} policies`, undefined, true);
      allocations.forEach((written, a) => {
        const allocation = allocationRule(written);
        if (allocation.kind !== "heuristic") return;
        try {
          getHeuristic(allocation.name);
        } catch (error) {
          const reason = error instanceof WorkbenchError ? `${error.found}${error.hint ? ` (${error.hint})` : ""}` : error instanceof Error ? error.message : String(error);
          throw source.error(at("policies", j, "allocation", ...(Array.isArray(p.allocation) ? [a] : [])), "an allocation rule: minmax, minmax-lots, vector-md, production or a heuristic name (see `adl compare --list`)", `${JSON.stringify(allocation.name)}: ${reason}`);
        }
      });
      for (const writtenSeverity of severities) {
        for (const writtenAllocation of allocations) {
          const severity = severityRule(writtenSeverity);
          const allocation = allocationRule(writtenAllocation);
          const name = p.name ?? `${severityLabel(severity)} + ${allocationLabel(allocation)}`;
          if (policies.some((q) => q.name === name)) throw source.error(at("policies", j), "policies that differ (each name once)", `a second ${JSON.stringify(name)}`);
          policies.push({ name, severity, allocation });
        }
      }
    });
    const weights: LossWeights = { ...scenario.weights, ...(r.lambda !== undefined ? { fair: r.lambda } : {}), ...(r.fractionBase !== undefined ? { fractionBase: r.fractionBase } : {}) };
    return { kind: "scenario", name: r.name, file: path, policies: policies.length > 0 ? policies : scenario.policies, weights, seed: scenario.seed };
  });
}

/** Reads and parses an experiment file; an unreadable file is a ModelError naming it. */
export function loadExperiment(path: string): Experiment {
  return parseExperiment(readSpecText(path, "experiment"), path);
}

/** A path as the manifest shows it: relative to the working directory when inside it. */
export function displayPath(path: string): string {
  const shown = relative(process.cwd(), path);
  return shown.startsWith("..") ? path : shown;
}
