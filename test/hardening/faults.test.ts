/**
 * Injected solver faults through the whole solve (solveWave with SolveRequest.backends): a backend
 * that throws, traps inside its WASM instance (in a worker), hangs past the time limit, or returns a
 * wrong vector. Each is detected, retried on a fresh instance where that can help, answered by
 * another backend, recorded in solver.attempts, and never reported as optimal when wrong.
 */
import { afterAll, describe, expect, it } from "vitest";
import type { Wave } from "../../src/domain.js";
import { lowerWave } from "../../src/pipeline/lower/compile.js";
import type { LinearProblem } from "../../src/pipeline/lower/standard-form.js";
import type { SolveOptions, SolverBackend, SolverSolution } from "../../src/pipeline/backends/backend.js";
import { closeBackends, getBackend } from "../../src/pipeline/backends/robust.js";
import { createWorkerBackend, type WorkerHostedBackend } from "../../src/pipeline/backends/worker-host.js";
import { loadWaveFromFiles } from "../../src/pipeline/solve/inputs.js";
import { solveWave, type SolveRequest, type SolveResult } from "../../src/pipeline/solve/solve.js";
import { scaleUnits, unitFactor } from "../../src/pipeline/solve/units.js";
import { verifyAllocation } from "../../src/pipeline/verify/verify.js";

const hosted: WorkerHostedBackend[] = [];
afterAll(async () => {
  await Promise.all(hosted.map((backend) => backend.close()));
  await closeBackends();
});

const FIXTURE = new URL("./fixtures/faulty-backends.ts", import.meta.url).pathname;

async function workerFake(exportName: string, graceSeconds?: number): Promise<WorkerHostedBackend> {
  const backend = await createWorkerBackend({ module: FIXTURE, exportName, args: ["highs"], ...(graceSeconds !== undefined ? { graceSeconds } : {}) });
  hosted.push(backend);
  return backend;
}

/** The bundled lexicographic lots model: no dedicated algorithm, so the MIP path is the only one. */
const lotsWave = (): Wave => loadWaveFromFiles({ model: "models/lots-sparsity-overshoot.yaml", accounts: "examples/worked-example.csv", budget: 7.5 });
const ladderWave = (): Wave => loadWaveFromFiles({ model: "models/profits-first.yaml", accounts: "examples/worked-example.csv", budget: 13 });

/** What an honest HiGHS says, for comparison. */
async function honest(wave: Wave, request: SolveRequest = {}): Promise<SolveResult> {
  return solveWave(wave, { ...request, path: "mip", fallbacks: [] });
}

function expectCorrect(result: SolveResult, reference: SolveResult): void {
  expect(result.status).toBe("optimal");
  expect(result.verified?.ok).toBe(true);
  expect(verifyAllocation(current, result.allocation!).ok).toBe(true);
  expect(result.objective.length).toBe(reference.objective.length);
  result.objective.forEach((value, s) => expect(value).toBeCloseTo(reference.objective[s]!, 6));
}

/** Stages a backend solved: a stage proved before any solve (the sparsity greedy's floor, StageReport.proof) calls none. */
function solvedStages(result: SolveResult): number {
  return result.stages.filter((stage) => !stage.proof?.startsWith("the MIP start meets")).length;
}

/** The wave under test (set by each test before it solves). */
let current: Wave;

/** A backend in this thread that delegates to in-process HiGHS and then alters its answer. */
async function altered(change: (solution: SolverSolution, problem: LinearProblem) => SolverSolution, counter?: { calls: number }): Promise<SolverBackend> {
  const real = await getBackend("highs", { inProcess: true });
  const fake: SolverBackend & { fresh(): Promise<SolverBackend> } = {
    name: "highs",
    version: real.version,
    capabilities: real.capabilities,
    solve: async (problem: LinearProblem, options: SolveOptions) => {
      if (counter) counter.calls++;
      return change(await real.solve(problem, options), problem);
    },
    // A fresh instance of a faulty backend is just as faulty: the fallback must answer.
    fresh: async () => fake,
  };
  return fake;
}

