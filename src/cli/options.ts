/**
 * What every command module shares: the context main hands each command (its stdout, the exit code
 * it sets), the number parsers behind numeric flags, and the wave and mapping flags five commands
 * take. Light on purpose: `adl --help` loads this file, yargs, and nothing that solves or draws.
 */
import type { Argv, CommandModule } from "yargs";
import { UsageError, WorkbenchError } from "../errors.js";
import { backendChoices } from "../pipeline/backends/registry.js";
import type { BackendName } from "../pipeline/backends/backend.js";
import type { WaveFiles } from "../pipeline/solve/inputs.js";

/** What a command's handler writes to and reports through; main builds one per run. */
export interface CliContext {
  /** Writes to stdout; false when the reader is behind (as stream.write), see `drain`. */
  readonly out: (text: string) => boolean | void;
  /** Waits until stdout has caught up: `--json` answers stream in chunks (src/cli/json-stream.ts). */
  readonly drain: () => Promise<void>;
  /** Sets the process's exit code (src/errors.ts ExitCode); the last call wins. */
  readonly setExit: (code: number) => void;
}

/** The flags a command's builder declares (its handler receives them camel-cased, as yargs passes them). */
export type FlagsOf<B> = B extends (yargs: Argv) => Argv<infer T> ? T : never;

/** One command: a yargs command module whose handler closes over the run's context. */
export type Command<B> = (context: CliContext) => CommandModule<object, FlagsOf<B>>;

/**
 * yargs rethrows an error from a flag's parser as its own YError with the message only; the typed
 * error is kept here so that main prints it with its own exit code (bad input, 2) and wording.
 */
let flagError: WorkbenchError | undefined;

/** The typed error a flag's parser threw, if `message` is its message (see flagError). */
export function flagErrorFor(message: string): WorkbenchError | undefined {
  return flagError !== undefined && flagError.message === message ? flagError : undefined;
}

/** Runs a flag's parser, remembering a typed error for main before yargs rewraps it. */
function parsingFlag<T>(parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    if (error instanceof WorkbenchError) flagError = error;
    throw error;
  }
}

/** Parses a non-negative finite number given on the command line (the flag is named in the error). */
export function nonNegative(flag: string) {
  return (text: unknown): number => {
    const value = Number(text);
    if (typeof text !== "string" || text.trim() === "" || !Number.isFinite(value) || value < 0) {
      throw new UsageError({ path: flag }, "a finite number >= 0", JSON.stringify(text));
    }
    return value;
  };
}

/** Parses a positive finite number given on the command line. */
export function positive(flag: string) {
  return (text: unknown): number => {
    const value = Number(text);
    if (typeof text !== "string" || text.trim() === "" || !Number.isFinite(value) || value <= 0) {
      throw new UsageError({ path: flag }, "a finite number > 0", JSON.stringify(text));
    }
    return value;
  };
}

/** A flag given more than once keeps its last value (as the command line always did) rather than becoming an array. */
export function last(flag: string) {
  return (value: unknown): string =>
    parsingFlag(() => {
      const text = Array.isArray(value) ? value[value.length - 1] : value;
      if (typeof text !== "string") throw new UsageError({ path: flag }, "a value", JSON.stringify(text));
      return text;
    });
}

/** A flag whose value `parse` checks (the last one when it is given more than once). */
export function parsedOption<T>(describe: string, parse: (text: unknown) => T) {
  return { describe, type: "string", requiresArg: true, coerce: (value: unknown): T => parsingFlag(() => parse(Array.isArray(value) ? value[value.length - 1] : value)) } as const;
}

/** A repeatable flag: every occurrence, in order. */
export function repeated(value: unknown): string[] {
  return (Array.isArray(value) ? value : [value]).map(String);
}

/** A numeric flag: taken as a string (yargs never guesses a number), then parsed by `parse`. */
export function numberOption(describe: string, parse: (text: unknown) => number) {
  // A number arrives only from a declared default, which needs no check.
  const coerce = (value: unknown): number => (typeof value === "number" ? value : parsingFlag(() => parse(Array.isArray(value) ? value[value.length - 1] : value)));
  return { describe, type: "string", requiresArg: true, coerce } as const;
}

/** A string flag with a value: `--out FILE`. */
export function stringOption(describe: string, flag: string) {
  return { describe, type: "string", requiresArg: true, coerce: last(flag) } as const;
}

/** `--solver NAME`: the registry's backend names and auto. */
export function solverOption(describe = "backend") {
  return { describe, choices: [...backendChoices] as BackendName[], default: "auto" as BackendName, requiresArg: true } as const;
}

/** --map FILE, repeatable --column TARGET=SOURCE and --strict-ids: load exchange exports as they are. */
export function withMappingOptions<T>(yargs: Argv<T>) {
  return yargs
    .option("map", stringOption("column mapping file (YAML): accounts renames, derive, scale, keep, positions renames", "--map"))
    .option("column", { describe: "take column TARGET from the file's column SOURCE (repeatable)", type: "string", requiresArg: true, coerce: repeated })
    .option("strict-ids", { describe: "ids that differ only by case, surrounding spaces or Unicode normalization are an error (default: a warning)", type: "boolean" });
}

/** The flags that load one wave: accounts, positions, the mapping and the budget. */
export function withWaveOptions<T>(yargs: Argv<T>) {
  return withMappingOptions(yargs)
    .option("accounts", { ...stringOption("accounts CSV or JSON", "--accounts"), demandOption: true })
    .option("positions", stringOption("positions CSV or JSON (several lot-bearing positions per account)", "--positions"))
    .option("deficit", numberOption("realized deficit; budget B = D * (1 + margin)", nonNegative("--deficit")))
    .option("budget", numberOption("budget B directly", nonNegative("--budget")));
}

/** The model file positional of the wave commands. */
export function withModel<T>(yargs: Argv<T>) {
  return yargs.positional("model", { describe: "model file (YAML or JSON)", type: "string", demandOption: true });
}

/** The flags of withWaveOptions as parsed. */
export interface WaveFlags {
  readonly accounts: string;
  readonly positions?: string | undefined;
  readonly map?: string | undefined;
  readonly column?: string[] | undefined;
  readonly deficit?: number | undefined;
  readonly budget?: number | undefined;
  readonly strictIds?: boolean | undefined;
}

/** The wave's files and budget from the flags; --deficit and --budget exclude each other. */
export function waveFiles(model: string, options: WaveFlags): WaveFiles {
  if (options.deficit !== undefined && options.budget !== undefined) {
    throw new UsageError({ path: "--deficit/--budget" }, "one of --deficit or --budget", "both");
  }
  return {
    model,
    accounts: options.accounts,
    ...(options.positions ? { positions: options.positions } : {}),
    ...mappingFlags(options),
    ...(options.deficit !== undefined ? { deficit: options.deficit } : {}),
    ...(options.budget !== undefined ? { budget: options.budget } : {}),
    ...(options.strictIds ? { strictIds: true } : {}),
  };
}

/** --map and --column as WaveFiles fields. */
export function mappingFlags(options: { map?: string | undefined; column?: string[] | undefined }): Pick<WaveFiles, "map" | "columns"> {
  return { ...(options.map !== undefined ? { map: options.map } : {}), ...(options.column && options.column.length > 0 ? { columns: options.column } : {}) };
}

/** The usage line and description a command's own help starts with (as `adl --help` words it). */
export function usage(line: string, description: string): string {
  return `Usage: adl ${line}\n\n${description}`;
}
