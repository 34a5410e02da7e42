/**
 * Fuzz families shared by scripts/fuzz.ts (>= 10^5 cases) and test/hardening/fuzz.test.ts (a CI-sized
 * sample with a fixed seed). Each family is a fast-check arbitrary of inputs and a `check` that runs
 * the workbench on one input and throws (a PropertyFailure) when a hardening property breaks:
 *  - nothing escapes but a WorkbenchError (no internal error, no stack trace);
 *  - every rejection names a file or a flag and says "expected … found …";
 *  - every accepted wave's answer passes verifyAllocation: optimal/feasible come with verified.ok,
 *    infeasible with a certificate that names a broken promise;
 *  - on a tiny wave (n <= 6) the answer is held to the exact-rational oracle (test/oracle), not to the
 *    verifier: exact optimum, exact feasibility of the allocation and of the answer's list, and
 *    (oracleFamily) the verifier's verdict on hostile allocations; a disagreement from a bug known
 *    today (issue 10) is tallied in knownDisagreements, any other fails;
 *  - expressions compile to column arithmetic only, or are rejected with a ModelError.
 */
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { parse as parseYaml, stringify as stringifyYaml } from "yaml";
import type { AccountTable, Model, Wave } from "../../src/domain.js";
import { ModelError, WorkbenchError } from "../../src/errors.js";
import { bindWave } from "../../src/pipeline/bind/bind.js";
import { loadAccounts } from "../../src/pipeline/instance/load.js";
import { EXPRESSION_FUNCTIONS, analyzeExpression, compileExpression, type ExpressionTree } from "../../src/pipeline/model/expression.js";
import { parseModel } from "../../src/pipeline/model/parse.js";
import { solveWave } from "../../src/pipeline/solve/solve.js";
import { verifyAllocation } from "../../src/pipeline/verify/verify.js";
import { main } from "../../src/cli/main.js";
import { compareWithOracle, describeWave, judgeResult, knownBug, ROUTES, type Disagreement } from "../oracle/differential.js";
import { verdictDisagreements } from "../oracle/hostile.js";
import { lotVectorCount, oracleOptimum } from "../oracle/oracle.js";
import { tinyWave, waveOf, type OracleCase } from "../oracle/waves.js";

/** A broken hardening property: the input that broke it is in the message. */
export class PropertyFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PropertyFailure";
  }
}

export type Outcome = "accepted" | "rejected";

export interface Family<T> {
  readonly name: string;
  readonly arbitrary: fc.Arbitrary<T>;
  check(input: T): Promise<Outcome>;
}

const MODELS_DIR = new URL("../../models/", import.meta.url);
export const BUNDLED_MODELS = ["queue-l0", "pro-rata", "risk-weighted", "profits-first", "alpha-capped", "lots-minmax", "lots-sparsity-overshoot", "convex-quadratic"];
const bundledText = (name: string): string => readFileSync(new URL(`${name}.yaml`, MODELS_DIR), "utf8");
const WORKED_EXAMPLE = new URL("../../examples/worked-example.csv", import.meta.url).pathname;

/** A rejection must be a WorkbenchError naming `names` (a file or a flag) with "expected … found …". */
export function checkRejection(error: unknown, names: readonly string[], input: string): void {
  if (!(error instanceof WorkbenchError)) {
    throw new PropertyFailure(`not a WorkbenchError: ${error instanceof Error ? error.stack : String(error)}\ninput: ${input}`);
  }
  if (!/expected [\s\S]*; found /.test(error.message)) throw new PropertyFailure(`no "expected … found …" in ${JSON.stringify(error.message)}\ninput: ${input}`);
  if (!names.some((name) => error.message.includes(name))) {
    throw new PropertyFailure(`the message names none of ${JSON.stringify(names)}: ${JSON.stringify(error.message)}\ninput: ${input}`);
  }
}

// ---------------------------------------------------------------------------------------------
// The oracle: exact-rational brute force on tiny waves (test/oracle), not the verifier
// ---------------------------------------------------------------------------------------------

/** Disagreements with the oracle that come from a bug of issue 10 known today, by route, kind and bug, with the first reproducers. */
export interface KnownTally {
  readonly count: number;
  readonly examples: string[];
}
export const knownDisagreements = new Map<string, KnownTally>();
/** Backends that failed every attempt on a tiny wave (no answer claimed), by route: not disagreements. */
export const caughtBackendFailures = new Map<string, KnownTally>();

/** The oracle decides waves this small (n <= 6, at most 2,000 lot vectors to enumerate). */
export function oracleDecides(wave: Wave): boolean {
  return wave.ids.length <= 6 && lotVectorCount(wave) <= 2000;
}

/**
 * Holds disagreements to the oracle: one from a known bug (knownBug) is tallied in
 * knownDisagreements; any other is a PropertyFailure with the wave as data.
 */
