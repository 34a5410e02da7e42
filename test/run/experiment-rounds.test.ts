/** The experiment file's rounds block: what it expands to, and every mistake named at its place. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parseExperiment } from "../../src/tools/experiments/experiment.js";
import { InstanceError, ModelError, WorkbenchError } from "../../src/errors.js";
import { expandJobs } from "../../src/tools/run/jobs.js";

const FILE = "test/fixtures/experiments/inline.yaml";
const scratch = mkdtempSync(join(tmpdir(), "adl-rounds-experiment-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const GOOD = `name: rounds
rounds:
  - name: two-rounds
    scenario: ../../rounds/fixtures/two-rounds.yaml
    lambda: 5
    fractionBase: equity
    policies:
      - { severity: [ogd, cover-all, 0.5], allocation: [pro-rata:wealth, vector-md] }
      - { name: ex post, severity: needed, allocation: minmax }
  - name: hl
    table: ../hyperliquid/policy_per_wave_metrics.csv
`;

function errorOf(text: string, file = FILE): WorkbenchError {
  try {
    parseExperiment(text, file);
  } catch (error) {
    if (error instanceof WorkbenchError) return error;
    throw error;
  }
  throw new Error("parsed without error");
}

describe("an experiment's rounds block", () => {
  it("expands a product of rules into named policies, applies lambda and fractionBase, and lists every file it reads", () => {
    const experiment = parseExperiment(GOOD, FILE);
    expect(experiment.scenarios).toEqual([]);
    expect(experiment.mechanisms).toEqual([]);
    const [scenario, table] = experiment.rounds;
    if (scenario?.kind !== "scenario" || table?.kind !== "table") throw new Error("expected a scenario and a table");
    expect(scenario.policies.map((p) => p.name)).toEqual([
      "ogd + pro-rata:wealth",
      "ogd + vector-md",
      "cover-all + pro-rata:wealth",
      "cover-all + vector-md",
      "theta 0.5 + pro-rata:wealth",
      "theta 0.5 + vector-md",
      "ex post",
    ]);
    expect(scenario.policies[4]).toEqual({ name: "theta 0.5 + pro-rata:wealth", severity: { kind: "fixed", theta: 0.5 }, allocation: { kind: "heuristic", name: "pro-rata:wealth" } });
    // The scenario file says track 1, fair 10; the experiment's lambda and fractionBase replace only those.
    expect(scenario.weights).toEqual({ under: 1, over: 1, fair: 5, eps: 0, fractionBase: "equity" });
    expect(table.policies).toEqual(["prod", "pr", "pnl_pr", "eq_pr", "vector", "contract_pr", "fixed_point_ilp_integer"]);
    expect(table).toMatchObject({ lambda: 1, reference: "fixed_point_ilp_integer" });
    for (const input of ["rounds/fixtures/two-rounds.yaml", "rounds/fixtures/r1.csv", "rounds/fixtures/r2-prod.csv", "hyperliquid/policy_per_wave_metrics.csv"]) {
      expect(experiment.inputs).toContain(resolve("test", input.startsWith("rounds/") ? input : `fixtures/${input}`));
    }
    expect(expandJobs(experiment).map((j) => j.id)).toEqual([...scenario.policies.map((p) => `two-rounds|rounds|${p.name}`), ...table.policies.map((p) => `hl|rounds|${p}`)]);
  });

  it("a rounds scenario without policies here runs the file's own", () => {
    const experiment = parseExperiment(`name: r\nrounds:\n  - name: s\n    scenario: two-wave-rounds.yaml\n`, FILE);
    expect(experiment.rounds[0]!.policies.map((p) => (typeof p === "string" ? p : p.name))).toEqual(["production", "ogd + pro-rata"]);
  });

  it("an experiment needs scenarios and mechanisms, or rounds", () => {
    expect(errorOf("name: nothing\n").message).toMatch(/inline\.yaml:1:1: expected a key "scenarios" \(or a rounds block/);
  });

  it("names the entry that has neither or both sources", () => {
    expect(errorOf(GOOD.replace("    table: ../hyperliquid/policy_per_wave_metrics.csv\n", "    lambda: 2\n")).message).toMatch(/inline\.yaml:10:5\s+rounds\[1\]: expected exactly one of scenario .* or table .*; found none/);
    expect(errorOf(GOOD.replace("    table: ../hyperliquid", "    scenario: two-wave-rounds.yaml\n    table: ../hyperliquid")).message).toMatch(/rounds\[1\]: expected exactly one of scenario .*; found both/);
  });

  it("names a missing scenario or table file at the experiment's key", () => {
    expect(errorOf(GOOD.replace("two-rounds.yaml", "nope.yaml")).message).toMatch(/inline\.yaml:4:15\s+rounds\[0\]\.scenario: expected a readable rounds scenario file \(relative to the experiment file\); found .*nope\.yaml/);
    expect(errorOf(GOOD.replace("policy_per_wave_metrics.csv", "nope.csv")).message).toMatch(/inline\.yaml:11:12\s+rounds\[1\]\.table: expected a readable per-round table \(CSV\) \(relative to the experiment file\); found .*nope\.csv/);
  });

  it("names a rounds scenario whose accounts file is missing, before any job runs", () => {
    const scenario = join(scratch, "missing-accounts.yaml");
    writeFileSync(scenario, "name: gone\nrounds:\n  - { deficit: 10, needed: 5, accounts: nowhere.csv }\n");
    expect(errorOf(GOOD.replace("../../rounds/fixtures/two-rounds.yaml", scenario)).message).toMatch(/inline\.yaml:4:15\s+rounds\[0\]\.scenario: expected a rounds scenario whose files are readable .*; found .*nowhere\.csv: /);
  });

  it("a bad cell of the table names the table's row and column, before anything runs", () => {
    const lines = readFileSync("test/fixtures/hyperliquid/policy_per_wave_metrics.csv", "utf8").split("\n");
    const header = lines[0]!.split(",");
    const column = header.indexOf("budget_prod");
    const cells = lines[3]!.split(",");
    cells[column] = "-5";
    lines[3] = cells.join(",");
    const table = join(scratch, "table.csv");
    writeFileSync(table, lines.join("\n"));
    const error = errorOf(GOOD.replace("../hyperliquid/policy_per_wave_metrics.csv", table));
    expect(error).toBeInstanceOf(InstanceError);
    expect(error.message).toMatch(/table\.csv row 3, column budget_prod: expected a finite number >= 0 \(dollars\); found "-5"/);
  });

  it("checks allocation rule names, in a list too", () => {
    expect(errorOf(GOOD.replace("allocation: [pro-rata:wealth, vector-md]", "allocation: [pro-rata:wealth, queue:bitmx]")).message).toMatch(
      /inline\.yaml:8:\d+\s+rounds\[0\]\.policies\[0\]\.allocation\[1\]: expected an allocation rule: minmax, .* or a heuristic name .*; found "queue:bitmx"/,
    );
    expect(errorOf(GOOD.replace("allocation: minmax", "allocation: { vector-md: { eta0: 0 } }")).message).toMatch(/rounds\[0\]\.policies\[1\]\.allocation: expected an allocation rule: .*\{vector-md: \{eta0\}\} with eta0 > 0; found a map/);
  });

  it("names a severity out of range with every form a rule may take", () => {
    const error = errorOf(GOOD.replace("severity: [ogd, cover-all, 0.5]", "severity: [ogd, cover-all, 1.5]"));
    expect(error).toBeInstanceOf(ModelError);
    expect(error.message).toMatch(/inline\.yaml:8:\d+\s+rounds\[0\]\.policies\[0\]\.severity\[2\]: expected a severity rule: cover-all, ogd, .* a number theta in \[0, 1\].*; found 1\.5/);
    expect(errorOf(GOOD.replace("severity: needed", "severity: sometimes")).message).toMatch(/rounds\[0\]\.policies\[1\]\.severity: expected a severity rule: .*; found "sometimes"/);
  });

  it("refuses keys that belong to the other source, repeated names, and a name for a product", () => {
    expect(errorOf(GOOD.replace("    table: ../hyperliquid/policy_per_wave_metrics.csv\n", "    table: ../hyperliquid/policy_per_wave_metrics.csv\n    fractionBase: equity\n")).message).toMatch(/rounds\[1\]\.fractionBase: expected fractionBase only with scenario/);
    expect(errorOf(GOOD.replace("    lambda: 5\n", "    lambda: 5\n    reference: pr\n")).message).toMatch(/inline\.yaml:6:5\s+rounds\[0\]\.reference: expected reference only with table/);
    expect(errorOf(GOOD.replace("{ name: ex post, severity: needed, allocation: minmax }", "{ severity: 0.5, allocation: vector-md }")).message).toMatch(/rounds\[0\]\.policies\[1\]: expected policies that differ .*found a second "theta 0\.5 \+ vector-md"/);
    expect(errorOf(GOOD.replace("{ severity: [ogd", "{ name: all, severity: [ogd")).message).toMatch(/rounds\[0\]\.policies\[0\]\.name: expected a name only for a single policy .*; found 6 policies/);
    expect(errorOf(GOOD.replace("name: hl", "name: two-rounds")).message).toMatch(/rounds\[1\]\.name: expected multi-round scenario names that differ; found a second "two-rounds"/);
  });

  it("a fairness reference must be one of the table's policies", () => {
    expect(errorOf(GOOD + "    reference: pro_rata\n").message).toMatch(/inline\.yaml:12:16\s+rounds\[1\]\.reference: expected a fairness reference among the table's policies \(prod, pr, .*\); found "pro_rata"/);
  });
});