/**
 * The lots wave through the plain MIP: with the structure first, the greedy's floor proves the count
 * and the exact lot search the overshoot (exact-stage.ts), and no backend is asked at all.
 */
const plain: SolveRequest = { lower: { structure: false } };

describe.each([
  ["lots, two lexicographic stages", lotsWave, plain],
  ["seniority ladder", ladderWave, {}],
])("injected faults on a %s wave", (_, makeWave, request: SolveRequest) => {
  it("a backend that throws: retried on a fresh instance, then GLPK answers, and attempts say so", async () => {
    current = makeWave();
    const reference = await honest(current, request);
    const calls = { calls: 0 };
    const thrower = await altered(() => {
      throw new Error("injected crash");
    }, calls);
    const result = await solveWave(current, { ...request, path: "mip", backends: { highs: thrower }, fallbacks: ["glpk"] });
    expectCorrect(result, reference);
    expect(result.solver.name).toBe("glpk");
    // Each lexicographic stage a solver solves (not one the greedy's floor proves) starts with highs,
    // which throws twice (once fresh), then glpk answers.
    const stages = solvedStages(reference);
    expect(calls.calls).toBe(2 * stages);
    expect(result.solver.attempts.map((a) => [a.backend, a.outcome, a.fresh ?? false])).toEqual(
      Array.from({ length: stages }, () => [
        ["highs", "threw", false],
        ["highs", "threw", true],
        ["glpk", "ok", false],
      ]).flat(),
    );
    expect(result.solver.attempts[0]!.message).toBe("injected crash");
  });

  it("a vector that breaks the rows, claimed optimal: garbage twice, then GLPK; never reported", async () => {
    current = makeWave();
    const reference = await honest(current, request);
    const zero = await altered((solution) => ({ ...solution, status: "optimal", values: solution.values!.map(() => 0) }));
    const result = await solveWave(current, { ...request, path: "mip", backends: { highs: zero }, fallbacks: ["glpk"] });
    expectCorrect(result, reference);
    expect(result.solver.attempts.slice(0, 3).map((a) => a.outcome)).toEqual(["garbage", "garbage", "ok"]);
    expect(result.solver.attempts[0]!.message).toMatch(/row .* violates/);
  });

  it("a vector with NaN, or of the wrong length: garbage, and nothing else answers when no fallback is allowed", async () => {
    current = makeWave();
    const nan = await altered((solution) => ({ ...solution, values: solution.values!.map((v, j) => (j === 0 ? Number.NaN : v)) }));
    await expect(solveWave(current, { ...request, path: "mip", backends: { highs: nan }, fallbacks: [] })).rejects.toMatchObject({
      name: "SolverError",
      attempts: [expect.stringMatching(/^highs: garbage \(value of column .* is NaN\)$/), expect.stringMatching(/^highs \(fresh instance\): garbage/)],
    });
    const short = await altered((solution) => ({ ...solution, values: solution.values!.slice(1) }));
    const answered = await solveWave(current, { ...request, path: "mip", backends: { highs: short }, fallbacks: ["glpk"] });
    expect(answered.status).toBe("optimal");
    expect(answered.solver.attempts[0]!.message).toMatch(/values for \d+ columns/);
  });
});

