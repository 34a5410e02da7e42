import { readFileSync } from "node:fs";
import { Ajv } from "ajv";
import { describe, expect, it } from "vitest";
import schema from "../../schema/model.schema.json" with { type: "json" };
import { ModelError } from "../../src/errors.js";
import { loadModel, parseModel } from "../../src/pipeline/model/parse.js";

const FIXTURES = "test/fixtures/input/models";

/** The ModelError parseModel throws for `text`, checked to name the file, a line and a column. */
function failure(text: string, file = "m.yaml"): ModelError {
  try {
    parseModel(text, file);
  } catch (error) {
    expect(error).toBeInstanceOf(ModelError);
    const e = error as ModelError;
    expect(e.message.startsWith(`${file}:`)).toBe(true);
    expect(e.message).toContain("expected ");
    expect(e.message).toContain("; found ");
    return e;
  }
  throw new Error(`parsed without error: ${text}`);
}

describe("parseModel: accepted files", () => {
  it("reads every key of the YAML format", () => {
    const model = loadModel(`${FIXTURES}/full.yaml`);
    expect(model.name).toBe("full");
    expect(model.file).toBe(`${FIXTURES}/full.yaml`);
    expect(model.description).toContain("Lexicographic");
    expect(model.budget).toEqual({ deficit: 100, margin: 0.05 });
    expect(model.objective).toEqual([
      { kind: "minmax", scale: { source: "risk_weight * capacity", where: `${FIXTURES}/full.yaml:10:12` } },
      {
        kind: "convex",
        phi: { kind: "piecewise", points: [[0, 0], [0.5, 0.2], [1, 1]] },
        weight: { source: "1", where: `${FIXTURES}/full.yaml:13:13` },
      },
      { kind: "overshoot" },
    ]);
    expect(model.coverage).toBe("atLeast");
    expect(model.alpha).toBe(0.2);
    expect(model.lots).toEqual({ source: "columns", lotValue: "lot_value", lots: "lots" });
    expect(model.maxAccounts).toBe(10);
    expect(model.eligibility).toEqual({ source: "entry_pnl > 0", where: `${FIXTURES}/full.yaml:20:16` });
    expect(model.seniority).toEqual(["gains", "principal"]);
    expect(model.stageTolerance).toBe(1e-7);
  });

  it("reads the JSON form to the same model, with JSON positions", () => {
    const yaml = loadModel(`${FIXTURES}/full.yaml`);
    const json = loadModel(`${FIXTURES}/full.json`);
    const strip = (m: typeof yaml): unknown => JSON.parse(JSON.stringify({ ...m, file: "" }).replace(/"where":"[^"]*"/g, '"where":""'));
    expect(strip(json)).toEqual(strip(yaml));
    expect(json.eligibility?.where).toBe(`${FIXTURES}/full.json:15:20`);
  });

  it("fills defaults: margin 0, atLeast, stageTolerance 1e-9, phi x^2, capacity weight/scale", () => {
    const model = parseModel("name: d\nobjective: [convex, minmax]\n", "d.yaml");
    expect(model.budget).toEqual({ margin: 0 });
    expect(model.coverage).toBe("atLeast");
    expect(model.stageTolerance).toBe(1e-9);
    expect(model.objective).toEqual([
      { kind: "convex", phi: { kind: "power", p: 2 }, weight: "capacity" },
      { kind: "minmax", scale: "capacity" },
    ]);
    expect(model.alpha).toBeUndefined();
    expect(model.lots).toBeUndefined();
  });

  it("keeps `capacity` written out as the string capacity, anything else as an expression", () => {
    const model = parseModel("name: d\nobjective:\n  - {kind: minmax, scale: capacity}\n  - {kind: convex, weight: 2 * capacity}\n", "d.yaml");
    expect(model.objective[0]).toEqual({ kind: "minmax", scale: "capacity" });
    expect(model.objective[1]).toMatchObject({ weight: { source: "2 * capacity", where: "d.yaml:4:28" } });
  });

  it("accepts lots from positions, budget given directly, and margin alone (deficit from the CLI)", () => {
    expect(parseModel("name: p\nobjective: sparsity\nconstraints: {lots: positions}\nbudget: {budget: 105}\n", "p.yaml")).toMatchObject({
      lots: { source: "positions" },
      budget: { budget: 105, margin: 0 },
    });
    expect(parseModel("name: p\nobjective: sparsity\nbudget: {margin: 0.1}\n", "p.yaml").budget).toEqual({ margin: 0.1 });
  });

  it("parses every model shipped in models/", () => {
    for (const name of ["alpha-capped", "convex-quadratic", "lots-minmax", "lots-sparsity-overshoot", "pro-rata", "profits-first", "queue-l0", "risk-weighted"]) {
      expect(loadModel(`models/${name}.yaml`).name).toBe(name);
    }
  });
});

describe("parseModel: unknown keys and enum values", () => {
  it("unknown key: place at the key, allowed keys, did-you-mean", () => {
    const e = (() => {
      try {
        loadModel(`${FIXTURES}/typo-key.yaml`);
      } catch (error) {
        return error as ModelError;
      }
      throw new Error("no error");
    })();
    expect(e).toBeInstanceOf(ModelError);
    expect(e.message).toBe(
      `${FIXTURES}/typo-key.yaml:4:3  constraints.alpah: expected one of the keys coverage, alpha, lots, maxAccounts, eligibility, seniority; found unknown key "alpah" (did you mean "alpha"?)`,
    );
  });

  it("unknown top-level and stage keys", () => {
    expect(failure("name: x\nobjectiv: minmax\n").message).toContain('did you mean "objective"?');
    const e = failure('{"name": "x", "objective": {"kind": "minmax", "sclae": "x"}}', "m.json");
    expect(e.message).toBe('m.json:1:47  objective.sclae: expected one of the keys kind, scale; found unknown key "sclae" (did you mean "scale"?)');
  });

  it("unknown kind name, in a list (JSON) and alone (YAML)", () => {
    let e: ModelError | undefined;
    try {
      loadModel(`${FIXTURES}/typo-kind.json`);
    } catch (error) {
      e = error as ModelError;
    }
    expect(e?.message).toBe(
      `${FIXTURES}/typo-kind.json:5:15  objective[1].kind: expected one of sparsity, convex, minmax, overshoot; found "sparcity" (did you mean "sparsity"?)`,
    );
    expect(failure("name: x\nobjective: sparcity\n").message).toBe(
      'm.yaml:2:12  objective: expected one of sparsity, convex, minmax, overshoot; found "sparcity" (did you mean "sparsity"?)',
    );
    expect(failure("name: x\nobjective: {kind: minmx}\n").message).toContain('objective.kind: expected one of sparsity, convex, minmax, overshoot; found "minmx" (did you mean "minmax"?)');
  });

  it("other enums: coverage, lots", () => {
    expect(failure("name: x\nobjective: minmax\nconstraints: {coverage: atleast}\n").message).toContain(
      'constraints.coverage: expected one of atLeast, exact; found "atleast" (did you mean "atLeast"?)',
    );
    expect(failure("name: x\nobjective: minmax\nconstraints: {lots: position}\n").message).toBe(
      'm.yaml:3:21  constraints.lots: expected "positions" or a map {lotValue, lots}; found "position" (did you mean "positions"?)',
    );
  });
});

describe("parseModel: types, ranges, required keys", () => {
  it.each([
    ["name: x\nobjective: minmax\nconstraints:\n  alpha: 1.2\n", "m.yaml:4:10  constraints.alpha: expected a number in (0, 1]; found 1.2"],
    ["name: x\nobjective: minmax\nconstraints:\n  alpha: 0\n", "m.yaml:4:10  constraints.alpha: expected a number in (0, 1]; found 0"],
    ["name: x\nobjective: minmax\nconstraints:\n  alpha: .inf\n", "m.yaml:4:10  constraints.alpha: expected a finite number; found .inf"],
    ["name: x\nobjective: minmax\nconstraints:\n  alpha: high\n", 'm.yaml:4:10  constraints.alpha: expected a finite number; found "high"'],
    ["name: x\nobjective: minmax\nbudget: {deficit: -5}\n", "m.yaml:3:19  budget.deficit: expected a number >= 0; found -5"],
    ["name: x\nobjective: minmax\nbudget: {deficit: 5, margin: -0.1}\n", "m.yaml:3:30  budget.margin: expected a number >= 0; found -0.1"],
    ["name: x\nobjective: minmax\nconstraints: {maxAccounts: 2.5}\n", "m.yaml:3:28  constraints.maxAccounts: expected an integer; found 2.5"],
    ["name: x\nobjective: minmax\nconstraints: {maxAccounts: 0}\n", "m.yaml:3:28  constraints.maxAccounts: expected an integer >= 1; found 0"],
    ["name: x\nobjective: minmax\nstageTolerance: 0.1\n", "m.yaml:3:17  stageTolerance: expected a number in (0, 0.001]; found 0.1"],
    ["name: x\nobjective: 3\n", "m.yaml:2:12  objective: expected a kind name (sparsity, convex, minmax, overshoot), a map with kind, or a list of these; found 3"],
    ["name: x\nobjective: []\n", "m.yaml:2:12  objective: expected a list of at least 1 entry; found an empty list"],
    ["name: x\nobjective: [minmax, [sparsity]]\n", "m.yaml:2:21  objective[1]: expected a kind name (sparsity, convex, minmax, overshoot) or a map with kind; found a list of 1"],
    ["name: x\nobjective: {phi: 2}\n", 'm.yaml:2:12  objective: expected a key "kind" (objective kind: sparsity, convex, minmax or overshoot; the other keys depend on it); found none'],
    ["objective: minmax\n", 'm.yaml:1:1: expected a key "name" (short name of the mechanism, shown in reports); found none'],
    ["name:\nobjective: minmax\n", "m.yaml:1:6  name: expected a string; found nothing (null)"],
    ["name: x\nobjective: {kind: convex, phi: {}}\n", "m.yaml:2:32  objective.phi: expected exactly one of the keys power, points; found an empty map"],
    ["name: x\nobjective: {kind: convex, phi: {power: 2, points: [[0,0],[1,1]]}}\n", "m.yaml:2:32  objective.phi: expected exactly one of the keys power, points; found 2 keys (power, points)"],
    ["name: x\nobjective: {kind: convex, phi: {power: 1}}\n", "m.yaml:2:40  objective.phi.power: expected a number > 1; found 1"],
    ["name: x\nobjective:\n  kind: convex\n  phi:\n    points: [[0,0],[0.5]]\n", "m.yaml:5:20  objective.phi.points[1]: expected a list of exactly 2; found a list of 1"],
    ["name: x\nobjective: minmax\nconstraints: {lots: {lotValue: lv}}\n", 'm.yaml:3:21  constraints.lots: expected a key "lots" (column with the integer lots held Q_i >= 0); found none'],
    ["name: x\nobjective: minmax\nconstraints: {lots: 3}\n", 'm.yaml:3:21  constraints.lots: expected the string "positions" or a map {lotValue, lots}; found 3'],
    ["name: x\nobjective: minmax\nconstraints: {seniority: [gains]}\n", "m.yaml:3:26  constraints.seniority: expected a list of at least 2 entries; found a list of 1"],
    ["name: x\nobjective: {kind: minmax, scale: [1]}\n", 'm.yaml:2:34  objective.scale: expected an expression (a string such as "risk_weight * capacity", or a number); found a list of 1'],
  ])("%j", (text, message) => {
    expect(failure(text).message).toBe(message);
  });

  it("reports the first problem in the file when there are several", () => {
    const e = failure("name: x\nobjective: minmax\nconstraints:\n  alpha: 2\n  maxAccounts: 0\n");
    expect(e.message).toContain("m.yaml:4:10  constraints.alpha");
  });
});

describe("parseModel: checks beyond the schema", () => {
  it.each([
    [
      "name: x\nbudget: {deficit: 1, budget: 2}\nobjective: minmax\n",
      "m.yaml:2:22  budget.budget: expected either deficit (B = deficit * (1 + margin)) or budget (B itself), not both; found deficit 1 and budget 2",
    ],
    [
      "name: x\nobjective: minmax\nconstraints: {coverage: exact, lots: positions}\n",
      'm.yaml:3:25  constraints.coverage: expected coverage atLeast when lots are modelled (sums of whole lots rarely hit B exactly); found "exact" (drop constraints.lots or use coverage: atLeast with an overshoot objective)',
    ],
    [
      "name: x\nobjective: minmax\nconstraints: {seniority: [gains, principal, gains]}\n",
      'm.yaml:3:45  constraints.seniority[2]: expected distinct layer names; found "gains" again (also constraints.seniority[0])',
    ],
    [
      "name: x\nobjective: minmax\nconstraints: {seniority: [capacity, principal]}\n",
      'm.yaml:3:27  constraints.seniority[0]: expected a layer capacity column (capacity is the sum of the layers; id is not a number); found "capacity"',
    ],
    ["name: x\nobjective: [minmax, {kind: minmax}]\n", "m.yaml:2:21  objective[1]: expected distinct lexicographic stages (a repeated stage changes nothing); found the same stage as objective[0]"],
    [
      "name: x\nobjective: [{kind: minmax, scale: 'a*b'}, {kind: minmax, scale: a * b}]\n",
      "m.yaml:2:43  objective[1]: expected distinct lexicographic stages (a repeated stage changes nothing); found the same stage as objective[0]",
    ],
    ["name: x\nobjective: minmax\nconstraints: {lots: {lotValue: q, lots: q}}\n", 'm.yaml:3:41  constraints.lots.lots: expected a lots column different from the lotValue column; found "q"'],
  ])("%j", (text, message) => {
    expect(failure(text).message).toBe(message);
  });

  it.each([
    ["[[0.1, 0], [1, 1]]", "m.yaml:2:43  objective.phi.points[0][0]: expected the first point at x = 0; found x = 0.1"],
    ["[[0, 0], [0.5, 0.1], [0.5, 0.2], [1, 1]]", "m.yaml:2:63  objective.phi.points[2][0]: expected x increasing (greater than 0.5 of the point before); found x = 0.5"],
    ["[[0, 0], [0.5, 0.2], [0.9, 1]]", "m.yaml:2:63  objective.phi.points[2][0]: expected the last point at x = 1 (phi must cover every fraction in [0, 1]); found x = 0.9"],
    [
      "[[0, 0], [0.5, 0.4], [1, 0.5]]",
      "m.yaml:2:62  objective.phi.points[2]: expected phi convex (slopes non-decreasing from point to point); found slope 0.2 from [0.5, 0.4] to [1, 0.5] after slope 0.8",
    ],
    ["[[0, 1], [0.5, 0], [1, 2]]", "m.yaml:2:50  objective.phi.points[1]: expected phi non-decreasing (each point's y at least the previous one's); found [0.5, 0] after [0, 1]"],
    ["[[0, 3], [1, 3]]", "m.yaml:2:41  objective.phi.points: expected phi increasing somewhere (a constant phi penalizes nothing); found y = 3 throughout"],
  ])("phi points %s", (points, message) => {
    expect(failure(`name: x\nobjective: {kind: convex, phi: {points: ${points}}}\n`).message).toBe(message);
  });

  it("accepts a flat-then-rising convex phi", () => {
    const model = parseModel("name: x\nobjective: {kind: convex, phi: {points: [[0, 0], [0.5, 0], [1, 1]]}}\n", "m.yaml");
    expect(model.objective[0]).toMatchObject({ phi: { kind: "piecewise", points: [[0, 0], [0.5, 0], [1, 1]] } });
  });

  it("expressions are checked at parse time, placed at the offending character", () => {
    expect(failure('name: x\nobjective: {kind: minmax, scale: "risk_weight ** capacity"}\n').message).toBe(
      'm.yaml:2:48  objective.scale: expected a well-formed expression (Value expected); found "* capacity" at character 14 of `risk_weight ** capacity`',
    );
    expect(failure("name: x\nobjective: minmax\nconstraints: {eligibility: 'entry_pnl > 0 && x'}\n").message).toContain("(write `and` / `or` instead of && / ||)");
    expect(failure("name: x\nobjective: {kind: minmax, scale: risk_weight * capacity.x}\n").message).toBe(
      "m.yaml:2:34  objective.scale: expected only numbers, column names, + - * / ^, comparisons, and/or/not, c ? a : b and calls to abs, ceil, exp, floor, log, log10, log2, max, min, pow, sign, sqrt; found property access or indexing `capacity.x`",
    );
  });
});

describe("parseModel: YAML and file problems", () => {
  it("YAML syntax error with line:column", () => {
    let e: ModelError | undefined;
    try {
      loadModel(`${FIXTURES}/bad-syntax.yaml`);
    } catch (error) {
      e = error as ModelError;
    }
    expect(e).toBeInstanceOf(ModelError);
    expect(e!.message).toMatch(new RegExp(`^${FIXTURES}/bad-syntax.yaml:\\d+:\\d+: expected valid YAML or JSON; found .+`));
  });

  it("duplicate keys, several documents, tabs, JSON syntax", () => {
    expect(failure("name: x\nname: y\n").message).toBe('m.yaml:2:1: expected each key at most once in a map; found a second "name"');
    expect(failure('{"name": "x",\n "name": "y"}', "m.json").message).toBe('m.json:2:2: expected each key at most once in a map; found a second "name"');
    expect(failure("name: x\n---\nname: y\n").message).toBe("m.yaml:2:1: expected a single YAML document; found a second document (---)");
    expect(failure("name: x\nobjective:\n\t- minmax\n").message).toMatch(/^m\.yaml:3:1: expected spaces for indentation; found a tab/);
    expect(failure('{"name": "x",\n "objective": "minmax"\n', "m.json").message).toMatch(/^m\.json:\d+:\d+: expected valid YAML or JSON; found /);
  });

  it("empty and missing files", () => {
    expect(() => parseModel("", "e.yaml")).toThrow("e.yaml: expected a model (a map with at least name and objective); found an empty file");
    expect(() => parseModel("# only a comment\n", "e.yaml")).toThrow(ModelError);
    expect(() => loadModel("test/fixtures/input/models/no-such.yaml")).toThrow(
      "test/fixtures/input/models/no-such.yaml: expected a readable model file (YAML or JSON); found no such file",
    );
    expect(() => loadModel("test/fixtures/input/models")).toThrow("found a directory");
  });

  it("a document that is not a map", () => {
    expect(failure("- a\n- b\n").message).toBe("m.yaml:1:1: expected a map; found a list of 2");
  });
});

describe("schema/model.schema.json", () => {
  const walk = (node: unknown, path: string, visit: (schema: Record<string, unknown>, path: string) => void): void => {
    if (node === null || typeof node !== "object") return;
    if (Array.isArray(node)) return node.forEach((child, k) => walk(child, `${path}[${k}]`, visit));
    const schema = node as Record<string, unknown>;
    visit(schema, path);
    for (const [key, child] of Object.entries(schema)) {
      if (key === "properties" || key === "definitions") {
        for (const [name, sub] of Object.entries(child as object)) walk(sub, `${path}.${key}.${name}`, visit);
      } else if (typeof child === "object") walk(child, `${path}.${key}`, visit);
    }
  };

  it("compiles in strict mode", () => {
    expect(() => new Ajv({ strict: true, discriminator: true, allowUnionTypes: true }).compile(schema)).not.toThrow();
  });

  it("closes every object and describes every key", () => {
    walk(schema, "#", (node, path) => {
      // A discriminated map is closed by each of its branches.
      if (node["type"] === "object" && node["properties"] && !node["discriminator"]) expect(node["additionalProperties"], path).toBe(false);
      if (node["properties"]) {
        for (const [name, sub] of Object.entries(node["properties"] as Record<string, Record<string, unknown>>)) {
          expect(typeof sub["description"], `${path}.${name}`).toBe("string");
        }
      }
    });
  });

  it("is the file the parser uses", () => {
    expect(JSON.parse(readFileSync("schema/model.schema.json", "utf8"))).toEqual(schema);
  });
});
