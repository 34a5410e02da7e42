/**
 * Fault injection: backends that throw, return garbage, hang or die are caught, retried on a fresh
 * instance, replaced by fallbacks, recorded, and never reported as optimal.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { SolverError } from "../../src/errors.js";
import type { LinearProblem } from "../../src/pipeline/lower/standard-form.js";
import type { BackendName, SolverBackend, SolverSolution } from "../../src/pipeline/backends/backend.js";
import {
  ABSOLUTE_TOLERANCE,
  checkSolution,
  closeBackends,
  defaultFallbacks,
  getBackend,
  RELATIVE_TOLERANCE,
  SOLVER_LIMIT_SHARE,
  solveRobustly,
} from "../../src/pipeline/backends/robust.js";
import { createWorkerBackend, watchdogSeconds, type WorkerHostedBackend } from "../../src/pipeline/backends/worker-host.js";
import { backendInstalled, backendNames } from "../../src/pipeline/backends/registry.js";
import { diagonalQp, infeasibleLp, problem, smallLp, smallMip } from "./problems.js";

const fixtures = new URL("./fixtures/fake-backends.ts", import.meta.url);
const scratch = mkdtempSync(path.join(tmpdir(), "adl-robust-"));
const hostedFakes: WorkerHostedBackend[] = [];

afterAll(async () => {
  await Promise.all(hostedFakes.map((b) => b.close()));
  await closeBackends();
  rmSync(scratch, { recursive: true, force: true });
});

async function hostedFake(exportName: string, args: unknown[], extra: { graceSeconds?: number; maxSolvesPerWorker?: number } = {}): Promise<WorkerHostedBackend> {
  const backend = await createWorkerBackend({ module: fixtures, exportName, args, ...extra });
  hostedFakes.push(backend);
  return backend;
}

function fake(name: BackendName, solve: (problem: LinearProblem) => Promise<SolverSolution> | SolverSolution, extra: Partial<SolverBackend> = {}): SolverBackend {
  return {
    name,
    version: "fake",
    capabilities: { integer: true, quadratic: false, timeLimit: true },
    solve: async (p) => solve(p),
    ...extra,
  };
}

const claim = (name: BackendName, values: number[], objective?: number): SolverSolution => ({
  status: "optimal",
  values: Float64Array.from(values),
  ...(objective !== undefined ? { objective } : {}),
  seconds: 0,
  backend: name,
  version: "fake",
});

/** smallMip's optimum is (1, 2) with objective 0: any accepted answer must be exactly that. */
function expectTheOptimum(solution: SolverSolution): void {
  expect(solution.status).toBe("optimal");
  expect(solution.objective).toBeCloseTo(0, 9);
  expect(Array.from(solution.values!)).toEqual([expect.closeTo(1, 9), expect.closeTo(2, 9)]);
  expect(checkSolution(smallMip, solution)).toBeUndefined();
}

describe("garbage detection", () => {
  const garbage: [string, SolverSolution, RegExp][] = [
    ["a vector of the wrong length", claim("highs", [1]), /1 values for 2 columns/],
    ["a missing vector", { ...claim("highs", []), values: undefined }, /without a value vector/],
    ["NaN", claim("highs", [Number.NaN, 2]), /is NaN/],
    ["Infinity", claim("highs", [1, Infinity]), /is Infinity/],
    ["a violated row", claim("highs", [3, 3], -4), /row c0 = 6 violates/],
    ["a violated bound", claim("highs", [-1, 0], 6), /below its lower bound/],
    ["a fractional integer", claim("highs", [1.5, 1.5], 0.5), /fractional/],
    ["a lying objective", claim("highs", [1, 2], -1), /claimed objective -1 but the values give 0/],
    ["an unknown status", { ...claim("highs", [1, 2], 0), status: "solved" as "optimal" }, /unknown status/],
  ];
  it.each(garbage)("rejects %s", (_, solution, reason) => {
    expect(checkSolution(smallMip, solution)).toMatch(reason);
  });

  it("accepts violations within ABSOLUTE_TOLERANCE + RELATIVE_TOLERANCE × magnitude, and no more", () => {
    const p = problem({ columns: [{ lower: 0, upper: 1e9 }], rows: [{ entries: [[0, 1]], lower: -Infinity, upper: 1e9 }] });
    const slack = ABSOLUTE_TOLERANCE + RELATIVE_TOLERANCE * 1e9;
    expect(checkSolution(p, claim("highs", [1e9 + 0.9 * slack]))).toBeUndefined();
    expect(checkSolution(p, claim("highs", [1e9 + 1.1 * slack]))).toMatch(/above its upper bound/);
    const q = problem({ columns: [{ lower: -Infinity, upper: Infinity }], rows: [{ entries: [[0, 1]], lower: 1, upper: 1 }] });
    expect(checkSolution(q, claim("highs", [1 + 0.9e-6]))).toBeUndefined();
    expect(checkSolution(q, claim("highs", [1 + 1.1e-6]))).toMatch(/row c0/);
  });

  it("accepts infeasible / unbounded / limit answers without a vector", () => {
    for (const status of ["infeasible", "unbounded", "limitNoSolution"] as const) {
      expect(checkSolution(smallMip, { status, seconds: 0, backend: "highs", version: "x" })).toBeUndefined();
    }
  });
});

