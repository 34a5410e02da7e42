/**
 * Solver backends hosted in worker threads.
 *
 * Why: the WASM solvers run synchronously, so a solve that hangs past its limit blocks whatever thread
 * runs it, and an Emscripten abort can leave a module's memory corrupt; glpk.js/WASM runtimes also
 * grow memory over many instances (glpk.js issues #31, #45). A worker can be terminated at any time,
 * and a fresh one starts clean. So each hosted backend owns one worker, enforces a watchdog per solve,
 * replaces the worker after a timeout or abort, and recycles it after a bounded number of solves.
 *
 * Workers start from worker-bootstrap.mjs (plain JS), which registers tsx itself: this works under
 * `node --import tsx`, when the CLI registered tsx programmatically (no loader in execArgv), and
 * under vitest (whose transform does not reach worker threads).
 */
import { Worker } from "node:worker_threads";
import type { LinearProblem } from "../lower/standard-form.js";
import type { BackendCapabilities, BackendName, SolveOptions, SolverBackend, SolverSolution } from "./backend.js";
import { backendEntry } from "./registry.js";
import type { WorkerSpecData, WorkerToHost } from "./worker.js";

/** The worker did not answer within its watchdog: it was terminated (and is replaced on next use). */
export class BackendTimeoutError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "BackendTimeoutError";
  }
}

/** The worker died or hit a WASM abort: it was terminated (and is replaced on next use). */
export class BackendAbortedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "BackendAbortedError";
  }
}

/**
 * The watchdog fires at this multiple of the time limit (plus the grace): a time limit is to hold
 * within 10% (issue 11), and a solver that overran its own clock by more is ended there.
 */
export const WATCHDOG_LIMIT_FACTOR = 1.1;
/** Watchdog grace added to WATCHDOG_LIMIT_FACTOR × the time limit, seconds: copying the problem in and the answer out. */
export const WATCHDOG_GRACE_SECONDS = 0.5;
/** Watchdog when a solve has no time limit, seconds. */
export const WATCHDOG_NO_LIMIT_SECONDS = 3600;
/** Solves after which a worker is replaced, bounding WASM memory growth. */
export const MAX_SOLVES_PER_WORKER = 50;
/** Time a worker may take to load its module and solver runtime, seconds. */
const STARTUP_SECONDS = 60;

/**
 * The watchdog for one solve, seconds: WATCHDOG_LIMIT_FACTOR × the time limit + grace (solvers
 * overrun their own limit a little, and the problem must be copied in and the answer out), or a
 * default without a limit. The caller's limits leave room for it (robust.ts, SOLVER_LIMIT_SHARE).
 */
export function watchdogSeconds(timeLimitSeconds: number | undefined, graceSeconds = WATCHDOG_GRACE_SECONDS, noLimitSeconds = WATCHDOG_NO_LIMIT_SECONDS): number {
  if (timeLimitSeconds === undefined || !Number.isFinite(timeLimitSeconds)) return noLimitSeconds;
  return Math.max(0, timeLimitSeconds) * WATCHDOG_LIMIT_FACTOR + graceSeconds;
}

/** setTimeout's largest delay, ms: a longer one is silently cut to 1 ms by Node (TimeoutOverflowWarning). */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * A watchdog's delay in ms for setTimeout: capped at about 24.8 days, because Node fires any longer
 * delay after 1 ms (seen: `adl solve --time-limit 3000000` had every backend "time out" at once).
 */
export function timerMilliseconds(seconds: number): number {
  return Math.min(MAX_TIMER_MS, Math.max(0, seconds * 1000));
}

export interface WorkerBackendSpec {
  /** Module that exports the backend factory: a file URL or an absolute path (TS or JS). */
  readonly module: string | URL;
  /** Name of the exported async factory `(...args) => SolverBackend`. */
  readonly exportName: string;
  /** Structured-cloneable arguments for the factory. */
  readonly args?: readonly unknown[];
  /** Seconds added to WATCHDOG_LIMIT_FACTOR × the time limit before the watchdog fires. Default WATCHDOG_GRACE_SECONDS. */
  readonly graceSeconds?: number;
  /** Watchdog when no time limit is given, seconds. Default WATCHDOG_NO_LIMIT_SECONDS. */
  readonly noLimitSeconds?: number;
  /** Solves per worker before it is replaced. Default MAX_SOLVES_PER_WORKER. */
  readonly maxSolvesPerWorker?: number;
}

interface Live {
  readonly worker: Worker;
  readonly generation: number;
  solves: number;
}

function moduleUrl(module: string | URL): string {
  if (module instanceof URL) return module.href;
  if (/^[a-z][a-z0-9+.-]*:/i.test(module) && !/^[a-z]:[\\/]/i.test(module)) return module;
  return new URL(`file://${module.startsWith("/") ? "" : "/"}${module.replace(/\\/g, "/")}`).href;
}

