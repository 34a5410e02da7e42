/**
 * Column mappings: how an exchange export's columns become the workbench's account (and position)
 * columns, so that exports load as they are. A mapping file (YAML or JSON):
 *
 *   accounts: { id: user, capacity: equity_usd, gains: upnl_usd }   # target: source column
 *   derive:   { principal: "equity_usd - upnl_usd" }                 # target: expression over SOURCE columns
 *   scale:    { capacity: 1e-6 }                                     # target *= factor (> 0), after derive
 *   keep:     [leverage, equity_usd]                                 # source columns also kept under their own name
 *   positions: { account_id: user, lot_value: px_per_lot, lots: qty } # renames for the positions file
 *
 * With a mapping file, file columns that are not mapped, kept or read by a derive are ignored
 * (exports carry timestamps and text); with `--column TARGET=SOURCE` flags alone, the other columns
 * load under their own names as without a mapping. Flags override the file's entry for the same
 * target. Derive expressions read the file's numbers as written (before scale) and use the model
 * expression language (src/pipeline/model/expression.ts).
 */
import { LineCounter, isMap, isScalar, isSeq, parseDocument, type Node } from "yaml";
import type { Expression } from "../../domain.js";
import { InstanceError, didYouMean, type Place } from "../../errors.js";
import { analyzeExpression, compileExpression } from "../model/expression.js";
import { DEFAULT_SPEC_LIMIT_BYTES, inputLimit, readBoundedText } from "../../floor/io/bounded-read.js";

/** One `target: source` entry with where it was written. */
export interface MappedColumn {
  readonly source: string;
  readonly place: Place;
}

export interface ColumnMapping {
  /** The mapping file, or "--column" for flags. */
  readonly file: string;
  /** Account table column (target) → file column (source). */
  readonly accounts: ReadonlyMap<string, MappedColumn>;
  /** Positions table column (account_id, market, lot_value, lots) → file column. */
  readonly positions: ReadonlyMap<string, MappedColumn>;
  /** Target → expression over the accounts file's columns. */
  readonly derive: ReadonlyMap<string, { readonly expression: Expression; readonly place: Place }>;
  /** Target → factor > 0 applied after rename and derive. */
  readonly scale: ReadonlyMap<string, { readonly factor: number; readonly place: Place }>;
  /** Source columns kept under their own names. */
  readonly keep: ReadonlyMap<string, Place>;
  /** What happens to the other file columns. */
  readonly others: "keep" | "drop";
}

const TOP_KEYS = ["accounts", "positions", "derive", "scale", "keep"] as const;
const POSITION_TARGETS = ["account_id", "market", "lot_value", "lots"];

function mappingError(place: Place, expected: string, found: string, hint?: string): InstanceError {
  return new InstanceError(place, expected, found, hint);
}

/** A YAML node's place as file:line:col plus its key path. */
function placer(file: string, lines: LineCounter) {
  return (node: Node | null | undefined, path: string): Place => {
    const offset = node?.range?.[0];
    if (offset === undefined) return { file, path };
    const { line, col } = lines.linePos(offset);
    return { file, line, column: col, path };
  };
}

function scalarText(node: unknown): string | undefined {
  return isScalar(node) && (typeof node.value === "string" || typeof node.value === "number") ? String(node.value) : undefined;
}

function shownNode(node: unknown): string {
  if (isMap(node)) return "a map";
  if (isSeq(node)) return "a list";
  if (isScalar(node)) return node.value === null ? "nothing" : JSON.stringify(node.value);
  return "nothing";
}

/**
 * Parses a mapping file's text (YAML or JSON). Throws InstanceError naming file:line:col and the
 * key path: unknown keys (with a did-you-mean), a target given twice (within a section, or in
 * both `accounts` and `derive`), a source mapped to two targets, a non-positive or non-finite scale,
 * an expression the whitelist rejects. Source columns are checked against the data file later.
 */
