/**
 * Safe expressions over account columns.
 *
 * A model file's expressions (eligibility, convex weight, minmax scale) are parsed with mathjs's
 * parser and then held to a whitelist: numbers, column names, + - * / ^, unary -/+, comparisons
 * (chains like `a < b <= c` too), and/or/not, `c ? a : b`, parentheses, and calls to a few pure
 * functions. Everything else mathjs can parse — assignment, function definitions, property access,
 * matrices, strings, units, `import`, `evaluate`, … — is rejected before anything runs.
 *
 * The whitelisted tree is then compiled to column-wise Float64Array loops: mathjs is never called
 * per row, so 10^6 accounts evaluate in milliseconds. The results agree with mathjs's own
 * `evaluate` (comparisons, min/max and floor/ceil use its tolerances relTol = 1e-12,
 * absTol = 1e-15), with two deliberate differences, both so that a broken value reaches bind as
 * NaN instead of being silently read as "false":
 *  - where mathjs would return a complex number (sqrt, log or fractional power of a negative),
 *    the compiled form returns NaN (mathjs would throw on comparing it);
 *  - NaN propagates through comparisons, and/or/not and `c ? a : b` (mathjs says false), so
 *    `0 / 0 > 1` is NaN and bind rejects it, naming the account.
 */
import { createRequire } from "node:module";
import type { Expression } from "../../domain.js";
import { ModelError, didYouMean, type Place } from "../../errors.js";

/** An expression ready to evaluate over columns. */
export interface CompiledExpression {
  readonly expression: Expression;
  /** Account columns the expression reads, each once, in order of first use. */
  readonly columns: readonly string[];
  /**
   * The value per row, booleans as 1/0, in a fresh array the caller owns.
   * `columns` must hold every name in `this.columns` with at least `n` entries. O(n * size).
   */
  evaluate(columns: ReadonlyMap<string, Float64Array>, n: number): Float64Array;
}

/** Functions an expression may call, with their arity. */
export const EXPRESSION_FUNCTIONS: Readonly<Record<string, { readonly min: number; readonly max: number }>> = {
  abs: { min: 1, max: 1 },
  ceil: { min: 1, max: 1 },
  exp: { min: 1, max: 1 },
  floor: { min: 1, max: 1 },
  log: { min: 1, max: 2 },
  log10: { min: 1, max: 1 },
  log2: { min: 1, max: 1 },
  max: { min: 1, max: Infinity },
  min: { min: 1, max: Infinity },
  pow: { min: 2, max: 2 },
  sign: { min: 1, max: 1 },
  sqrt: { min: 1, max: 1 },
};

type UnaryOp = "neg" | "plus" | "not";
type BinaryOp = "add" | "sub" | "mul" | "div" | "pow" | "lt" | "gt" | "le" | "ge" | "eq" | "ne" | "and" | "or";

/** The whitelisted syntax tree: nothing else can be represented, so nothing else can run. */
export type ExpressionTree =
  | { readonly op: "number"; readonly value: number }
  | { readonly op: "column"; readonly name: string }
  | { readonly op: "unary"; readonly fn: UnaryOp; readonly arg: ExpressionTree }
  | { readonly op: "binary"; readonly fn: BinaryOp; readonly left: ExpressionTree; readonly right: ExpressionTree }
  | { readonly op: "call"; readonly fn: string; readonly args: readonly ExpressionTree[] }
  | { readonly op: "if"; readonly condition: ExpressionTree; readonly then: ExpressionTree; readonly otherwise: ExpressionTree };

/** Why an expression was rejected; `at` is a 0-based character offset into the source when known. */
export interface ExpressionProblem {
  readonly expected: string;
  readonly found: string;
  readonly hint?: string;
  readonly at?: number;
}

const OPERATORS: Readonly<Record<string, BinaryOp | UnaryOp>> = {
  add: "add",
  subtract: "sub",
  multiply: "mul",
  divide: "div",
  pow: "pow",
  smaller: "lt",
  larger: "gt",
  smallerEq: "le",
  largerEq: "ge",
  equal: "eq",
  unequal: "ne",
  and: "and",
  or: "or",
  unaryMinus: "neg",
  unaryPlus: "plus",
  not: "not",
};

