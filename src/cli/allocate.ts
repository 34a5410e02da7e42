/**
 * `adl allocate MECHANISM` and `adl compare --allocations DIR`: a model's optimum or a heuristic's
 * allocation of one wave, written as the CSV `adl validate --allocation` reads:
 *
 *   id,haircut[,lots][,<layer>…]
 *
 * one row per account with a positive haircut (an account not listed takes nothing), dollars in the
 * settlement currency written as the shortest decimal that reads back to the same double, `lots`
 * when the wave models lots with at most one position per account (the reader's rule), and one
 * column per seniority layer (junior first) when the model has a ladder. Ids go through the CSV
 * writer's formula neutralization (src/csv.ts): an id starting with = + - @ gets a leading apostrophe
 * so a spreadsheet does not run it.
 *
 * Every allocation is checked by the independent verifier before it is written: a model's answer that
 * the verifier rejects, and a heuristic's that breaks a constraint the rule does not declare it
 * ignores, are not written (exit 1).
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Allocation, Model, Wave } from "../domain.js";
import { ExitCode, UsageError } from "../errors.js";
import { csvText } from "../csv.js";
import type { BackendName } from "../pipeline/backends/backend.js";
import type { Violation } from "../pipeline/verify/verify.js";

/** What `adl allocate` and `compare --allocations` read from the command line. */
export interface AllocateOptions {
  readonly accounts: string;
  readonly positions?: string;
  readonly map?: string;
  readonly column?: string[];
  readonly deficit?: number;
  readonly budget?: number;
  /** The model a heuristic is judged against (and whose budget, eligibility and ladder bind the wave). */
  readonly model?: string;
  readonly seed: number;
  readonly solver: BackendName;
  readonly timeLimit?: number;
  readonly out?: string;
  readonly json?: boolean;
}

/**
 * The allocation as CSV text (see the module comment). `lots` is written when the wave has
 * positions and no account holds more than one; layers when both the wave and the allocation have
 * them. O(n + positions).
 */
export function allocationCsv(wave: Wave, allocation: Allocation): string {
  const n = wave.ids.length;
  const positionOf = new Int32Array(n).fill(-1);
  const lots = allocation.lots !== undefined && onePositionEach(wave);
  if (wave.positions && lots) {
    const account = wave.positions.account;
    for (let p = 0; p < account.length; p++) positionOf[account[p]!] = p;
  }
  const layers = wave.layers && allocation.layers ? wave.layers.names : [];
  const header = ["id", "haircut", ...(lots ? ["lots"] : []), ...layers.map(csvText)];
  const lines = [header.join(",")];
  for (let i = 0; i < n; i++) {
    const h = allocation.haircut[i]!;
    if (!(h > 0)) continue;
    const cells = [csvText(wave.ids[i]!), String(h)];
    if (lots) cells.push(String(positionOf[i]! >= 0 ? allocation.lots![positionOf[i]!]! : 0));
    layers.forEach((_, l) => cells.push(String(allocation.layers![l]![i]!)));
    lines.push(cells.join(","));
  }
  return lines.join("\n") + "\n";
}

/** Whether the wave has positions and no account holds more than one (when lots can be written per account). */
export function onePositionEach(wave: Wave): boolean {
  if (!wave.positions) return false;
  const seen = new Uint8Array(wave.ids.length);
  for (const i of wave.positions.account) {
    if (seen[i]) return false;
    seen[i] = 1;
  }
  return true;
}

/** Why an allocation is not written: the verifier's findings, briefly. */
function renderViolations(violations: readonly Violation[]): string {
  const shown = violations.slice(0, 3).map((v) => `${v.constraint}${v.account !== undefined ? ` (${v.account})` : ""}: ${v.message}`);
  return shown.join("; ") + (violations.length > 3 ? `; and ${violations.length - 3} more` : "");
}

/** One mechanism's allocation of the wave, verified. */
export interface MechanismAllocation {
  readonly name: string;
  readonly kind: "model" | "heuristic";
  readonly wave: Wave;
  /** Absent when there is none to write (infeasible wave, solver error, verifier rejection). */
  readonly allocation?: Allocation;
  readonly status: string;
  /** Why there is no allocation, or what to know about it (declared violations, an unproven optimum). */
  readonly note?: string;
  readonly exitCode: number;
}

