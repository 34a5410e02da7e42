/**
 * GLPK (WASM, `glpk.js/node`, synchronous) as a SolverBackend.
 *
 * glpk.js discards glp_simplex/glp_intopt return codes, and with presolve on an infeasible or
 * unbounded LP comes back as status "undefined"; such an LP is solved again without presolve, which
 * reports NOFEAS/UNBND definitely. A MIP's relaxation is solved first, without presolve: infeasible
 * ends there, unbounded is settled by a zero-objective MIP (feasible ⇒ unbounded, for rational data),
 * and only then does glp_intopt run. glp_intopt needs presolve on: glpk.js never passes it a root
 * basis, and without presolve it refuses to start.
 */
import GLPK, { type LP, type Result } from "glpk.js/node";
import type { LinearProblem } from "../lower/standard-form.js";
import type { SolveOptions, SolverBackend, SolverSolution } from "./backend.js";
import { packageVersion } from "./version.js";

type Glpk = Awaited<ReturnType<typeof GLPK>>;


/** A contradictory bound (lower > upper) proves infeasibility; GLPK would reject the bounds instead. */
function contradictoryBound(problem: LinearProblem): string | undefined {
  for (let j = 0; j < problem.columnLower.length; j++) {
    if (problem.columnLower[j]! > problem.columnUpper[j]!) return `column ${problem.columnNames[j] ?? j}`;
    if (problem.integer[j] === 1 && Math.ceil(problem.columnLower[j]! - 1e-9) > Math.floor(problem.columnUpper[j]! + 1e-9)) {
      return `integer column ${problem.columnNames[j] ?? j}`;
    }
  }
  for (let i = 0; i < problem.rowLower.length; i++) {
    if (problem.rowLower[i]! > problem.rowUpper[i]!) return `row ${problem.rowNames[i] ?? i}`;
  }
  return undefined;
}

function boundsOf(glpk: Glpk, lower: number, upper: number): { type: number; lb: number; ub: number } {
  const lowerFinite = lower > -Infinity;
  const upperFinite = upper < Infinity;
  if (lowerFinite && upperFinite) return lower === upper ? { type: glpk.GLP_FX, lb: lower, ub: upper } : { type: glpk.GLP_DB, lb: lower, ub: upper };
  if (lowerFinite) return { type: glpk.GLP_LO, lb: lower, ub: 0 };
  if (upperFinite) return { type: glpk.GLP_UP, lb: 0, ub: upper };
  return { type: glpk.GLP_FR, lb: 0, ub: 0 };
}

/**
 * glpk.js's JSON model. Columns are named x<j> and listed in index order in the objective (zero costs
 * included), which is the order glpk.js creates them in; rows are named r<i>.
 */
function toGlpkModel(glpk: Glpk, problem: LinearProblem, options: { relax?: boolean; zeroObjective?: boolean } = {}): LP {
  const n = problem.columnLower.length;
  const m = problem.rowLower.length;
  const names = new Array<string>(n);
  for (let j = 0; j < n; j++) names[j] = `x${j}`;
  const objective = new Array<{ name: string; coef: number }>(n);
  for (let j = 0; j < n; j++) objective[j] = { name: names[j]!, coef: options.zeroObjective ? 0 : problem.cost[j]! };
  const subjectTo: LP["subjectTo"] = [];
  for (let i = 0; i < m; i++) {
    const vars: { name: string; coef: number }[] = [];
    for (let k = problem.rowStart[i]!; k < problem.rowStart[i + 1]!; k++) vars.push({ name: names[problem.rowIndex[k]!]!, coef: problem.rowValue[k]! });
    subjectTo.push({ name: `r${i}`, vars, bnds: boundsOf(glpk, problem.rowLower[i]!, problem.rowUpper[i]!) });
  }
  const bounds: NonNullable<LP["bounds"]> = new Array(n);
  for (let j = 0; j < n; j++) bounds[j] = { name: names[j]!, ...boundsOf(glpk, problem.columnLower[j]!, problem.columnUpper[j]!) };
  const generals: string[] = [];
  if (!options.relax) for (let j = 0; j < n; j++) if (problem.integer[j] === 1) generals.push(names[j]!);
  return {
    name: "adl",
    objective: { direction: glpk.GLP_MIN, name: "obj", vars: objective },
    subjectTo,
    bounds,
    ...(generals.length > 0 ? { generals } : {}),
  };
}

