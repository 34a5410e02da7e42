/**
 * A realistic run folder for the report tests, made with the real pipeline: seeded populations
 * (generatePopulation), bound model files, solveWave (dedicated algorithms, HiGHS MIP, certificates),
 * registry heuristics, the independent verifier, allocationMetrics and exposureCurve. Every number
 * is computed; the only thing not reproducible byte for byte is `seconds` (wall time as measured).
 *
 * Contents: 4 waves (n 40 … 320, budget share 5% … 60%), 15 mechanisms including an alpha sweep,
 * a K-limited min-max (MIP; infeasible certificates on the larger budget shares), seniority
 * ("profits-only" breaks at 60%), a lot-granularity sweep (lotScale 1 … 8), a sloppy lot rounding
 * heuristic that breaks coverage without declaring it (unexpected violations), and a heuristic that
 * fails (unknown column: status error, listed as a failure in the manifest); two exact frontiers per
 * wave; exposure curves for three accounts; a toy two-pass simulation of overshoot by horizon.
 */
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { uniformFloat64 } from "pure-rand/distribution/uniformFloat64";
import { bindWave } from "../../src/pipeline/bind/bind.js";
import type { AccountTable, Allocation, Model, Wave } from "../../src/domain.js";
import { exposureCurve } from "../../src/tools/exposure/index.js";
import { exactMechanism, heuristicMechanism, type Mechanism } from "../../src/mechanism/index.js";
import { getHeuristic, unexpectedViolations, type Heuristic } from "../../src/heuristics/index.js";
import { allocationMetrics } from "../../src/pipeline/metrics/allocation.js";
import { loadModel } from "../../src/pipeline/model/parse.js";
import { seededGenerator } from "../../src/random.js";
import type { ExposureRow, FrontierRow, JobMetrics, JobRow, RunManifest, SimulationRow, WaveKey } from "../../src/floor/records/row.js";
import { generatePopulation, type CapacityLaw } from "../../src/tools/scenarios/population.js";
import { solveWave } from "../../src/pipeline/solve/solve.js";
import { certify } from "../../src/pipeline/certificate/certificate.js";
import { verifyAllocation, type Verdict } from "../../src/pipeline/verify/verify.js";

const MODELS = "models";
/** Churn sensitivity of the LTV curve: an account that loses all its capacity keeps e^-3 ≈ 5% of its value. */
const CHURN_BETA = 3;

interface WaveSpec {
  readonly law: CapacityLaw;
  readonly n: number;
  readonly seed: number;
  readonly share: number;
}

const WAVES: readonly WaveSpec[] = [
  { law: "pareto", n: 40, seed: 1, share: 0.05 },
  { law: "pareto", n: 80, seed: 2, share: 0.15 },
  { law: "lognormal", n: 160, seed: 3, share: 0.3 },
  { law: "pareto", n: 320, seed: 4, share: 0.6 },
];
const LOT_SCALES = [1, 2, 4, 8];

/**
 * A production-style bug for the verifier to catch: pro-rata in dollars, then each account's lots
 * rounded to the nearest whole lot. Rounding down can leave the budget uncovered, and it declares
 * nothing it ignores, so the verifier's coverage violations are "unexpected".
 */
const roundNearest: Heuristic = {
  name: "pro-rata:round-nearest",
  description: "pro-rata by capacity, lots rounded to the nearest whole lot (no top-up)",
  ignores: [],
  allocate(wave: Wave): Allocation {
    const n = wave.ids.length;
    let eligibleCapacity = 0;
    for (let i = 0; i < n; i++) if (wave.eligible[i] === 1) eligibleCapacity += wave.capacity[i]!;
    const positions = wave.positions!;
    const haircut = new Float64Array(n);
    const lots = new Int32Array(positions.account.length);
    for (let p = 0; p < positions.account.length; p++) {
      const i = positions.account[p]!;
      if (wave.eligible[i] !== 1 || eligibleCapacity === 0) continue;
      const target = (wave.budget * wave.capacity[i]!) / eligibleCapacity;
      const q = Math.min(positions.maxLots[p]!, Math.max(0, Math.round(target / positions.lotValue[p]!)));
      lots[p] = q;
      haircut[i] = haircut[i]! + q * positions.lotValue[p]!;
    }
    return { haircut, lots };
  },
};

