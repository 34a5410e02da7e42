/** `adl solve` and `adl export` end to end, as a user runs them: a child process, its stdout, stderr and exit code. */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { adl } from "../support/adl.js";

const bundled = ["queue-l0", "pro-rata", "risk-weighted", "profits-first", "alpha-capped", "lots-minmax", "lots-sparsity-overshoot", "convex-quadratic"];

describe("adl solve --json", () => {
  it.each(bundled)("prints the DESIGN §7 object for models/%s.yaml", async (name) => {
    const { code, stdout, stderr } = await adl(["solve", `models/${name}.yaml`, "--accounts", "examples/worked-example.csv", "--deficit", "2.5", "--json"]);
    expect(stderr).toBe("");
    expect(code).toBe(0);
    const answer = JSON.parse(stdout);
    for (const key of ["status", "budget", "total", "overshoot", "touched", "maxFraction", "objective", "allocation", "certificate", "verified", "solver"]) {
      expect(answer, key).toHaveProperty(key);
    }
    expect(answer.status).toBe("optimal");
    expect(answer.budget).toBe(2.5);
    expect(answer.verified.ok).toBe(true);
    expect(answer.total).toBeGreaterThanOrEqual(2.5 - 1e-9);
    expect(answer.certificate).toMatchObject({ feasible: true, shortfall: 0 });
    expect(answer.solver).toHaveProperty("seconds");
    for (const row of answer.allocation) expect(Object.keys(row)).toContain("haircut");
    if (name.startsWith("lots")) for (const row of answer.allocation) expect(Number.isInteger(row.lots)).toBe(true);
    if (name === "profits-first") expect(answer.layerTotals).toHaveProperty("principal");
  });

  it("answers an infeasible wave with exit 3 and a certificate, not a crash", async () => {
    const { code, stdout, stderr } = await adl(["solve", "models/pro-rata.yaml", "--accounts", "examples/worked-example.csv", "--budget", "100", "--json"]);
    expect(code).toBe(3);
    expect(stderr).toBe("");
    const answer = JSON.parse(stdout);
    expect(answer.status).toBe("infeasible");
    expect(answer.certificate.shortfall).toBeCloseTo(84, 9);
  });

  it("prints a human summary without --json", async () => {
    const { code, stdout } = await adl(["solve", "models/profits-first.yaml", "--accounts", "examples/worked-example.csv", "--budget", "7.5"]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/status\s+optimal/);
    expect(stdout).toMatch(/verified\s+ok/);
  });
});

describe("bad input is an error for people (exit 2, no stack)", () => {
  const dir = mkdtempSync(join(tmpdir(), "adl-cli-"));
  const badModel = join(dir, "bad.yaml");
  writeFileSync(badModel, "name: x\nobjective: sparcity\n");
  const badAccounts = join(dir, "bad.csv");
  writeFileSync(badAccounts, "id,capacity\na,1\nb,-3.5\n");

  it.each([
    [["solve", badModel, "--accounts", "examples/worked-example.csv", "--budget", "1"], /bad\.yaml:2:\d+.*sparsity/],
    [["solve", "models/pro-rata.yaml", "--accounts", badAccounts, "--budget", "1"], /bad\.csv.*row 2.*capacity.*-3\.5/],
    [["solve", "models/pro-rata.yaml", "--accounts", "examples/worked-example.csv", "--budget", "-1"], /--budget.*-1/],
    [["solve", "models/pro-rata.yaml", "--accounts", "examples/worked-example.csv"], /--deficit or --budget/],
    [["solve", "models/missing.yaml", "--accounts", "examples/worked-example.csv", "--budget", "1"], /missing\.yaml/],
    [["solve", "models/pro-rata.yaml", "--accounts", "examples/worked-example.csv", "--budget", "1", "--solver", "cplex"], /cplex/],
  ])("%j", async (args, message) => {
    const { code, stdout, stderr } = await adl(args as string[]);
    expect(code).toBe(2);
    expect(stdout).toBe("");
    expect(stderr).toMatch(message as RegExp);
    expect(stderr).not.toMatch(/\n\s+at /);
  });
});

describe("adl export", () => {
  it.each(["lp", "mps"])("writes %s text for stage 1", async (format) => {
    const { code, stdout } = await adl(["export", "models/queue-l0.yaml", "--accounts", "examples/worked-example.csv", "--budget", "7.5", "--format", format]);
    expect(code).toBe(0);
    expect(stdout.length).toBeGreaterThan(50);
    if (format === "lp") expect(stdout).toMatch(/Subject To/i);
    else expect(stdout).toMatch(/^ROWS/m);
  });
});

describe("adl compare, validate and exposure", () => {
  it("compare --json: the optimum first, then each heuristic with its verdict", async () => {
    const { code, stdout } = await adl(["compare", "models/pro-rata.yaml", "--accounts", "examples/worked-example-pnl.csv", "--budget", "7.5", "--heuristics", "queue:score(capacity == 4),pro-rata:wealth", "--json"]);
    expect(code).toBe(0);
    const answer = JSON.parse(stdout);
    expect(answer.rows.map((row: { mechanism: string }) => row.mechanism)).toEqual(["optimum (dedicated:pro-rata)", "queue:score(capacity == 4)", "pro-rata:wealth"]);
    expect(answer.rows[1].objective[0]).toBe(1);
    expect(answer.rows[2].verified).toBe(true);
  });

  it("validate exits 1 on a violated constraint and names the account", async () => {
    const dir = mkdtempSync(join(tmpdir(), "adl-validate-cli-"));
    const file = join(dir, "production.csv");
    writeFileSync(file, "id,haircut\nA,9\n");
    const { code, stdout } = await adl(["validate", "models/pro-rata.yaml", "--accounts", "examples/worked-example-pnl.csv", "--budget", "7.5", "--allocation", file]);
    expect(code).toBe(1);
    expect(stdout).toMatch(/capacity\s+A/);
    expect(stdout).toMatch(/verdict\s+FAIL/);
  });

  it("exposure --json: account C's exact pro-rata curve", async () => {
    const { code, stdout } = await adl(["exposure", "models/pro-rata.yaml", "--accounts", "examples/worked-example-pnl.csv", "--account", "C", "--json"]);
    expect(code).toBe(0);
    const curve = JSON.parse(stdout);
    expect(curve.method).toBe("exact-breakpoints");
    expect(curve.worstCase.haircut).toBeCloseTo(0.5, 12);
  });
});
