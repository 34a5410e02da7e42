import { describe, expect, it } from "vitest";
import { bindWave, resolveBudget } from "../../src/pipeline/bind/bind.js";
import type { AccountTable, Instance, Model, PositionTable } from "../../src/domain.js";
import { InstanceError, ModelError, UsageError, type WorkbenchError } from "../../src/errors.js";
import { loadAccounts, loadPositions } from "../../src/pipeline/instance/load.js";
import { loadModel, parseModel } from "../../src/pipeline/model/parse.js";

const FIXTURES = "test/fixtures/input";

function model(yaml: string): Model {
  return parseModel(`name: t\n${yaml}`, "t.yaml");
}

function accounts(columns: Record<string, readonly number[]>, ids?: readonly string[]): AccountTable {
  const n = Object.values(columns)[0]!.length;
  const map = new Map(Object.entries(columns).map(([name, values]) => [name, Float64Array.from(values)] as const));
  return { file: "accounts.csv", ids: ids ?? Array.from({ length: n }, (_, i) => `a${i + 1}`), capacity: map.get("capacity")!, columns: map };
}

function failure(bind: () => unknown, kind: new (...args: never[]) => WorkbenchError): string {
  try {
    bind();
  } catch (error) {
    expect(error).toBeInstanceOf(kind);
    const message = (error as Error).message;
    expect(message).toContain("expected ");
    expect(message).toContain("; found ");
    return message;
  }
  throw new Error("bound without error");
}

const basic = loadAccounts(`${FIXTURES}/accounts/basic.csv`);

describe("budget precedence", () => {
  const both = model("objective: sparsity\nbudget: {budget: 70, margin: 0.5}\n");
  const deficitOnly = model("objective: sparsity\nbudget: {deficit: 40, margin: 0.5}\n");
  const marginOnly = model("objective: sparsity\nbudget: {margin: 0.1}\n");
  const none = model("objective: sparsity\n");

  it("override.budget > override.deficit * (1 + margin) > model budget > model deficit * (1 + margin)", () => {
    expect(resolveBudget(both, { budget: 10, deficit: 20 })).toBe(10);
    expect(resolveBudget(both, { deficit: 20 })).toBe(30);
    expect(resolveBudget(both)).toBe(70);
    expect(resolveBudget(deficitOnly)).toBe(60);
    expect(resolveBudget(deficitOnly, { deficit: 10 })).toBe(15);
    expect(resolveBudget(marginOnly, { deficit: 100 })).toBeCloseTo(110, 12);
    expect(resolveBudget(none, { deficit: 100 })).toBe(100);
    expect(bindWave(both, { accounts: basic }, { deficit: 20 }).budget).toBe(30);
  });

  it("no budget anywhere is a UsageError saying what to give", () => {
    const message = failure(() => bindWave(none, { accounts: basic }), UsageError);
    expect(message).toBe("t.yaml  budget: expected a budget: give --deficit or --budget (or budget.deficit / budget.budget in the model); found none");
  });

  it("negative or non-finite numbers from the command line, and budgets that overflow", () => {
    expect(failure(() => resolveBudget(none, { deficit: -1 }), UsageError)).toBe("--deficit: expected a finite number >= 0; found -1");
    expect(failure(() => resolveBudget(none, { budget: NaN }), UsageError)).toBe("--budget: expected a finite number >= 0; found NaN");
    expect(failure(() => resolveBudget(marginOnly, { deficit: 1.7e308 }), UsageError)).toBe(
      "--deficit: expected a finite budget >= 0 (B = --deficit * (1 + margin 0.1)); found Infinity",
    );
  });
});