function sum(values: ArrayLike<number>): number {
  let total = 0;
  for (let i = 0; i < values.length; i++) total += values[i]!;
  return total;
}

function waveKey(spec: WaveSpec, accounts: AccountTable): WaveKey {
  const scenario = `${spec.law}-${spec.n}`;
  const totalCapacity = sum(accounts.capacity);
  const budget = Math.round(spec.share * totalCapacity * 100) / 100;
  return { wave: `${scenario}/s${spec.seed}/b${spec.share}`, scenario, seed: spec.seed, n: spec.n, budget, totalCapacity, budgetShare: budget / totalCapacity };
}

/** Coarser lots: each lot worth `scale` times as much (at most the capacity), lots held re-derived. */
function withLotScale(accounts: AccountTable, scale: number): AccountTable {
  const lotValue = Float64Array.from(accounts.columns.get("lot_value")!, (v, i) => Math.min(accounts.capacity[i]!, Math.round(v * scale * 100) / 100));
  const lots = Float64Array.from(lotValue, (v, i) => (v > 0 ? Math.floor(accounts.capacity[i]! / v) : 0));
  const columns = new Map(accounts.columns);
  columns.set("lot_value", lotValue);
  columns.set("lots", lots);
  return { ...accounts, file: `${accounts.file}:lotScale=${scale}`, columns };
}

/** 21 points (p, L(p)), p = 0, 0.05 … 1, of the haircuts of eligible accounts sorted ascending (linear between accounts). */
function lorenzOf(wave: Wave, haircut: Float64Array): [number, number][] {
  const values: number[] = [];
  for (let i = 0; i < wave.ids.length; i++) if (wave.eligible[i] === 1 && wave.capacity[i]! > 0) values.push(haircut[i]!);
  values.sort((a, b) => a - b);
  const total = sum(values);
  if (total <= 0) return [];
  const prefix = [0];
  for (const v of values) prefix.push(prefix[prefix.length - 1]! + v);
  const points: [number, number][] = [];
  for (let k = 0; k <= 20; k++) {
    const p = k / 20;
    const position = p * values.length;
    const whole = Math.floor(position);
    const share = whole >= values.length ? total : prefix[whole]! + (position - whole) * values[whole]!;
    points.push([p, share / total]);
  }
  return points;
}

/** Every account when n <= 200, else every (n/200)-th by row: a deterministic sample. */
function fractionsOf(wave: Wave, haircut: Float64Array): [number, number][] {
  const n = wave.ids.length;
  const step = Math.max(1, Math.ceil(n / 200));
  const points: [number, number][] = [];
  for (let i = 0; i < n; i += step) if (wave.eligible[i] === 1) points.push([wave.capacity[i]!, wave.capacity[i]! > 0 ? haircut[i]! / wave.capacity[i]! : 0]);
  return points;
}

function metricsOf(wave: Wave, allocation: Allocation): JobMetrics {
  const base = allocationMetrics(wave, allocation);
  let value = 0;
  let kept = 0;
  for (let i = 0; i < wave.ids.length; i++) {
    const c = wave.capacity[i]!;
    if (wave.eligible[i] !== 1 || c <= 0) continue;
    // Lifetime value taken proportional to the account's size: the simplest churn model with a size effect.
    value += c;
    kept += c * Math.exp((-CHURN_BETA * allocation.haircut[i]!) / c);
  }
  return {
    ...base,
    residualInsolvency: base.shortfall,
    ptsr: null,
    pmr: null,
    brittleness: null,
    rankFlips: null,
    gameability: null,
    ltvRetained: value > 0 ? kept / value : 1,
    ltvLoss: value - kept,
  };
}

function distinct(names: readonly string[]): string[] {
  return [...new Set(names)].sort();
}

interface Job {
  readonly mechanism: string;
  readonly params: Record<string, number>;
  readonly model: Model;
  readonly heuristic?: string | (() => Heuristic);
}