const ALLOWED =
  "numbers, column names, + - * / ^, comparisons, and/or/not, c ? a : b and calls to " +
  Object.keys(EXPRESSION_FUNCTIONS).join(", ");

class Rejected extends Error {
  constructor(readonly problem: ExpressionProblem) {
    super(problem.found);
  }
}

/** Loosely typed view of a mathjs node: we read only what the whitelist needs. */
interface MathNodeLike {
  readonly type: string;
  readonly value?: unknown;
  readonly name?: string;
  readonly op?: string;
  readonly fn?: string | MathNodeLike;
  readonly implicit?: boolean;
  readonly args?: readonly MathNodeLike[];
  readonly params?: readonly MathNodeLike[];
  readonly conditionals?: readonly string[];
  readonly content?: MathNodeLike;
  readonly condition?: MathNodeLike;
  readonly trueExpr?: MathNodeLike;
  readonly falseExpr?: MathNodeLike;
  toString(): string;
}

const REJECTED_NODES: Readonly<Record<string, string>> = {
  AccessorNode: "property access or indexing",
  ArrayNode: "a matrix or list",
  AssignmentNode: "an assignment",
  BlockNode: "several statements",
  FunctionAssignmentNode: "a function definition",
  IndexNode: "indexing",
  ObjectNode: "an object",
  RangeNode: "a range",
};

/** `table[key]` if `key` is the table's own (a lookup must never reach Object.prototype). */
function own<T>(table: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(table, key) ? table[key] : undefined;
}

function reject(node: MathNodeLike, found: string, hint?: string): never {
  throw new Rejected({ expected: `only ${ALLOWED}`, found: `${found} \`${node.toString()}\``, ...(hint ? { hint } : {}) });
}

function toTree(node: MathNodeLike): ExpressionTree {
  switch (node.type) {
    case "ConstantNode": {
      if (typeof node.value === "number") return { op: "number", value: node.value };
      if (typeof node.value === "boolean") return { op: "number", value: node.value ? 1 : 0 };
      return reject(node, typeof node.value === "string" ? "a string" : `the constant ${String(node.value)}`);
    }
    case "SymbolNode":
      return { op: "column", name: node.name! };
    case "ParenthesisNode":
      return toTree(node.content!);
    case "ConditionalNode":
      return {
        op: "if",
        condition: toTree(node.condition!),
        then: toTree(node.trueExpr!),
        otherwise: toTree(node.falseExpr!),
      };
    case "OperatorNode": {
      const fn = typeof node.fn === "string" ? node.fn : "";
      const op = own(OPERATORS, fn);
      if (node.implicit) return reject(node, "an implicit multiplication", "write * between factors");
      if (op === undefined) return reject(node, `the operator ${node.op ?? fn}`);
      const args = node.args ?? [];
      if (args.length === 1 && (op === "neg" || op === "plus" || op === "not")) {
        return { op: "unary", fn: op, arg: toTree(args[0]!) };
      }
      if (args.length === 2 && op !== "neg" && op !== "plus" && op !== "not") {
        return { op: "binary", fn: op, left: toTree(args[0]!), right: toTree(args[1]!) };
      }
      return reject(node, `the operator ${node.op ?? fn} with ${args.length} operands`);
    }
    case "RelationalNode": {
      // mathjs reads `a < b <= c` as (a < b) and (b <= c); so do we.
      const params = (node.params ?? []).map(toTree);
      let tree: ExpressionTree | undefined;
      (node.conditionals ?? []).forEach((name, k) => {
        const fn = own(OPERATORS, name);
        if (fn === undefined) reject(node, `the comparison ${name}`);
        const pair: ExpressionTree = { op: "binary", fn: fn as BinaryOp, left: params[k]!, right: params[k + 1]! };
        tree = tree === undefined ? pair : { op: "binary", fn: "and", left: tree, right: pair };
      });
      return tree ?? reject(node, "an empty comparison");
    }
    case "FunctionNode": {
      const callee = node.fn;
      if (typeof callee !== "object" || callee.type !== "SymbolNode") return reject(node, "a computed function call");
      const name = callee.name!;
      // Own keys only: `constructor(x)` or `valueOf(x)` must not find Object.prototype's methods.
      const arity = own(EXPRESSION_FUNCTIONS, name);
      if (arity === undefined) {
        const near = didYouMean(name, Object.keys(EXPRESSION_FUNCTIONS));
        return reject(node, `a call to ${name}()`, near ? `did you mean ${near}()?` : undefined);
      }
      const args = node.args ?? [];
      if (args.length < arity.min || args.length > arity.max) {
        const wanted = arity.min === arity.max ? `${arity.min}` : arity.max === Infinity ? `at least ${arity.min}` : `${arity.min} or ${arity.max}`;
        throw new Rejected({ expected: `${name}() with ${wanted} argument${arity.max === 1 ? "" : "s"}`, found: `${args.length} in \`${node.toString()}\`` });
      }
      return { op: "call", fn: name, args: args.map(toTree) };
    }
    default:
      return reject(node, own(REJECTED_NODES, node.type) ?? `a ${node.type}`, node.type === "AssignmentNode" ? "use == to compare" : undefined);
  }
}

