/** The paper's Table 2 from the reference's per-round table, to the cent, and the table's error discipline. */
import { describe, expect, it } from "vitest";
import { adl } from "../support/adl.js";
import { InstanceError, UsageError } from "../../src/errors.js";
import { parseRoundTable, readRoundTable, scoreRoundTable } from "../../src/tools/rounds/table.js";

const FIXTURE = "test/fixtures/hyperliquid/policy_per_wave_metrics.csv";
const cents = (x: number): string => x.toFixed(2);

describe("adl rounds on the 10 October 2025 replay (arXiv 2602.15182, Table 2)", () => {
  const score = scoreRoundTable(readRoundTable(FIXTURE));
  const policy = (name: string) => score.policies.find((p) => p.name === name)!;

  it("reproduces every published cell of Table 2 to the cent", () => {
    expect(score.rounds).toBe(16);
    expect([cents(policy("prod").tracking), cents(policy("prod").fairness), cents(policy("prod").total)]).toEqual(["53782490.53", "11077031.68", "64859522.21"]);
    expect([cents(policy("contract_pr").tracking), cents(policy("contract_pr").fairness), cents(policy("contract_pr").total)]).toEqual(["3020120.65", "384064.35", "3404185.00"]);
    expect([cents(policy("vector").tracking), cents(policy("vector").fairness), cents(policy("vector").total)]).toEqual(["1793022.03", "2620345.57", "4413367.61"]);
    expect([cents(policy("fixed_point_ilp_integer").tracking), cents(policy("fixed_point_ilp_integer").fairness)]).toEqual(["106205.81", "0.00"]);
    // Continuous pro-rata: tracking "≈0" in the paper (float dust of the reference's water-filling), fairness exact.
    expect(policy("pr").tracking).toBeLessThan(0.01);
    expect(cents(policy("pr").fairness)).toBe("2732437.29");
    expect(cents(policy("pr").total)).toBe("2732437.29");
  });

  it("P̂ = 7.0595, bound ≈ $129.70M, production ≈ 50.0% and integer pro-rata ≈ 2.6% of it (§5.3)", () => {
    expect(score.severityVariation.toFixed(4)).toBe("7.0595");
    expect((score.bound / 1e6).toFixed(2)).toBe("129.70");
    expect((100 * policy("prod").shareOfBound).toFixed(1)).toBe("50.0");
    expect((100 * policy("contract_pr").shareOfBound).toFixed(1)).toBe("2.6");
    expect((100 * policy("vector").shareOfBound).toFixed(1)).toBe("3.4");
  });

  it("P̂ from min(1, B^need / D) equals the table's theta_needed_capped column", () => {
    const table = readRoundTable(FIXTURE);
    const { neededSeverity: _dropped, ...withoutTheta } = table;
    expect(_dropped).toBeDefined();
    expect(scoreRoundTable(withoutTheta).severityVariation).toBeCloseTo(score.severityVariation, 12);
  });

  it("lambda weighs the fairness component only", () => {
    const doubled = scoreRoundTable(readRoundTable(FIXTURE), { lambda: 2 });
    const prod = doubled.policies.find((p) => p.name === "prod")!;
    expect(prod.total).toBeCloseTo(policy("prod").tracking + 2 * policy("prod").fairness, 6);
    expect(prod.fairness).toBe(policy("prod").fairness);
  });
});

describe("round table errors name the file, row and column", () => {
  const header = "wave,deficit_usd,budget_needed,budget_a,max_pct_a";
  it("a non-numeric cell", () => {
    expect(() => parseRoundTable(`${header}\n1,10,5,5,0.1\n2,10,oops,5,0.1\n`, "t.csv")).toThrow(/t\.csv row 2, column budget_needed: expected a finite number >= 0 \(dollars\); found "oops"/);
  });
  it("an empty cell and a fraction above 1", () => {
    expect(() => parseRoundTable(`${header}\n1,,5,5,0.1\n`, "t.csv")).toThrow(/row 1, column deficit_usd: .*found an empty cell/);
    expect(() => parseRoundTable(`${header}\n1,10,5,5,1.5\n`, "t.csv")).toThrow(/row 1, column max_pct_a: expected a finite fraction in \[0, 1\]; found "1.5"/);
  });
  it("a missing column, with a did-you-mean", () => {
    expect(() => parseRoundTable("wave,deficit,budget_needed,budget_a,max_pct_a\n1,10,5,5,0.1\n", "t.csv")).toThrow(InstanceError);
    expect(() => parseRoundTable("wave,deficit_us,budget_needed,budget_a,max_pct_a\n1,10,5,5,0.1\n", "t.csv")).toThrow(/column deficit_usd: expected a column deficit_usd.*did you mean "deficit_us"/);
  });
  it("an Excel file with a byte-order mark reads like any other", () => {
    const table = parseRoundTable(Buffer.from(`\uFEFF${header}\r\n1,10,5,6,0.1\r\n`, "utf8"), "excel.csv");
    expect(scoreRoundTable(table, { reference: "a" }).policies[0]).toMatchObject({ name: "a", tracking: 1, fairness: 0 });
  });
  it("no policy, a ragged row, an unknown reference", () => {
    expect(() => parseRoundTable("deficit_usd,budget_needed,budget_a\n1,1,1\n", "t.csv")).toThrow(/at least one policy/);
    expect(() => parseRoundTable(`${header}\n1,10,5\n`, "t.csv")).toThrow(/row 1: expected 5 fields/);
    expect(() => scoreRoundTable(parseRoundTable(`${header}\n1,10,5,5,0.1\n`, "t.csv"), { reference: "b" })).toThrow(UsageError);
  });
});

describe("adl rounds TABLE (end to end)", () => {
  it("--json prints {rounds, severityVariation, bound, policies} and nothing else", async () => {
    const { code, stdout, stderr } = await adl(["rounds", FIXTURE, "--json"]);
    expect(stderr).toBe("");
    expect(code).toBe(0);
    const answer = JSON.parse(stdout);
    expect(Object.keys(answer)).toEqual(["rounds", "severityVariation", "bound", "policies"]);
    expect(Object.keys(answer.policies[0])).toEqual(["name", "tracking", "fairness", "total", "shareOfBound"]);
    expect(answer.policies.find((p: { name: string }) => p.name === "prod").total.toFixed(2)).toBe("64859522.21");
  }, 60_000);
  it("a bad reference is a placed error on stderr, exit 2, no stack", async () => {
    const { code, stdout, stderr } = await adl(["rounds", FIXTURE, "--reference", "fixed_point_ilp"]);
    expect(code).toBe(2);
    expect(stdout).toBe("");
    expect(stderr).toMatch(/^adl: --reference: expected a policy of .*did you mean "fixed_point_ilp_integer"/);
    expect(stderr).not.toMatch(/at .*\.ts:\d+/);
  }, 60_000);
});