async function runJob(key: WaveKey, wave: Wave, job: Job): Promise<JobRow> {
  const certificate = certify(wave);
  const base = {
    ...key,
    job: `${key.wave}|${job.mechanism}${Object.keys(job.params).length ? `|${Object.entries(job.params).map(([k, v]) => `${k}=${v}`).join(",")}` : ""}`,
    mechanism: job.mechanism,
    model: job.model.file,
    params: job.params,
    certificate: { feasible: certificate.feasible, shortfall: certificate.shortfall, broken: certificate.broken.map((b) => ({ promise: b.promise, need: b.need, have: b.have })) },
  };
  const finish = (allocation: Allocation, verdict: Verdict, unexpected: string[]) => ({
    metrics: metricsOf(wave, allocation),
    verified: { ok: verdict.ok, worstViolation: verdict.worstViolation, broken: distinct(verdict.violations.map((v) => v.constraint)) },
    unexpected,
    lorenz: lorenzOf(wave, allocation.haircut),
    fractionByCapacity: fractionsOf(wave, allocation.haircut),
  });
  if (job.heuristic === undefined) {
    const result = await solveWave(wave);
    const head = { ...base, kind: "model" as const, status: result.status, path: result.path, seconds: result.solver.seconds, gap: result.solver.gap, nodes: result.solver.nodes };
    if (!result.allocation || !result.verified) return { ...head, metrics: null, verified: null, unexpected: [], lorenz: [], fractionByCapacity: [], ...(result.message ? { message: result.message } : {}) };
    return { ...head, ...finish(result.allocation, result.verified, result.verified.ok ? [] : distinct(result.verified.violations.map((v) => v.constraint))) };
  }
  const started = performance.now();
  const name = typeof job.heuristic === "string" ? job.heuristic : job.heuristic().name;
  const head = { ...base, kind: "heuristic" as const, heuristic: name, path: "heuristic", gap: null, nodes: null };
  try {
    const heuristic = typeof job.heuristic === "string" ? getHeuristic(job.heuristic) : job.heuristic();
    const allocation = heuristic.allocate(wave, { seed: key.seed });
    const seconds = (performance.now() - started) / 1000;
    const verdict = verifyAllocation(wave, allocation);
    // On a wave no mechanism can cover, falling short is the certificate's finding, not the heuristic's fault.
    const unexpected = unexpectedViolations(heuristic, verdict).filter((v) => certificate.feasible || v.constraint !== "coverage");
    return { ...head, status: "heuristic", seconds, ...finish(allocation, verdict, distinct(unexpected.map((v) => v.constraint))) };
  } catch (error) {
    return { ...head, status: "error", seconds: (performance.now() - started) / 1000, metrics: null, verified: null, unexpected: [], lorenz: [], fractionByCapacity: [], message: (error as Error).message };
  }
}

/** Least max fraction with at most K accounts: pro-rata over the K largest capacities, B / (their sum), when <= 1. Verified as an allocation. */
function kLimitedMinmax(wave: Wave, K: number): { y: number | null; verdict: Verdict | null } {
  const order = Array.from(wave.capacity.keys()).filter((i) => wave.eligible[i] === 1).sort((a, b) => wave.capacity[b]! - wave.capacity[a]! || a - b);
  const chosen = order.slice(0, K);
  const capacity = chosen.reduce((s, i) => s + wave.capacity[i]!, 0);
  const level = wave.budget / capacity;
  if (!(level <= 1)) return { y: null, verdict: null };
  const haircut = new Float64Array(wave.ids.length);
  for (const i of chosen) haircut[i] = level * wave.capacity[i]!;
  const verdict = verifyAllocation({ ...wave, model: { ...wave.model, maxAccounts: K } }, { haircut });
  return { y: level, verdict };
}

/** Least number of accounts touched when each pays at most alpha of its capacity (greedy by capacity); null if alpha * sum c < B. */
function leastTouched(wave: Wave, alpha: number): number | null {
  const capacities = Array.from(wave.capacity).filter((_, i) => wave.eligible[i] === 1).sort((a, b) => b - a);
  let covered = 0;
  for (let k = 0; k < capacities.length; k++) {
    covered += alpha * capacities[k]!;
    if (covered >= wave.budget * (1 - 1e-12)) return k + 1;
  }
  return null;
}