describe("solveRobustly", () => {
  it("retries a throwing backend once on a fresh instance, then falls back", async () => {
    let calls = 0;
    const thrower = fake("highs", () => {
      calls++;
      throw new Error("boom");
    });
    const { solution, attempts } = await solveRobustly(smallMip, { backend: "highs", fallbacks: ["glpk"], backends: { highs: thrower } });
    expectTheOptimum(solution);
    expect(solution.backend).toBe("glpk");
    expect(calls).toBe(2);
    expect(attempts.map((a) => [a.backend, a.outcome, a.fresh ?? false])).toEqual([
      ["highs", "threw", false],
      ["highs", "threw", true],
      ["glpk", "ok", false],
    ]);
    expect(attempts[0]!.message).toBe("boom");
    for (const a of attempts) expect(a.seconds).toBeGreaterThanOrEqual(0);
  });

  it.each([
    ["wrong length", [1]],
    ["violating vector claimed optimal", [3, 3]],
    ["NaN", [Number.NaN, 2]],
  ])("detects garbage (%s), never reports it, and falls back", async (_, values) => {
    const liar = fake("glpk", () => claim("glpk", values as number[], 0));
    const { solution, attempts } = await solveRobustly(smallMip, { backend: "glpk", fallbacks: ["highs"], backends: { glpk: liar } });
    expectTheOptimum(solution);
    expect(solution.backend).toBe("highs");
    expect(attempts.map((a) => a.outcome)).toEqual(["garbage", "garbage", "ok"]);
  });

  it("uses the backend's fresh() for the retry", async () => {
    const good = fake("glpk", () => claim("glpk", [1, 2], 0));
    const bad = fake("glpk", () => claim("glpk", [1, 2], 42), { fresh: async () => good } as Partial<SolverBackend>);
    const { solution, attempts } = await solveRobustly(smallMip, { backend: "glpk", fallbacks: [], backends: { glpk: bad } });
    expectTheOptimum(solution);
    expect(attempts.map((a) => [a.outcome, a.fresh ?? false])).toEqual([
      ["garbage", false],
      ["ok", true],
    ]);
    expect(attempts[0]!.message).toMatch(/claimed objective 42/);
  });

  it("kills a hung worker at its watchdog, does not wait for it again, and falls back", async () => {
    const hanging = await hostedFake("createHangingBackend", ["highs"], { graceSeconds: 0.5 });
    expect(watchdogSeconds(0.2, 0.5)).toBeCloseTo(0.72, 12);
    const started = performance.now();
    const { solution, attempts } = await solveRobustly(smallMip, { backend: "highs", fallbacks: ["glpk"], timeLimitSeconds: 0.2, backends: { highs: hanging } });
    const elapsed = (performance.now() - started) / 1000;
    expectTheOptimum(solution);
    expect(attempts.map((a) => [a.backend, a.outcome])).toEqual([
      ["highs", "timeout"],
      ["glpk", "ok"],
    ]);
    expect(attempts[0]!.seconds).toBeGreaterThanOrEqual(0.65);
    expect(elapsed).toBeLessThan(10);
    // The hung worker was terminated: the next solve starts another (which hangs again, and is killed again).
    await expect(hanging.solve(smallMip, { timeLimitSeconds: 0.1 })).rejects.toThrow(/watchdog/);
    expect(hanging.workersStarted).toBe(2);
  });

  it.each(["exit", "abort"] as const)("replaces a worker that dies (%s) and retries on the fresh one", async (how) => {
    const marker = path.join(scratch, `died-${how}`);
    const dying = await hostedFake("createAbortOnceBackend", ["highs", marker, how]);
    const { solution, attempts } = await solveRobustly(smallMip, { backend: "highs", fallbacks: [], backends: { highs: dying } });
    expectTheOptimum(solution);
    expect(attempts.map((a) => [a.outcome, a.fresh ?? false])).toEqual([
      ["aborted", false],
      ["ok", true],
    ]);
    expect(attempts[0]!.message).toMatch(how === "exit" ? /exited with code 3/ : /Aborted\(OOM\)/);
    expect(dying.workersStarted).toBe(2);
  });

  it("recycles a worker after a bounded number of solves", async () => {
    const tagged = await hostedFake("createThreadTaggedBackend", ["highs"], { maxSolvesPerWorker: 2 });
    const threads = new Set<string>();
    for (let k = 0; k < 5; k++) {
      const solution = await tagged.solve(smallLp, {});
      expect(solution.objective).toBeCloseTo(11, 9);
      threads.add(solution.version);
    }
    expect(tagged.workersStarted).toBe(3);
    expect(threads.size).toBe(3);
  });

  it("throws SolverError naming every attempt when all fail", async () => {
    const thrower = fake("highs", () => {
      throw new Error("highs crashed");
    });
    // (0, 0) is feasible with objective 5: only the claim of 4 makes it garbage. A feasible but
    // suboptimal vector claimed optimal cannot be caught here; the conformance suite compares backends.
    const liar = fake("glpk", () => claim("glpk", [0, 0], 4));
    const nan = fake("jslp", () => claim("jslp", [Number.NaN, Number.NaN]));
    const failing = solveRobustly(smallMip, { backend: "highs", fallbacks: ["glpk", "jslp"], backends: { highs: thrower, glpk: liar, jslp: nan } });
    await expect(failing).rejects.toBeInstanceOf(SolverError);
    const error = (await failing.catch((e: unknown) => e)) as SolverError;
    expect(error.exitCode).toBe(4);
    expect(error.attempts).toEqual([
      "highs: threw (highs crashed)",
      "highs (fresh instance): threw (highs crashed)",
      expect.stringMatching(/^glpk: garbage \(claimed objective 4 but the values give 5\)$/),
      expect.stringMatching(/^jslp: garbage \(value of column x0 is NaN\)$/),
    ]);
    expect(error.message).toMatch(/every solver backend failed/);
  });

  it("skips backends that cannot take a QP, and defaults to those that can", async () => {
    expect(defaultFallbacks("glpk", diagonalQp)).toEqual(["highs"]);
    // Every other installed backend that takes a MIP, in the registry's order.
    expect(defaultFallbacks("highs", smallMip)).toEqual(backendNames.filter((name) => name !== "highs" && backendInstalled(name)));
    const { solution, attempts } = await solveRobustly(diagonalQp, { backend: "glpk" });
    expect(attempts.map((a) => [a.backend, a.outcome])).toEqual([
      ["glpk", "unsupported"],
      ["highs", "ok"],
    ]);
    expect(solution.objective).toBeCloseTo(-3, 6);
  });

  it("accepts infeasibility as an answer, with a note, and tries nothing else", async () => {
    const { solution, attempts } = await solveRobustly(infeasibleLp, { backend: "highs" });
    expect(solution.status).toBe("infeasible");
    expect(attempts).toHaveLength(1);
    expect(attempts[0]).toMatchObject({ backend: "highs", outcome: "ok", message: "answered infeasible" });
  });
});

