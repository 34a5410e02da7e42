/**
 * Model files (YAML or JSON) → a validated `Model`.
 *
 * Both formats go through the `yaml` parser (JSON is YAML 1.2 flow syntax), which keeps every
 * node's source range; so every error, from the YAML syntax up to the checks JSON Schema cannot
 * express, names file:line:column, the key path (`objective[1].kind`), what was expected and what
 * was found. The format is `schema/model.schema.json`; the schema is the single source of truth for
 * keys and types, and this module adds defaults and the cross-field checks.
 */
import { readFileSync } from "node:fs";
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import { LineCounter, isAlias, isMap, isScalar, isSeq, parseDocument, type Document, type Node as YamlNode } from "yaml";
import modelSchema from "../../schema/model.schema.json" with { type: "json" };
import type { BudgetSpec, Expression, LotsSpec, Model, ObjectiveSpec, Phi } from "../domain.js";
import { ModelError, describeReadError, didYouMean, type Place } from "../errors.js";
import { analyzeExpression } from "./expression.js";

/** The objective kinds a model may name, in the schema's order. */
export const OBJECTIVE_KINDS = modelSchema.definitions.kindName.enum as readonly ObjectiveSpec["kind"][];

/** Default relative tolerance with which a lexicographic stage fixes the previous optimum. */
export const DEFAULT_STAGE_TOLERANCE = 1e-9;

/** phi when a convex stage does not say: x^2. */
export const DEFAULT_PHI: Phi = { kind: "power", p: 2 };

type Segment = string | number;

// The shapes below are what the schema admits; parseModel casts to them only after validation.
type RawExpression = string | number;
type RawStage =
  | string
  | { kind: "sparsity" | "overshoot" }
  | { kind: "convex"; phi?: { power?: number; points?: [number, number][] }; weight?: RawExpression }
  | { kind: "minmax"; scale?: RawExpression };
interface RawModel {
  name: string;
  description?: string;
  budget?: { deficit?: number; margin?: number; budget?: number };
  objective: RawStage | RawStage[];
  constraints?: {
    coverage?: "atLeast" | "exact";
    alpha?: number;
    lots?: "positions" | { lotValue: string; lots: string };
    maxAccounts?: number;
    eligibility?: RawExpression;
    seniority?: string[];
  };
  stageTolerance?: number;
}

let validator: ValidateFunction | undefined;

function validate(data: unknown): readonly ErrorObject[] {
  validator ??= new Ajv({
    allErrors: true,
    verbose: true,
    discriminator: true,
    strictNumbers: true,
    allowUnionTypes: true,
  }).compile(modelSchema);
  return validator(data) ? [] : (validator.errors ?? []);
}

/** `objective[1].phi.power` */
function renderPath(path: readonly Segment[]): string {
  let out = "";
  for (const segment of path) out += typeof segment === "number" ? `[${segment}]` : `${out ? "." : ""}${segment}`;
  return out;
}

function clip(text: string, limit = 60): string {
  return text.length > limit ? `${text.slice(0, limit - 1)}…` : text;
}

/** Source positions and found-values for paths into one parsed document. */
class Source {
  constructor(
    readonly file: string,
    readonly text: string,
    readonly doc: Document.Parsed,
    readonly lines: LineCounter,
  ) {}

  /** The value node at `path` (or the deepest node that exists), and the key node of its pair. */
  locate(path: readonly Segment[]): { node?: YamlNode; key?: YamlNode; complete: boolean } {
    let node: unknown = this.doc.contents;
    let key: YamlNode | undefined;
    for (const segment of path) {
      if (isAlias(node)) node = node.resolve(this.doc);
      if (isMap(node)) {
        const pair = node.items.find((p) => String(isScalar(p.key) ? p.key.value : p.key) === String(segment));
        if (pair === undefined) return { node: node as YamlNode, ...(key ? { key } : {}), complete: false };
        key = isScalar(pair.key) ? pair.key : undefined;
        node = pair.value ?? pair.key;
      } else if (isSeq(node) && typeof segment === "number" && node.items[segment] !== undefined) {
        key = undefined;
        node = node.items[segment];
      } else {
        return { node: node as YamlNode, ...(key ? { key } : {}), complete: false };
      }
    }
    return { node: node as YamlNode, ...(key ? { key } : {}), complete: true };
  }