/** Only the standard form's own fields cross the thread boundary (typed arrays clone cheaply). */
function plainProblem(problem: LinearProblem): LinearProblem {
  return {
    columnNames: problem.columnNames,
    columnLower: problem.columnLower,
    columnUpper: problem.columnUpper,
    integer: problem.integer,
    cost: problem.cost,
    ...(problem.quadratic ? { quadratic: problem.quadratic } : {}),
    objectiveConstant: problem.objectiveConstant,
    rowNames: problem.rowNames,
    rowStart: problem.rowStart,
    rowIndex: problem.rowIndex,
    rowValue: problem.rowValue,
    rowLower: problem.rowLower,
    rowUpper: problem.rowUpper,
  };
}

/**
 * A SolverBackend whose solves run in a worker thread it owns. Solves are queued (one at a time per
 * worker). A solve that outlives `watchdogSeconds(timeLimit)` terminates the worker and rejects with
 * BackendTimeoutError; a worker that dies or reports a WASM abort rejects with BackendAbortedError.
 * Either way the next solve starts a new worker. Idle workers do not keep the process alive.
 */
export class WorkerHostedBackend implements SolverBackend {
  name: BackendName = "highs";
  version = "";
  capabilities: BackendCapabilities = { integer: false, quadratic: false, timeLimit: false };

  private live: Live | undefined;
  private starting: Promise<Live> | undefined;
  private generation = 0;
  private nextId = 0;
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;

  private constructor(private readonly spec: WorkerBackendSpec) {}

  /** Starts the worker, waits until its backend is loaded, and returns the hosted backend. */
  static async create(spec: WorkerBackendSpec): Promise<WorkerHostedBackend> {
    const hosted = new WorkerHostedBackend(spec);
    await hosted.ensureWorker();
    return hosted;
  }

  /** Number of workers started so far (1 + replacements); for tests and diagnostics. */
  get workersStarted(): number {
    return this.generation;
  }

