/**
 * The one table of solver backends. The fallback chain (robust.ts), the worker host's module lookup,
 * the CLI's `--solver` choices, run manifests and the tests all read it, so a new backend is its own
 * module plus one row here.
 *
 * A row says where the backend's factory lives (a module next to this file, loaded only when the
 * backend is first used), how it is hosted (a worker thread for the synchronous WASM solvers, none
 * for a subprocess solver, which the operating system isolates), what it can do, and where its code
 * comes from (an npm package or a binary on PATH). `capabilities.dualBound` is the line between a
 * proof and a claim: a backend with a dual bound (or, for GLPK, a completed branch and bound) proves
 * its "optimal"; one without (jslp) only suggests it, and the fallback chain seeks a second opinion.
 */
import { spawnSync } from "node:child_process";
import { isMixedInteger, type LinearProblem } from "../lower/standard-form.js";
import { packageVersion } from "./version.js";

/** The backends this workbench ships. */
export type BackendName = "highs" | "glpk" | "jslp" | "cbc";

/** What a `--solver` flag may say: a backend, or `auto` (chosen per problem, see chooseBackend). */
export type BackendChoice = BackendName | "auto";

/** What a backend can do, known without starting it. */
export interface RegistryCapabilities {
  readonly lp: boolean;
  readonly mip: boolean;
  /** Convex diagonal quadratic objectives (continuous problems). */
  readonly quadratic: boolean;
  readonly timeLimit: boolean;
  /**
   * Its "optimal" is a proof: the solver closes the gap with its own dual bound (or completes its
   * search), and its "infeasible" comes from a complete method. False: its word is a claim only.
   */
  readonly dualBound: boolean;
  /** Native code (a subprocess), as opposed to WASM or JavaScript in this process's threads. */
  readonly native: boolean;
}

/** Where a backend's code comes from: an npm dependency, or a binary installed on the machine. */
export type BackendSource =
  | { readonly kind: "npm"; readonly package: string; readonly entry?: string }
  | { readonly kind: "binary"; readonly command: string; readonly versionArgs: readonly string[]; readonly debianPackage: string };

export interface BackendEntry {
  readonly name: BackendName;
  readonly summary: string;
  /** Module next to this file (no extension) that exports `factory`. */
  readonly module: string;
  /** Name of the exported async factory `() => SolverBackend`. */
  readonly factory: string;
  /** worker: the solve blocks a thread, so it runs in a worker the host can terminate. subprocess: runs in its own process. */
  readonly hosting: "worker" | "subprocess";
  readonly capabilities: RegistryCapabilities;
  readonly source: BackendSource;
}

/** The table. Order is the default fallback order (proving backends first, jslp last). */
export const backendRegistry: readonly BackendEntry[] = [
  {
    name: "highs",
    summary: "HiGHS (WASM, highs-js): simplex, interior point and branch-and-cut with a dual bound",
    module: "highs",
    factory: "createHighsBackend",
    hosting: "worker",
    capabilities: { lp: true, mip: true, quadratic: true, timeLimit: true, dualBound: true, native: false },
    source: { kind: "npm", package: "highs" },
  },
  {
    name: "glpk",
    summary: "GLPK (WASM, glpk.js): simplex and branch-and-bound; an optimum only after a complete search",
    module: "glpk",
    factory: "createGlpkBackend",
    hosting: "worker",
    capabilities: { lp: true, mip: true, quadratic: false, timeLimit: true, dualBound: true, native: false },
    source: { kind: "npm", package: "glpk.js", entry: "glpk.js/node" },
  },
  {
    name: "cbc",
    summary: "COIN-OR CBC (native binary, a subprocess on the exported MPS) with its dual bound",
    module: "cbc",
    factory: "createCbcBackend",
    hosting: "subprocess",
    capabilities: { lp: true, mip: true, quadratic: false, timeLimit: true, dualBound: true, native: true },
    source: { kind: "binary", command: "cbc", versionArgs: ["-quit"], debianPackage: "coinor-cbc" },
  },
  {
    name: "jslp",
    summary: "javascript-lp-solver: pure JavaScript, no dual bound, so its optimum and infeasibility are claims",
    module: "jslp",
    factory: "createJslpBackend",
    hosting: "worker",
    capabilities: { lp: true, mip: true, quadratic: false, timeLimit: false, dualBound: false, native: false },
    source: { kind: "npm", package: "javascript-lp-solver" },
  },
];

const byName = new Map<string, BackendEntry>(backendRegistry.map((entry) => [entry.name, entry]));

/** Every registered backend name, in the table's order. */
export const backendNames: readonly BackendName[] = backendRegistry.map((entry) => entry.name);

/** What `--solver` accepts: `auto` and every registered backend. */
export const backendChoices: readonly BackendChoice[] = ["auto", ...backendNames];

/** The row for `name`, or undefined (a Map lookup: `constructor` or `__proto__` is not a backend). */
export function backendEntry(name: string): BackendEntry | undefined {
  return byName.get(name);
}

/** True if `name` is a registered backend. */
export function isBackendName(name: string): name is BackendName {
  return byName.has(name);
}

const binaryFound = new Map<string, boolean>();

/** True if the backend's code is present: an npm package always is; a binary if it starts (checked once per process). */
export function backendInstalled(name: BackendName): boolean {
  const entry = byName.get(name);
  if (!entry) return false;
  if (entry.source.kind === "npm") return true;
  const { command, versionArgs } = entry.source;
  let found = binaryFound.get(command);
  if (found === undefined) {
    const run = spawnSync(command, [...versionArgs], { encoding: "utf8", timeout: 10_000, input: "" });
    found = !run.error && run.status === 0;
    binaryFound.set(command, found);
  }
  return found;
}

/** The version of each registered backend's source, for run manifests ("not installed" for a missing binary). */
export function backendVersions(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of backendRegistry) {
    if (entry.source.kind === "npm") out[entry.source.package] = packageVersion(entry.source.package, entry.source.entry);
    else out[entry.source.command] = backendInstalled(entry.name) ? binaryVersion(entry.source.command, entry.source.versionArgs) : "not installed";
  }
  return out;
}

function binaryVersion(command: string, args: readonly string[]): string {
  const run = spawnSync(command, [...args], { encoding: "utf8", timeout: 10_000, input: "" });
  return /Version:\s*(\S+)/.exec(`${run.stdout ?? ""}`)?.[1] ?? "unknown";
}

/** MIPs with at least this many columns go to a native backend under `auto`, when one is installed. */
export const AUTO_NATIVE_COLUMNS = 2_000;

/**
 * The backend `choice` means for `problem`: itself, or for `auto` a native MIP solver (CBC) for a
 * MIP of AUTO_NATIVE_COLUMNS columns or more when it is installed, WASM HiGHS otherwise (HiGHS also
 * takes every LP and QP: its interior-point method handles the large LPs, see highs.ts).
 */
export function chooseBackend(choice: BackendChoice, problem: LinearProblem): BackendName {
  if (choice !== "auto") return choice;
  if (isMixedInteger(problem) && problem.columnLower.length >= AUTO_NATIVE_COLUMNS) {
    for (const entry of backendRegistry) if (entry.capabilities.native && entry.capabilities.mip && entry.capabilities.dualBound && backendInstalled(entry.name)) return entry.name;
  }
  return "highs";
}
