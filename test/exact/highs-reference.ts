/**
 * An independent reference for the dedicated algorithms: the wave written as CPLEX LP text by hand
 * (bounds re-derived from the raw data, not from wave.upper), solved stage by stage with HiGHS
 * (mip_rel_gap 0), each stage's optimum fixed before the next. Shares no code with src/pipeline/exact or
 * src/pipeline/lower. Small waves only (n <= 8).
 *
 * Convex phi: x^2 by cutting planes over LPs (bracketed between a lower and an upper bound, see
 * below; continuous only, last stage); piecewise-linear as an epigraph over the segment lines (a
 * convex PWL phi extended along its end segments is the max of its lines). Other powers are not
 * supported here (those are checked by KKT conditions in the tests).
 */
import highsImport, { type Highs } from "highs";
import type { Wave } from "../../src/domain.js";

// CommonJS-typed package with an ESM build: the default import is the loader at run time.
type Loader = () => Promise<Highs>;
const highsLoader: Loader = (() => {
  const imported = highsImport as unknown;
  return typeof imported === "function" ? (imported as Loader) : (imported as { default: Loader }).default;
})();

let loaded: Promise<Highs> | undefined;
let solves = 0;
/** One WASM instance, recycled every few hundred solves (WASM solvers leak under long use). */
async function highs(): Promise<Highs> {
  if (!loaded || ++solves % 400 === 0) loaded = highsLoader();
  return loaded;
}

/**
 * objectives[s] is the stage optimum, or a lower bound when objectivesUpper[s] is larger (an x^2
 * stage, bracketed by cutting planes to 1e-9 relative unless 60 rounds did not suffice).
 */
export type Reference =
  | { readonly status: "optimal"; readonly objectives: number[]; readonly objectivesUpper: number[]; readonly haircut: number[] }
  | { readonly status: "infeasible" };

interface Row {
  readonly name: string;
  readonly terms: [number, string][];
  readonly sense: "<=" | ">=" | "=";
  readonly rhs: number;
}

const term = (a: number, v: string): [number, string] => [a, v];

const num = (x: number): string => {
  if (!Number.isFinite(x)) throw new Error(`non-finite coefficient ${x}`);
  return Number(x.toPrecision(17)).toString();
};

function expression(terms: readonly [number, string][]): string {
  if (terms.length === 0) return "0 h0";
  return terms.map(([a, v], k) => `${a < 0 ? "- " : k === 0 ? "" : "+ "}${num(Math.abs(a))} ${v}`).join(" ");
}

