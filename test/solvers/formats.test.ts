/**
 * The LP and MPS writers: exact text, and a round trip through CBC, glpsol and HiGHS's own readers
 * that must reproduce the optimum HiGHS finds on the standard form itself.
 */
import highsImport from "highs";
import { describe, expect, it } from "vitest";
import { haveCbc, haveGlpsol, runCbc, runGlpsol, withTool, type External } from "../support/external-solvers.js";
import type { LinearProblem } from "../../src/pipeline/lower/standard-form.js";
import { toCplexLp, toFreeMps } from "../../src/pipeline/backends/formats.js";
import { createHighsBackend } from "../../src/pipeline/backends/highs.js";
import { diagonalQp, featureLp, featureMip, infeasibleMip, problem, smallLp, smallMip, sumProblem, INF } from "./problems.js";

type Loader = () => Promise<{ createModel(source: { format: "lp" | "mps"; data: string }): { options: { set(v: Record<string, boolean>): unknown }; run(): { modelStatus: number }; getObjectiveValue(): number; dispose(): void } }>;
const loadHighs = ((highsImport as unknown as { default?: Loader }).default ?? highsImport) as unknown as Loader;

async function runHighsReader(text: string, format: "lp" | "mps"): Promise<External> {
  const highs = await loadHighs();
  const model = highs.createModel({ format, data: text });
  try {
    model.options.set({ output_flag: false });
    const status = model.run().modelStatus;
    if (status === 7) return { status: "optimal", objective: model.getObjectiveValue(), log: "" };
    if (status === 8) return { status: "infeasible", log: "" };
    return { status: "other", log: `model status ${status}` };
  } finally {
    model.dispose();
  }
}

function close(a: number | undefined, b: number): boolean {
  return a !== undefined && Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(b));
}

const cases: [string, LinearProblem][] = [
  ["small LP", smallLp],
  ["small MIP", smallMip],
  ["feature LP", featureLp],
  ["feature MIP", featureMip],
  [
    "empty objective",
    problem({
      columns: [
        { lower: 0, upper: 3 },
        { lower: 0, upper: 3, integer: true },
      ],
      rows: [{ entries: [[0, 1], [1, 1]], lower: 2, upper: 2 }],
    }),
  ],
];

describe("round trip: the written text solves to HiGHS's optimum", async () => {
  const highs = await createHighsBackend();
  describe.each(cases)("%s", (label, p) => {
    const reference = highs.solve(p, {});
    const slug = label.replace(/\W+/g, "-");

    it("HiGHS solves the standard form (the reference)", async () => {
      expect((await reference).status).toBe("optimal");
    });
    it("HiGHS's own LP and MPS readers agree", async () => {
      const want = (await reference).objective!;
      for (const format of ["lp", "mps"] as const) {
        const got = await runHighsReader(format === "lp" ? toCplexLp(p) : toFreeMps(p), format);
        expect(got.status, `${format}: ${got.log}`).toBe("optimal");
        expect(close(got.objective, want), `${format}: ${got.objective} vs ${want}`).toBe(true);
      }
    });
    withTool(haveCbc)("CBC agrees on the LP and the MPS text", async () => {
      expect(haveCbc, "cbc is required under CI").toBe(true);
      const want = (await reference).objective!;
      for (const format of ["lp", "mps"] as const) {
        const got = runCbc(format === "lp" ? toCplexLp(p) : toFreeMps(p), format, slug);
        expect(got.status, `${format}: ${got.log}`).toBe("optimal");
        expect(close(got.objective, want), `${format}: ${got.objective} vs ${want}`).toBe(true);
      }
    });
    withTool(haveGlpsol)("glpsol agrees on the LP and the MPS text", async () => {
      expect(haveGlpsol, "glpsol is required under CI").toBe(true);
      const want = (await reference).objective!;
      for (const format of ["lp", "mps"] as const) {
        const got = runGlpsol(format === "lp" ? toCplexLp(p) : toFreeMps(p), format, slug);
        expect(got.status, `${format}: ${got.log}`).toBe("optimal");
        expect(close(got.objective, want), `${format}: ${got.objective} vs ${want}`).toBe(true);
      }
    });
  });

  withTool(haveCbc && haveGlpsol)("an infeasible MIP stays infeasible in every reader", async () => {
    expect(haveCbc && haveGlpsol, "cbc and glpsol are required under CI").toBe(true);
    for (const format of ["lp", "mps"] as const) {
      const text = format === "lp" ? toCplexLp(infeasibleMip) : toFreeMps(infeasibleMip);
      expect(runCbc(text, format, "infeasible").status).toBe("infeasible");
      expect(runGlpsol(text, format, "infeasible").status).toBe("infeasible");
      expect((await runHighsReader(text, format)).status).toBe("infeasible");
    }
  });

  it("a diagonal QP round-trips through HiGHS's readers", async () => {
    expect(toCplexLp(diagonalQp)).toContain("+ [ 2 x0 ^ 2 + 2 x1 ^ 2 ] / 2");
    expect(toFreeMps(diagonalQp)).toMatch(/QUADOBJ\n x0 x0 2\n x1 x1 2\n/);
    for (const format of ["lp", "mps"] as const) {
      const got = await runHighsReader(format === "lp" ? toCplexLp(diagonalQp) : toFreeMps(diagonalQp), format);
      expect(got.status).toBe("optimal");
      expect(close(got.objective, -3)).toBe(true);
    }
  });
});