describe("faults inside worker-hosted backends", () => {
  it("a real WASM trap in the worker: the worker is replaced, the fresh one traps too, GLPK answers", async () => {
    current = lotsWave();
    const reference = await honest(current, plain);
    const trapping = await workerFake("createTrappingBackend");
    const result = await solveWave(current, { ...plain, path: "mip", backends: { highs: trapping }, fallbacks: ["glpk"] });
    expectCorrect(result, reference);
    const first = result.solver.attempts.slice(0, 3);
    expect(first.map((a) => [a.backend, a.outcome, a.fresh ?? false])).toEqual([
      ["highs", "aborted", false],
      ["highs", "aborted", true],
      ["glpk", "ok", false],
    ]);
    expect(first[0]!.message).toMatch(/RuntimeError: unreachable/);
    // One worker per attempt on highs: each trap is fatal, so no worker is reused after one.
    expect(trapping.workersStarted).toBe(2 * solvedStages(reference));
  });

  it("a hang past the time limit: the watchdog kills the worker, the timeout is not retried, and the verified start is kept (no late fallback)", async () => {
    current = loadWaveFromFiles({ model: "models/queue-l0.yaml", accounts: "examples/worked-example.csv", budget: 7.5 });
    const spinning = await workerFake("createSpinningBackend", 0.3);
    // Without the structure rows: with them the MIP start meets the greedy's floor and no backend is asked at all.
    const result = await solveWave(current, { path: "mip", timeLimitSeconds: 0.2, backends: { highs: spinning }, fallbacks: ["glpk"], lower: { structure: false } });
    // The limit is spent when the watchdog fires: GLPK is not started past it; the start (the dedicated
    // greedy's allocation, verified) is the answer, its gap unknown.
    expect(result.status).toBe("feasible");
    expect(result.verified?.ok).toBe(true);
    expect(result.objective).toEqual([1]);
    expect(result.solver.gap).toBeNull();
    expect(result.message).toMatch(/the MIP start is kept \(gap unknown\)/);
    expect(result.solver.attempts.map((a) => [a.backend, a.outcome])).toEqual([["highs", "timeout"]]);
    expect(result.solver.attempts[0]!.message).toMatch(/watchdog/);
    // A timeout is not retried (it would hang as long again): one worker started, no second highs attempt.
    expect(spinning.workersStarted).toBe(1);
  });
});

describe("a feasible but suboptimal vector claimed optimal", () => {
  /** HiGHS that answers every stage with every lot of every account closed, claimed optimal with gap 0. */
  async function closesEverything(wave: Wave, structure = true): Promise<SolverBackend> {
    const factor = unitFactor(wave);
    const lowered = lowerWave(scaleUnits(wave, factor), { structure });
    // Every lot of every account closed: feasible (sum = 16 >= 7.5), but it touches 3 accounts where 1 suffices.
    const positions = wave.positions!;
    const lots = Int32Array.from(positions.maxLots);
    const haircut = new Float64Array(wave.ids.length);
    for (let p = 0; p < lots.length; p++) haircut[positions.account[p]!]! += positions.lotValue[p]! * lots[p]! * factor;
    const everyone = lowered.lift({ haircut, lots });
    return {
      ...(await getBackend("highs", { inProcess: true })),
      name: "highs",
      solve: async (problem: LinearProblem) => {
        let objective = problem.objectiveConstant;
        for (let j = 0; j < everyone.length; j++) objective += problem.cost[j]! * everyone[j]!;
        return { status: "optimal", values: everyone, objective, gap: 0, seconds: 0, backend: "highs", version: "liar" };
      },
    };
  }

  it("is refuted, and the next backend solves the wave again: optimal, and the attempts show both", async () => {
    current = lotsWave();
    const reference = await honest(current, plain);
    const liar = await closesEverything(current, false);
    const result = await solveWave(current, { ...plain, path: "mip", backends: { highs: liar }, fallbacks: ["glpk"] });
    expectCorrect(result, reference);
    expect(result.solver.name).toBe("glpk");
    expect(result.message).toMatch(/^highs's answer was not kept \(the solver's claim of optimality is refuted: .*\); solved again by glpk$/);
    const stages = solvedStages(reference);
    expect(result.solver.attempts.map((a) => [a.backend, a.outcome])).toEqual([...new Array(stages).fill(["highs", "ok"]), ...new Array(stages).fill(["glpk", "ok"])]);
  });

  it("is refuted on a model without a dedicated algorithm by the MIP start's heuristic, and reported feasible when no other backend may answer", async () => {
    current = lotsWave();
    const reference = await honest(current);
    // Without the structure cuts: with them, closing every account is not a vector the lowering can express.
    const liar = await closesEverything(current, false);
    const result = await solveWave(current, { path: "mip", backends: { highs: liar }, fallbacks: [], lower: { structure: false } });
    expect(result.verified?.ok).toBe(true);
    expect(result.status).toBe("feasible");
    expect(result.objective[0]).toBeGreaterThan(reference.objective[0]!);
    expect(result.message).toMatch(/claim of optimality is refuted: the heuristic .* sparsity = 1 < 3/);
  });
});
