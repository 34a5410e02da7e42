/** `adl simulate` as a library call: JSON output, the text summary, and bad input on stderr with exit code 2. */
import { afterEach, describe, expect, it, vi } from "vitest";
import { simulateCommand } from "../../src/cli/simulate.js";

afterEach(() => vi.restoreAllMocks());

describe("simulateCommand", () => {
  it("prints one JSON object with a SimulationRow per mechanism", async () => {
    let text = "";
    const code = await simulateCommand("test/simulate/fixtures/two-wave.yaml", { json: true, out: (t) => (text += t) });
    expect(code).toBe(0);
    const json = JSON.parse(text) as { rows: { mechanism: string; budgetNeeded: number; waves: number }[]; runs: { waves: unknown[]; accounts: unknown[] }[] };
    expect(json.rows).toHaveLength(1);
    expect(json.rows[0]!.mechanism).toBe("ladder(pro-rata:wealth)");
    expect(json.rows[0]!.budgetNeeded).toBeCloseTo(219.9, 9);
    expect(json.runs[0]!.waves).toHaveLength(2);
    expect(json.runs[0]!.accounts).toHaveLength(3);
  });

  it("runs the --mechanism list instead of the scenario's, with a text summary", async () => {
    let text = "";
    const code = await simulateCommand("test/simulate/fixtures/two-wave.yaml", { mechanisms: ["pro-rata:wealth", "queue:capacity"], out: (t) => (text += t) });
    expect(code).toBe(0);
    expect(text).toContain("pro-rata:wealth (heuristic): 2 waves");
    expect(text).toContain("queue:capacity (heuristic)");
    expect(text).toContain("overshoot by horizon: 0:");
  });

  it("reports bad input on stderr with exit code 2 and no stack", async () => {
    const stderr = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    expect(await simulateCommand("test/simulate/fixtures/two-wave.yaml", { mechanisms: ["queue:bitmax"], out: () => {} })).toBe(2);
    expect(String(stderr.mock.calls[0]?.[0])).toMatch(/^adl: .*bitmax/);
    expect(await simulateCommand("no/such.yaml", { out: () => {} })).toBe(2);
    expect(String(stderr.mock.calls[1]?.[0])).toContain("no/such.yaml: expected a readable scenario file");
    expect(String(stderr.mock.calls.join(""))).not.toContain("    at ");
  });
});