  position(node: YamlNode | undefined): { line: number; column: number; offset: number } {
    const offset = node?.range?.[0] ?? 0;
    const { line, col } = this.lines.linePos(offset);
    return { line, column: col, offset };
  }

  /** Place of the value at `path`; with `atKey`, of its key (unknown keys point at the key). */
  place(path: readonly Segment[], atKey = false): Place & { offset: number } {
    const { node, key } = this.locate(path);
    const { line, column, offset } = this.position(atKey && key ? key : node);
    const rendered = renderPath(path);
    return { file: this.file, line, column, offset, ...(rendered ? { path: rendered } : {}) };
  }

  where(path: readonly Segment[]): string {
    const { line, column } = this.place(path);
    return `${this.file}:${line}:${column}`;
  }

  /** What the user wrote at `path`, as they wrote it (scalars) or as "a map"/"a list". */
  found(path: readonly Segment[], value: unknown): string {
    const { node, complete } = this.locate(path);
    if (complete && isScalar(node) && node.range) {
      const written = this.text.slice(node.range[0], node.range[1]).trim();
      if (written === "" || node.value === null) return "nothing (null)";
      return clip(typeof node.value === "string" && !/^["']/.test(written) ? JSON.stringify(node.value) : written);
    }
    return describe(value);
  }

  error(path: readonly Segment[], expected: string, found: string, hint?: string, atKey = false): ModelError {
    const { offset: _offset, ...place } = this.place(path, atKey);
    return new ModelError(place, expected, found, hint);
  }
}

function describe(value: unknown): string {
  if (value === null || value === undefined) return "nothing (null)";
  if (Array.isArray(value)) return `a list of ${value.length}`;
  if (typeof value === "object") return "a map";
  if (typeof value === "string") return clip(JSON.stringify(value));
  return clip(String(value));
}

const TYPE_WORDS: Readonly<Record<string, string>> = {
  string: "a string",
  number: "a finite number",
  integer: "an integer",
  object: "a map",
  array: "a list",
  boolean: "true or false",
  null: "null",
};

/** "a number in (0, 1]", "an integer >= 1", … from the bounds a schema node declares. */
function rangeWords(schema: Record<string, unknown>): string {
  const noun = schema["type"] === "integer" ? "an integer" : "a number";
  const lower =
    typeof schema["exclusiveMinimum"] === "number" ? { value: schema["exclusiveMinimum"], strict: true }
    : typeof schema["minimum"] === "number" ? { value: schema["minimum"], strict: false }
    : undefined;
  const upper =
    typeof schema["exclusiveMaximum"] === "number" ? { value: schema["exclusiveMaximum"], strict: true }
    : typeof schema["maximum"] === "number" ? { value: schema["maximum"], strict: false }
    : undefined;
  if (lower && upper) return `${noun} in ${lower.strict ? "(" : "["}${lower.value}, ${upper.value}${upper.strict ? ")" : "]"}`;
  if (lower) return `${noun} ${lower.strict ? ">" : ">="} ${lower.value}`;
  if (upper) return `${noun} ${upper.strict ? "<" : "<="} ${upper.value}`;
  return noun;
}

/** JSON pointer → path segments, numbers where the data is a list. */
function segmentsOf(pointer: string, data: unknown): Segment[] {
  const segments: Segment[] = [];
  let value: unknown = data;
  for (const raw of pointer.split("/").slice(1)) {
    const segment = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    if (Array.isArray(value)) {
      segments.push(Number(segment));
      value = value[Number(segment)];
    } else {
      segments.push(segment);
      value = value !== null && typeof value === "object" ? (value as Record<string, unknown>)[segment] : undefined;
    }
  }
  return segments;
}

const KEYWORD_RANK: Readonly<Record<string, number>> = {
  additionalProperties: 0,
  discriminator: 0,
  enum: 0,
  required: 1,
  const: 1,
  type: 3,
};

interface Candidate {
  readonly keyword: string;
  /** The map or list the error is about (for required / additionalProperties: the parent map). */
  readonly at: string;
  readonly offset: number;
  readonly depth: number;
  readonly rank: number;
  readonly error: () => ModelError;
}

/** One ajv error as the message a person wants, placed at the node it is about. */
function candidate(source: Source, data: unknown, e: ErrorObject): Candidate | undefined {
  if (e.keyword === "if" || e.keyword === "oneOf" || e.keyword === "anyOf") return undefined;
  const path = segmentsOf(e.instancePath, data);
  const parent = (e.parentSchema ?? {}) as Record<string, unknown>;
  const params = e.params as Record<string, unknown>;
  let target = path;
  let atKey = false;
  let make: (() => ModelError) | undefined;

  switch (e.keyword) {
    case "additionalProperties": {
      const name = String(params["additionalProperty"]);
      target = [...path, name];
      atKey = true;
      const allowed = Object.keys((parent["properties"] ?? {}) as object);
      const near = didYouMean(name, allowed);
      make = () =>
        source.error(
          target,
          `one of the keys ${allowed.join(", ")}`,
          `unknown key ${JSON.stringify(name)}`,
          near ? `did you mean "${near}"?` : undefined,
          true,
        );
      break;
    }
    case "enum": {
      const allowed = (params["allowedValues"] as unknown[]).map(String);
      const near = typeof e.data === "string" ? didYouMean(e.data, allowed) : undefined;
      const expected = path.join(".") === "constraints.lots" ? `"positions" or a map {lotValue, lots}` : `one of ${allowed.join(", ")}`;
      make = () =>
        source.error(path, expected, source.found(path, e.data), near ? `did you mean "${near}"?` : undefined);
      break;
    }
    case "discriminator": {
      target = [...path, "kind"];
      const tagValue = params["tagValue"];
      const near = typeof tagValue === "string" ? didYouMean(tagValue, OBJECTIVE_KINDS) : undefined;
      const kind = (e.data as Record<string, unknown> | null)?.["kind"];
      if (kind === undefined) return undefined; // reported by `required`
      make = () =>
        source.error(target, `one of ${OBJECTIVE_KINDS.join(", ")}`, source.found(target, kind), near ? `did you mean "${near}"?` : undefined);
      break;
    }
    case "required": {
      const missing = String(params["missingProperty"]);
      const about = ((parent["properties"] as Record<string, { description?: string }> | undefined)?.[missing]?.description ?? "")
        .split(/\s\(|\.\s|\.$/)[0];
      make = () =>
        source.error(path, `a key "${missing}"${about ? ` (${about.charAt(0).toLowerCase()}${about.slice(1)})` : ""}`, "none");
      break;
    }
    case "type": {
      const inList = path.length === 2 && path[0] === "objective" && typeof path[1] === "number";
      const expected =
        path.length === 1 && path[0] === "objective" ? `a kind name (${OBJECTIVE_KINDS.join(", ")}), a map with kind, or a list of these`
        : inList ? `a kind name (${OBJECTIVE_KINDS.join(", ")}) or a map with kind`
        : e.schemaPath.startsWith("#/definitions/expression") ? "an expression (a string such as \"risk_weight * capacity\", or a number)"
        : path.join(".") === "constraints.lots" ? `the string "positions" or a map {lotValue, lots}`
        : ([] as string[]).concat(params["type"] as string | string[]).map((t) => TYPE_WORDS[t] ?? t).join(" or ");
      make = () => source.error(path, expected, source.found(path, e.data));
      break;
    }
    case "minimum":
    case "maximum":
    case "exclusiveMinimum":
    case "exclusiveMaximum":
      make = () => source.error(path, rangeWords(parent), source.found(path, e.data));
      break;
    case "minItems":
    case "maxItems": {
      const min = parent["minItems"] as number | undefined;
      const max = parent["maxItems"] as number | undefined;
      const count = Array.isArray(e.data) ? e.data.length : 0;
      const expected =
        min !== undefined && min === max ? `a list of exactly ${min}`
        : e.keyword === "minItems" ? `a list of at least ${min} entr${min === 1 ? "y" : "ies"}`
        : `a list of at most ${max}`;
      make = () => source.error(path, expected, count === 0 ? "an empty list" : `a list of ${count}`);
      break;
    }
    case "minLength":
      make = () => source.error(path, "a non-empty string", source.found(path, e.data));
      break;
    case "minProperties":
    case "maxProperties": {
      const keys = Object.keys((parent["properties"] ?? {}) as object);
      const count = e.data !== null && typeof e.data === "object" ? Object.keys(e.data).length : 0;
      make = () =>
        source.error(
          path,
          parent["minProperties"] === 1 && parent["maxProperties"] === 1 ? `exactly one of the keys ${keys.join(", ")}` : `keys among ${keys.join(", ")}`,
          count === 0 ? "an empty map" : `${count} keys (${Object.keys(e.data as object).join(", ")})`,
        );
      break;
    }
    case "const":
      make = () => source.error(path, JSON.stringify(params["allowedValue"]), source.found(path, e.data));
      break;
    default:
      make = () => source.error(path, `a value that ${e.message ?? "matches the schema"}`, source.found(path, e.data));
  }
  const { offset } = source.place(target, atKey);
  return { keyword: e.keyword, at: e.instancePath, offset, depth: target.length, rank: KEYWORD_RANK[e.keyword] ?? 2, error: make };
}

/** The one error to show: the first in the file; at one place, the deepest and most specific. */
function schemaError(source: Source, data: unknown, errors: readonly ErrorObject[]): ModelError {
  let candidates = errors.map((e) => candidate(source, data, e)).filter((c): c is Candidate => c !== undefined);
  // An unknown key next to a missing one is most likely its misspelling: report the key, in place.
  const misspelt = new Set(candidates.filter((c) => c.keyword === "additionalProperties").map((c) => c.at));
  candidates = candidates.filter((c) => !(c.keyword === "required" && misspelt.has(c.at)));
  candidates.sort((a, b) => a.offset - b.offset || b.depth - a.depth || a.rank - b.rank);
  const best = candidates[0];
  if (best) return best.error();
  const first = errors[0];
  return source.error([], "a model that matches schema/model.schema.json", first?.message ?? "something else");
}

const YAML_PROBLEMS: Readonly<Record<string, { expected: string; found?: string }>> = {
  MULTIPLE_DOCS: { expected: "a single YAML document", found: "a second document (---)" },
  TAB_AS_INDENT: { expected: "spaces for indentation", found: "a tab" },
};

function syntaxError(file: string, text: string, lines: LineCounter, error: { code: string; message: string; pos: [number, number] }): ModelError {
  const { line, col } = lines.linePos(error.pos[0]);
  if (error.code === "DUPLICATE_KEY") {
    const written = /^("[^"\n]*"|'[^'\n]*'|[^:\n]*?)\s*:/.exec(text.slice(error.pos[0]))?.[1] ?? "key";
    const key = /^["']/.test(written) ? written.slice(1, -1) : written;
    return new ModelError({ file, line, column: col }, "each key at most once in a map", `a second ${clip(JSON.stringify(key))}`);
  }
  const known = YAML_PROBLEMS[error.code];
  const message = error.message.split("\n")[0]!.replace(/\.$/, "");
  return new ModelError({ file, line, column: col }, known?.expected ?? "valid YAML or JSON", known?.found ?? message);
}

/** Column of the character `at` of an expression, when the scalar is written on one line as-is. */
function expressionPlace(source: Source, path: readonly Segment[], expression: string, at: number | undefined): Place | undefined {
  if (at === undefined) return undefined;
  const { node } = source.locate(path);
  if (!isScalar(node) || !node.range) return undefined;
  const written = source.text.slice(node.range[0], node.range[1]);
  const quoted = /^["']/.test(written);
  if ((quoted ? written.slice(1, -1) : written) !== expression || written.includes("\n")) return undefined;
  const { line, column } = source.position(node);
  return { file: source.file, line, column: column + (quoted ? 1 : 0) + at, path: renderPath(path) };
}

function expressionAt(source: Source, path: readonly Segment[], value: RawExpression): Expression {
  const text = typeof value === "number" ? String(value) : value;
  const analysis = analyzeExpression(text);
  if ("problem" in analysis) {
    const { expected, found, hint, at } = analysis.problem;
    const precise = expressionPlace(source, path, text, at);
    if (precise) throw new ModelError(precise, expected, found, hint);
    throw source.error(path, expected, found, hint);
  }
  return { source: text, where: source.where(path) };
}

function capacityOr(source: Source, path: readonly Segment[], value: RawExpression | undefined): Expression | "capacity" {
  if (value === undefined || (typeof value === "string" && value.trim() === "capacity")) return "capacity";
  return expressionAt(source, path, value);
}

function phiOf(source: Source, path: readonly Segment[], raw: { power?: number; points?: [number, number][] } | undefined): Phi {
  if (raw === undefined) return DEFAULT_PHI;
  if (raw.power !== undefined) return { kind: "power", p: raw.power };
  const points = raw.points!;
  const at = (k: number, c?: 0 | 1): Segment[] => [...path, "points", k, ...(c === undefined ? [] : [c])];
  const written = (k: number): string => `[${points[k]![0]}, ${points[k]![1]}]`;
  if (points[0]![0] !== 0) throw source.error(at(0, 0), "the first point at x = 0", `x = ${points[0]![0]}`);
  for (let k = 1; k < points.length; k++) {
    if (!(points[k]![0] > points[k - 1]![0])) {
      throw source.error(at(k, 0), `x increasing (greater than ${points[k - 1]![0]} of the point before)`, `x = ${points[k]![0]}`);
    }
  }
  const last = points.length - 1;
  if (points[last]![0] !== 1) throw source.error(at(last, 0), "the last point at x = 1 (phi must cover every fraction in [0, 1])", `x = ${points[last]![0]}`);
  let previousSlope = -Infinity;
  for (let k = 1; k < points.length; k++) {
    const slope = (points[k]![1] - points[k - 1]![1]) / (points[k]![0] - points[k - 1]![0]);
    const tolerance = 1e-12 * Math.max(1, Math.abs(slope), Math.abs(previousSlope));
    if (k === 1 && slope < 0) {
      throw source.error(at(1), "phi non-decreasing (each point's y at least the previous one's)", `${written(1)} after ${written(0)}`);
    }
    if (slope < previousSlope - tolerance) {
      throw source.error(
        at(k),
        "phi convex (slopes non-decreasing from point to point)",
        `slope ${+slope.toPrecision(6)} from ${written(k - 1)} to ${written(k)} after slope ${+previousSlope.toPrecision(6)}`,
      );
    }
    previousSlope = slope;
  }
  if (!(points[last]![1] > points[0]![1])) {
    throw source.error([...path, "points"], "phi increasing somewhere (a constant phi penalizes nothing)", `y = ${points[0]![1]} throughout`);
  }
  return { kind: "piecewise", points: points.map(([x, y]) => [x, y] as const) };
}

function stageOf(source: Source, path: readonly Segment[], raw: RawStage): ObjectiveSpec {
  const stage = typeof raw === "string" ? ({ kind: raw } as Exclude<RawStage, string>) : raw;
  switch (stage.kind) {
    case "sparsity":
    case "overshoot":
      return { kind: stage.kind };
    case "convex":
      return {
        kind: "convex",
        phi: phiOf(source, [...path, "phi"], stage.phi),
        weight: capacityOr(source, [...path, "weight"], stage.weight),
      };
    case "minmax":
      return { kind: "minmax", scale: capacityOr(source, [...path, "scale"], stage.scale) };
  }
}

/** Identity of a stage for the "distinct stages" rule: expressions by their text. */
function stageKey(stage: ObjectiveSpec): string {
  const text = (e: Expression | "capacity"): string => (e === "capacity" ? e : e.source.replace(/\s+/g, ""));
  switch (stage.kind) {
    case "convex":
      return JSON.stringify([stage.kind, stage.phi, text(stage.weight)]);
    case "minmax":
      return JSON.stringify([stage.kind, text(stage.scale)]);
    default:
      return stage.kind;
  }
}

function budgetOf(source: Source, raw: RawModel["budget"]): BudgetSpec {
  if (raw?.deficit !== undefined && raw.budget !== undefined) {
    const later = source.place(["budget", "budget"]).offset > source.place(["budget", "deficit"]).offset ? "budget" : "deficit";
    throw source.error(
      ["budget", later],
      "either deficit (B = deficit * (1 + margin)) or budget (B itself), not both",
      `deficit ${raw.deficit} and budget ${raw.budget}`,
      undefined,
      true,
    );
  }
  return {
    margin: raw?.margin ?? 0,
    ...(raw?.deficit !== undefined ? { deficit: raw.deficit } : {}),
    ...(raw?.budget !== undefined ? { budget: raw.budget } : {}),
  };
}

/** Column names that may not be seniority layers: the table already gives them a meaning. */
const RESERVED_LAYER_NAMES = ["id", "capacity"];

function seniorityOf(source: Source, names: readonly string[] | undefined): readonly string[] | undefined {
  if (names === undefined) return undefined;
  const seen = new Map<string, number>();
  names.forEach((name, k) => {
    const path = ["constraints", "seniority", k];
    if (RESERVED_LAYER_NAMES.includes(name)) {
      throw source.error(path, "a layer capacity column (capacity is the sum of the layers; id is not a number)", JSON.stringify(name));
    }
    const first = seen.get(name);
    if (first !== undefined) {
      throw source.error(path, "distinct layer names", `${JSON.stringify(name)} again (also constraints.seniority[${first}])`);
    }
    seen.set(name, k);
  });
  return names;
}

function lotsOf(source: Source, raw: NonNullable<RawModel["constraints"]>["lots"]): LotsSpec | undefined {
  if (raw === undefined) return undefined;
  if (raw === "positions") return { source: "positions" };
  if (raw.lotValue === raw.lots) {
    throw source.error(["constraints", "lots", "lots"], "a lots column different from the lotValue column", JSON.stringify(raw.lots));
  }
  return { source: "columns", lotValue: raw.lotValue, lots: raw.lots };
}

/**
 * Parses and validates a model file's text (YAML or JSON). `file` names it in messages and in
 * every `Expression.where`. Returns a `Model` with defaults filled in (margin 0, coverage atLeast,
 * stageTolerance 1e-9, convex phi x^2, weight/scale "capacity") and every expression checked
 * against the whitelist (but not yet against any columns: that is bind's job).
 * Throws ModelError naming file:line:column, key path, expected and found.
 */
export function parseModel(text: string, file: string): Model {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const problem = doc.errors[0];
  if (problem) throw syntaxError(file, text, lines, problem);
  if (doc.contents === null) {
    throw new ModelError({ file }, "a model (a map with at least name and objective)", "an empty file");
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (error) {
    throw new ModelError({ file }, "YAML whose aliases expand to a reasonable size", error instanceof Error ? error.message : String(error));
  }
  const source = new Source(file, text, doc, lines);
  const errors = validate(data);
  if (errors.length > 0) throw schemaError(source, data, errors);
  const raw = data as RawModel;

  const listed = Array.isArray(raw.objective);
  const stages = (listed ? (raw.objective as RawStage[]) : [raw.objective as RawStage]).map((stage, k) =>
    stageOf(source, listed ? ["objective", k] : ["objective"], stage),
  );
  const firstOf = new Map<string, number>();
  stages.forEach((stage, k) => {
    const key = stageKey(stage);
    const first = firstOf.get(key);
    if (first !== undefined) {
      throw source.error(["objective", k], "distinct lexicographic stages (a repeated stage changes nothing)", `the same stage as objective[${first}]`);
    }
    firstOf.set(key, k);
  });

  const constraints = raw.constraints ?? {};
  const lots = lotsOf(source, constraints.lots);
  if (constraints.coverage === "exact" && lots !== undefined) {
    throw source.error(
      ["constraints", "coverage"],
      "coverage atLeast when lots are modelled (sums of whole lots rarely hit B exactly)",
      '"exact"',
      "drop constraints.lots or use coverage: atLeast with an overshoot objective",
    );
  }
  const seniority = seniorityOf(source, constraints.seniority);

  return {
    name: raw.name,
    file,
    ...(raw.description !== undefined ? { description: raw.description } : {}),
    budget: budgetOf(source, raw.budget),
    objective: stages,
    coverage: constraints.coverage ?? "atLeast",
    ...(constraints.alpha !== undefined ? { alpha: constraints.alpha } : {}),
    ...(lots !== undefined ? { lots } : {}),
    ...(constraints.maxAccounts !== undefined ? { maxAccounts: constraints.maxAccounts } : {}),
    ...(constraints.eligibility !== undefined
      ? { eligibility: expressionAt(source, ["constraints", "eligibility"], constraints.eligibility) }
      : {}),
    ...(seniority !== undefined ? { seniority } : {}),
    stageTolerance: raw.stageTolerance ?? DEFAULT_STAGE_TOLERANCE,
  };
}

/**
 * Reads and parses a model file (see parseModel). A file that cannot be read is a ModelError
 * naming it, never a raw ENOENT.
 */
export function loadModel(path: string): Model {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    const found = describeReadError(error);
    throw new ModelError({ file: path }, "a readable model file (YAML or JSON)", found);
  }
  return parseModel(text.replace(/^\uFEFF/, ""), path);
}