describe("time limits", () => {
  it("the attempts share SOLVER_LIMIT_SHARE of the caller's limit: a fallback gets only what is left", async () => {
    const given: number[] = [];
    const slow = fake("highs", () => claim("highs", [1, 2], 0), { solve: async (_p, options) => {
      given.push(options.timeLimitSeconds!);
      await new Promise((resolve) => setTimeout(resolve, 300));
      throw new Error("gave up");
    } });
    const good = fake("glpk", () => claim("glpk", [1, 2], 0), { solve: async (_p, options) => {
      given.push(options.timeLimitSeconds!);
      return claim("glpk", [1, 2], 0);
    } });
    const { solution } = await solveRobustly(smallMip, { backend: "highs", fallbacks: ["glpk"], timeLimitSeconds: 10, backends: { highs: slow, glpk: good } });
    expectTheOptimum(solution);
    expect(given).toHaveLength(3);
    expect(given[0]).toBeCloseTo(10 * SOLVER_LIMIT_SHARE, 1);
    // Each later attempt is offered the share minus what the earlier ones used (>= 0.3 s each).
    expect(given[1]!).toBeLessThanOrEqual(given[0]! - 0.29);
    expect(given[2]!).toBeLessThanOrEqual(given[1]! - 0.29);
  });
});

