/**
 * YAML/JSON spec files (models, experiments, scenarios) → validated plain data, with every error
 * placed: file:line:column, the key path, what was expected and what was found. One place for the
 * machinery so that every spec file speaks the same way; each format keeps its schema and its own
 * cross-field checks.
 */
import { createRequire } from "node:module";
import type { ErrorObject, ValidateFunction } from "ajv";
import { LineCounter, isAlias, isMap, isScalar, isSeq, parseDocument, type Document, type Node as YamlNode } from "yaml";
import { precompiledValidator } from "./precompiled-schema.js";
import { ModelError, didYouMean, type Place } from "../../errors.js";
import { DEFAULT_SPEC_LIMIT_BYTES, inputLimit, readBoundedText } from "../../floor/io/bounded-read.js";

export type Segment = string | number;

/** What a format adds to the generic schema messages. */
export interface SchemaHints {
  /** "model", "experiment", "scenario": used in the fallback message. */
  readonly document: string;
  readonly schemaFile: string;
  /** The tag values of a discriminated union (e.g. objective kinds), for did-you-mean. */
  readonly discriminatorKinds?: readonly string[];
  /** A format's own wording of "expected" for an enum or type error at `path`; undefined for the generic one. */
  readonly expected?: (path: readonly Segment[], error: ErrorObject) => string | undefined;
}

/** An ajv validator with the options every spec format uses (all errors, placed values). */
export function compileSchema(schema: object): (data: unknown) => readonly ErrorObject[] {
  let validator: ValidateFunction | undefined;
  return (data) => {
    // The build's precompiled validator when it matches (no ajv compiler at start-up), else ajv, loaded here.
    const options = { allErrors: true, verbose: true, discriminator: true, strictNumbers: true, allowUnionTypes: true };
    validator ??= precompiledValidator(schema, options) ?? new (createRequire(import.meta.url)("ajv") as typeof import("ajv")).Ajv(options).compile(schema);
    return validator(data) ? [] : (validator.errors ?? []);
  };
}

/**
 * The text of a spec file ("model", "experiment", "scenario"), byte-order mark removed. A file that
 * cannot be read, is not a regular file (`/dev/zero`, a FIFO, a directory) or is larger than
 * DEFAULT_SPEC_LIMIT_BYTES (64 MiB; `ADL_MAX_INPUT_BYTES` replaces it) is a ModelError naming it,
 * never a raw ENOENT or an endless read. Memory O(min(size, limit)).
 */
export function readSpecText(path: string, document: string): string {
  const limit = inputLimit(DEFAULT_SPEC_LIMIT_BYTES);
  return readBoundedText(path, { what: `${document} file (YAML or JSON)`, limit, error: ModelError }).replace(/^\uFEFF/, "");
}

/**
 * Parses one YAML (or JSON) document and validates it against a schema. Returns the plain data and
 * the Source for placing the format's own cross-field errors. Throws ModelError on the first problem.
 */
export function parseValidated(
  text: string,
  file: string,
  validate: (data: unknown) => readonly ErrorObject[],
  hints: SchemaHints & { readonly emptyExpected: string },
): { data: unknown; source: Source } {
  const lines = new LineCounter();
  const doc = parseDocument(text.replace(/^\uFEFF/, ""), { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const problem = doc.errors[0];
  if (problem) throw syntaxError(file, text, lines, problem);
  if (doc.contents === null) throw new ModelError({ file }, hints.emptyExpected, "an empty file");
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (error) {
    throw new ModelError({ file }, "YAML whose aliases expand to a reasonable size", error instanceof Error ? error.message : String(error));
  }
  const source = new Source(file, text, doc, lines);
  const errors = validate(data);
  if (errors.length > 0) throw schemaError(source, data, errors, hints);
  return { data, source };
}

export function renderPath(path: readonly Segment[]): string {
  let out = "";
  for (const segment of path) out += typeof segment === "number" ? `[${segment}]` : `${out ? "." : ""}${segment}`;
  return out;
}

export function clip(text: string, limit = 60): string {
  return text.length > limit ? `${text.slice(0, limit - 1)}…` : text;
}

/** Source positions and found-values for paths into one parsed document. */
export class Source {
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
function candidate(source: Source, data: unknown, e: ErrorObject, hints: SchemaHints): Candidate | undefined {
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
      const expected = hints.expected?.(path, e) ?? `one of ${allowed.join(", ")}`;
      make = () =>
        source.error(path, expected, source.found(path, e.data), near ? `did you mean "${near}"?` : undefined);
      break;
    }
    case "discriminator": {
      target = [...path, "kind"];
      const tagValue = params["tagValue"];
      const kinds = hints.discriminatorKinds ?? [];
      const near = typeof tagValue === "string" ? didYouMean(tagValue, kinds) : undefined;
      const kind = (e.data as Record<string, unknown> | null)?.["kind"];
      if (kind === undefined) return undefined; // reported by `required`
      make = () =>
        source.error(target, `one of ${kinds.join(", ")}`, source.found(target, kind), near ? `did you mean "${near}"?` : undefined);
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
      const expected =
        hints.expected?.(path, e) ?? ([] as string[]).concat(params["type"] as string | string[]).map((t) => TYPE_WORDS[t] ?? t).join(" or ");
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
export function schemaError(source: Source, data: unknown, errors: readonly ErrorObject[], hints: SchemaHints): ModelError {
  let candidates = errors.map((e) => candidate(source, data, e, hints)).filter((c): c is Candidate => c !== undefined);
  // An unknown key next to a missing one is most likely its misspelling: report the key, in place.
  const misspelt = new Set(candidates.filter((c) => c.keyword === "additionalProperties").map((c) => c.at));
  candidates = candidates.filter((c) => !(c.keyword === "required" && misspelt.has(c.at)));
  candidates.sort((a, b) => a.offset - b.offset || b.depth - a.depth || a.rank - b.rank);
  const best = candidates[0];
  if (best) return best.error();
  const first = errors[0];
  return source.error([], `a ${hints.document} that matches ${hints.schemaFile}`, first?.message ?? "something else");
}

const YAML_PROBLEMS: Readonly<Record<string, { expected: string; found?: string }>> = {
  MULTIPLE_DOCS: { expected: "a single YAML document", found: "a second document (---)" },
  TAB_AS_INDENT: { expected: "spaces for indentation", found: "a tab" },
};

export function syntaxError(file: string, text: string, lines: LineCounter, error: { code: string; message: string; pos: [number, number] }): ModelError {
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

