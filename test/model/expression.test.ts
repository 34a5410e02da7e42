import fc from "fast-check";
import { compile as mathCompile, isComplex, parse as mathParse } from "mathjs";
import { describe, expect, it } from "vitest";
import { ModelError } from "../../src/errors.js";
import { analyzeExpression, compileExpression } from "../../src/pipeline/model/expression.js";

const COLUMNS = ["capacity", "risk_weight", "entry_pnl", "leverage"];

function table(rows: Record<string, number>[]): { columns: Map<string, Float64Array>; n: number } {
  const columns = new Map<string, Float64Array>();
  for (const name of Object.keys(rows[0]!)) columns.set(name, Float64Array.from(rows.map((r) => r[name]!)));
  return { columns, n: rows.length };
}

function run(source: string, rows: Record<string, number>[]): number[] {
  const { columns, n } = table(rows);
  return [...compileExpression({ source, where: "m.yaml:3:9" }, [...columns.keys()]).evaluate(columns, n)];
}

function rejection(source: string): ModelError {
  try {
    compileExpression({ source, where: "models/x.yaml:12:9" }, COLUMNS, { key: "constraints.eligibility" });
  } catch (error) {
    expect(error).toBeInstanceOf(ModelError);
    const e = error as ModelError;
    expect(e.message.startsWith("models/x.yaml:12:9  constraints.eligibility: expected ")).toBe(true);
    expect(e.message).toContain("; found ");
    return e;
  }
  throw new Error(`accepted: ${source}`);
}