describe("eligibility", () => {
  it("value != 0 is eligible; the expression reads any numeric column", () => {
    const wave = bindWave(loadModel(`${FIXTURES}/models/pro-rata-eligible.yaml`), { accounts: basic }, { budget: 10 });
    expect([...wave.eligible]).toEqual([1, 0, 1, 0]);
    expect([...wave.upper]).toEqual([100, 0, 0, 0]);
  });

  it("the wave carries the table's columns for heuristics' scores", () => {
    const wave = bindWave(model("objective: sparsity\n"), { accounts: basic }, { budget: 1 });
    expect(wave.columns!.get("entry_pnl")).toBe(basic.columns.get("entry_pnl"));
  });

  it("no rule: everyone is eligible", () => {
    expect([...bindWave(model("objective: sparsity\n"), { accounts: basic }, { budget: 1 }).eligible]).toEqual([1, 1, 1, 1]);
  });

  it("a rule that admits nobody is an error when B > 0, and fine when B = 0", () => {
    const nobody = model("objective: sparsity\nconstraints: {eligibility: entry_pnl > 1000}\n");
    expect(failure(() => bindWave(nobody, { accounts: basic }, { budget: 5 }), InstanceError)).toBe(
      "accounts/basic.csv: expected at least one account admitted by the eligibility rule constraints.eligibility `entry_pnl > 1000` (t.yaml:3:28); found none of 4 accounts: the eligibility rule admits no account".replace(
        "accounts/basic.csv",
        `${FIXTURES}/accounts/basic.csv`,
      ),
    );
    expect([...bindWave(nobody, { accounts: basic }, { budget: 0 }).eligible]).toEqual([0, 0, 0, 0]);
  });

  it("NaN is not a truth value: an error naming the row and the account", () => {
    const rule = model("objective: sparsity\nconstraints: {eligibility: sqrt(entry_pnl) > 1}\n");
    expect(failure(() => bindWave(rule, { accounts: basic }, { budget: 5 }), InstanceError)).toBe(
      `${FIXTURES}/accounts/basic.csv row 2: expected constraints.eligibility \`sqrt(entry_pnl) > 1\` (t.yaml:3:28) to give true/false or a number; found NaN (id "a2")`,
    );
    const zeroByZero = model("objective: sparsity\nconstraints: {eligibility: entry_pnl / entry_pnl > 0}\n");
    expect(failure(() => bindWave(zeroByZero, { accounts: basic }, { budget: 5 }), InstanceError)).toContain('row 4: expected constraints.eligibility `entry_pnl / entry_pnl > 0`');
  });

  it("a column the file lacks: the expression's place, the file, did-you-mean", () => {
    const rule = model("objective: sparsity\nconstraints: {eligibility: entry_pln > 0}\n");
    expect(failure(() => bindWave(rule, { accounts: basic }, { budget: 5 }), ModelError)).toBe(
      `t.yaml:3:28  constraints.eligibility: expected a column of ${FIXTURES}/accounts/basic.csv (capacity, risk_weight, lot_value, lots, entry_pnl); found "entry_pln" in \`entry_pln > 0\` (did you mean "entry_pnl"?)`,
    );
  });
});

describe("objectives", () => {
  it("capacity shares the capacity column; expressions are evaluated per account", () => {
    const m = model("objective:\n  - minmax\n  - {kind: minmax, scale: risk_weight * capacity}\n  - {kind: convex, weight: 1, phi: {power: 3}}\n  - sparsity\n");
    const wave = bindWave(m, { accounts: basic }, { budget: 10 });
    expect(wave.objectives[0]).toEqual({ kind: "minmax", scale: basic.capacity });
    expect((wave.objectives[0] as { scale: Float64Array }).scale).toBe(basic.capacity);
    expect([...(wave.objectives[1] as { scale: Float64Array }).scale]).toEqual([100, 100, 1, 100]);
    expect(wave.objectives[2]).toMatchObject({ kind: "convex", phi: { kind: "power", p: 3 } });
    expect([...(wave.objectives[2] as { weight: Float64Array }).weight]).toEqual([1, 1, 1, 1]);
    expect(wave.objectives[3]).toEqual({ kind: "sparsity" });
  });

  it("a division by zero for an account that can pay names the account and the expression", () => {
    const m = model("objective: {kind: minmax, scale: 1 / entry_pnl}\nconstraints: {eligibility: entry_pnl >= 0}\n");
    expect(failure(() => bindWave(m, { accounts: basic }, { budget: 10 }), InstanceError)).toBe(
      `${FIXTURES}/accounts/basic.csv row 4: expected objective.scale \`1 / entry_pnl\` (t.yaml:2:34) to be a finite number > 0 for every eligible account with capacity > 0; found Infinity (a division by zero, or a log/sqrt/power of a negative number?) (id "a4")`,
    );
  });

  it("non-positive weights count only where the account can pay; elsewhere they become 1", () => {
    // a2 (entry_pnl -10) is ineligible, a3 has capacity 0: their weights cannot matter.
    const m = model("objective: {kind: convex, weight: entry_pnl}\nconstraints: {eligibility: capacity != 200}\n");
    const table = accounts({ capacity: [100, 50, 0], entry_pnl: [50, -10, 0] });
    const narrowed = model("objective: {kind: convex, weight: entry_pnl}\nconstraints: {eligibility: entry_pnl > 0 or capacity == 0}\n");
    expect([...(bindWave(narrowed, { accounts: table }, { budget: 1 }).objectives[0] as { weight: Float64Array }).weight]).toEqual([50, 1, 1]);
    expect(failure(() => bindWave(m, { accounts: table }, { budget: 1 }), InstanceError)).toContain("accounts.csv row 2: expected objective.weight `entry_pnl`");
  });

  it("a convex weight whose cost per dollar would overflow is refused at its row (npm run fuzz: a weight of 1e308 gave NaN costs on every backend)", () => {
    const m = model("objective: {kind: convex, weight: 1e308, phi: {power: 1.25}}\n");
    const table = accounts({ capacity: [100, 0.01, 5] });
    const message = failure(() => bindWave(m, { accounts: table }, { budget: 1 }), InstanceError);
    expect(message).toContain("accounts.csv row 1: expected objective.weight `1e+308`");
    expect(message).toContain("cost per dollar (value × 1.25 / capacity) is at most 1e+250");
    expect(message).toContain("scale the weights down");
    // The same book with a weight of 1e200: costs of 1.25e204 per dollar at most, accepted.
    const fine = model("objective: {kind: convex, weight: 1e200, phi: {power: 1.25}}\n");
    expect((bindWave(fine, { accounts: table }, { budget: 1 }).objectives[0] as { weight: Float64Array }).weight[1]).toBe(1e200);
  });
});