function syntaxHint(source: string): string | undefined {
  if (source.includes("&&") || source.includes("||")) return "write `and` / `or` instead of && / ||";
  if (/![^=]/.test(source)) return "write `not x` instead of !x";
  return undefined;
}

/** mathjs's words that are not column names when they stand alone (see mathjs's expression/parse.js). */
const MATHJS_WORDS = new Set(["mod", "to", "in", "and", "xor", "or", "not", "true", "false", "null", "undefined", "NaN", "Infinity"]);
const PLAIN_PRODUCT = /^[ \t]*[A-Za-z_][A-Za-z0-9_]*(?:[ \t]*\*[ \t]*[A-Za-z_][A-Za-z0-9_]*)*[ \t]*$/;

/**
 * The tree mathjs would give for a column name or a product of column names (`capacity`,
 * `risk_weight * capacity`: most models' scales), without loading mathjs; undefined for anything else.
 * test/model/expression-fast-path.test.ts holds it to mathjs's own parse.
 */
function plainProduct(source: string): ExpressionTree | undefined {
  if (!PLAIN_PRODUCT.test(source)) return undefined;
  const names = source.split("*").map((name) => name.trim());
  // Over-long products take mathjs's path, and its depth check, like any other expression.
  if (names.length > MAX_EXPRESSION_DEPTH) return undefined;
  if (names.some((name) => MATHJS_WORDS.has(name))) return undefined;
  let tree: ExpressionTree = { op: "column", name: names[0]! };
  // mathjs multiplies left to right: a * b * c is (a * b) * c.
  for (const name of names.slice(1)) tree = { op: "binary", fn: "mul", left: tree, right: { op: "column", name } };
  return tree;
}

let mathParse: ((source: string) => unknown) | undefined;

/**
 * mathjs's parse, loaded on first use: its package entry imports ~1,000 modules (1–2 s), the
 * single-file build it ships (lib/browser/math.js, same version and code) about a tenth of that,
 * and models whose expressions are plain column products never load it at all.
 */
function parseWithMathjs(source: string): unknown {
  mathParse ??= (createRequire(import.meta.url)("mathjs/lib/browser/math.js") as { parse: (source: string) => unknown }).parse;
  return mathParse(source);
}

/**
 * Parses `source` and holds it to the whitelist. Returns the tree, or the problem (what was
 * expected, what was found, and where when mathjs says) without throwing; never evaluates anything.
 */