describe("expressions: whitelist", () => {
  const rows = [
    { capacity: 100, risk_weight: 2, entry_pnl: -5, leverage: 10 },
    { capacity: 0, risk_weight: 0.5, entry_pnl: 7, leverage: 1 },
  ];

  it.each([
    ["risk_weight * capacity", [200, 0]],
    ["capacity / risk_weight - 1", [49, -1]],
    ["-entry_pnl + +leverage", [15, -6]],
    ["capacity ^ 0.5", [10, 0]],
    ["2 ^ 3 ^ 2", [512, 512]],
    ["-2 ^ 2", [-4, -4]],
    ["entry_pnl > 0", [0, 1]],
    ["entry_pnl >= 7 or leverage == 10", [1, 1]],
    ["entry_pnl < 0 and not (leverage != 10)", [1, 0]],
    ["0 < leverage <= 5", [0, 1]],
    ["entry_pnl > 0 ? capacity : risk_weight", [2, 0]],
    ["abs(entry_pnl) + sign(entry_pnl)", [4, 8]],
    ["min(capacity, 50, leverage * 10) + max(1, 2)", [52, 2]],
    ["sqrt(capacity) + floor(2.7) + ceil(0.2)", [13, 3]],
    ["log(exp(2)) + log10(1000) + log2(8) + log(8, 2)", [11, 11]],
    ["pow(leverage, 2)", [100, 1]],
    ["true + false", [1, 1]],
    ["3", [3, 3]],
    ["capacity", [100, 0]],
  ])("%s", (source, expected) => {
    const values = run(source, rows);
    values.forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 12));
  });

  it("booleans are 1/0, division by zero is non-finite (bind rejects it), sqrt of a negative is NaN", () => {
    expect(run("1 / entry_pnl", [{ entry_pnl: 0 }])).toEqual([Infinity]);
    expect(run("sqrt(entry_pnl)", [{ entry_pnl: -4 }])).toEqual([NaN]);
    expect(run("entry_pnl == 0.3", [{ entry_pnl: 0.1 + 0.2 }])).toEqual([1]); // mathjs tolerance
  });

  it("NaN is not false: it propagates through comparisons, logic and conditionals", () => {
    const row = [{ entry_pnl: 0, leverage: -4 }];
    for (const source of ["entry_pnl / entry_pnl > 1", "sqrt(leverage) > 1", "not (0 / entry_pnl)", "1 > 0 and sqrt(leverage) < 1", "(entry_pnl / 0 == 1) ? 1 : 2"]) {
      expect(run(source, row), source).toEqual([NaN]);
    }
    expect(run("leverage < 0 ? 1 : sqrt(leverage)", row)).toEqual([1]);
  });

  it("reports the columns it reads, once each", () => {
    const compiled = compileExpression({ source: "capacity * risk_weight / capacity", where: "m.yaml:1:1" }, COLUMNS);
    expect(compiled.columns).toEqual(["capacity", "risk_weight"]);
  });

  it("never hands back the table's own array", () => {
    const { columns, n } = table([{ capacity: 1 }, { capacity: 2 }]);
    const out = compileExpression({ source: "capacity", where: "m.yaml:1:1" }, ["capacity"]).evaluate(columns, n);
    out[0] = 99;
    expect(columns.get("capacity")![0]).toBe(1);
  });

  it.each([
    ['import("fs")', "a call to import()"],
    ['evaluate("1")', "a call to evaluate()"],
    ["parse(capacity)", "a call to parse()"],
    ['createUnit("foo")', "a call to createUnit()"],
    ["f(x) = x", "a function definition"],
    ["a = 1", "an assignment"],
    ["[1, 2]", "a matrix or list"],
    ["capacity[1]", "property access or indexing"],
    ["x.y", "property access or indexing"],
    ['"str"', "a string"],
    ["capacity; leverage", "several statements"],
    ["1:3", "a range"],
    ["{a: 1}", "an object"],
    ["leverage!", "the operator !"],
    ["leverage'", "the operator '"],
    ["capacity mod 2", "the operator mod"],
    ["5 cm", "an implicit multiplication"],
    ["2 capacity", "an implicit multiplication"],
    ["null", "the constant null"],
    ["sqr(capacity)", "a call to sqr()"],
  ])("rejects %s", (source, found) => {
    const e = rejection(source);
    expect(e.message).toContain(`found ${found}`);
    expect(e.message).toContain("expected only numbers, column names");
  });

  it("did-you-mean for functions, arity, syntax errors with the character", () => {
    expect(rejection("sqr(capacity)").message).toContain("(did you mean sqrt()?)");
    expect(rejection("pow(capacity)").message).toContain("expected pow() with 2 arguments; found 1 in `pow(capacity)`");
    expect(rejection("capacity >").message).toContain("found the end at character 11 of `capacity >`");
    expect(rejection("capacity > 0 && leverage > 1").message).toContain("(write `and` / `or` instead of && / ||)");
    expect(rejection("   ").message).toContain("expected an expression; found an empty string");
  });

  it("a symbol that is not a column: place, the column, did-you-mean over the columns", () => {
    expect(() =>
      compileExpression({ source: "entry_pln > 0", where: "models/x.yaml:12:9" }, COLUMNS, { key: "constraints.eligibility", table: "accounts.csv" }),
    ).toThrow(
      'models/x.yaml:12:9  constraints.eligibility: expected a column of accounts.csv (capacity, risk_weight, entry_pnl, leverage); found "entry_pln" in `entry_pln > 0` (did you mean "entry_pnl"?)',
    );
    // Constants mathjs knows are not columns either: no silent pi or e.
    expect(() => compileExpression({ source: "pi * capacity", where: "m.yaml:1:1" }, COLUMNS)).toThrow(ModelError);
  });

  it("analyzeExpression never evaluates anything", () => {
    const result = analyzeExpression('import({ evil: 1 }, { override: true })');
    expect("problem" in result).toBe(true);
  });
});

