/**
 * Body of a solver worker thread (started through worker-bootstrap.mjs by worker-host.ts).
 *
 * workerData names a module and the async factory it exports; the worker builds one backend from it,
 * says "ready" with the backend's name, version and capabilities, then answers "solve" messages one
 * at a time. An error thrown by a solve is sent back; an error that looks like a WASM abort is marked
 * fatal, because the module's memory may be corrupt, and the host then replaces this worker.
 */
import { parentPort, workerData } from "node:worker_threads";
import type { LinearProblem } from "../lower/standard-form.js";
import type { SolveOptions, SolverBackend } from "./backend.js";

/** workerData: which module's factory builds this worker's backend, and its (cloneable) arguments. */
export interface WorkerSpecData {
  readonly module: string;
  readonly exportName: string;
  readonly args?: readonly unknown[];
}

/** The one request: solve this problem (one at a time; `id` pairs the answer with it). */
export type HostToWorker = { type: "solve"; id: number; problem: LinearProblem; options: SolveOptions };

/** Answers: readiness (or why not) once, then one result or error per solve id. */
export type WorkerToHost =
  | { type: "ready"; name: string; version: string; capabilities: SolverBackend["capabilities"] }
  | { type: "initError"; message: string }
  | { type: "result"; id: number; solution: unknown }
  | { type: "error"; id: number; message: string; fatal: boolean };

function describe(error: unknown): string {
  if (error instanceof Error) return `${error.name === "Error" ? "" : `${error.name}: `}${error.message}`;
  return String(error);
}

/** Emscripten aborts surface as WebAssembly.RuntimeError or as errors whose message starts "Aborted(". */
function isFatal(error: unknown): boolean {
  // `WebAssembly` is not in the ES lib typings this project compiles against; look it up at run time.
  const runtimeError = (globalThis as unknown as { WebAssembly?: { RuntimeError?: abstract new () => Error } }).WebAssembly?.RuntimeError;
  if (runtimeError !== undefined && error instanceof runtimeError) return true;
  const message = error instanceof Error ? error.message : String(error);
  return /^Aborted\(|\babort\(|out of memory|memory access out of bounds|unreachable/i.test(message);
}

// Solver chatter must never reach the process's stdout (`adl … --json` prints exactly one object there).
process.stdout.write = process.stderr.write.bind(process.stderr) as typeof process.stdout.write;

const port = parentPort;
if (!port) throw new Error("worker.ts must run inside a worker thread");
const spec = workerData as WorkerSpecData;

let backend: SolverBackend | undefined;
try {
  const loaded = (await import(spec.module)) as Record<string, unknown>;
  const factory = loaded[spec.exportName];
  if (typeof factory !== "function") throw new Error(`${spec.module} exports no function ${spec.exportName}`);
  backend = (await (factory as (...args: unknown[]) => Promise<SolverBackend> | SolverBackend)(...(spec.args ?? []))) as SolverBackend;
  const ready: WorkerToHost = { type: "ready", name: backend.name, version: backend.version, capabilities: { ...backend.capabilities } };
  port.postMessage(ready);
} catch (error) {
  const failed: WorkerToHost = { type: "initError", message: describe(error) };
  port.postMessage(failed);
}

port.on("message", (message: HostToWorker) => {
  if (message.type !== "solve" || !backend) return;
  const { id } = message;
  // Solves are synchronous WASM calls underneath: one runs at a time, and the host sends one at a time.
  backend.solve(message.problem, message.options).then(
    (solution) => {
      const reply: WorkerToHost = { type: "result", id, solution };
      try {
        port.postMessage(reply);
      } catch (error) {
        // A solution that cannot be cloned (functions, symbols) is garbage, not a crash of this worker.
        const failed: WorkerToHost = { type: "error", id, message: `the solution cannot be sent back: ${describe(error)}`, fatal: false };
        port.postMessage(failed);
      }
    },
    (error: unknown) => {
      const reply: WorkerToHost = { type: "error", id, message: describe(error), fatal: isFatal(error) };
      port.postMessage(reply);
    },
  );
});
