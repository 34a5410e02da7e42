/**
 * ARCHITECTURE.md's "add a backend" path, checked: the toy vertex-enumeration backend
 * (test/fixtures/toy/vertex-backend.ts, a module and nothing else) passes the exported conformance
 * suite with no case excluded, and the suite fails it when it is broken in the ways a real backend
 * breaks (a dropped objective constant, a missed unbounded ray).
 */
import { describe, expect, it } from "vitest";
import type { SolverBackend } from "../../src/pipeline/backends/backend.js";
import { runBackendConformance } from "../../src/pipeline/backends/conformance.js";
import { createVertexBackend } from "../fixtures/toy/vertex-backend.js";

describe("a third party's backend is one module plus the conformance suite", () => {
  it("the toy vertex backend passes every case", async () => {
    const report = await runBackendConformance(createVertexBackend);
    expect(report.failed).toEqual([]);
    expect(report.excluded).toEqual([]);
    expect(report.passed.length).toBeGreaterThanOrEqual(14);
  });

  it("the suite catches it when broken: a dropped objective constant, an unbounded LP called optimal", async () => {
    const honest = createVertexBackend();
    const noConstant: SolverBackend = { ...honest, solve: async (problem, options) => honest.solve({ ...problem, objectiveConstant: 0 }, options) };
    const dropped = await runBackendConformance(() => noConstant);
    expect(dropped.failed.map((f) => f.name)).toContain("LP optimum (free-below column, constant)");
    const boxed: SolverBackend = {
      ...honest,
      // Close every free side at 1e3: the unbounded LP then has a (wrong) optimum on the box.
      solve: async (problem, options) => honest.solve({ ...problem, columnLower: problem.columnLower.map((l) => Math.max(l, -1e3)), columnUpper: problem.columnUpper.map((u) => Math.min(u, 1e3)) }, options),
    };
    const missed = await runBackendConformance(() => boxed);
    expect(missed.failed.map((f) => f.name)).toEqual(expect.arrayContaining(["unbounded LP", "unbounded MIP"]));
  });
});