export function analyzeExpression(source: string): { tree: ExpressionTree } | { problem: ExpressionProblem } {
  if (source.trim() === "") return { problem: { expected: "an expression", found: "an empty string" } };
  const plain = plainProduct(source);
  if (plain !== undefined) return { tree: plain };
  let root: MathNodeLike;
  try {
    root = parseWithMathjs(source) as MathNodeLike;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const char = (error as { char?: unknown }).char;
    const hint = syntaxHint(source);
    const at = typeof char === "number" ? Math.min(source.length, Math.max(0, char - 1)) : undefined;
    const there = at === undefined ? undefined : at >= source.length ? "the end" : JSON.stringify(source.slice(at, at + 12));
    return {
      problem: {
        expected: `a well-formed expression (${message.replace(/\s*\(char \d+\)\s*$/, "")})`,
        found: there === undefined ? `\`${source}\`` : `${there} at character ${at! + 1} of \`${source}\``,
        ...(hint ? { hint } : {}),
        ...(at !== undefined ? { at } : {}),
      },
    };
  }
  let tree: ExpressionTree;
  try {
    tree = toTree(root);
  } catch (error) {
    if (error instanceof Rejected) return { problem: error.problem };
    if (error instanceof RangeError) {
      return { problem: { expected: `an expression nested at most ${MAX_EXPRESSION_DEPTH} deep`, found: "one nested too deeply" } };
    }
    throw error;
  }
  // Compiling and evaluating recurse once per level: a sum of 20,000 terms (a left-deep tree) passed
  // toTree and then overflowed the stack in evaluate, inside bind, as an internal error.
  const depth = depthOf(tree);
  if (depth > MAX_EXPRESSION_DEPTH) return { problem: { expected: `an expression nested at most ${MAX_EXPRESSION_DEPTH} deep`, found: `one ${depth} deep` } };
  return { tree };
}

/** Deepest nesting a whitelisted expression may have (operators, calls and conditionals each count one). */
export const MAX_EXPRESSION_DEPTH = 500;

/** Depth of a tree, without recursion (the tree may be too deep to recurse over). O(size). */
function depthOf(tree: ExpressionTree): number {
  let deepest = 0;
  const stack: [ExpressionTree, number][] = [[tree, 1]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (depth > deepest) deepest = depth;
    switch (node.op) {
      case "unary":
        stack.push([node.arg, depth + 1]);
        break;
      case "binary":
        stack.push([node.left, depth + 1], [node.right, depth + 1]);
        break;
      case "call":
        for (const arg of node.args) stack.push([arg, depth + 1]);
        break;
      case "if":
        stack.push([node.condition, depth + 1], [node.then, depth + 1], [node.otherwise, depth + 1]);
        break;
      default:
        break;
    }
  }
  return deepest;
}

/** Column names a tree reads, each once, in order of first use. */
export function columnsOf(tree: ExpressionTree): string[] {
  const seen = new Set<string>();
  const visit = (t: ExpressionTree): void => {
    switch (t.op) {
      case "number":
        return;
      case "column":
        seen.add(t.name);
        return;
      case "unary":
        return visit(t.arg);
      case "binary":
        visit(t.left);
        return visit(t.right);
      case "call":
        return t.args.forEach(visit);
      case "if":
        visit(t.condition);
        visit(t.then);
        return visit(t.otherwise);
    }
  };
  visit(tree);
  return [...seen];
}

/** "file:12:9" back to a Place, so that errors render the way parse wrote them. */
export function placeOf(where: string, path?: string): Place {
  const match = /^(.*):(\d+):(\d+)$/.exec(where);
  const base: Place = match
    ? { file: match[1]!, line: Number(match[2]), column: Number(match[3]) }
    : { file: where };
  return path === undefined ? base : { ...base, path };
}

/** What a caller may say about where the columns come from and who asked, for error messages. */
export interface ExpressionContext {
  /** Key path in the model file, e.g. "constraints.eligibility". */
  readonly key?: string;
  /** The accounts file whose columns are available. */
  readonly table?: string;
}

// ---------------------------------------------------------------------------------------------
// mathjs-compatible scalar semantics
// ---------------------------------------------------------------------------------------------

const REL_TOL = 1e-12;
const ABS_TOL = 1e-15;

/** mathjs's nearlyEqual with its default tolerances: comparisons must agree with mathjs. */
function nearlyEqual(a: number, b: number): boolean {
  if (Number.isNaN(a) || Number.isNaN(b)) return false;
  if (!Number.isFinite(a) || !Number.isFinite(b)) return a === b;
  if (a === b) return true;
  return Math.abs(a - b) <= Math.max(REL_TOL * Math.max(Math.abs(a), Math.abs(b)), ABS_TOL);
}

const truthy = (x: number): boolean => x !== 0 && !Number.isNaN(x);