export function parseMapping(text: string, file: string): ColumnMapping {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: false, prettyErrors: false });
  const at = placer(file, lines);
  const problem = doc.errors[0];
  if (problem) {
    const { line, col } = lines.linePos(problem.pos[0]);
    throw mappingError({ file, line, column: col }, "a well-formed YAML or JSON mapping", problem.message.split("\n")[0]!);
  }
  const root = doc.contents;
  if (!isMap(root)) throw mappingError(at(root, ""), "a map with keys accounts, positions, derive, scale, keep", shownNode(root));

  const accounts = new Map<string, MappedColumn>();
  const positions = new Map<string, MappedColumn>();
  const derive = new Map<string, { expression: Expression; place: Place }>();
  const scale = new Map<string, { factor: number; place: Place }>();
  const keep = new Map<string, Place>();
  const seenTop = new Set<string>();

  /** Each `key: value` of a map section, duplicate keys reported with the first one's line. */
  const entries = (section: unknown, path: string, visit: (key: string, value: unknown, keyPlace: Place, valuePlace: Place) => void): void => {
    if (!isMap(section)) throw mappingError(at(section as Node, path), "a map of target: value", shownNode(section));
    const first = new Map<string, Place>();
    for (const pair of section.items) {
      const key = scalarText(pair.key);
      const keyPlace = at(pair.key as Node, path);
      if (key === undefined || key.trim() === "") throw mappingError(keyPlace, "a column name as key", shownNode(pair.key));
      const earlier = first.get(key);
      if (earlier) throw mappingError({ ...keyPlace, path: `${path}.${key}` }, "each target once", `${JSON.stringify(key)} again`, `first at line ${earlier.line}`);
      first.set(key, keyPlace);
      visit(key, pair.value, keyPlace, at(pair.value as Node, `${path}.${key}`));
    }
  };

  const renames = (section: unknown, path: string, into: Map<string, MappedColumn>, targets?: readonly string[]): void => {
    const bySource = new Map<string, string>();
    entries(section, path, (target, value, keyPlace, place) => {
      if (targets && !targets.includes(target)) {
        const near = didYouMean(target, targets);
        throw mappingError({ ...keyPlace, path: `${path}.${target}` }, `one of ${targets.join(", ")}`, JSON.stringify(target), near ? `did you mean "${near}"?` : undefined);
      }
      const source = scalarText(value);
      if (source === undefined || source.trim() === "") throw mappingError(place, "the name of a column of the file", shownNode(value));
      const other = bySource.get(source);
      if (other !== undefined) throw mappingError(place, "each source column mapped once", `${JSON.stringify(source)}, already mapped to ${other}`);
      bySource.set(source, target);
      into.set(target, { source, place });
    });
  };

  for (const pair of root.items) {
    const key = scalarText(pair.key) ?? "";
    const keyPlace = at(pair.key as Node, key);
    if (!(TOP_KEYS as readonly string[]).includes(key)) {
      const near = didYouMean(key, TOP_KEYS);
      throw mappingError(keyPlace, `one of the keys ${TOP_KEYS.join(", ")}`, JSON.stringify(key), near ? `did you mean "${near}"?` : undefined);
    }
    if (seenTop.has(key)) throw mappingError(keyPlace, "each key once", `${JSON.stringify(key)} again`);
    seenTop.add(key);
    switch (key) {
      case "accounts":
        renames(pair.value, "accounts", accounts);
        break;
      case "positions":
        renames(pair.value, "positions", positions, POSITION_TARGETS);
        break;
      case "derive":
        entries(pair.value, "derive", (target, value, _keyPlace, place) => {
          const source = isScalar(value) && typeof value.value === "string" ? value.value : undefined;
          if (source === undefined) throw mappingError(place, "an expression in quotes, e.g. \"equity_usd - upnl_usd\"", shownNode(value));
          const analysis = analyzeExpression(source);
          if ("problem" in analysis) throw mappingError(place, analysis.problem.expected, analysis.problem.found, analysis.problem.hint);
          derive.set(target, { expression: { source, where: `${file}:${place.line}:${place.column}` }, place });
        });
        break;
      case "scale":
        entries(pair.value, "scale", (target, value, _keyPlace, place) => {
          const factor = isScalar(value) && typeof value.value === "number" ? value.value : Number.NaN;
          if (!(Number.isFinite(factor) && factor > 0)) throw mappingError(place, "a finite factor > 0", shownNode(value));
          scale.set(target, { factor, place });
        });
        break;
      case "keep": {
        const list = pair.value;
        if (!isSeq(list)) throw mappingError(at(list as Node, "keep"), "a list of column names", shownNode(list));
        list.items.forEach((item, k) => {
          const name = scalarText(item);
          if (name === undefined) throw mappingError(at(item as Node, `keep[${k}]`), "a column name", shownNode(item));
          keep.set(name, at(item as Node, `keep[${k}]`));
        });
        break;
      }
    }
  }
  for (const [target, { place }] of derive) {
    if (target === "id") throw mappingError(place, "a numeric target (ids are mapped under accounts)", "derive.id");
    if (accounts.has(target)) throw mappingError(place, "each target once (mapped or derived, not both)", `${JSON.stringify(target)}, also mapped under accounts at line ${accounts.get(target)!.place.line}`);
  }
  for (const [target, { place }] of scale) if (target === "id") throw mappingError(place, "a numeric target", "scale.id");
  return { file, accounts, positions, derive, scale, keep, others: "drop" };
}

/**
 * Reads and parses a mapping file (see parseMapping); an unreadable, non-regular or too large file
 * (over DEFAULT_SPEC_LIMIT_BYTES or ADL_MAX_INPUT_BYTES) is an InstanceError.
 */