  /**
   * Solves in the worker (after any queued solve). Rejects with BackendTimeoutError after
   * `watchdogSeconds(options.timeLimitSeconds)` seconds, BackendAbortedError if the worker dies or
   * aborts, or a plain Error carrying the backend's own message.
   */
  solve(problem: LinearProblem, options: SolveOptions): Promise<SolverSolution> {
    const run = this.queue.then(() => this.solveNow(problem, options));
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Replaces the worker with a new one (a fresh solver instance) and returns this backend. */
  async fresh(): Promise<SolverBackend> {
    await this.queue;
    await this.stopWorker();
    await this.ensureWorker();
    return this;
  }

  /** Terminates the worker; a later solve starts a new one unless the backend is closed for good. */
  async close(): Promise<void> {
    this.closed = true;
    await this.stopWorker();
  }

  private async stopWorker(): Promise<void> {
    const live = this.live;
    this.live = undefined;
    if (live) await live.worker.terminate();
  }

  private ensureWorker(): Promise<Live> {
    if (this.closed) return Promise.reject(new Error(`${this.name}: the backend was closed`));
    if (this.live) return Promise.resolve(this.live);
    if (!this.starting) {
      this.starting = this.startWorker().finally(() => {
        this.starting = undefined;
      });
    }
    return this.starting;
  }

  private startWorker(): Promise<Live> {
    const data: WorkerSpecData = { module: moduleUrl(this.spec.module), exportName: this.spec.exportName, args: this.spec.args ?? [] };
    // The worker sends its own stdout to stderr (see worker.ts): piping it here would keep idle
    // workers from letting the process exit.
    const worker = new Worker(new URL("./worker-bootstrap.mjs", import.meta.url), { workerData: data });
    const generation = ++this.generation;
    const live: Live = { worker, generation, solves: 0 };
    // A permanent listener: an 'error' event without one would crash the main thread.
    worker.on("error", () => undefined);
    worker.on("exit", () => {
      if (this.live === live) this.live = undefined;
    });
    return new Promise<Live>((resolve, reject) => {
      const timer = setTimeout(() => {
        cleanup();
        void worker.terminate();
        reject(new BackendAbortedError(`${this.spec.exportName}: the worker did not start within ${STARTUP_SECONDS} s`));
      }, STARTUP_SECONDS * 1000);
      const cleanup = (): void => {
        clearTimeout(timer);
        worker.off("message", onMessage);
        worker.off("error", onError);
        worker.off("exit", onExit);
      };
      const onMessage = (message: WorkerToHost): void => {
        if (message.type === "ready") {
          cleanup();
          this.name = message.name as BackendName;
          this.version = message.version;
          this.capabilities = message.capabilities;
          this.live = live;
          worker.unref();
          resolve(live);
        } else if (message.type === "initError") {
          cleanup();
          void worker.terminate();
          reject(new Error(`${this.spec.exportName}: the worker could not create its backend: ${message.message}`));
        }
      };
      const onError = (error: Error): void => {
        cleanup();
        void worker.terminate();
        reject(new BackendAbortedError(`${this.spec.exportName}: the worker failed while starting: ${error.message}`));
      };
      const onExit = (code: number): void => {
        cleanup();
        reject(new BackendAbortedError(`${this.spec.exportName}: the worker exited with code ${code} while starting`));
      };
      worker.on("message", onMessage);
      worker.on("error", onError);
      worker.on("exit", onExit);
    });
  }

  private async solveNow(problem: LinearProblem, options: SolveOptions): Promise<SolverSolution> {
    const live = await this.ensureWorker();
    const { worker } = live;
    const id = ++this.nextId;
    const limitSeconds = watchdogSeconds(options.timeLimitSeconds, this.spec.graceSeconds, this.spec.noLimitSeconds);
    worker.ref();
    try {
      return await new Promise<SolverSolution>((resolve, reject) => {
        const kill = (): void => {
          if (this.live === live) this.live = undefined;
          void worker.terminate();
        };
        const timer = setTimeout(() => {
          cleanup();
          kill();
          reject(new BackendTimeoutError(`${this.name}: no answer within the ${limitSeconds} s watchdog; the worker was terminated`));
        }, timerMilliseconds(limitSeconds));
        const cleanup = (): void => {
          clearTimeout(timer);
          worker.off("message", onMessage);
          worker.off("error", onError);
          worker.off("exit", onExit);
        };
        const onMessage = (message: WorkerToHost): void => {
          if ((message.type !== "result" && message.type !== "error") || message.id !== id) return;
          cleanup();
          if (message.type === "result") {
            resolve(message.solution as SolverSolution);
          } else if (message.fatal) {
            kill();
            reject(new BackendAbortedError(`${this.name}: ${message.message}`));
          } else {
            reject(new Error(message.message));
          }
        };
        const onError = (error: Error): void => {
          cleanup();
          kill();
          reject(new BackendAbortedError(`${this.name}: the worker crashed: ${error.message}`));
        };
        const onExit = (code: number): void => {
          cleanup();
          if (this.live === live) this.live = undefined;
          reject(new BackendAbortedError(`${this.name}: the worker exited with code ${code} during a solve`));
        };
        worker.on("message", onMessage);
        worker.on("error", onError);
        worker.on("exit", onExit);
        worker.postMessage({ type: "solve", id, problem: plainProblem(problem), options: { ...options } });
      });
    } finally {
      live.solves++;
      if (this.live === live && live.solves >= (this.spec.maxSolvesPerWorker ?? MAX_SOLVES_PER_WORKER)) {
        // Recycle: a new worker (and WASM runtime) for the next solve.
        await this.stopWorker();
      } else if (this.live === live) {
        worker.unref();
      }
    }
  }
}

/** Worker-hosting spec of a registered backend: its module lives next to this file (see registry.ts). */
function realSpec(name: BackendName): WorkerBackendSpec {
  const entry = backendEntry(name);
  if (!entry) throw new Error(`unknown solver backend "${String(name)}"`);
  const extension = import.meta.url.endsWith(".ts") ? "ts" : "js";
  return { module: new URL(`./${entry.module}.${extension}`, import.meta.url), exportName: entry.factory };
}

/** Starts a worker-hosted backend from any module exporting a backend factory (used for fakes in tests too). */
export function createWorkerBackend(spec: WorkerBackendSpec): Promise<WorkerHostedBackend> {
  return WorkerHostedBackend.create(spec);
}

async function createInProcess(name: BackendName): Promise<SolverBackend> {
  const entry = backendEntry(name);
  if (!entry) throw new Error(`unknown solver backend "${String(name)}"`);
  const extension = import.meta.url.endsWith(".ts") ? "ts" : "js";
  const loaded = (await import(new URL(`./${entry.module}.${extension}`, import.meta.url).href)) as Record<string, unknown>;
  const factory = loaded[entry.factory];
  if (typeof factory !== "function") throw new Error(`${entry.module} exports no function ${entry.factory}`);
  return (await (factory as () => Promise<SolverBackend> | SolverBackend)()) as SolverBackend;
}

const hosted = new Map<BackendName, Promise<WorkerHostedBackend>>();
const inProcess = new Map<BackendName, Promise<SolverBackend>>();

/**
 * The backend called `name`: worker-hosted by default (one per backend name per process, created on
 * first use and cached), or, with `inProcess`, running on the calling thread (no watchdog: a hang
 * blocks the caller; for benchmarks and debugging). Rejects if the solver cannot be loaded.
 */
export function getBackend(name: BackendName, options: { inProcess?: boolean } = {}): Promise<SolverBackend> {
  const cache: Map<BackendName, Promise<SolverBackend>> = options.inProcess ? inProcess : hosted;
  let entry = cache.get(name);
  if (!entry) {
    // A subprocess backend is isolated by its own process: no worker thread around it.
    const inThread = options.inProcess || backendEntry(name)?.hosting === "subprocess";
    entry = inThread ? createInProcess(name) : createWorkerBackend(realSpec(name));
    cache.set(name, entry);
    entry.catch(() => {
      if (cache.get(name) === entry) cache.delete(name);
    });
  }
  return entry;
}

/** Terminates every cached worker-hosted backend, so that the process can exit; later calls start new ones. */
export async function closeBackends(): Promise<void> {
  const entries = [...hosted.values()];
  hosted.clear();
  inProcess.clear();
  await Promise.all(
    entries.map(async (entry) => {
      try {
        await (await entry).close();
      } catch {
        // a backend that never started has nothing to close
      }
    }),
  );
}