function floorLikeMathjs(x: number): number {
  const f = Math.floor(x);
  const r = Math.round(x);
  return f !== r && nearlyEqual(x, r) && !nearlyEqual(x, f) ? r : f;
}

function ceilLikeMathjs(x: number): number {
  const c = Math.ceil(x);
  const r = Math.round(x);
  return c !== r && nearlyEqual(x, r) && !nearlyEqual(x, c) ? r : c;
}

/** mathjs returns 0 rather than NaN/complex for these limits of x^y. */
function powLikeMathjs(x: number, y: number): number {
  if ((x * x < 1 && y === Infinity) || (x * x > 1 && y === -Infinity)) return 0;
  if (x < 0 && !Number.isInteger(y)) return NaN;
  return Math.pow(x, y);
}

const UNARY: Readonly<Record<UnaryOp, (x: number) => number>> = {
  neg: (x) => -x,
  plus: (x) => x,
  not: (x) => (Number.isNaN(x) ? NaN : truthy(x) ? 0 : 1),
};

const BINARY: Readonly<Record<BinaryOp, (a: number, b: number) => number>> = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
  pow: powLikeMathjs,
  lt: (a, b) => (a !== a || b !== b ? NaN : a < b && !nearlyEqual(a, b) ? 1 : 0),
  gt: (a, b) => (a !== a || b !== b ? NaN : a > b && !nearlyEqual(a, b) ? 1 : 0),
  le: (a, b) => (a !== a || b !== b ? NaN : a <= b || nearlyEqual(a, b) ? 1 : 0),
  ge: (a, b) => (a !== a || b !== b ? NaN : a >= b || nearlyEqual(a, b) ? 1 : 0),
  eq: (a, b) => (a !== a || b !== b ? NaN : nearlyEqual(a, b) ? 1 : 0),
  ne: (a, b) => (a !== a || b !== b ? NaN : nearlyEqual(a, b) ? 0 : 1),
  and: (a, b) => (a !== a || b !== b ? NaN : truthy(a) && truthy(b) ? 1 : 0),
  or: (a, b) => (a !== a || b !== b ? NaN : truthy(a) || truthy(b) ? 1 : 0),
};

/** mathjs's min/max: NaN wins; otherwise the first value not nearly equal-or-beaten by a later one. */
function extreme(xs: readonly number[], beats: (a: number, b: number) => number): number {
  let best = xs[0]!;
  for (let k = 1; k < xs.length; k++) {
    const x = xs[k]!;
    if (Number.isNaN(x) || beats(x, best) === 1) best = x;
  }
  return best;
}

const FUNCTIONS: Readonly<Record<string, (...args: number[]) => number>> = {
  abs: Math.abs,
  ceil: ceilLikeMathjs,
  exp: Math.exp,
  floor: floorLikeMathjs,
  log: (x, base) => (x < 0 || (base !== undefined && base < 0) ? NaN : base === undefined ? Math.log(x) : Math.log(x) / Math.log(base)),
  log10: (x) => (x < 0 ? NaN : Math.log10(x)),
  log2: (x) => (x < 0 ? NaN : Math.log2(x)),
  max: (...xs) => extreme(xs, BINARY.gt),
  min: (...xs) => extreme(xs, BINARY.lt),
  pow: powLikeMathjs,
  sign: Math.sign,
  sqrt: (x) => (x < 0 ? NaN : Math.sqrt(x)),
};

// ---------------------------------------------------------------------------------------------
// Column-wise compilation
// ---------------------------------------------------------------------------------------------

/** A vector result; `owned` means no one else holds `data`, so the next operation may overwrite it. */
interface Vector {
  readonly data: Float64Array;
  readonly owned: boolean;
}

interface Env {
  readonly columns: readonly Float64Array[];
  readonly n: number;
}

/** Constants are folded at compile time; only column-dependent subtrees run per evaluation. */
type Code = { readonly constant: number } | { readonly run: (env: Env) => Vector };

const isConstant = (code: Code): code is { readonly constant: number } => "constant" in code;

function output(env: Env, ...candidates: Vector[]): Float64Array {
  for (const candidate of candidates) if (candidate.owned) return candidate.data;
  return new Float64Array(env.n);
}