/** Loads the wave a mechanism runs on: the mechanism's model (or --model, or caps and coverage for a heuristic) bound to the files. */
async function waveOf(model: Model, options: AllocateOptions): Promise<Wave> {
  const [{ bindWave }, { loadAccounts, loadPositions }, { mappingOf }] = await Promise.all([import("../pipeline/bind/bind.js"), import("../pipeline/instance/load.js"), import("../pipeline/solve/inputs.js")]);
  const mapping = mappingOf({ ...(options.map !== undefined ? { map: options.map } : {}), ...(options.column ? { columns: options.column } : {}) });
  const accounts = loadAccounts(options.accounts, { layers: model.seniority ?? [], ...(mapping ? { mapping } : {}) });
  const positions = options.positions ? loadPositions(options.positions, accounts, mapping) : undefined;
  return bindWave(model, { accounts, ...(positions ? { positions } : {}) }, {
    ...(options.deficit !== undefined ? { deficit: options.deficit } : {}),
    ...(options.budget !== undefined ? { budget: options.budget } : {}),
  });
}

/**
 * Runs MECHANISM (a model file: solved exactly; otherwise a heuristic name or user module: run on the
 * wave of --model, or of caps and coverage) and verifies the result. Throws ModelError,
 * InstanceError, UsageError for bad input and SolverError when every backend fails.
 */
export async function allocateMechanism(mechanism: string, options: AllocateOptions): Promise<MechanismAllocation> {
  if ((options.deficit === undefined) === (options.budget === undefined)) {
    throw new UsageError({ path: "--deficit/--budget" }, "exactly one of --deficit D or --budget B", options.deficit === undefined ? "neither" : "both");
  }
  const [{ loadModel, parseModel }, { mechanismKind }, { CAPS_AND_COVERAGE }] = await Promise.all([
    import("../pipeline/model/parse.js"),
    import("../tools/simulate/index.js"),
    import("../tools/experiments/experiment.js"),
  ]);
  if (mechanismKind(mechanism) === "model") {
    if (options.model !== undefined) throw new UsageError({ path: "--model" }, "--model only with a heuristic (a model file is its own model)", options.model);
    const [{ solveWave }] = await Promise.all([import("../pipeline/solve/solve.js")]);
    const wave = await waveOf(loadModel(mechanism), options);
    const result = await solveWave(wave, { backend: options.solver, ...(options.timeLimit !== undefined ? { timeLimitSeconds: options.timeLimit } : {}) });
    const base = { name: mechanism, kind: "model" as const, wave, status: result.status };
    if (result.status === "infeasible") {
      return { ...base, exitCode: ExitCode.infeasible, note: `infeasible: ${result.certificate.broken.map((b) => `${b.promise} needs ${b.need}, has ${b.have}`).join("; ")} (shortfall ${result.certificate.shortfall})` };
    }
    if (!result.allocation || result.status === "error") return { ...base, exitCode: ExitCode.violation, note: result.message ?? "no allocation" };
    if (result.verified && !result.verified.ok) return { ...base, exitCode: ExitCode.violation, note: `the verifier rejects the answer: ${renderViolations(result.verified.violations)}` };
    return {
      ...base,
      allocation: result.allocation,
      exitCode: ExitCode.ok,
      ...(result.status === "feasible" ? { note: `not proven optimal (${result.message ?? `gap ${result.solver.gap ?? "unknown"}`})` } : {}),
    };
  }
  const [{ resolveHeuristics }, { heuristicMechanism }, { constraintNames }] = await Promise.all([import("./heuristic-list.js"), import("../mechanism/mechanism.js"), import("../mechanism/verdict.js")]);
  const heuristic = (await resolveHeuristics(mechanism))[0];
  if (!heuristic) throw new UsageError({ path: "MECHANISM" }, "a model file or one heuristic name", JSON.stringify(mechanism));
  const wave = await waveOf(options.model !== undefined ? loadModel(options.model) : parseModel(CAPS_AND_COVERAGE, "<caps and coverage>"), options);
  // src/mechanism: the verifier once, and the one classification (a shortfall on an infeasible wave is excused).
  const outcome = await heuristicMechanism(heuristic).run(wave, { seed: options.seed });
  const verdict = outcome.verdict!;
  const unexpected = outcome.unexpected;
  const base = { name: heuristic.name, kind: "heuristic" as const, wave, status: verdict.ok ? "feasible" : unexpected.length > 0 ? "invalid" : "breaks-declared" };
  if (unexpected.length > 0) return { ...base, exitCode: ExitCode.violation, note: `breaks constraints it does not declare it ignores: ${renderViolations(unexpected)}` };
  const declared = constraintNames(outcome.declared);
  return { ...base, allocation: outcome.allocation!, exitCode: ExitCode.ok, ...(declared.length > 0 ? { note: `breaks what the rule declares it ignores (or, for coverage, what the certificate proves no mechanism can keep): ${declared.join(", ")}` } : {}) };
}