describe("expressions: agree with mathjs's evaluate", () => {
  const NAMES = ["x", "y", "z"] as const;
  const leaf = fc.oneof(
    fc.constantFrom(...NAMES),
    fc.constantFrom("0", "1", "2", "0.5", "3.25", "10", "1e-3", "true", "false"),
  );
  const { expr } = fc.letrec<{ expr: string }>((tie) => ({
    expr: fc.oneof(
      { depthSize: "small", withCrossShrink: true },
      leaf,
      fc.tuple(tie("expr"), fc.constantFrom("+", "-", "*", "/", "<", ">", "<=", ">=", "==", "!=", "and", "or"), tie("expr")).map(([a, op, b]) => `(${a} ${op} ${b})`),
      tie("expr").map((a) => `(-${a})`),
      tie("expr").map((a) => `(not ${a})`),
      fc.tuple(tie("expr"), tie("expr")).map(([a, b]) => `(abs(${a}) ^ ${b})`),
      fc.tuple(tie("expr"), tie("expr"), tie("expr")).map(([c, a, b]) => `(${c} ? ${a} : ${b})`),
      fc.tuple(tie("expr"), tie("expr"), tie("expr")).map(([a, b, c]) => `(${a} < ${b} <= ${c})`),
      fc.tuple(fc.constantFrom("abs", "floor", "ceil", "sign", "exp"), tie("expr")).map(([f, a]) => `${f}(${a})`),
      fc.tuple(fc.constantFrom("sqrt", "log", "log10", "log2"), tie("expr")).map(([f, a]) => `${f}(abs(${a}))`),
      fc.tuple(fc.constantFrom("min", "max"), fc.array(tie("expr"), { minLength: 1, maxLength: 3 })).map(([f, args]) => `${f}(${args.join(", ")})`),
      fc.tuple(tie("expr"), tie("expr")).map(([a, b]) => `pow(abs(${a}), ${b})`),
    ),
  }));
  const value = fc.oneof(
    fc.constantFrom(0, 1, -1, 2, 0.5, 1e-16),
    fc.integer({ min: -1000, max: 1000 }),
    fc.double({ min: -1e3, max: 1e3, noNaN: true }),
  );
  const rows = fc.array(fc.record({ x: value, y: value, z: value }), { minLength: 1, maxLength: 6 });

  const same = (ours: number, theirs: number): boolean => {
    if (Number.isNaN(theirs)) return Number.isNaN(ours);
    if (!Number.isFinite(theirs)) return ours === theirs;
    return Math.abs(ours - theirs) <= 1e-9 * Math.max(1, Math.abs(theirs));
  };

  /** Whether mathjs meets a NaN anywhere in the tree (every subexpression evaluated on its own). */
  const sawNaN = (source: string, row: Record<string, number>): boolean => {
    let seen = false;
    mathParse(source).traverse((node) => {
      const value: unknown = node.compile().evaluate({ ...row });
      if (typeof value === "number" && Number.isNaN(value)) seen = true;
    });
    return seen;
  };

  it("on random rows for a grammar of safe expressions", () => {
    fc.assert(
      fc.property(expr, rows, (source, data) => {
        const compiled = compileExpression({ source, where: "p.yaml:1:1" }, NAMES);
        const { columns, n } = table(data);
        const ours = compiled.evaluate(columns, n);
        const reference = mathCompile(source);
        data.forEach((row, i) => {
          const result: unknown = reference.evaluate({ ...row });
          const theirs = typeof result === "boolean" ? Number(result) : isComplex(result) ? NaN : (result as number);
          expect(typeof theirs).toBe("number");
          // Our one deliberate difference: NaN propagates where mathjs compares it as false.
          if (Number.isNaN(ours[i]!) && !Number.isNaN(theirs) && sawNaN(source, row)) return;
          if (!same(ours[i]!, theirs)) throw new Error(`${source} at ${JSON.stringify(row)}: ours ${ours[i]}, mathjs ${theirs}`);
        });
      }),
      { numRuns: 400, seed: 20261125 },
    );
  });
});

describe("expressions: speed", () => {
  it("evaluates 10^6 rows column-wise (no per-row mathjs)", () => {
    const n = 1_000_000;
    const columns = new Map<string, Float64Array>();
    for (const name of COLUMNS) columns.set(name, Float64Array.from({ length: n }, (_, i) => ((i * 7919) % 1000) - 300));
    const compiled = compileExpression({ source: "entry_pnl > 0 ? risk_weight * capacity / (1 + abs(leverage)) : 1", where: "m.yaml:1:1" }, COLUMNS);
    const values = compiled.evaluate(columns, n);
    expect(values.length).toBe(n);
    const i = 12_345;
    const pnl = columns.get("entry_pnl")![i]!;
    const expected = pnl > 0 ? (columns.get("risk_weight")![i]! * columns.get("capacity")![i]!) / (1 + Math.abs(columns.get("leverage")![i]!)) : 1;
    expect(values[i]).toBeCloseTo(expected, 9);
  });
});