export function loadMapping(path: string): ColumnMapping {
  const text = readBoundedText(path, { what: "mapping file (YAML or JSON)", limit: inputLimit(DEFAULT_SPEC_LIMIT_BYTES) });
  return parseMapping(text.replace(/^\uFEFF/, ""), path);
}

/** `--column TARGET=SOURCE` flags (repeatable) as a mapping; other columns keep their names. */
export function columnFlags(flags: readonly string[]): ColumnMapping {
  const accounts = new Map<string, MappedColumn>();
  const bySource = new Map<string, string>();
  for (const flag of flags) {
    const place: Place = { path: `--column ${flag}` };
    const match = /^\s*([^=\s][^=]*?)\s*=\s*([^=]*?)\s*$/.exec(flag);
    if (!match || match[2] === "") throw new InstanceError(place, "TARGET=SOURCE, e.g. capacity=equity_usd", JSON.stringify(flag));
    const [, target, source] = match as unknown as [string, string, string];
    if (accounts.has(target)) throw new InstanceError(place, "each target once", `${JSON.stringify(target)} again (also =${accounts.get(target)!.source})`);
    if (bySource.has(source)) throw new InstanceError(place, "each source column mapped once", `${JSON.stringify(source)}, already mapped to ${bySource.get(source)}`);
    bySource.set(source, target);
    accounts.set(target, { source, place });
  }
  return { file: "--column", accounts, positions: new Map(), derive: new Map(), scale: new Map(), keep: new Map(), others: "keep" };
}

/** A mapping file with flags on top: a flag replaces the file's entry (rename or derive) for its target. */
export function combineMappings(file: ColumnMapping | undefined, flags: ColumnMapping | undefined): ColumnMapping | undefined {
  if (!file || !flags) return file ?? flags;
  const accounts = new Map(file.accounts);
  const derive = new Map(file.derive);
  for (const [target, column] of flags.accounts) {
    derive.delete(target);
    for (const [other, mapped] of accounts) {
      if (mapped.source === column.source && other !== target) {
        throw new InstanceError(column.place, "each source column mapped once", `${JSON.stringify(column.source)}, mapped to ${other} by ${file.file}`);
      }
    }
    accounts.set(target, column);
  }
  return { ...file, accounts, derive };
}

/** How the accounts file's header columns are read under a mapping. */
export interface AccountColumnPlan {
  /** Table name of a header column, or undefined when the column is not loaded as such. */
  nameOf(written: string): string | undefined;
  /** Source columns a derive reads (read as finite numbers even when not loaded). */
  readonly derivedFrom: ReadonlySet<string>;
  /** For messages: how a source column reaches the table, e.g. "mapped to capacity by map.yaml:3:13". */
  hintOf(written: string): string | undefined;
}

function renderWhere(place: Place): string {
  return place.line !== undefined ? `${place.file}:${place.line}:${place.column}` : (place.path ?? place.file ?? "");
}

/**
 * Checks a mapping against the accounts file's header (every source column present, with a
 * did-you-mean over the header; a kept column present) and says how each column is read. A kept
 * column that is also renamed is loaded twice: under its target (scaled, if the target is) and under
 * its own name (as written, by applyDeriveAndScale); keeping a name the mapping gives to another
 * column, or the id column, is an InstanceError naming the keep entry.
 */
export function planAccountColumns(mapping: ColumnMapping, header: readonly string[], dataFile: string): AccountColumnPlan {
  const present = new Set(header);
  const missing = (name: string, place: Place, what: string): InstanceError => {
    const near = didYouMean(name, header);
    return new InstanceError(
      place,
      `${what} of ${dataFile} (${header.length <= 20 ? header.join(", ") : `${header.length} columns`})`,
      JSON.stringify(name),
      near ? `did you mean "${near}"?` : undefined,
    );
  };
  const targetOf = new Map<string, string>();
  for (const [target, { source, place }] of mapping.accounts) {
    if (!present.has(source)) throw missing(source, place, "a column");
    targetOf.set(source, target);
  }
  const targets = new Set([...mapping.accounts.keys(), ...mapping.derive.keys()]);
  for (const [name, place] of mapping.keep) {
    if (!present.has(name)) throw missing(name, place, "a column");
    const renamedTo = targetOf.get(name);
    if (renamedTo === "id" || (name === "id" && !mapping.accounts.has("id"))) {
      throw new InstanceError(place, "a numeric column to keep (the id column is always loaded)", JSON.stringify(name));
    }
    if (targets.has(name) && mapping.accounts.get(name)?.source !== name) {
      const by = mapping.accounts.get(name)?.place ?? mapping.derive.get(name)!.place;
      throw new InstanceError(
        place,
        "a column name the mapping does not give to another column",
        `${JSON.stringify(name)}, also the target ${mapping.accounts.has(name) ? `of accounts.${name}` : `of derive.${name}`} at ${renderWhere(by)}`,
        "rename one of them",
      );
    }
    if (renamedTo === undefined) targetOf.set(name, name);
  }
  const derivedFrom = new Set<string>();
  for (const [target, { expression }] of mapping.derive) {
    compileExpression(expression, header, { key: `derive.${target}`, table: dataFile }).columns.forEach((name) => derivedFrom.add(name));
  }
  return {
    derivedFrom,
    nameOf(written) {
      const target = targetOf.get(written);
      if (target !== undefined) return target;
      // A file column named like a target is shadowed by it: the mapping said where that target comes from.
      if (targets.has(written) || mapping.accounts.has("id") && written === "id") return undefined;
      if (mapping.others === "drop" && written !== "id") return undefined;
      return written;
    },
    hintOf(written) {
      const target = targetOf.get(written);
      if (target === undefined || target === written) return undefined;
      return `mapped to ${target} by ${renderWhere(mapping.accounts.get(target)!.place)}`;
    },
  };
}

