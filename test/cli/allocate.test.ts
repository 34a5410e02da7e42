/**
 * `adl allocate` and `compare --allocations`: what is written is read back by `adl validate`'s own
 * allocation reader (src/tools/compare/validate.ts, not the writer under test) to the same doubles, and
 * passes validation — for models (continuous, lots, a seniority ladder) and heuristics, on a book
 * whose capacities span 1e-6 to 1e15.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { adl } from "../support/adl.js";
import { allocateMechanism, allocationCsv, writeComparisonAllocations, type AllocateOptions } from "../../src/cli/allocate.js";
import { compareWave } from "../../src/tools/compare/compare.js";
import { readAllocationCsv, validateAllocation } from "../../src/tools/compare/validate.js";
import { getHeuristic } from "../../src/heuristics/index.js";
import { loadWaveFromFiles } from "../../src/pipeline/solve/inputs.js";

const scratch = mkdtempSync(join(tmpdir(), "adl-allocate-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const WAVE = "examples/wave-200.csv";
const options = (extra: Partial<AllocateOptions> = {}): AllocateOptions => ({ accounts: WAVE, budget: 5000, seed: 1, solver: "highs", ...extra });

/** Writes the allocation, reads it back with validate's reader, and checks every haircut is the same double. */
async function roundTrip(mechanism: string, model: string, extra: Partial<AllocateOptions> = {}): Promise<void> {
  const result = await allocateMechanism(mechanism, options(extra));
  expect(result.exitCode, result.note).toBe(0);
  const file = join(scratch, `${mechanism.replace(/\W+/g, "_")}.csv`);
  writeFileSync(file, allocationCsv(result.wave, result.allocation!));
  const wave = loadWaveFromFiles({ model, accounts: extra.accounts ?? WAVE, budget: extra.budget ?? 5000 });
  const read = readAllocationCsv(file, wave);
  expect([...read.haircut]).toEqual([...result.allocation!.haircut]);
  if (result.allocation!.lots) expect([...read.lots!]).toEqual([...result.allocation!.lots]);
  if (result.allocation!.layers) result.allocation!.layers.forEach((layer, l) => expect([...read.layers![l]!]).toEqual([...layer]));
  const validation = await validateAllocation(wave, read);
  expect(validation.verdict.violations).toEqual([]);
  expect(validation.pass).toBe(true);
}

describe("allocate → validate reads back the same allocation, and it passes", () => {
  it.each([
    ["models/pro-rata.yaml", "models/pro-rata.yaml"],
    ["models/lots-minmax.yaml", "models/lots-minmax.yaml"],
    ["models/profits-first.yaml", "models/profits-first.yaml"],
    ["models/queue-l0.yaml", "models/queue-l0.yaml"],
  ])("model %s", async (mechanism, model) => roundTrip(mechanism, model));

  it.each([
    ["queue:binance", "models/pro-rata.yaml"],
    ["pro-rata:wealth", "models/alpha-capped.yaml"],
    ["ladder(pro-rata:wealth)", "models/profits-first.yaml"],
  ])("heuristic %s judged against %s", async (mechanism, model) => roundTrip(mechanism, model, { model }));

  it("on a book whose capacities span 1e-6 to 1e15 (every digit survives the text)", async () => {
    const book = join(scratch, "extremes.csv");
    const capacities = [1e-6, 3.3e-5, 0.1, 7, 12345.678901, 9.87654321e9, 1e15, 2.5e14];
    writeFileSync(book, "id,capacity\n" + capacities.map((c, i) => `acct-${i},${c}`).join("\n") + "\n");
    const budget = 1.234567891e14;
    await roundTrip("models/pro-rata.yaml", "models/pro-rata.yaml", { accounts: book, budget });
    await roundTrip("pro-rata:wealth", "models/pro-rata.yaml", { accounts: book, budget, model: "models/pro-rata.yaml" });
  });
});