function unaryCode(f: (x: number) => number, arg: Code): Code {
  if (isConstant(arg)) return { constant: f(arg.constant) };
  return {
    run: (env) => {
      const a = arg.run(env);
      const out = output(env, a);
      const x = a.data;
      for (let i = 0; i < env.n; i++) out[i] = f(x[i]!);
      return { data: out, owned: true };
    },
  };
}

/** The four arithmetic operators get their own loops: they dominate real expressions. */
function arithmeticCode(op: "add" | "sub" | "mul" | "div", left: Code, right: Code): Code | undefined {
  if (isConstant(left) || isConstant(right)) {
    if (isConstant(left) && isConstant(right)) return undefined;
    const scalar = isConstant(left) ? left.constant : (right as { constant: number }).constant;
    const vectorCode = (isConstant(left) ? right : left) as { run: (env: Env) => Vector };
    const scalarFirst = isConstant(left);
    return {
      run: (env) => {
        const v = vectorCode.run(env);
        const out = output(env, v);
        const x = v.data;
        const n = env.n;
        const s = scalar;
        if (op === "add") for (let i = 0; i < n; i++) out[i] = x[i]! + s;
        else if (op === "mul") for (let i = 0; i < n; i++) out[i] = x[i]! * s;
        else if (op === "sub") {
          if (scalarFirst) for (let i = 0; i < n; i++) out[i] = s - x[i]!;
          else for (let i = 0; i < n; i++) out[i] = x[i]! - s;
        } else if (scalarFirst) for (let i = 0; i < n; i++) out[i] = s / x[i]!;
        else for (let i = 0; i < n; i++) out[i] = x[i]! / s;
        return { data: out, owned: true };
      },
    };
  }
  return {
    run: (env) => {
      const a = left.run(env);
      const b = right.run(env);
      const out = output(env, a, b);
      const x = a.data;
      const y = b.data;
      const n = env.n;
      if (op === "add") for (let i = 0; i < n; i++) out[i] = x[i]! + y[i]!;
      else if (op === "sub") for (let i = 0; i < n; i++) out[i] = x[i]! - y[i]!;
      else if (op === "mul") for (let i = 0; i < n; i++) out[i] = x[i]! * y[i]!;
      else for (let i = 0; i < n; i++) out[i] = x[i]! / y[i]!;
      return { data: out, owned: true };
    },
  };
}

function binaryCode(op: BinaryOp, left: Code, right: Code): Code {
  const f = BINARY[op];
  if (isConstant(left) && isConstant(right)) return { constant: f(left.constant, right.constant) };
  if (op === "add" || op === "sub" || op === "mul" || op === "div") {
    const fast = arithmeticCode(op, left, right);
    if (fast) return fast;
  }
  return binaryCode2(f, left, right);
}

function callCode(fn: string, args: readonly Code[]): Code {
  const f = own(FUNCTIONS, fn)!;
  if (args.every(isConstant)) return { constant: f(...args.map((a) => a.constant)) };
  if (args.length === 1) return unaryCode(f, args[0]!);
  if (args.length === 2) return binaryCode2(f, args[0]!, args[1]!);
  return {
    run: (env) => {
      const vectors = args.map((a) => (isConstant(a) ? undefined : a.run(env)));
      const values = args.map((a) => (isConstant(a) ? a.constant : 0));
      const out = output(env, ...vectors.filter((v): v is Vector => v !== undefined));
      for (let i = 0; i < env.n; i++) {
        for (let k = 0; k < args.length; k++) {
          const v = vectors[k];
          if (v !== undefined) values[k] = v.data[i]!;
        }
        out[i] = f(...values);
      }
      return { data: out, owned: true };
    },
  };
}

function binaryCode2(f: (a: number, b: number) => number, left: Code, right: Code): Code {
  if (isConstant(left)) {
    const s = left.constant;
    return unaryCode((x) => f(s, x), right);
  }
  if (isConstant(right)) {
    const s = right.constant;
    return unaryCode((x) => f(x, s), left);
  }
  return {
    run: (env) => {
      const a = left.run(env);
      const b = right.run(env);
      const out = output(env, a, b);
      const x = a.data;
      const y = b.data;
      for (let i = 0; i < env.n; i++) out[i] = f(x[i]!, y[i]!);
      return { data: out, owned: true };
    },
  };
}