export function holdToOracle(wave: Wave, route: string, found: readonly Disagreement[], input: string, path?: string): void {
  for (const disagreement of found) {
    if (disagreement.kind === "backend") {
      // Caught, not a wrong answer: the backend's vector broke a row (robust.ts) or it threw, and it
      // claimed nothing. Counted apart from disagreements; the oracle family re-solves on the default route.
      tally(caughtBackendFailures, route, disagreement.detail, wave);
      continue;
    }
    const bug = knownBug(wave, route, disagreement, path);
    if (bug === undefined) {
      throw new PropertyFailure(`the oracle disagrees (${route}, ${disagreement.kind}): ${disagreement.detail}\nwave: ${JSON.stringify(describeWave(wave))}\ninput: ${input}`);
    }
    // FUZZ_DUMP=<file>: every known disagreement, one JSON line each, for replaying them after a fix.
    if (process.env.FUZZ_DUMP) appendFileSync(process.env.FUZZ_DUMP, `${JSON.stringify({ route, kind: disagreement.kind, bug, path, detail: disagreement.detail, wave: describeWave(wave) })}\n`);
    tally(knownDisagreements, `${route} ${disagreement.kind} ${bug}`, disagreement.detail, wave);
  }
}

/** Counts one entry under `key`, keeping its first three reproducers. */
function tally(map: Map<string, KnownTally>, key: string, detail: string, wave: Wave): void {
  const entry = map.get(key) ?? { count: 0, examples: [] };
  if (entry.examples.length < 3) entry.examples.push(`${detail.slice(0, 300)} | wave ${JSON.stringify(describeWave(wave)).slice(0, 1500)}`);
  map.set(key, { count: entry.count + 1, examples: entry.examples });
}

/**
 * An accepted wave: solve it on `path` and hold the answer to the oracle when the wave is tiny
 * (exact optimum, exact feasibility of the allocation and of the answer's list), to the verifier
 * otherwise.
 */
export async function checkSolved(wave: Wave, input: string, path: "auto" | "mip" = "auto"): Promise<string> {
  const result = await solveWave(wave, { path, timeLimitSeconds: 20 });
  if (oracleDecides(wave)) holdToOracle(wave, path, judgeResult(wave, result), input, result.path);
  if (result.status === "error") throw new PropertyFailure(`solveWave answered error (${result.message ?? ""})\ninput: ${input}`);
  if (result.status === "infeasible") {
    if (result.certificate.feasible || result.certificate.broken.length === 0) {
      throw new PropertyFailure(`infeasible (${result.path}) without a certificate naming a broken promise: ${JSON.stringify(result.certificate)}\ninput: ${input}`);
    }
    return result.status;
  }
  if (!result.allocation || !result.verified?.ok) throw new PropertyFailure(`${result.status} without a verified allocation: ${JSON.stringify(result.verified?.violations?.[0])}\ninput: ${input}`);
  // The verdict in the answer is recomputed here, independently of solveWave.
  const verdict = verifyAllocation(wave, result.allocation);
  if (!verdict.ok) throw new PropertyFailure(`${result.status} answer rejected by the verifier: ${verdict.violations[0]?.message}\ninput: ${input}`);
  return result.status;
}

// ---------------------------------------------------------------------------------------------
// Hostile atoms
// ---------------------------------------------------------------------------------------------

const HOSTILE_STRINGS = [
  "", " ", "NaN", "nan", "Infinity", "-Infinity", "inf", ".inf", "-.inf", ".nan", "1e308", "-1e308", "1e309", "9".repeat(400), "0x10", "0b1", "1_000",
  "=cmd|' /C calc'!A0", "+1", "-1", "@SUM(1+1)*cmd|' /C calc'!A0", "=HYPERLINK(\"http://x\")", "\t=1", "\u0000", "\u202e\u0041", "💥", "Ω≈ç√", "ﬁ", "a\u0301",
  "__proto__", "constructor", "prototype", "toString", "hasOwnProperty", "null", "undefined", "true", "~", "<<", "*anchor", "&anchor", "!!js/function 'x'",
  "x".repeat(100_000),
];

const hostileString = fc.oneof(fc.constantFrom(...HOSTILE_STRINGS), fc.string({ maxLength: 20 }), fc.string({ unit: "grapheme", maxLength: 12 }));
const hostileNumber = fc.oneof(
  fc.constantFrom(0, -0, 1e308, -1e308, 5e-324, -5e-324, Number.MAX_SAFE_INTEGER, 2 ** 31, -1, 0.5, 1.5, 1e-12),
  fc.double(),
  fc.integer(),
);
/** A value of any JSON type, shallow or deeply nested. */
const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  hostileString,
  hostileNumber,
  fc.constantFrom(null, true, false, [], {}),
  // Deeper nesting comes as text (hostileYaml): the generators here recurse.
  fc.integer({ min: 1, max: 400 }).map((depth) => {
    let v: unknown = 1;
    for (let k = 0; k < depth; k++) v = [v];
    return v;
  }),
  fc.dictionary(fc.string({ maxLength: 6 }), fc.integer(), { maxKeys: 3 }),
);

// ---------------------------------------------------------------------------------------------
// Model files
// ---------------------------------------------------------------------------------------------