describe("what allocate writes", () => {
  it("lists only accounts with a positive haircut; ids are formula-neutralized as the report's CSVs are", async () => {
    const book = join(scratch, "formula.csv");
    writeFileSync(book, 'id,capacity\n"=HYPERLINK(""x"")",10\nplain,5\nidle,0\n');
    const result = await allocateMechanism("models/pro-rata.yaml", options({ accounts: book, budget: 3 }));
    const text = allocationCsv(result.wave, result.allocation!);
    expect(text).toBe(`id,haircut\n"'=HYPERLINK(""x"")",2\nplain,1\n`);
  });

  it("an infeasible wave writes nothing and exits 3; a heuristic that breaks an undeclared constraint is not written (exit 1)", async () => {
    const infeasible = await allocateMechanism("models/pro-rata.yaml", options({ accounts: "examples/worked-example.csv", budget: 100 }));
    expect(infeasible.exitCode).toBe(3);
    expect(infeasible.allocation).toBeUndefined();
    expect(infeasible.note).toMatch(/^infeasible: capacity needs 100, has 16/);
    // A user rule that takes twice each capacity and declares nothing: the verifier catches it.
    const greedy = join(scratch, "greedy.ts");
    writeFileSync(greedy, `export default { name: "greedy", description: "twice each capacity", ignores: [], allocate: (wave) => ({ haircut: wave.capacity.map((c) => 2 * c) }) };\n`);
    const broken = await allocateMechanism(greedy, options({ accounts: "examples/worked-example.csv", budget: 10 }));
    expect(broken.exitCode).toBe(1);
    expect(broken.allocation).toBeUndefined();
    expect(broken.note).toMatch(/^breaks constraints it does not declare it ignores: capacity/);
  });

  it("refuses both --budget and --deficit, and neither", async () => {
    await expect(allocateMechanism("models/pro-rata.yaml", { ...options(), deficit: 1 })).rejects.toThrow(/exactly one of --deficit D or --budget B; found both/);
    const { budget: _budget, ...none } = options();
    await expect(allocateMechanism("models/pro-rata.yaml", none)).rejects.toThrow(/found neither/);
  });

  it("compare --allocations writes one file per mechanism and an index, each read back by validate", async () => {
    const wave = loadWaveFromFiles({ model: "models/pro-rata.yaml", accounts: WAVE, budget: 5000 });
    const comparison = await compareWave(wave, ["queue:binance", "pro-rata:wealth", "hybrid:4"].map((name) => getHeuristic(name)));
    const dir = join(scratch, "compare");
    const files = await writeComparisonAllocations(dir, wave, comparison.rows);
    expect(readdirSync(dir).sort()).toEqual(["hybrid_4.csv", "index.csv", "optimum.csv", "pro-rata_wealth.csv", "queue_binance.csv"]);
    expect(readFileSync(join(dir, "index.csv"), "utf8").split("\n")[1]).toMatch(/^optimum \(dedicated:pro-rata\),exact,optimal,optimum\.csv$/);
    for (const [k, file] of files.entries()) {
      const row = comparison.rows[k]!;
      expect([...readAllocationCsv(file, wave).haircut], row.mechanism).toEqual([...row.allocation!.haircut]);
    }
  });
});

describe("adl allocate → adl validate as a user runs them", () => {
  it.each([
    ["models/lots-minmax.yaml", "models/lots-minmax.yaml", []],
    ["pro-rata:wealth", "models/alpha-capped.yaml", ["--model", "models/alpha-capped.yaml"]],
  ])("%s", async (mechanism, model, extra) => {
    const file = join(scratch, `cli-${mechanism.replace(/\W+/g, "_")}.csv`);
    const allocated = await adl(["allocate", mechanism, ...extra, "--accounts", WAVE, "--budget", "5000", "--out", file]);
    expect(allocated.stderr).toBe("");
    expect(allocated.code).toBe(0);
    expect(allocated.stdout).toMatch(/of 200 accounts take 5,000(\.\d+)? of B = 5,000; written to/);
    const validated = await adl(["validate", model, "--accounts", WAVE, "--budget", "5000", "--allocation", file, "--json"]);
    expect(validated.code, validated.stdout + validated.stderr).toBe(0);
    expect(JSON.parse(validated.stdout).pass).toBe(true);
  }, 60_000);

  it("a missing folder for --out is exit 2 with the file named, no stack", async () => {
    const { code, stderr } = await adl(["allocate", "models/pro-rata.yaml", "--accounts", WAVE, "--budget", "5000", "--out", join(scratch, "no", "such", "dir.csv")]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/^adl: .*dir\.csv: expected a file this process may write, with room for the allocation; found a folder that does not exist \(ENOENT\)/);
    expect(stderr).not.toMatch(/\n\s+at /);
  }, 60_000);
});