async function frontiersOf(key: WaveKey, wave: Wave, queueModel: Model, accounts: AccountTable, rows: readonly JobRow[]): Promise<FrontierRow[]> {
  const placed = rows.filter((r) => r.wave === key.wave && r.metrics !== null && (r.params.lotScale ?? 1) === 1);
  const started = performance.now();
  const grid = [1, 2, 3, 4, 5, 6, 8, 10, 12, 15, 20, 25, 30, 40, 50, 60, 80, 100, 120, 160, 200, 250, 320].filter((K) => K <= key.n);
  const kPoints = grid.map((K) => {
    const { y, verdict } = kLimitedMinmax(wave, K);
    if (verdict && !verdict.ok) throw new Error(`fixture: the K-limited pro-rata at K=${K} fails the verifier: ${verdict.violations[0]?.message}`);
    return { x: K, y, status: y === null ? ("infeasible" as const) : ("optimal" as const), gap: y === null ? null : 0 };
  });
  const kFrontier: FrontierRow = {
    ...key,
    frontier: "maxAccounts→maxFraction",
    xLabel: "accounts touched K",
    yLabel: "least max haircut fraction",
    points: kPoints,
    placements: placed.map((r) => {
      const best = kLimitedMinmax(wave, r.metrics!.touched).y;
      const distance = best === null ? null : r.metrics!.maxFraction - best;
      return { mechanism: r.mechanism, x: r.metrics!.touched, y: r.metrics!.maxFraction, distance, dominated: distance !== null && distance > 1e-9 };
    }),
    seconds: (performance.now() - started) / 1000,
  };
  const alphaStarted = performance.now();
  const alphaPoints = [];
  // The pro-rata level B / sum c is the least alpha that can cover: the curve starts there (everyone pays).
  const alphas = [...new Set([key.budgetShare, 0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1])].filter((a) => a >= key.budgetShare && a <= 1).sort((a, b) => a - b);
  for (const alpha of alphas) {
    const result = await solveWave(bindWave({ ...queueModel, alpha }, { accounts }, { budget: key.budget }));
    const y = result.status === "optimal" ? result.objective[0]! : null;
    alphaPoints.push({ x: alpha, y, status: result.status, gap: result.solver.gap });
  }
  const alphaFrontier: FrontierRow = {
    ...key,
    frontier: "maxFraction→touched",
    xLabel: "max haircut fraction allowed (alpha)",
    yLabel: "least accounts touched",
    points: alphaPoints,
    placements: placed.map((r) => {
      const best = leastTouched(wave, r.metrics!.maxFraction);
      const distance = best === null ? null : r.metrics!.touched - best;
      return { mechanism: r.mechanism, x: r.metrics!.maxFraction, y: r.metrics!.touched, distance, dominated: distance !== null && distance > 0.5 };
    }),
    seconds: (performance.now() - alphaStarted) / 1000,
  };
  return [kFrontier, alphaFrontier];
}

/** A toy two-pass evaluation: the lots closed at the wave revalued along a seeded lognormal price path (3% per step). */
function simulate(mechanism: string, scenario: string, seed: number, wave: Wave, lots: Int32Array): SimulationRow {
  const rng = seededGenerator(seed);
  const horizons = [0, 1, 2, 5, 10, 20];
  const sigma = 0.03;
  const side = wave.columns!.get("side")!;
  const positions = wave.positions!;
  let w = 0;
  let step = 0;
  const overshootByHorizon = horizons.map((horizon) => {
    while (step < horizon) {
      const normal = Math.sqrt(-2 * Math.log(1 - uniformFloat64(rng))) * Math.cos(2 * Math.PI * uniformFloat64(rng));
      w += sigma * normal;
      step++;
    }
    const move = Math.exp(w - (sigma * sigma * step) / 2) - 1;
    let taken = 0;
    for (let p = 0; p < positions.account.length; p++) taken += lots[p]! * positions.lotValue[p]! * (1 + side[positions.account[p]!]! * move);
    return { horizon, overshoot: taken - wave.budget, overshootShare: (taken - wave.budget) / wave.budget };
  });
  let taken = 0;
  for (let p = 0; p < positions.account.length; p++) taken += lots[p]! * positions.lotValue[p]!;
  return { scenario, mechanism, seed, waves: 1, budgetNeeded: wave.budget, taken, overshootByHorizon, gameability: null };
}