/** Lexicographic optimum of the wave's stages (seniority first), or infeasible. */
export async function referenceSolve(wave: Wave): Promise<Reference> {
  const n = wave.ids.length;
  const alpha = wave.model.alpha ?? 1;
  const rows: Row[] = [];
  const bounds: string[] = [];
  const binaries: string[] = [];
  const generals: string[] = [];
  const hi: number[] = [];
  for (let i = 0; i < n; i++) {
    const c = wave.capacity[i]!;
    hi[i] = wave.eligible[i] ? Math.min(c, alpha * c) : 0;
    bounds.push(`0 <= h${i} <= ${num(hi[i]!)}`);
  }
  rows.push({ name: "coverage", terms: hi.map((_, i) => term(1, `h${i}`)), sense: wave.model.coverage === "exact" ? "=" : ">=", rhs: wave.budget });

  // Layers: within an account the junior-first split is w.l.o.g. (re-splitting leaves h_i unchanged
  // and lowers every senior total), so the amount account i gives from layers >= l is
  // max(0, h_i - C_i(l)), C_i(l) = sum_{k<l} c_ik: an epigraph w_il >= h_i - C_i(l), w_il >= 0,
  // minimized by its stage. (A y_il-per-layer formulation is equivalent, but HiGHS' QP solver fails
  // with status -1 on some of those degenerate instances.) h_i is at most the sum of its layers.
  const layers = wave.layers;
  if (layers) {
    for (let i = 0; i < n; i++) {
      let below = 0;
      layers.capacity.forEach((layer, l) => {
        if (l >= 1) rows.push({ name: `senior${i}_${l}`, terms: [term(1, `h${i}`), term(-1, `w${i}_${l}`)], sense: "<=", rhs: below });
        below += layer[i]!;
      });
      hi[i] = Math.min(hi[i]!, below);
      bounds[i] = `0 <= h${i} <= ${num(hi[i]!)}`;
    }
  }
  if (wave.positions) {
    const P = wave.positions.account.length;
    const byAccount: [number, string][][] = Array.from({ length: n }, (_, i) => [term(1, `h${i}`)]);
    for (let p = 0; p < P; p++) {
      bounds.push(`0 <= q${p} <= ${wave.positions.maxLots[p]!}`);
      generals.push(`q${p}`);
      byAccount[wave.positions.account[p]!]!.push([-wave.positions.lotValue[p]!, `q${p}`]);
    }
    byAccount.forEach((terms, i) => rows.push({ name: `lots${i}`, terms, sense: "=", rhs: 0 }));
  }
  const needsIndicators = wave.model.maxAccounts !== undefined || wave.objectives.some((o) => o.kind === "sparsity");
  if (needsIndicators) {
    for (let i = 0; i < n; i++) {
      binaries.push(`z${i}`);
      rows.push({ name: `touch${i}`, terms: [[1, `h${i}`], [-Math.max(hi[i]!, 0), `z${i}`]], sense: "<=", rhs: 0 });
    }
    if (wave.model.maxAccounts !== undefined) rows.push({ name: "maxAccounts", terms: hi.map((_, i) => term(1, `z${i}`)), sense: "<=", rhs: wave.model.maxAccounts });
  }

  // Stages: linear objective terms plus an optional quadratic part and constant.
  interface Stage {
    readonly terms: [number, string][];
    readonly quadratic?: [number, string][];
    readonly constant: number;
    readonly integral: boolean;
    readonly extraRows?: Row[];
    /** A seniority stage: its value is the total from layers >= l; the layer's own total is reported. */
    readonly cumulative?: boolean;
  }
  const stages: Stage[] = [];
  if (layers) {
    for (let l = layers.names.length - 1; l >= 1; l--) {
      stages.push({ terms: hi.map((_, i) => term(1, `w${i}_${l}`)), constant: 0, integral: false, cumulative: true });
    }
  }
  wave.objectives.forEach((objective, o) => {
    switch (objective.kind) {
      case "sparsity":
        stages.push({ terms: hi.map((_, i) => term(1, `z${i}`)), constant: 0, integral: true });
        break;
      case "overshoot":
        stages.push({ terms: hi.map((_, i) => term(1, `h${i}`)), constant: -wave.budget, integral: false });
        break;
      case "minmax": {
        const extraRows: Row[] = [];
        for (let i = 0; i < n; i++) extraRows.push({ name: `level${o}_${i}`, terms: [[1, `h${i}`], [-objective.scale[i]!, `t${o}`]], sense: "<=", rhs: 0 });
        bounds.push(`t${o} >= 0`);
        stages.push({ terms: [[1, `t${o}`]], constant: 0, integral: false, extraRows });
        break;
      }
      case "convex": {
        const phi = objective.phi;
        if (phi.kind === "power") {
          if (phi.p !== 2) throw new Error("reference supports x^2 only");
          const quadratic: [number, string][] = [];
          for (let i = 0; i < n; i++) {
            const c = wave.capacity[i]!;
            if (c > 0) quadratic.push([(2 * objective.weight[i]!) / (c * c), `h${i}`]);
          }
          stages.push({ terms: [], quadratic, constant: 0, integral: false });
        } else {
          const points = [...phi.points].sort((a, b) => a[0] - b[0]);
          const extraRows: Row[] = [];
          const terms: [number, string][] = [];
          for (let i = 0; i < n; i++) {
            const c = wave.capacity[i]!;
            if (!(c > 0)) continue;
            const u = objective.weight[i]!;
            bounds.push(`e${o}_${i} free`);
            terms.push([1, `e${o}_${i}`]);
            for (let k = 0; k + 1 < points.length; k++) {
              const [x0, y0] = points[k]!;
              const [x1, y1] = points[k + 1]!;
              const slope = (y1 - y0) / (x1 - x0);
              // e >= u (y0 + slope (h/c - x0))
              extraRows.push({ name: `line${o}_${i}_${k}`, terms: [[1, `e${o}_${i}`], [-(u * slope) / c, `h${i}`]], sense: ">=", rhs: u * (y0 - slope * x0) });
            }
          }
          stages.push({ terms, constant: 0, integral: false, extraRows });
        }
        break;
      }
    }
  });

  const fixed: Row[] = [];
  const objectives: number[] = [];
  const objectivesUpper: number[] = [];
  let haircut: number[] = [];
  let seniorAbove = 0;
  const active: Row[] = [...rows];
  const lpText = (objectiveText: string, extra: readonly Row[]): string =>
    [
      "Minimize",
      ` obj: ${objectiveText}`,
      "Subject To",
      ...[...active, ...fixed, ...extra].map((row) => ` ${row.name}: ${expression(row.terms)} ${row.sense} ${num(row.rhs)}`),
      "Bounds",
      ...bounds.map((b) => ` ${b}`),
      ...(generals.length ? ["General", ` ${generals.join(" ")}`] : []),
      ...(binaries.length ? ["Binary", ` ${binaries.join(" ")}`] : []),
      "End",
    ].join("\n");
  // Tight options: the stage fixings carry a 1e-9 relative slack, which HiGHS' default 1e-7
  // feasibility tolerance would otherwise dwarf.
  const options = { mip_rel_gap: 0, output_flag: false, primal_feasibility_tolerance: 1e-9 };
  for (const [s, stage] of stages.entries()) {
    if (stage.extraRows) active.push(...stage.extraRows);
    const solver = await highs();
    if (stage.quadratic) {
      // Last stage. Not sent to HiGHS' QP solver: its WASM build hangs or fails (status -1) on some
      // tiny instances (e.g. min h0^2/225 + h1^2/512, h0 + h1 >= 0.25 never returns). Instead, Kelley's
      // cutting planes: minimize the max of tangent lines, add the tangents at the LP's point, repeat.
      // The LP optimum is a lower bound and the true cost of its point an upper bound.
      const tangents: Row[] = [];
      const terms: [number, string][] = stage.quadratic.map(([, v]) => term(1, `e_${v}`));
      const top = Math.max(...hi, 1);
      const addTangent = (coefficient: number, v: string, x: number) => {
        // (coefficient / 2) h^2 >= coefficient x h - (coefficient / 2) x^2
        tangents.push({ name: `tangent${tangents.length}`, terms: [term(1, `e_${v}`), term(-coefficient * x, v)], sense: ">=", rhs: (-coefficient * x * x) / 2 });
      };
      for (const [coefficient, v] of stage.quadratic) for (let k = 0; k <= 16; k++) addTangent(coefficient, v, (k / 16) * top);
      let lowerBound = -Infinity;
      let upperBound = Infinity;
      for (let round = 0; round < 60; round++) {
        const lp = solver.solve(lpText(expression(terms), tangents), options);
        if (lp.Status === "Infeasible") return { status: "infeasible" };
        if (lp.Status !== "Optimal") throw new Error(`HiGHS tangent LP: ${lp.Status}`);
        const columns = lp.Columns as Record<string, { Primal: number }>;
        const cost = stage.quadratic.reduce((sum, [coefficient, v]) => sum + (coefficient / 2) * (columns[v]?.Primal ?? 0) ** 2, 0);
        lowerBound = Math.max(lowerBound, lp.ObjectiveValue);
        if (cost < upperBound) {
          upperBound = cost;
          haircut = hi.map((_, i) => columns[`h${i}`]?.Primal ?? 0);
        }
        if (upperBound - lowerBound <= 1e-9 * Math.max(1, upperBound)) break;
        for (const [coefficient, v] of stage.quadratic) addTangent(coefficient, v, columns[v]?.Primal ?? 0);
      }
      objectives.push(lowerBound);
      objectivesUpper.push(upperBound);
      continue;
    }
    const text = lpText(expression(stage.terms.length ? stage.terms : [term(0, "h0")]), []);
    const result = solver.solve(text, options);
    if (result.Status === "Infeasible") return { status: "infeasible" };
    if (result.Status !== "Optimal") throw new Error(`HiGHS: ${result.Status}\n${text}`);
    const value = result.ObjectiveValue + stage.constant;
    const reported = stage.integral ? Math.round(value) : stage.cumulative ? value - seniorAbove : value;
    objectives.push(reported);
    objectivesUpper.push(reported);
    if (stage.cumulative) seniorAbove = value;
    const columns = result.Columns as Record<string, { Primal: number }>;
    haircut = hi.map((_, i) => columns[`h${i}`]?.Primal ?? 0);
    const slack = stage.integral ? 0 : 1e-9 * Math.max(1, Math.abs(result.ObjectiveValue));
    fixed.push({ name: `fix${s}`, terms: stage.terms, sense: "<=", rhs: (stage.integral ? Math.round(result.ObjectiveValue) : result.ObjectiveValue) + slack });
  }
  return { status: "optimal", objectives, objectivesUpper, haircut };
}