/** Writes text to a file atomically; a failure is a RunFolderError (exit 2) naming the file and the cause. */
async function writeText(file: string, text: string): Promise<void> {
  const { writeAtomic } = await import("../tools/run/store.js");
  writeAtomic(file, text, "a file this process may write, with room for the allocation", "make room, or choose another --out");
}

function dollars(value: number): string {
  return value.toLocaleString("en-US", { maximumFractionDigits: 6 });
}

/** `adl allocate`: prints a summary (or JSON), writes the CSV to --out or stdout; returns the exit code. */
export async function allocateCommand(mechanism: string, options: AllocateOptions, out: (text: string) => void): Promise<number> {
  const result = await allocateMechanism(mechanism, options);
  const { wave, allocation } = result;
  let touched = 0;
  let total = 0;
  if (allocation) {
    for (const h of allocation.haircut) {
      if (h > 0) touched++;
      total += h;
    }
  }
  const say = options.out !== undefined ? out : (text: string) => process.stderr.write(text);
  if (allocation?.lots && !onePositionEach(wave)) {
    say("note: accounts hold several positions, so no lots column is written (the allocation reader takes one position per account); the haircuts are\n");
  }
  if (allocation) {
    const text = allocationCsv(wave, allocation);
    if (options.out !== undefined) await writeText(options.out, text);
    else out(text);
  }
  if (options.json) {
    say(JSON.stringify({ mechanism: result.name, kind: result.kind, status: result.status, budget: wave.budget, total, touched, accounts: wave.ids.length, written: allocation ? (options.out ?? "stdout") : null, ...(result.note ? { note: result.note } : {}) }) + "\n");
  } else {
    const head = `${result.name} (${result.kind}): ${result.status}`;
    say(
      allocation
        ? `${head}; ${touched} of ${wave.ids.length} accounts take ${dollars(total)} of B = ${dollars(wave.budget)}${options.out !== undefined ? `; written to ${options.out}` : ""}${result.note ? `\n  note: ${result.note}` : ""}\n`
        : `${head}; nothing written: ${result.note ?? "no allocation"}\n`,
    );
  }
  return result.exitCode;
}

/** A file name for a mechanism: its name with anything but letters, digits, `.`, `-` and `_` as `_`. */
function fileNameOf(mechanism: string, taken: Set<string>): string {
  const base = mechanism.replace(/[^A-Za-z0-9._-]+/g, "_").replace(/^[._]+|_+$/g, "") || "mechanism";
  let name = `${base}.csv`;
  for (let k = 2; taken.has(name.toLowerCase()); k++) name = `${base}-${k}.csv`;
  taken.add(name.toLowerCase());
  return name;
}

/**
 * `compare --allocations DIR`: one allocation CSV per row of the comparison that has an allocation
 * (the optimum as `optimum.csv`, each heuristic under its name), and `index.csv` saying which file is
 * which mechanism and its status. A heuristic whose allocation breaks a constraint it does not
 * declare (status invalid) gets no file. Returns the files written.
 */
export async function writeComparisonAllocations(
  dir: string,
  wave: Wave,
  rows: readonly { readonly mechanism: string; readonly kind: string; readonly status: string; readonly allocation?: Allocation }[],
): Promise<string[]> {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (error) {
    const { writeFailure } = await import("../tools/run/store.js");
    throw writeFailure(error, dir, "a folder for the allocations that this process may create and write", "choose another --allocations folder");
  }
  const taken = new Set<string>(["index.csv"]);
  const index = ["mechanism,kind,status,file"];
  const written: string[] = [];
  for (const row of rows) {
    // A heuristic's allocation that breaks what it does not declare is a bug, not something to ship.
    if (!row.allocation || row.status === "invalid") {
      index.push([csvText(row.mechanism), row.kind, row.status, ""].join(","));
      continue;
    }
    const name = fileNameOf(row.kind === "exact" ? "optimum" : row.mechanism, taken);
    await writeText(join(dir, name), allocationCsv(wave, row.allocation));
    index.push([csvText(row.mechanism), row.kind, row.status, name].join(","));
    written.push(join(dir, name));
  }
  await writeText(join(dir, "index.csv"), index.join("\n") + "\n");
  return written;
}