describe("seniority layers", () => {
  const profits = model("objective: minmax\nconstraints: {seniority: [gains, principal]}\n");

  it("layers come from the columns, junior first", () => {
    const table = loadAccounts(`${FIXTURES}/accounts/layers.csv`, { layers: ["gains", "principal"] });
    const wave = bindWave(profits, { accounts: table }, { budget: 50 });
    expect(wave.layers!.names).toEqual(["gains", "principal"]);
    expect(wave.layers!.capacity.map((c) => [...c])).toEqual([
      [30, 0, 12.5],
      [70, 40, 0],
    ]);
    expect([...wave.capacity]).toEqual([100, 40, 12.5]);
  });

  it("a layer column the file lacks: file, column, and the model key that asked", () => {
    expect(failure(() => bindWave(profits, { accounts: basic }, { budget: 5 }), InstanceError)).toBe(
      `${FIXTURES}/accounts/basic.csv column gains: expected a column gains (constraints.seniority in t.yaml reads it); found columns id, capacity, risk_weight, lot_value, lots, entry_pnl`,
    );
  });

  it("layers that do not sum to capacity (a table loaded without the layer option)", () => {
    const table = loadAccounts(`${FIXTURES}/accounts/layers-mismatch.csv`);
    expect(failure(() => bindWave(profits, { accounts: table }, { budget: 5 }), InstanceError)).toBe(
      `${FIXTURES}/accounts/layers-mismatch.csv row 2, column capacity: expected the sum of the seniority layers gains + principal = 40 (within 1e-9 relative); found 41 (id "g2")`,
    );
  });

  it("negative layer values in a table built in code", () => {
    const table = accounts({ capacity: [1, 1], gains: [2, 1], principal: [-1, 0] });
    expect(failure(() => bindWave(profits, { accounts: table }, { budget: 1 }), InstanceError)).toBe(
      'accounts.csv row 1, column principal: expected a finite layer capacity >= 0; found -1 (id "a1")',
    );
  });
});