const COLUMN_EXPRESSIONS = ["capacity", "risk_weight * capacity", "gains + 1", "max(capacity, 1)", "lots >= 1 ? capacity : 1", "sqrt(capacity) + 0.5"];
const ELIGIBILITY = ["capacity > 0", "gains > 0", "lots >= 1 and capacity > 1", "not (principal > 5)", "capacity >= 0", "risk_weight == 1"];

const objectiveStage = fc.oneof(
  fc.constant<unknown>("sparsity"),
  fc.constant<unknown>("overshoot"),
  fc.constantFrom(...COLUMN_EXPRESSIONS).map((scale) => ({ kind: "minmax", scale })),
  fc.record({ kind: fc.constant("convex"), phi: fc.oneof(fc.double({ min: 1.1, max: 4, noNaN: true }).map((power) => ({ power })), fc.constant({ points: [[0, 0], [0.5, 0.2], [1, 1]] })), weight: fc.constantFrom(...COLUMN_EXPRESSIONS) }),
);

/** A model that should validate: every option combined at random (some combinations are rightly rejected, e.g. exact coverage with lots). */
const validModelObject: fc.Arbitrary<Record<string, unknown>> = fc
  .record(
    {
      objective: fc.oneof(objectiveStage, fc.uniqueArray(objectiveStage, { minLength: 1, maxLength: 3, selector: (s) => JSON.stringify(s) })),
      alpha: fc.double({ min: 0.05, max: 1, noNaN: true }),
      maxAccounts: fc.integer({ min: 1, max: 4 }),
      eligibility: fc.constantFrom(...ELIGIBILITY),
      lots: fc.constant({ lotValue: "lot_value", lots: "lots" }),
      seniority: fc.constant(["gains", "principal"]),
      coverage: fc.constantFrom("atLeast", "exact"),
      margin: fc.double({ min: 0, max: 1, noNaN: true }),
    },
    { requiredKeys: ["objective"] },
  )
  .map(({ objective, margin, ...constraints }) => ({
    name: "fuzzed",
    objective,
    ...(margin !== undefined ? { budget: { deficit: 1, margin } } : {}),
    ...(Object.keys(constraints).length > 0 ? { constraints } : {}),
  }));

type Mutation =
  | { kind: "delete"; at: number }
  | { kind: "rename"; at: number; to: string }
  | { kind: "retype"; at: number; value: unknown };

/** Every key path of a plain object/array tree. */
function keyPaths(value: unknown, prefix: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  if (value !== null && typeof value === "object") {
    for (const key of Object.keys(value)) {
      const path = [...prefix, Array.isArray(value) ? Number(key) : key];
      out.push(path);
      keyPaths((value as Record<string, unknown>)[key], path, out);
    }
  }
  return out;
}

function mutate(tree: unknown, mutation: Mutation): unknown {
  const copy = structuredClone(tree);
  const paths = keyPaths(copy);
  if (paths.length === 0) return mutation.kind === "retype" ? mutation.value : copy;
  const path = paths[mutation.at % paths.length]!;
  let parent = copy as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
  const last = path[path.length - 1]!;
  if (mutation.kind === "delete") {
    if (Array.isArray(parent)) parent.splice(Number(last), 1);
    else delete parent[last];
  } else if (mutation.kind === "rename" && !Array.isArray(parent)) {
    const value = parent[last];
    delete parent[last];
    parent[mutation.to] = value;
  } else if (mutation.kind === "retype" || Array.isArray(parent)) {
    parent[last] = mutation.kind === "retype" ? mutation.value : mutation.to;
  }
  return copy;
}

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant("delete" as const), at: fc.nat() }),
  fc.record({ kind: fc.constant("rename" as const), at: fc.nat(), to: fc.oneof(hostileString, fc.constantFrom("objectve", "Objective", "constraint", "alpah", "kind ", "budgets")) }),
  fc.record({ kind: fc.constant("retype" as const), at: fc.nat(), value: hostileValue }),
);

/** YAML texts no model can be: alias bombs, junk, truncations, other documents. */
const hostileYaml = fc.oneof(
  fc.constant("a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]\ng: [*f, *f, *f, *f, *f, *f, *f, *f, *f]\nname: x\nobjective: sparsity\n"),
  fc.constant("name: &n x\nobjective: *n\n"),
  fc.constant("name: x\nobjective: *undefined_alias\n"),
  fc.constant("name: x\nobjective: sparsity\n---\nname: y\n"),
  fc.constant("name: x\nname: y\nobjective: sparsity\n"),
  fc.constant("!!binary aGVsbG8=\n"),
  fc.constant("name: !!js/function 'function(){return process}'\nobjective: sparsity\n"),
  fc.constant("<<: {name: x, objective: sparsity}\n"),
  fc.constant("{\"name\": \"x\", \"objective\": \"sparsity\", \"__proto__\": {\"polluted\": 1}}"),
  fc.constant("name: x\nobjective: {kind: minmax, scale: constructor}\n"),
  fc.constant("\uFEFFname: x\nobjective: sparsity\n"),
  fc.constant("name: x\r\nobjective: sparsity\r\n"),
  fc.constantFrom("", "   ", "\n", "null", "[]", "42", "'str'", "{", "name: [", "\t- x"),
  fc.integer({ min: 100, max: 5000 }).map((depth) => "name: x\nobjective: " + "[".repeat(depth) + "sparsity" + "]".repeat(depth) + "\n"),
  fc.integer({ min: 100, max: 3000 }).map((depth) => "name: x\nobjective: " + "{a: ".repeat(depth) + "1" + "}".repeat(depth) + "\n"),
  fc.string({ maxLength: 200 }),
);