describe("writer details", () => {
  it("prints every number so that it reads back to the same double", () => {
    const lp = toCplexLp(featureMip);
    const mps = toFreeMps(featureMip);
    for (const x of [0.1 / 3, 1e3 / 7, 12.345, -3.25, 8.125]) {
      expect(lp).toContain(String(x));
      expect(mps).toContain(String(x));
    }
  });

  it("splits ranged rows in LP and uses RANGES in MPS when the range is exact", () => {
    const lp = toCplexLp(featureMip);
    expect(lp).toMatch(/ c0_lo: .* >= 1\.5\n/);
    expect(lp).toMatch(/ c0_hi: .* <= 4\.75\n/);
    expect(lp).toMatch(/ c1: .* = 3\n/);
    expect(lp).toContain("\\ free row c4 omitted");
    const mps = toFreeMps(featureMip);
    expect(mps).toMatch(/ROWS\n N obj\n G c0\n E c1\n L c2\n G c3\n N c4\n/);
    expect(mps).toContain(" RNG c0 3.25");
  });

  it("writes a range that doubles cannot reproduce as two rows", () => {
    const p = problem({ columns: [{ lower: 0, upper: 1 }], rows: [{ entries: [[0, 1]], lower: -0.1, upper: 0.2 }] });
    expect(-0.1 + (0.2 - -0.1)).not.toBe(0.2);
    const mps = toFreeMps(p);
    expect(mps).toContain(" G c0_lo\n L c0_hi\n");
    expect(mps).not.toContain("RANGES");
  });

  it("writes bounds for every kind of column", () => {
    const lp = toCplexLp(featureMip);
    expect(lp).toContain(" -3.25 <= x0 <= -0.5\n");
    expect(lp).toContain(" x1 free\n");
    expect(lp).toContain(" x2 = 2.5\n");
    expect(lp).toContain(" -inf <= x3 <= 7\n");
    expect(lp).toMatch(/General\n x4\nBinary\n x5\n/);
    expect(lp).toContain(" obj_constant = 1\n");
    const mps = toFreeMps(featureMip);
    expect(mps).toContain(" UP BND x0 -0.5\n LO BND x0 -3.25\n");
    expect(mps).toContain(" FR BND x1\n");
    expect(mps).toContain(" FX BND x2 2.5\n");
    expect(mps).toContain(" UP BND x3 7\n MI BND x3\n");
    expect(mps).toContain(" UP BND x5 1\n LO BND x5 0\n");
    expect(mps).toMatch(/ MARKER\d+ 'MARKER' 'INTORG'\n x4 /);
    expect(mps).toContain(" FX BND obj_constant 1\n");
  });

  it("replaces names the formats cannot carry, and keeps them unique", () => {
    const p = problem({
      columns: [
        { lower: 0, upper: 1, cost: 1, name: "has space" },
        { lower: 0, upper: 1, cost: 1, name: "e12" },
        { lower: 0, upper: 1, cost: 1, name: "x0" },
      ],
      rows: [{ entries: [[0, 1], [1, 1], [2, 1]], lower: 1, upper: INF, name: "1bad" }],
    });
    const lp = toCplexLp(p);
    expect(lp).not.toContain("has space");
    expect(lp).not.toMatch(/\be12\b/);
    // "x0" was given to the first column already, so the third column's own "x0" cannot be kept.
    expect(lp).toMatch(/Minimize\n obj: 1 x0 \+ 1 x1 \+ 1 x2\n/);
    expect(lp).toContain(" r0: 1 x0 + 1 x1 + 1 x2 >= 1");
  });

  it("writes 10^5 columns: every column in the objective and the budget row, in both formats", () => {
    // How fast is measured by bench/formats.ts (results/bench/formats-*.json), not asserted here.
    const big = sumProblem(100_000, 25_000.5);
    const lp = toCplexLp(big);
    const mps = toFreeMps(big);
    expect(lp).toContain(" obj: 1 h0 + ");
    expect(lp).toContain(" 0 <= h99999 <= 1\n");
    expect(lp).toMatch(/ h99999 >= 25000\.5\n/);
    const lines = mps.split("\n");
    expect(lines.filter((line) => / obj /.test(line))).toHaveLength(100_000);
    expect(lines.filter((line) => / budget 1$/.test(line))).toHaveLength(100_000);
  });
});
