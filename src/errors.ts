/**
 * Errors for people. Every error a user can cause is one of these: it names the file, the place in
 * it, what was expected and what was found. The CLI prints `message` and exits with `exitCode`;
 * anything else that escapes is a bug and shows a stack.
 */

/** Where in an input something was found. All parts optional; render() joins what is known. */
export interface Place {
  readonly file?: string;
  /** 1-based line and column in a text file (YAML/JSON). */
  readonly line?: number;
  readonly column?: number;
  /** 1-based data row in a CSV file (header excluded), and the column name. */
  readonly row?: number;
  readonly field?: string;
  /** Key path inside a model file, e.g. "objective[1].kind". */
  readonly path?: string;
}

export function renderPlace(place: Place): string {
  let head = place.file ?? "";
  if (place.line !== undefined) head += `:${place.line}${place.column !== undefined ? `:${place.column}` : ""}`;
  if (place.row !== undefined) head += `${head ? " " : ""}row ${place.row.toLocaleString("en-US")}`;
  if (place.field !== undefined) head += `${place.row !== undefined ? "," : ""}${head ? " " : ""}column ${place.field}`;
  const parts = [head, place.path].filter((s) => s !== undefined && s !== "");
  return parts.join("  ");
}

export abstract class WorkbenchError extends Error {
  abstract readonly exitCode: number;
  constructor(
    readonly place: Place,
    readonly expected: string,
    readonly found: string,
    readonly hint?: string,
  ) {
    const where = renderPlace(place);
    super(`${where ? `${where}: ` : ""}expected ${expected}; found ${found}${hint ? ` (${hint})` : ""}`);
    this.name = new.target.name;
  }
}

/** A model file that does not parse or does not validate. */
export class ModelError extends WorkbenchError {
  readonly exitCode = 2;
}

/** An accounts/positions file (or a CLI number standing in for one) that is not acceptable. */
export class InstanceError extends WorkbenchError {
  readonly exitCode = 2;
}

/** Bad command-line usage. */
export class UsageError extends WorkbenchError {
  readonly exitCode = 2;
}

/** Every backend failed (crash, hang past the limit, garbage); `attempts` says what happened. */
export class SolverError extends Error {
  readonly exitCode = 4;
  constructor(
    message: string,
    readonly attempts: readonly string[],
  ) {
    super(message);
    this.name = "SolverError";
  }
}

/** Exit codes the CLI documents. A result (even "infeasible") is not a crash. */
export const ExitCode = {
  ok: 0,
  /** `adl validate`: a constraint is violated or the gap is above --max-gap. `adl solve`: the verifier rejected the answer. */
  violation: 1,
  /** Bad input: model, accounts, positions or command line. */
  badInput: 2,
  /** The wave is infeasible; the certificate is printed. */
  infeasible: 3,
  /** All solver backends failed. */
  solverFailure: 4,
  /** `adl validate`: nothing is violated, but a promise or the gap could not be decided (not proven). Never a pass. */
  undecided: 5,
  /** A bug: printed with a stack. */
  internal: 70,
} as const;

/** Levenshtein distance, for did-you-mean hints on unknown keys and enum values. */
export function editDistance(a: string, b: string): number {
  const previous = new Array<number>(b.length + 1);
  for (let j = 0; j <= b.length; j++) previous[j] = j;
  for (let i = 1; i <= a.length; i++) {
    let diagonal = previous[0]!;
    previous[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = previous[j]!;
      previous[j] = Math.min(above + 1, previous[j - 1]! + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return previous[b.length]!;
}

/** The closest candidate within a small edit distance, or undefined. */
export function didYouMean(found: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(found.length / 3)) + 1;
  for (const candidate of candidates) {
    const distance = editDistance(found.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

/** What a failed file read found, in words: "no such file", "a directory", … */
export function describeReadError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  return code === "ENOENT"
    ? "no such file"
    : code === "EISDIR"
      ? "a directory"
      : code === "EACCES"
        ? "a file we may not read"
        : error instanceof Error
          ? error.message
          : String(error);
}