export interface ModelCase {
  readonly text: string;
  readonly budget: number;
}

/** YAML text of a tree; the yaml package's stringify recurses, so a very deep tree is written as JSON (also YAML). */
function yamlText(tree: unknown): string {
  try {
    return stringifyYaml(tree);
  } catch {
    return JSON.stringify(tree);
  }
}

const modelText: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: validModelObject.map((m) => yamlText(m)) },
  { weight: 3, arbitrary: fc.tuple(fc.constantFrom(...BUNDLED_MODELS), fc.array(mutation, { minLength: 1, maxLength: 3 })).map(([name, ms]) => yamlText(ms.reduce<unknown>((tree, m) => mutate(tree, m), parseYaml(bundledText(name))))) },
  { weight: 2, arbitrary: fc.tuple(validModelObject, mutation).map(([m, mu]) => JSON.stringify(mutate(m, mu))) },
  { weight: 2, arbitrary: hostileYaml },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...BUNDLED_MODELS), fc.nat(), fc.string({ maxLength: 3 })).map(([name, at, junk]) => { const t = bundledText(name); const k = at % (t.length + 1); return t.slice(0, k) + junk + t.slice(k); }) },
);

let workedExample: AccountTable | undefined;

/** Model files bound to the worked example (which has gains, principal, risk_weight, lots) and solved. */
export const modelFamily: Family<ModelCase> = {
  name: "model",
  arbitrary: fc.record({ text: modelText, budget: fc.oneof(fc.double({ min: 0, max: 20, noNaN: true }), fc.constantFrom(0, 16, 16 + 1e-9, 15.999999999)) }),
  async check({ text, budget }) {
    const input = JSON.stringify({ text: text.length > 2000 ? text.slice(0, 2000) + "…" : text, budget });
    let model: Model;
    let wave: Wave;
    try {
      model = parseModel(text, "fuzz.yaml");
      workedExample ??= loadAccounts(WORKED_EXAMPLE, { layers: ["gains", "principal"] });
      wave = bindWave(model, { accounts: workedExample }, { budget });
    } catch (error) {
      checkRejection(error, ["fuzz.yaml", "worked-example.csv"], input);
      return "rejected";
    }
    if (typeof model.name !== "string") throw new PropertyFailure(`accepted a model without a string name\ninput: ${input}`);
    await checkSolved(wave, input);
    return "accepted";
  },
};

// ---------------------------------------------------------------------------------------------
// Accounts CSVs
// ---------------------------------------------------------------------------------------------

export interface AccountsCase {
  readonly csv: string;
  readonly model: string;
  readonly share: number;
}