function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

function jsonl(rows: readonly unknown[]): string {
  return rows.map((row) => `${JSON.stringify(row)}\n`).join("");
}

export interface FixtureOptions {
  /** Leave out these files, to test the report's notes for absent data. */
  readonly omit?: readonly ("frontier.jsonl" | "exposure.jsonl" | "simulations.jsonl" | "results.jsonl")[];
}

export interface Fixture {
  readonly dir: string;
  readonly jobs: readonly JobRow[];
  readonly frontier: readonly FrontierRow[];
  readonly exposure: readonly ExposureRow[];
  readonly simulations: readonly SimulationRow[];
}

/** Writes a run folder at `dir` (created) and returns what it wrote. Takes a few seconds (HiGHS MIPs). */
export async function writeFixtureRun(dir: string, options: FixtureOptions = {}): Promise<Fixture> {
  const model = (name: string): Model => loadModel(join(MODELS, `${name}.yaml`));
  const proRata = model("pro-rata");
  const queue = model("queue-l0");
  const profits = model("profits-first");
  const riskWeighted = model("risk-weighted");
  const lotsMinmax = model("lots-minmax");
  const jobs: JobRow[] = [];
  const frontier: FrontierRow[] = [];
  const exposure: ExposureRow[] = [];
  const simulations: SimulationRow[] = [];

  for (const spec of WAVES) {
    const accounts = generatePopulation({ n: spec.n, seed: spec.seed, law: spec.law });
    const key = waveKey(spec, accounts);
    const bind = (m: Model, table = accounts): Wave => bindWave(m, { accounts: table }, { budget: key.budget });
    const plain: [Job, Wave][] = [
      [{ mechanism: "pro-rata", params: {}, model: proRata }, bind(proRata)],
      [{ mechanism: "minmax-k[K=5]", params: { maxAccounts: 5 }, model: proRata }, bind({ ...proRata, maxAccounts: 5 })],
      [{ mechanism: "queue-l0", params: {}, model: queue }, bind(queue)],
      [{ mechanism: "queue-l0[alpha=0.25]", params: { alpha: 0.25 }, model: queue }, bind({ ...queue, alpha: 0.25 })],
      [{ mechanism: "queue-l0[alpha=0.5]", params: { alpha: 0.5 }, model: queue }, bind({ ...queue, alpha: 0.5 })],
      [{ mechanism: "profits-first", params: {}, model: profits }, bind(profits)],
      [{ mechanism: "queue:binance", params: {}, model: proRata, heuristic: "queue:binance" }, bind(proRata)],
      [{ mechanism: "queue:bitmex", params: {}, model: proRata, heuristic: "queue:bitmex" }, bind(proRata)],
      [{ mechanism: "pro-rata:wealth", params: {}, model: proRata, heuristic: "pro-rata:wealth" }, bind(proRata)],
      [{ mechanism: "risk-weighted", params: {}, model: riskWeighted, heuristic: "risk-weighted" }, bind(riskWeighted)],
      [{ mechanism: "ladder(pro-rata:wealth)", params: {}, model: profits, heuristic: "ladder(pro-rata:wealth)" }, bind(profits)],
    ];
    if (spec.seed === 2) plain.push([{ mechanism: "queue:score(funding_rate)", params: {}, model: proRata, heuristic: "queue:score(funding_rate)" }, bind(proRata)]);
    for (const [job, wave] of plain) jobs.push(await runJob(key, wave, job));
    const lotWaves = new Map<number, Wave>();
    for (const lotScale of LOT_SCALES) {
      const wave = bind(lotsMinmax, withLotScale(accounts, lotScale));
      lotWaves.set(lotScale, wave);
      jobs.push(await runJob(key, wave, { mechanism: "lots-minmax", params: { lotScale }, model: lotsMinmax }));
      jobs.push(await runJob(key, wave, { mechanism: "lots-floor-topup(pro-rata:wealth)", params: { lotScale }, model: lotsMinmax, heuristic: "lots-floor-topup(pro-rata:wealth)" }));
      jobs.push(await runJob(key, wave, { mechanism: "pro-rata:round-nearest", params: { lotScale }, model: lotsMinmax, heuristic: () => roundNearest }));
    }
    frontier.push(...(await frontiersOf(key, bind(proRata), queue, accounts, jobs)));

    if (spec.seed === 2) {
      const order = Array.from(accounts.capacity.keys()).sort((a, b) => accounts.capacity[b]! - accounts.capacity[a]! || a - b);
      const representatives = [order[0]!, order[9]!, order[Math.floor(order.length / 2)]!];
      const mechanisms: [string, Model, Mechanism][] = [
        ["pro-rata", proRata, exactMechanism()],
        ["queue-l0", queue, exactMechanism()],
        ["queue:binance", proRata, heuristicMechanism(getHeuristic("queue:binance"))],
        ["pro-rata:wealth", proRata, heuristicMechanism(getHeuristic("pro-rata:wealth"))],
        ["risk-weighted", riskWeighted, heuristicMechanism(getHeuristic("risk-weighted"))],
      ];
      for (const [mechanism, m, how] of mechanisms) {
        const wave = bind(m);
        for (const index of representatives) {
          const curve = await exposureCurve(wave, index, how, { seed: 2, budgets: { from: 0, to: 0.6 * key.totalCapacity, steps: 60 } });
          exposure.push({ wave: key.wave, mechanism, account: wave.ids[index]!, capacity: wave.capacity[index]!, points: curve.points.map((p) => [p.budget, p.haircut] as const) });
        }
      }
    }
    if (spec.seed === 2 || spec.seed === 3) {
      for (const lotScale of [1, 4]) {
        const wave = lotWaves.get(lotScale)!;
        for (const seed of [1, 2, 3]) {
          const exact = await solveWave(wave);
          if (exact.allocation?.lots) simulations.push(simulate("lots-minmax", `toy-two-pass/${key.scenario}/lotScale=${lotScale}`, seed, wave, exact.allocation.lots));
          const topUp = getHeuristic("lots-floor-topup(pro-rata:wealth)").allocate(wave, { seed });
          if (verifyAllocation(wave, topUp).ok && topUp.lots) simulations.push(simulate("lots-floor-topup(pro-rata:wealth)", `toy-two-pass/${key.scenario}/lotScale=${lotScale}`, seed, wave, topUp.lots));
        }
      }
    }
  }

  const modelFiles = ["pro-rata", "queue-l0", "profits-first", "risk-weighted", "lots-minmax"].map((name) => join(MODELS, `${name}.yaml`));
  const failures = jobs.filter((j) => j.status === "error").map((j) => ({ job: j.job, message: j.message ?? "error" }));
  const manifest: RunManifest = {
    tool: "adl-workbench",
    version: "0.1.0",
    experiment: { name: "trilemma-fixture", file: "experiments/trilemma-fixture.yaml", sha256: sha256("trilemma-fixture: written by test/report/fixture.ts") },
    inputs: modelFiles.map((file) => ({ file, sha256: sha256(readFileSync(file, "utf8")) })),
    solvers: { highs: "1.15.1", dedicated: "built-in" },
    settings: { mipRelativeGap: 0, timeLimitSeconds: 60, churnBeta: CHURN_BETA, workers: 2 },
    shard: null,
    jobs: { total: jobs.length, done: jobs.length - failures.length, failed: failures.length },
    failures,
    startedAt: "2026-01-05T09:00:00.000Z",
    finishedAt: "2026-01-05T09:03:12.500Z",
    node: "v20.19.0",
  };
  mkdirSync(dir, { recursive: true });
  const omit = new Set(options.omit ?? []);
  writeFileSync(join(dir, "manifest.json"), `${JSON.stringify(manifest, null, 2)}\n`);
  const files: [string, readonly unknown[]][] = [
    ["results.jsonl", jobs],
    ["frontier.jsonl", frontier],
    ["exposure.jsonl", exposure],
    ["simulations.jsonl", simulations],
  ];
  for (const [name, rows] of files) if (!omit.has(name as never)) writeFileSync(join(dir, name), jsonl(rows));
  return { dir, jobs, frontier, exposure, simulations };
}
