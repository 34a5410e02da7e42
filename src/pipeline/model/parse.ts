/**
 * Model files (YAML or JSON) → a validated `Model`.
 *
 * Both formats go through the `yaml` parser (JSON is YAML 1.2 flow syntax), which keeps every
 * node's source range; so every error, from the YAML syntax up to the checks JSON Schema cannot
 * express, names file:line:column, the key path (`objective[1].kind`), what was expected and what
 * was found. The format is `schema/model.schema.json`; the schema is the single source of truth for
 * keys and types, and this module adds defaults and the cross-field checks.
 */
import { isScalar } from "yaml";
import modelSchema from "../../../schema/model.schema.json" with { type: "json" };
import type { BudgetSpec, Expression, LotsSpec, Model, ObjectiveSpec } from "../../domain.js";
import { ModelError, type Place } from "../../errors.js";
import { moduleOf, type ParseContext } from "../objectives/index.js";
import { analyzeExpression } from "./expression.js";
import { compileSchema, parseValidated, readSpecText, renderPath, type SchemaHints, type Segment, type Source } from "./yaml-source.js";

/** The objective kinds a model may name, in the schema's order. */
export const OBJECTIVE_KINDS = modelSchema.definitions.kindName.enum as readonly ObjectiveSpec["kind"][];

/** Default relative tolerance with which a lexicographic stage fixes the previous optimum. */
export const DEFAULT_STAGE_TOLERANCE = 1e-9;

/** phi when a convex stage does not say: x^2 (src/pipeline/objectives/convex.ts). */
export { DEFAULT_PHI } from "../objectives/index.js";


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

const validate = compileSchema(modelSchema);

/** The model format's own wording where the generic schema message would be vague. */
const MODEL_HINTS: SchemaHints & { emptyExpected: string } = {
  document: "model",
  schemaFile: "schema/model.schema.json",
  emptyExpected: "a model (a map with at least name and objective)",
  discriminatorKinds: OBJECTIVE_KINDS,
  expected(path, e) {
    const at = path.join(".");
    if (e.keyword === "enum") return at === "constraints.lots" ? `"positions" or a map {lotValue, lots}` : undefined;
    if (e.keyword !== "type") return undefined;
    if (path.length === 1 && path[0] === "objective") return `a kind name (${OBJECTIVE_KINDS.join(", ")}), a map with kind, or a list of these`;
    if (path.length === 2 && path[0] === "objective" && typeof path[1] === "number") return `a kind name (${OBJECTIVE_KINDS.join(", ")}) or a map with kind`;
    if (e.schemaPath.startsWith("#/definitions/expression")) return 'an expression (a string such as "risk_weight * capacity", or a number)';
    if (at === "constraints.lots") return `the string "positions" or a map {lotValue, lots}`;
    return undefined;
  },
};

/** `objective[1].phi.power` */
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

/** A stage (a kind name or a map with kind) read by its objective's module (src/pipeline/objectives). */
function stageOf(source: Source, path: readonly Segment[], raw: RawStage): ObjectiveSpec {
  const stage = typeof raw === "string" ? ({ kind: raw } as Exclude<RawStage, string>) : raw;
  const context: ParseContext = {
    error: (at, expected, found) => source.error(at, expected, found),
    expression: (at, value) => capacityOr(source, at, value as RawExpression | undefined),
  };
  return moduleOf(stage).parse(stage as Record<string, unknown>, path, context);
}

/** Identity of a stage for the "distinct stages" rule: expressions by their text (its module's key). */
function stageKey(stage: ObjectiveSpec): string {
  return moduleOf(stage).key(stage);
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
  const { data, source } = parseValidated(text, file, validate, MODEL_HINTS);
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
  return parseModel(readSpecText(path, "model"), path);
}