describe("lots and upper bounds", () => {
  it("lot columns: one position per account; upper = min(c, alpha c, v Q) for eligible accounts", () => {
    const m = model("objective: sparsity\nconstraints:\n  alpha: 0.5\n  lots: {lotValue: lot_value, lots: lots}\n  eligibility: risk_weight >= 1\n");
    const wave = bindWave(m, { accounts: basic }, { budget: 10 });
    expect([...wave.positions!.account]).toEqual([0, 1, 2, 3]);
    expect([...wave.positions!.lotValue]).toEqual([10, 5, 1, 30]);
    expect([...wave.positions!.maxLots]).toEqual([5, 20, 0, 3]);
    expect(wave.positions!.maxLots).toBeInstanceOf(Int32Array);
    // a1: min(100, 50, 50); a2: min(50, 25, 100); a3: capacity 0; a4: ineligible (risk_weight 0.5).
    expect([...wave.upper]).toEqual([50, 25, 0, 0]);
  });

  it("no constraints: upper = capacity", () => {
    expect([...bindWave(model("objective: sparsity\n"), { accounts: basic }, { budget: 1 }).upper]).toEqual([100, 50, 0, 200]);
  });

  it("lots from a positions table: upper sums v_p Q_p over the account's positions", () => {
    const positions = loadPositions(`${FIXTURES}/accounts/positions.csv`, basic);
    const m = model("objective: [sparsity, overshoot]\nconstraints: {lots: positions}\n");
    const wave = bindWave(m, { accounts: basic, positions }, { budget: 10 });
    expect(wave.positions).toEqual({ account: positions.account, lotValue: positions.lotValue, maxLots: positions.lots, market: positions.market });
    // a1: 10*3 + 4*5 = 50; a2: 5*2 = 10; a3: no positions; a4: min(200, 25).
    expect([...wave.upper]).toEqual([50, 10, 0, 25]);
  });

  it("lots from positions without a positions table is a UsageError", () => {
    const m = model("objective: sparsity\nconstraints: {lots: positions}\n");
    expect(failure(() => bindWave(m, { accounts: basic }, { budget: 10 }), UsageError)).toBe(
      "t.yaml  constraints.lots: expected a positions table (--positions FILE): the model reads lots from positions; found none given",
    );
  });

  it("lot columns the file lacks, and non-integer lots in a table built in code", () => {
    const m = model("objective: sparsity\nconstraints: {lots: {lotValue: lot_size, lots: lots}}\n");
    expect(failure(() => bindWave(m, { accounts: basic }, { budget: 10 }), InstanceError)).toBe(
      `${FIXTURES}/accounts/basic.csv column lot_size: expected a column lot_size (constraints.lots.lotValue in t.yaml reads it); found columns id, capacity, risk_weight, lot_value, lots, entry_pnl`,
    );
    const table = accounts({ capacity: [10], lot_value: [1], lots: [2.5] });
    const byColumns = model("objective: sparsity\nconstraints: {lots: {lotValue: lot_value, lots: lots}}\n");
    expect(failure(() => bindWave(byColumns, { accounts: table }, { budget: 1 }), InstanceError)).toBe(
      'accounts.csv row 1, column lots: expected a whole number of lots from 0 to 2,147,483,647; found 2.5 (id "a1")',
    );
  });

  it("a positions table built in code gets the loader's checks", () => {
    const table = accounts({ capacity: [10, 20] });
    const bad: PositionTable = { file: "pos.csv", account: Int32Array.of(0, 2), market: ["", ""], lotValue: Float64Array.of(1, 1), lots: Int32Array.of(1, 1) };
    const m = model("objective: sparsity\nconstraints: {lots: positions}\n");
    expect(failure(() => bindWave(m, { accounts: table, positions: bad }, { budget: 1 }), InstanceError)).toBe(
      "pos.csv row 2, column account_id: expected an account index in [0, 2); found 2",
    );
  });

  it("capacity must be finite and >= 0 even in a table built in code", () => {
    const table = accounts({ capacity: [1, NaN] });
    expect(failure(() => bindWave(model("objective: sparsity\n"), { accounts: table }, { budget: 1 }), InstanceError)).toBe(
      'accounts.csv row 2, column capacity: expected a finite number >= 0; found NaN (id "a2")',
    );
  });
});

describe("scale", () => {
  it("binds 10^6 accounts with an eligibility rule, two expressions, alpha, lots and layers", () => {
    const n = 1_000_000;
    const gains = new Float64Array(n);
    const principal = new Float64Array(n);
    const capacity = new Float64Array(n);
    const risk = new Float64Array(n);
    const lotValue = new Float64Array(n);
    const lots = new Float64Array(n);
    const pnl = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      gains[i] = i % 100;
      principal[i] = 50;
      capacity[i] = gains[i]! + 50;
      risk[i] = 1 + (i % 4);
      lotValue[i] = 1 + (i % 7);
      lots[i] = i % 11;
      pnl[i] = (i % 13) - 6;
    }
    const table: AccountTable = {
      file: "big.csv",
      ids: Array.from({ length: n }, (_, i) => `a${i}`),
      capacity,
      columns: new Map([
        ["capacity", capacity],
        ["gains", gains],
        ["principal", principal],
        ["risk_weight", risk],
        ["lot_value", lotValue],
        ["lots", lots],
        ["entry_pnl", pnl],
      ]),
    };
    const m = model(
      "objective: [{kind: minmax, scale: risk_weight * capacity}, {kind: convex, weight: 1 + abs(entry_pnl)}]\nconstraints:\n  eligibility: entry_pnl > 0\n  alpha: 0.5\n  lots: {lotValue: lot_value, lots: lots}\n  seniority: [gains, principal]\n",
    );
    const instance: Instance = { accounts: table };
    const wave = bindWave(m, instance, { deficit: 1e6 });
    const i = 777_784; // entry_pnl = 777784 % 13 - 6 = 1 > 0
    expect(wave.eligible[i]).toBe(1);
    expect(wave.upper[i]).toBe(Math.min(capacity[i]! * 0.5, lotValue[i]! * lots[i]!));
    expect((wave.objectives[0] as { scale: Float64Array }).scale[i]).toBe(risk[i]! * capacity[i]!);
    expect(wave.layers!.capacity[1]).toBe(principal);
  });
});