function conditionalCode(condition: Code, then: Code, otherwise: Code): Code {
  if (isConstant(condition)) return Number.isNaN(condition.constant) ? { constant: NaN } : truthy(condition.constant) ? then : otherwise;
  const fill = (code: Code, env: Env): Float64Array | number => (isConstant(code) ? code.constant : code.run(env).data);
  return {
    run: (env) => {
      const c = condition.run(env);
      // Both branches are pure and total (NaN/Infinity at worst), so evaluating both is safe.
      const a = fill(then, env);
      const b = fill(otherwise, env);
      const out = c.owned ? c.data : new Float64Array(env.n);
      const x = c.data;
      for (let i = 0; i < env.n; i++) {
        const test = x[i]!;
        const pick = truthy(test) ? a : b;
        out[i] = Number.isNaN(test) ? NaN : typeof pick === "number" ? pick : pick[i]!;
      }
      return { data: out, owned: true };
    },
  };
}

function compileTree(tree: ExpressionTree, slot: ReadonlyMap<string, number>): Code {
  switch (tree.op) {
    case "number":
      return { constant: tree.value };
    case "column": {
      const k = slot.get(tree.name)!;
      return { run: (env) => ({ data: env.columns[k]!, owned: false }) };
    }
    case "unary":
      return unaryCode(UNARY[tree.fn], compileTree(tree.arg, slot));
    case "binary":
      return binaryCode(tree.fn, compileTree(tree.left, slot), compileTree(tree.right, slot));
    case "call":
      return callCode(tree.fn, tree.args.map((a) => compileTree(a, slot)));
    case "if":
      return conditionalCode(compileTree(tree.condition, slot), compileTree(tree.then, slot), compileTree(tree.otherwise, slot));
  }
}

function missingColumn(expr: Expression, name: string, available: readonly string[], context?: ExpressionContext): ModelError {
  const near = didYouMean(name, available);
  const source = context?.table ? `a column of ${context.table}` : "an account column";
  const list = available.length <= 20 ? ` (${available.join(", ")})` : "";
  return new ModelError(
    placeOf(expr.where, context?.key),
    `${source}${list}`,
    `"${name}" in \`${expr.source}\``,
    near ? `did you mean "${near}"?` : undefined,
  );
}

/**
 * Compiles a whitelisted expression against the columns an accounts table has.
 * Throws ModelError at `expr.where` when the expression is not allowed (see the module comment)
 * or reads a symbol that is not in `availableColumns` (with a did-you-mean over them).
 * The result evaluates column-wise in O(n * size of the expression), without calling mathjs.
 */
export function compileExpression(
  expr: Expression,
  availableColumns: readonly string[],
  context?: ExpressionContext,
): CompiledExpression {
  const analysis = analyzeExpression(expr.source);
  if ("problem" in analysis) {
    const { expected, found, hint } = analysis.problem;
    throw new ModelError(placeOf(expr.where, context?.key), expected, found, hint);
  }
  const columns = columnsOf(analysis.tree);
  const available = new Set(availableColumns);
  for (const name of columns) if (!available.has(name)) throw missingColumn(expr, name, availableColumns, context);
  const slot = new Map(columns.map((name, k) => [name, k] as const));
  const code = compileTree(analysis.tree, slot);
  return {
    expression: expr,
    columns,
    evaluate(table: ReadonlyMap<string, Float64Array>, n: number): Float64Array {
      const arrays = columns.map((name) => {
        const column = table.get(name);
        if (column === undefined) throw missingColumn(expr, name, [...table.keys()], context);
        if (column.length < n) throw new RangeError(`column ${name} has ${column.length} rows, fewer than ${n}`);
        return column;
      });
      if (isConstant(code)) return new Float64Array(n).fill(code.constant);
      const result = code.run({ columns: arrays, n });
      // A bare column comes back unowned: copy, so callers never alias (and mutate) the table.
      return result.owned ? result.data : result.data.slice(0, n);
    },
  };
}