/** GLPK's tm_lim is a C int of milliseconds. */
const GLPK_MAX_LIMIT_MS = 2 ** 31 - 1;

function valuesOf(result: Result, n: number): Float64Array {
  const values = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    const value = result.result.vars[`x${j}`];
    values[j] = value === undefined ? Number.NaN : value;
  }
  return values;
}

/**
 * Creates a GLPK backend (glpk.js/node: the WASM module loads asynchronously once; each solve is
 * synchronous and blocks its thread). Messages off, presolve on, `tmlim` from `timeLimitSeconds`
 * (GLPK counts whole milliseconds), `mipgap` from `mipRelativeGap` (default 0). No quadratic
 * objectives: those throw. GLPK reports no dual bound or node count through glpk.js, so `bound`,
 * `gap` (for MIPs) and `nodes` are left out.
 */
export async function createGlpkBackend(): Promise<SolverBackend & { fresh(): Promise<SolverBackend> }> {
  const glpk = await GLPK();
  const version = `glpk.js ${packageVersion("glpk.js", "glpk.js/node")} (GLPK ${glpk.version})`;

  return {
    name: "glpk",
    version,
    capabilities: { integer: true, quadratic: false, timeLimit: true },

    async solve(problem: LinearProblem, options: SolveOptions): Promise<SolverSolution> {
      const started = performance.now();
      const seconds = (): number => (performance.now() - started) / 1000;
      const base = { backend: "glpk" as const, version };
      if (problem.quadratic && problem.quadratic.some((q) => q !== 0)) {
        throw new Error("glpk: quadratic objectives are not supported (GLPK solves linear problems only)");
      }
      const n = problem.columnLower.length;
      if (n === 0) {
        // No columns: every row's activity is 0, so the problem is its rows' verdict on 0.
        if (problem.rowLower.some((lower, i) => lower > 0 || problem.rowUpper[i]! < 0)) return { ...base, status: "infeasible", seconds: seconds() };
        return { ...base, status: "optimal", values: new Float64Array(0), objective: problem.objectiveConstant, gap: 0, seconds: seconds() };
      }
      if (contradictoryBound(problem) !== undefined) return { ...base, status: "infeasible", seconds: seconds() };

      const integer = problem.integer.some((flag) => flag === 1);
      const gap = options.mipRelativeGap ?? 0;
      // glpk.js passes tmlim * 1000 to GLPK's int tm_lim: past 2^31 - 1 ms it wraps negative and GLPK
      // aborts ("tm_lim = -1294967298; invalid parameter", seen with --time-limit 3000000), so a
      // limit beyond about 24.8 days is no limit.
      const limit =
        options.timeLimitSeconds !== undefined && Number.isFinite(options.timeLimitSeconds) && options.timeLimitSeconds * 1000 <= GLPK_MAX_LIMIT_MS
          ? Math.max(0.001, options.timeLimitSeconds)
          : undefined;
      const solveOptions = (presol: boolean) => ({ msglev: glpk.GLP_MSG_OFF, presol, mipgap: gap, ...(limit !== undefined ? { tmlim: limit } : {}) });
      const limitHit = (): boolean => limit !== undefined && seconds() >= limit * 0.98;
      /** A MIP whose relaxation is unbounded: unbounded if it has any integral point (rational data), else infeasible. */
      const unboundedRelaxation = (): SolverSolution => {
        const probe = glpk.solve(toGlpkModel(glpk, problem, { zeroObjective: true }), solveOptions(true));
        const found = probe.result.status;
        if (found === glpk.GLP_OPT || found === glpk.GLP_FEAS) return { ...base, status: "unbounded", seconds: seconds() };
        if (found === glpk.GLP_NOFEAS) return { ...base, status: "infeasible", seconds: seconds() };
        if (limitHit()) return { ...base, status: "limitNoSolution", seconds: seconds() };
        throw new Error(`glpk: unbounded relaxation, and the feasibility probe ended with status ${found}`);
      };

      if (integer) {
        // The relaxation first, without presolve (which states NOFEAS/UNBND definitely). On an
        // infeasible problem GLPK's MIP preprocessor has been seen to loop forever tightening the
        // bounds of an unbounded integer column (ignoring tmlim), and to abort the WASM module on a
        // failed assertion (q->lb < q->ub); neither happens if glp_intopt never sees such a problem.
        const relaxation = glpk.solve(toGlpkModel(glpk, problem, { relax: true }), solveOptions(false));
        const relaxed = relaxation.result.status;
        if (relaxed === glpk.GLP_NOFEAS) return { ...base, status: "infeasible", seconds: seconds() };
        if (relaxed === glpk.GLP_UNBND) return unboundedRelaxation();
        if (limitHit()) return { ...base, status: "limitNoSolution", seconds: seconds() };
      }

      const result = glpk.solve(toGlpkModel(glpk, problem), solveOptions(true));
      const status = result.result.status;
      const solved = (kind: "optimal" | "feasible"): SolverSolution => ({
        ...base,
        status: kind,
        values: valuesOf(result, n),
        objective: result.result.z + problem.objectiveConstant,
        ...(kind === "optimal" && !integer ? { bound: result.result.z + problem.objectiveConstant, gap: 0 } : {}),
        ...(kind === "optimal" && integer && gap === 0 ? { gap: 0 } : {}),
        seconds: seconds(),
      });

      if (status === glpk.GLP_OPT) return solved("optimal");
      if (status === glpk.GLP_NOFEAS) return { ...base, status: "infeasible", seconds: seconds() };
      if (status === glpk.GLP_UNBND) return { ...base, status: "unbounded", seconds: seconds() };
      if (status === glpk.GLP_FEAS) {
        // A MIP incumbent: either the time limit stopped the search, or the requested gap was met.
        return integer && gap > 0 && !limitHit() ? solved("optimal") : solved("feasible");
      }
      if (limitHit()) return { ...base, status: "limitNoSolution", seconds: seconds() };
      if (status !== glpk.GLP_UNDEF) throw new Error(`glpk: unexpected solution status ${status}`);

      // The MIP's relaxation was solved above; an undefined MIP status without a limit is unexplained.
      if (integer) throw new Error("glpk: glp_intopt left the MIP status undefined (relaxation optimal, no limit hit)");
      // An LP left undefined without a limit: presolve stopped at infeasibility or unboundedness. Settle it.
      const relaxation = glpk.solve(toGlpkModel(glpk, problem), solveOptions(false));
      const plain = relaxation.result.status;
      if (plain === glpk.GLP_NOFEAS) return { ...base, status: "infeasible", seconds: seconds() };
      if (plain === glpk.GLP_UNBND) return { ...base, status: "unbounded", seconds: seconds() };
      if (plain === glpk.GLP_OPT) {
        const values = valuesOf(relaxation, n);
        const objective = relaxation.result.z + problem.objectiveConstant;
        return { ...base, status: "optimal", values, objective, bound: objective, gap: 0, seconds: seconds() };
      }
      if (limitHit()) return { ...base, status: "limitNoSolution", seconds: seconds() };
      throw new Error(`glpk: presolve left the status undefined and the plain simplex ended with status ${plain}`);
    },

    fresh(): Promise<SolverBackend> {
      return createGlpkBackend();
    },
  };
}
