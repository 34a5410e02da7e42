/**
 * A user's own heuristic, loaded from a TypeScript or JavaScript module that exports an object
 * implementing Heuristic as `default` (or as `heuristic`). The compiled CLI (dist/) has no TypeScript
 * loader, so it registers tsx's the first time a `.ts` module is asked for; sources run under a loader
 * already (vitest, `node --import tsx`).
 */
import { stat } from "node:fs/promises";
import { extname, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { Allocation, Wave } from "../domain.js";
import { UsageError } from "../errors.js";
import { IGNORABLE_CONSTRAINTS, type Heuristic, type HeuristicContext, type IgnorableConstraint } from "./heuristic.js";
import { RuleHeuristic } from "./rule.js";

const MODULE_EXTENSIONS = [".ts", ".mts", ".cts", ".js", ".mjs", ".cjs"];

const TYPESCRIPT_EXTENSIONS = [".ts", ".mts", ".cts"];

let registered: Promise<void> | undefined;

/** Registers tsx once, and only when this module itself runs compiled (dist/*.js). */
function typescriptLoader(): Promise<void> {
  if (!import.meta.url.endsWith(".js")) return Promise.resolve();
  registered ??= import("tsx/esm/api").then(({ register }) => void register());
  return registered;
}

const SHAPE = "a module whose default export (or export named `heuristic`) is an object { name, description, ignores, allocate(wave, context) }";

/**
 * Imports the module at `path` (relative to the working directory) and returns its heuristic.
 * Throws UsageError naming the file when it is missing, has another extension, fails to load, or
 * exports something that is not a heuristic (saying which part is wrong). A heuristic built with
 * defineHeuristic is returned as is (so wrappers use its continuous target); any other is wrapped
 * so that an allocate() returning the wrong shape is reported naming the file.
 */
export async function loadUserHeuristic(path: string): Promise<Heuristic> {
  const file = resolve(path);
  const place = { file: path };
  if (!MODULE_EXTENSIONS.includes(extname(file))) {
    throw new UsageError(place, `a TypeScript or JavaScript module (${MODULE_EXTENSIONS.join(", ")})`, `a file ending in ${JSON.stringify(extname(file) || "(no extension)")}`);
  }
  const info = await stat(file).catch(() => undefined);
  if (info === undefined || !info.isFile()) throw new UsageError(place, SHAPE, "no such file");

  let module: Record<string, unknown>;
  try {
    if (TYPESCRIPT_EXTENSIONS.includes(extname(file))) await typescriptLoader();
    module = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new UsageError(place, "a module that loads", `an error while importing it: ${message.split("\n")[0]}`);
  }

  const exported = module.default ?? module.heuristic;
  if (exported === undefined) {
    const names = Object.keys(module);
    throw new UsageError(place, SHAPE, `no default export and no export named heuristic (exports: ${names.length > 0 ? names.join(", ") : "none"})`);
  }
  if (typeof exported === "function") {
    throw new UsageError(place, SHAPE, "a function or class", "export an instance, e.g. `export default defineHeuristic({ ... })`");
  }
  if (typeof exported !== "object" || exported === null) throw new UsageError(place, SHAPE, `a ${exported === null ? "null" : typeof exported}`);
  const candidate = exported as Partial<Record<keyof Heuristic, unknown>>;
  const problems: string[] = [];
  if (typeof candidate.name !== "string" || candidate.name.trim() === "") problems.push("name is not a non-empty string");
  if (typeof candidate.description !== "string") problems.push("description is not a string");
  if (!Array.isArray(candidate.ignores)) problems.push(`ignores is not an array (of ${IGNORABLE_CONSTRAINTS.join(", ")})`);
  else {
    const unknown = candidate.ignores.filter((x) => !IGNORABLE_CONSTRAINTS.includes(x as IgnorableConstraint));
    if (unknown.length > 0) problems.push(`ignores has ${unknown.map((x) => JSON.stringify(x)).join(", ")}, not one of ${IGNORABLE_CONSTRAINTS.join(", ")}`);
  }
  if (typeof candidate.allocate !== "function") problems.push("allocate is not a function");
  if (problems.length > 0) throw new UsageError(place, SHAPE, `an object whose ${problems.join("; ")}`);

  if (exported instanceof RuleHeuristic) return exported;
  const heuristic = exported as Heuristic;
  return {
    name: heuristic.name,
    description: heuristic.description,
    ignores: Object.freeze([...heuristic.ignores]),
    allocate(wave: Wave, context: HeuristicContext): Allocation {
      const allocation = heuristic.allocate(wave, context);
      if (typeof allocation !== "object" || allocation === null || !(allocation.haircut instanceof Float64Array)) {
        throw new UsageError(place, `allocate() of ${heuristic.name} to return { haircut: Float64Array, lots?, layers? }`, describe(allocation));
      }
      return allocation;
    },
  };
}

function describe(value: unknown): string {
  if (value === null || typeof value !== "object") return String(value);
  const haircut = (value as { haircut?: unknown }).haircut;
  return `an object whose haircut is ${Array.isArray(haircut) ? "a plain array (use Float64Array)" : haircut === undefined ? "missing" : typeof haircut}`;
}