describe("optimal means proven", () => {
  const highs = (): Promise<SolverBackend> => getBackend("highs", { inProcess: true });

  it("a claim from a backend without a dual bound stands only when a proving backend agrees", async () => {
    const { solution, attempts } = await solveRobustly(smallMip, { backend: "jslp", fallbacks: ["highs"], backends: { jslp: fake("jslp", () => claim("jslp", [1, 2])), highs: await highs() } });
    expectTheOptimum(solution);
    expect(solution.backend).toBe("jslp");
    expect(solution.proof).toMatchObject({ by: "agreement" });
    expect(attempts.map((a) => a.proved)).toEqual([expect.stringMatching(/claim/), expect.stringMatching(/confirms jslp's optimum/)]);
  });

  it("a wrong claim is replaced by the proven optimum", async () => {
    // (0, 1) satisfies every row, objective 3: feasible, not optimal (0 at (1, 2)).
    const { solution, attempts } = await solveRobustly(smallMip, { backend: "jslp", fallbacks: ["highs"], backends: { jslp: fake("jslp", () => claim("jslp", [0, 1])), highs: await highs() } });
    expectTheOptimum(solution);
    expect(solution.backend).toBe("highs");
    expect(solution.proof).toMatchObject({ by: "bound" });
    expect(attempts[1]!.proved).toMatch(/refutes jslp's optimum/);
  });

  it("with no proving backend left, a claim is feasible without a gap, and an infeasible claim is no answer", async () => {
    const alone = await solveRobustly(smallMip, { backend: "jslp", fallbacks: [], backends: { jslp: fake("jslp", () => ({ ...claim("jslp", [1, 2]), gap: 0, bound: 0 })) } });
    expect(alone.solution.status).toBe("feasible");
    expect(alone.solution.gap).toBeUndefined();
    expect(alone.solution.bound).toBeUndefined();
    expect(alone.solution.proof).toMatchObject({ by: "none" });
    const infeasible = fake("jslp", () => ({ status: "infeasible", seconds: 0, backend: "jslp", version: "fake" }));
    const unproven = await solveRobustly(smallMip, { backend: "jslp", fallbacks: [], backends: { jslp: infeasible } });
    expect(unproven.solution.status).toBe("limitNoSolution");
    expect(unproven.solution.proof?.detail).toMatch(/claim/);
    // With a proving fallback, the false "infeasible" is overturned.
    const overturned = await solveRobustly(smallMip, { backend: "jslp", fallbacks: ["highs"], backends: { jslp: infeasible, highs: await highs() } });
    expectTheOptimum(overturned.solution);
    expect(overturned.attempts[1]!.proved).toMatch(/refutes jslp's infeasible/);
  });

  it("a proving backend whose own bound leaves a gap is feasible, and a claim meeting a bound is proven", async () => {
    const gappy = fake("highs", () => ({ ...claim("highs", [1, 2], 0), bound: -1, gap: 1 }));
    const { solution } = await solveRobustly(smallMip, { backend: "highs", fallbacks: [], backends: { highs: gappy } });
    expect(solution.status).toBe("feasible");
    expect(solution.proof?.detail).toMatch(/gap of 1/);
    const stopped = fake("glpk", () => ({ ...claim("glpk", [1, 2], 0), status: "feasible", bound: 0, gap: 0 }));
    const met = await solveRobustly(smallMip, { backend: "jslp", fallbacks: ["glpk"], backends: { jslp: fake("jslp", () => claim("jslp", [1, 2])), glpk: stopped } });
    expect(met.solution).toMatchObject({ status: "optimal", backend: "jslp", proof: { by: "agreement" } });
  });
});

describe("starting workers outside vitest", () => {
  const child = fileURLToPath(new URL("./fixtures/child-solve.mjs", import.meta.url));
  const cwd = fileURLToPath(new URL("../..", import.meta.url));
  it.each([
    ["tsx registered programmatically (bin/adl.js)", [child, "register"], []],
    ["node --import tsx", ["--import", "tsx", child], ["--import", "tsx"]],
  ])("%s: solves, keeps solver chatter off stdout, and exits without closeBackends()", (_, args, execArgv) => {
    const run = spawnSync(process.execPath, args, { cwd, encoding: "utf8", timeout: 30_000 });
    expect(run.status, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ execArgv, status: "optimal", objective: 0, chatty: "optimal" });
    expect(run.stderr).toContain("chatty backend: this line must go to stderr");
  });
});