const idCell = fc.oneof(
  { weight: 5, arbitrary: fc.integer({ min: 0, max: 50 }).map((k) => `acct-${k}`) },
  { weight: 2, arbitrary: fc.constantFrom("=cmd|' /C calc'!A0", "+1", "-1", "@SUM(1+1)", "__proto__", "constructor", "Ω-7", "💥", "\"quoted, comma\"", "a\u0301", "") },
  { weight: 1, arbitrary: fc.string({ unit: "grapheme", minLength: 1, maxLength: 8 }).map((s) => s.replace(/[",\r\n]/g, "_")) },
);
const amountCell = fc.oneof(
  { weight: 8, arbitrary: fc.double({ min: 0, max: 1e6, noNaN: true }).map((v) => String(v)) },
  { weight: 2, arbitrary: fc.constantFrom("1e-6", "1e12", "0", "1e308", "-0", "0.1", "3") },
  { weight: 1, arbitrary: fc.constantFrom("", "NaN", "Infinity", "-1", "1e309", "abc", "=1+1", "+1", "1,5", "0x10", " 7 ", "１") },
);
const weightCell = fc.oneof({ weight: 6, arbitrary: fc.constantFrom("1", "2", "0.5") }, { weight: 1, arbitrary: fc.constantFrom("0", "-1", "", "NaN") });
const lotsCell = fc.oneof({ weight: 6, arbitrary: fc.integer({ min: 0, max: 20 }).map(String) }, { weight: 1, arbitrary: fc.constantFrom("1.5", "-2", "", "1e10", "2147483648") });

const accountRow: fc.Arbitrary<AccountRow> = fc.record({ id: idCell, gains: amountCell, principal: amountCell, weight: weightCell, lotValue: weightCell, lots: lotsCell });

interface AccountRow {
  readonly id: string;
  readonly gains: string;
  readonly principal: string;
  readonly weight: string;
  readonly lotValue: string;
  readonly lots: string;
}

const cleanRow: fc.Arbitrary<AccountRow> = fc.record({
  id: fc.constant(""),
  gains: fc.oneof(fc.double({ min: 0, max: 1e6, noNaN: true }), fc.constantFrom(0, 1e-6, 1e12, 0.01)).map(String),
  principal: fc.oneof(fc.double({ min: 0, max: 1e6, noNaN: true }), fc.constantFrom(0, 1e-6, 1e12, 0.01)).map(String),
  weight: fc.constantFrom("1", "2", "0.5", "3.25"),
  lotValue: fc.constantFrom("1", "0.5", "10", "0.01", "1000"),
  lots: fc.integer({ min: 0, max: 50 }).map(String),
});

const accountsCsv: fc.Arbitrary<string> = fc
  .record({
    rows: fc.oneof(
      // Valid tables, unique ids (some hostile-looking but legal: formula-like, unicode).
      { weight: 2, arbitrary: fc.tuple(fc.array(cleanRow, { minLength: 1, maxLength: 25 }), fc.constantFrom("acct-", "=cmd|' /C calc'!A", "+", "-", "@SUM(", "Ω", "__proto__")).map(([rows, prefix]) => rows.map((row, k): AccountRow => ({ ...row, id: `${prefix}${k}` }))) },
      { weight: 1, arbitrary: fc.array(accountRow, { minLength: 0, maxLength: 25 }) },
    ),
    header: fc.oneof({ weight: 20, arbitrary: fc.constant("id,gains,principal,capacity,risk_weight,lot_value,lots") }, { weight: 1, arbitrary: fc.constantFrom("id,capacity", "id,id,capacity", "capacity,gains", "", "id,gains,principal,capacity,risk_weight,lot_value,lots,__proto__,constructor", "\uFEFFid,gains,principal,capacity,risk_weight,lot_value,lots") }),
    bom: fc.boolean(),
    crlf: fc.boolean(),
    ragged: fc.option(fc.nat(), { nil: undefined, freq: 8 }),
    consistent: fc.oneof({ weight: 6, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
  })
  .map(({ rows, header, bom, crlf, ragged, consistent }) => {
    const lines = rows.map((row) => {
      const g = Number(row.gains);
      const p = Number(row.principal);
      // Mostly consistent capacity = gains + principal; sometimes not (the loader must say so).
      const capacity = consistent && Number.isFinite(g) && Number.isFinite(p) && row.gains.trim() !== "" && row.principal.trim() !== "" ? String(g + p) : row.gains;
      const id = row.id.includes(",") || row.id.includes('"') ? `"${row.id.replace(/"/g, '""')}"` : row.id;
      return [id, row.gains, row.principal, capacity, row.weight, row.lotValue, row.lots].join(",");
    });
    if (ragged !== undefined && lines.length > 0) lines[ragged % lines.length] += ",extra";
    const newline = crlf ? "\r\n" : "\n";
    return (bom ? "\uFEFF" : "") + [header, ...lines].join(newline) + newline;
  });

/** Writes each case to `dir`; the loader reads paths. */
export function accountsFamily(dir: string): Family<AccountsCase> {
  mkdirSync(dir, { recursive: true });
  let counter = 0;
  return {
    name: "accounts",
    arbitrary: fc.record({ csv: accountsCsv, model: fc.constantFrom(...BUNDLED_MODELS), share: fc.oneof(fc.double({ min: 0, max: 1.2, noNaN: true }), fc.constantFrom(0, 1)) }),
    async check({ csv, model, share }) {
      const file = join(dir, `accounts-${counter++ % 64}.csv`);
      writeFileSync(file, csv);
      const input = JSON.stringify({ csv: csv.length > 3000 ? csv.slice(0, 3000) + "…" : csv, model, share });
      let wave: Wave;
      try {
        const parsed = parseModel(bundledText(model), `models/${model}.yaml`);
        const accounts = loadAccounts(file, { layers: parsed.seniority ?? [] });
        let total = 0;
        for (const c of accounts.capacity) total += c;
        wave = bindWave(parsed, { accounts }, { budget: share === 1 ? total : share * total });
      } catch (error) {
        checkRejection(error, [file, `models/${model}.yaml`], input);
        return "rejected";
      }
      await checkSolved(wave, input);
      return "accepted";
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Expressions
// ---------------------------------------------------------------------------------------------

const HOSTILE_EXPRESSIONS = [
  "constructor", "__proto__", "prototype", "this", "process", "globalThis", "import(\"fs\")", "import", "require(\"fs\")",
  "f(x) = x", "f(x) = process", "a = 1", "capacity = 0", "evaluate(\"1+1\")", "parse(\"x\")", "compile(\"x\")", "simplify(\"x\")",
  "\"string\"", "'s'", "[1, 2]", "matrix([1,2])", "{a: 1}", "capacity.constructor", "capacity[1]", "capacity[\"constructor\"]",
  "1:3", "a; b", "5 cm", "capacity to cm", "typeOf(capacity)", "cos(capacity)", "concat(\"a\", \"b\")", "string(capacity)",
  "format(1)", "createUnit(\"x\")", "reviver", "chain(1)", "map([1], f)", "x => x", "(() => 1)()", "capacity!", "2 capacity",
  "capacity'", "i", "pi", "e", "Infinity", "NaN", "true", "null", "undefined", "0/0", "1/0", "log(-1)", "sqrt(-4) > 0",
  "capacity ? 1", "max()", "pow(1)", "min(1,2,3,4,5,6,7,8,9,10)", "toString()", "valueOf", "hasOwnProperty(\"x\")",
  "capacity && gains", "!capacity", "capacity == 1 ? __proto__ : 1", "import({x: 1})", "derivative(\"x^2\", \"x\")",
  "constructor(capacity)", "valueOf(capacity)", "toString(capacity)", "hasOwnProperty(capacity)", "__proto__(capacity)",
  "isPrototypeOf(1)", "__defineGetter__(1, 2)", "__lookupGetter__(capacity)", "propertyIsEnumerable(1)", "toLocaleString(1)",
];
const EXPRESSION_TOKENS = ["capacity", "constructor(", "valueOf(", "toString(", "hasOwnProperty(", "gains", "risk_weight", "1", "0", "2.5", "1e308", "+", "-", "*", "/", "^", "(", ")", ">", "<=", "==", "!=", "and", "or", "not", "?", ":", ",", "max(", "min(", "sqrt(", "log(", "abs(", "pow(", "constructor", "__proto__", "=", ".", "[", "]", "\"", "process", "this"];

const expressionSource = fc.oneof(
  fc.constantFrom(...HOSTILE_EXPRESSIONS),
  fc.array(fc.constantFrom(...EXPRESSION_TOKENS), { minLength: 1, maxLength: 12 }).map((tokens) => tokens.join(" ")),
  fc.tuple(fc.constantFrom(...HOSTILE_EXPRESSIONS), fc.constantFrom(...COLUMN_EXPRESSIONS), fc.constantFrom(" + ", " * ", " > ", " and ", " ? 1 : ")).map(([a, b, op]) => `${b}${op}${a}`),
  fc.integer({ min: 50, max: 20_000 }).map((depth) => "(".repeat(depth) + "capacity" + ")".repeat(depth)),
  fc.integer({ min: 50, max: 20_000 }).map((depth) => "-".repeat(depth) + "capacity"),
  fc.integer({ min: 50, max: 5_000 }).map((depth) => "max(".repeat(depth) + "capacity" + ")".repeat(depth)),
  fc.integer({ min: 50, max: 20_000 }).map((length) => Array.from({ length }, () => "capacity").join(" + ")),
  fc.string({ maxLength: 40 }),
);

/** Names of the functions a tree calls (iterative: trees may be deep). */
function callsOf(tree: ExpressionTree): string[] {
  const calls: string[] = [];
  const stack: ExpressionTree[] = [tree];
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (node.op === "call") {
      calls.push(node.fn);
      stack.push(...node.args);
    } else if (node.op === "unary") stack.push(node.arg);
    else if (node.op === "binary") stack.push(node.left, node.right);
    else if (node.op === "if") stack.push(node.condition, node.then, node.otherwise);
  }
  return calls;
}

const EXPRESSION_COLUMNS: ReadonlyMap<string, Float64Array> = new Map([
  ["capacity", Float64Array.from([0, 1, 1e-6, 1e12, 5])],
  ["gains", Float64Array.from([0, 0.5, 0, 1e12, -2])],
  ["risk_weight", Float64Array.from([1, 2, 0.5, 1, 3])],
]);

const prototypeKeys = (): string => [Object.getOwnPropertyNames(Object.prototype), Object.getOwnPropertyNames(Function.prototype), Object.getOwnPropertyNames(Array.prototype)].map((k) => k.sort().join(",")).join("|");
const PRISTINE = prototypeKeys();
const GLOBALS = Object.getOwnPropertyNames(globalThis).length;

/** Expressions over three numeric columns: a ModelError at fuzz.yaml, or numbers per row and nothing touched outside. */
export const expressionFamily: Family<string> = {
  name: "expression",
  arbitrary: expressionSource,
  async check(source) {
    const input = JSON.stringify(source.length > 300 ? source.slice(0, 300) + "…" : source);
    let outcome: Outcome;
    try {
      const compiled = compileExpression({ source, where: "fuzz.yaml:3:5" }, [...EXPRESSION_COLUMNS.keys()], { key: "constraints.eligibility" });
      const values: unknown = compiled.evaluate(EXPRESSION_COLUMNS, 5);
      if (!(values instanceof Float64Array) || values.length !== 5) throw new PropertyFailure(`evaluate returned ${Object.prototype.toString.call(values)}\ninput: ${input}`);
      for (const name of compiled.columns) if (!EXPRESSION_COLUMNS.has(name)) throw new PropertyFailure(`reads ${name}, not an account column\ninput: ${input}`);
      // Only the whitelisted functions, by their own names (not Object.prototype's methods).
      const analysis = analyzeExpression(source);
      if (!("tree" in analysis)) throw new PropertyFailure(`compiled but analyzeExpression rejects it\ninput: ${input}`);
      for (const fn of callsOf(analysis.tree)) if (!Object.hasOwn(EXPRESSION_FUNCTIONS, fn)) throw new PropertyFailure(`calls ${fn}(), not a whitelisted function\ninput: ${input}`);
      outcome = "accepted";
    } catch (error) {
      if (error instanceof PropertyFailure) throw error;
      if (!(error instanceof ModelError)) throw new PropertyFailure(`not a ModelError: ${error instanceof Error ? error.stack : String(error)}\ninput: ${input}`);
      checkRejection(error, ["fuzz.yaml"], input);
      outcome = "rejected";
    }
    if (prototypeKeys() !== PRISTINE || Object.getOwnPropertyNames(globalThis).length !== GLOBALS) throw new PropertyFailure(`a prototype or the global object changed\ninput: ${input}`);
    return outcome;
  },
};

// ---------------------------------------------------------------------------------------------
// Command lines
// ---------------------------------------------------------------------------------------------

export interface Captured {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `main(argv)` in this process with stdout and stderr captured. */
export async function runCli(argv: readonly string[]): Promise<Captured> {
  const out: string[] = [];
  const err: string[] = [];
  const writeOut = process.stdout.write;
  const writeErr = process.stderr.write;
  process.stdout.write = ((chunk: string | Uint8Array) => (out.push(String(chunk)), true)) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array) => (err.push(String(chunk)), true)) as typeof process.stderr.write;
  try {
    const code = await main(argv);
    return { code, stdout: out.join(""), stderr: err.join("") };
  } finally {
    process.stdout.write = writeOut;
    process.stderr.write = writeErr;
  }
}

const FLAG_VALUES = ["1", "0", "3000000", "0.001", "2.5", "-1", "NaN", "Infinity", "1e308", "", "abc", "1/2", "0x10", "=1+1", "💥", "--json", "highs", "glpk", "jslp", "cplex", "lp", "mps", "auto", "mip", "dedicated", "1:5:3", "0:1e308:2", "A", "acct-1", "all", "pro-rata,queue:capacity", "nonsense"];
const WAVE_FLAGS = ["--deficit", "--budget", "--solver", "--time-limit", "--gap", "--path", "--format", "--stage", "--heuristics", "--seed", "--max-gap", "--account", "--budgets", "--unknown", "--column", "--positions", "--map"];

export interface CliCase {
  readonly argv: readonly string[];
}

/**
 * Argument lists for solve/compare/validate/export/exposure/generate. Files: bundled models and
 * examples, a missing file, a directory; every --out/--csv points into `dir` (generate always gets one,
 * so that nothing is written to the real stdout).
 */
export function cliFamily(dir: string): Family<CliCase> {
  mkdirSync(dir, { recursive: true });
  const allocation = join(dir, "allocation.csv");
  writeFileSync(allocation, "id,haircut\nA,1\nB,1\nC,0.5\n");
  const badModel = join(dir, "bad-model.yaml");
  writeFileSync(badModel, "name: x\nobjective: sparcity\n");
  const modelArg = fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...BUNDLED_MODELS).map((m) => `models/${m}.yaml`) },
    { weight: 1, arbitrary: fc.constantFrom("models/missing.yaml", dir, badModel, "", "-", "--json") },
  );
  const accountsArg = fc.oneof({ weight: 6, arbitrary: fc.constantFrom("examples/worked-example.csv", "examples/worked-example-pnl.csv") }, { weight: 1, arbitrary: fc.constantFrom("missing.csv", dir, badModel, "") });
  const extraFlags = fc.oneof({ weight: 3, arbitrary: fc.constant<string[]>([]) }, { weight: 2, arbitrary: fc.array(fc.tuple(fc.constantFrom(...WAVE_FLAGS), fc.constantFrom(...FLAG_VALUES)), { minLength: 1, maxLength: 3 }).map((pairs) => pairs.flat()) });
  const budgetFlags = fc.oneof(
    { weight: 5, arbitrary: fc.tuple(fc.constantFrom("--deficit", "--budget"), fc.oneof(fc.double({ min: 0, max: 20, noNaN: true }).map(String), fc.constantFrom("0", "16", "1e-9"))) },
    { weight: 1, arbitrary: fc.tuple(fc.constantFrom("--deficit", "--budget"), fc.constantFrom(...FLAG_VALUES)) },
  );
  const waveCommand = fc
    .record({ command: fc.constantFrom("solve", "compare", "validate", "export", "exposure"), model: modelArg, accounts: accountsArg, budget: fc.option(budgetFlags, { nil: undefined }), json: fc.boolean(), extra: extraFlags })
    .map(({ command, model, accounts, budget, json, extra }) => {
      const argv = [command, model, "--accounts", accounts];
      if (budget && command !== "exposure") argv.push(...budget);
      if (command === "validate") argv.push("--allocation", allocation);
      if (command === "export") argv.push("--format", json ? "lp" : "mps", "--out", join(dir, "export.out"));
      if (command === "exposure") argv.push(json ? "--all" : "--account", ...(json ? [] : ["A"]), "--csv", join(dir, "exposure.csv"));
      if (json && command !== "export") argv.push("--json");
      // compare/validate/exposure with --solver glpk or jslp would be slow at volume; the heuristics list is kept short.
      if (command === "compare") argv.push("--heuristics", "pro-rata:wealth,queue:capacity");
      return { argv: [...argv, ...extra.filter((_, k) => !(extra[k - 1] === "--heuristics"))] };
    });
  const generate = fc
    .record({ kind: fc.constantFrom("pareto", "lognormal", "normal", ""), n: fc.oneof(fc.integer({ min: 1, max: 300 }).map(String), fc.constantFrom("0", "-5", "1.5", "NaN", "", "abc")), seed: fc.oneof(fc.nat().map(String), fc.constantFrom("-1", "0.5", "NaN", "1e308")), positions: fc.boolean(), markets: fc.option(fc.constantFrom("1", "3", "0", "2.5", "NaN"), { nil: undefined }) })
    .map(({ kind, n, seed, positions, markets }) => ({
      argv: ["generate", kind, "--n", n, "--seed", seed, "--out", join(dir, "generated.csv"), ...(positions ? ["--positions", join(dir, "positions.csv")] : []), ...(markets !== undefined ? ["--markets", markets] : [])],
    }));
  return {
    name: "cli",
    arbitrary: fc.oneof({ weight: 5, arbitrary: waveCommand }, { weight: 1, arbitrary: generate }),
    async check({ argv }) {
      const input = JSON.stringify(argv);
      const { code, stdout, stderr } = await runCli(argv);
      if (code === 70 || /internal error/.test(stderr)) throw new PropertyFailure(`internal error (exit ${code}): ${stderr}\ninput: ${input}`);
      if (/\n\s+at .*:\d+:\d+\)?\n/.test(stderr)) throw new PropertyFailure(`a stack trace on stderr: ${stderr}\ninput: ${input}`);
      if (![0, 1, 2, 3].includes(code)) {
        // 4 ("every solver backend failed") is documented, but no real backend fails on these small waves.
        throw new PropertyFailure(`exit code ${code}: ${stderr.slice(0, 1000)}\ninput: ${input}`);
      }
      if (code === 2) {
        // The parser's own usage errors ("error: Unknown argument: x") name the flag; ours say expected … found ….
        if (!/^error: /m.test(stderr) && !/^adl: .*expected [\s\S]*; found /m.test(stderr)) throw new PropertyFailure(`exit 2 without a clear message: ${JSON.stringify(stderr)}\ninput: ${input}`);
        return "rejected";
      }
      if (argv.includes("--json") && (code === 0 || code === 3) && argv[0] !== "export") {
        const answer = JSON.parse(stdout) as { status?: string; verified?: { ok: boolean } | null };
        if (argv[0] === "solve") {
          if ((answer.status === "optimal" || answer.status === "feasible") && answer.verified?.ok !== true) throw new PropertyFailure(`${answer.status} without verified.ok\ninput: ${input}`);
          if (answer.status === "error") throw new PropertyFailure(`status error with exit ${code}\ninput: ${input}`);
        }
      }
      if (argv[0] === "solve" && code === 1) throw new PropertyFailure(`adl solve: the verifier rejected an answer: ${stdout.slice(0, 500)}\ninput: ${input}`);
      return code === 0 || code === 3 ? "accepted" : "rejected";
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Tiny waves against the oracle
// ---------------------------------------------------------------------------------------------

/**
 * Tiny waves in domain form (test/oracle/waves.ts: every objective and constraint, 1e-6 .. 1e15,
 * house rows, ties, one account, B = 0, B at and above the capacity sum), each solved on the
 * dedicated path, the HiGHS MIP path on every `highsEvery`-th case and GLPK on every `glpkEvery`-th, and the verifier's
 * verdict on hostile allocations of it, all held to the oracle. "accepted": a feasible wave.
 */
export function oracleFamily(options: { readonly highsEvery?: number; readonly glpkEvery?: number } = {}): Family<OracleCase> {
  const highsEvery = options.highsEvery ?? 1;
  const glpkEvery = options.glpkEvery ?? 8;
  let counter = 0;
  return {
    name: "oracle",
    arbitrary: tinyWave().filter((c) => lotVectorCount(waveOf(c)) <= 2000),
    async check(c) {
      const wave = waveOf(c);
      const input = c.label;
      const optimum = oracleOptimum(wave);
      const k = counter++;
      const routes = [ROUTES.dedicated!, ...(k % highsEvery === 0 ? [ROUTES.highs!] : []), ...(k % glpkEvery === 0 ? [ROUTES.glpk!] : [])];
      for (const route of routes) {
        const comparison = await compareWithOracle(wave, route, optimum);
        holdToOracle(wave, route.name, comparison.disagreements, input, comparison.result?.path);
        if (comparison.disagreements.some((d) => d.kind === "backend")) {
          // A backend that failed every attempt made no claim; the default route (fallbacks on) must still be right.
          const fallback = await compareWithOracle(wave, ROUTES.auto!, optimum);
          holdToOracle(wave, ROUTES.auto!.name, fallback.disagreements, input, fallback.result?.path);
        }
      }
      if (!optimum.feasible) return "rejected";
      holdToOracle(wave, "verifier", verdictDisagreements(wave, optimum).disagreements, input);
      return "accepted";
    },
  };
}