/** What a table column's values must be, by name (the loader's rules). */
export type ColumnRule = (name: string) => { readonly accepts: (value: number) => boolean; readonly expected: string };

/**
 * Adds the derived columns and applies the scale factors, in place on `columns`, checking every
 * value against `ruleOf(target)`. Errors name the accounts file, the data row (1-based) and the
 * source: the derive expression with its inputs, or the scaled source column. O(rows * size).
 */
export function applyDeriveAndScale(
  mapping: ColumnMapping,
  raw: ReadonlyMap<string, Float64Array>,
  columns: Map<string, Float64Array>,
  rows: number,
  dataFile: string,
  ruleOf: ColumnRule,
): void {
  for (const [target, { expression }] of mapping.derive) {
    const compiled = compileExpression(expression, [...raw.keys()], { key: `derive.${target}`, table: dataFile });
    const values = compiled.evaluate(raw, rows);
    const rule = ruleOf(target);
    for (let i = 0; i < rows; i++) {
      if (!rule.accepts(values[i]!)) {
        const inputs = compiled.columns.map((name) => `${name}=${raw.get(name)![i]}`).join(", ");
        throw new InstanceError({ file: dataFile, row: i + 1, field: target }, rule.expected, String(values[i]), `derived as \`${expression.source}\` (${expression.where}) from ${inputs}`);
      }
    }
    columns.set(target, values);
  }
  // A renamed column that is also kept: its second name, as written (scale applies to targets only).
  for (const name of keptRenamed(mapping)) {
    const values = raw.get(name);
    if (values === undefined) continue;
    const rule = ruleOf(name);
    for (let i = 0; i < rows; i++) {
      if (!rule.accepts(values[i]!)) throw new InstanceError({ file: dataFile, row: i + 1, field: name }, rule.expected, String(values[i]), `kept by ${renderWhere(mapping.keep.get(name)!)}`);
    }
    columns.set(name, Float64Array.from(values));
  }
  for (const [target, { factor, place }] of mapping.scale) {
    const column = columns.get(target);
    if (column === undefined) {
      const near = didYouMean(target, [...columns.keys()]);
      throw new InstanceError(place, "a column the mapping loads", JSON.stringify(target), near ? `did you mean "${near}"?` : undefined);
    }
    const rule = ruleOf(target);
    const source = mapping.accounts.get(target)?.source ?? target;
    for (let i = 0; i < rows; i++) {
      const value = column[i]! * factor;
      if (!rule.accepts(value)) {
        throw new InstanceError({ file: dataFile, row: i + 1, field: source }, rule.expected, String(value), `${column[i]} × ${factor} by ${renderWhere(place)}`);
      }
      column[i] = value;
    }
  }
}

/** Kept columns that a rename also loads under another name. */
function keptRenamed(mapping: ColumnMapping): string[] {
  const renamed = new Set([...mapping.accounts].filter(([target, { source }]) => target !== source).map(([, { source }]) => source));
  return [...mapping.keep.keys()].filter((name) => renamed.has(name));
}

/** The positions section as a loader rename (source → target), checked against the positions header. */
export function positionRenames(mapping: ColumnMapping, header: readonly string[], dataFile: string): Record<string, string> {
  // Null prototype: a positions header cell "constructor" or "__proto__" must not find Object.prototype's.
  const rename: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [target, { source, place }] of mapping.positions) {
    if (!header.includes(source)) {
      const near = didYouMean(source, header);
      throw new InstanceError(place, `a column of ${dataFile} (${header.join(", ")})`, JSON.stringify(source), near ? `did you mean "${near}"?` : undefined);
    }
    rename[source] = target;
  }
  return rename;
}
