/**
 * Determinism: the same model, accounts and seed give byte-identical `adl solve --json` output once
 * the wall-clock fields (solver.seconds, solver.attempts[].seconds) are blanked, and `adl generate`
 * writes byte-identical files. The CLI runs in this process (main(argv), output captured).
 */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "./families.js";

/** The output with every "seconds" value set to 0 and nothing else touched. */
const withoutTiming = (json: string): string => json.replace(/"seconds":-?[0-9.eE+-]+/g, '"seconds":0');

const waves: [string, string, string][] = [
  ["models/pro-rata.yaml", "examples/wave-200.csv", "4000"],
  ["models/queue-l0.yaml", "examples/wave-200.csv", "4000"],
  ["models/lots-sparsity-overshoot.yaml", "examples/wave-200.csv", "4000"],
  ["models/profits-first.yaml", "examples/wave-200.csv", "60000"],
  ["models/convex-quadratic.yaml", "examples/worked-example.csv", "2.5"],
  ["models/lots-minmax.yaml", "examples/worked-example.csv", "7.5"],
];

describe("adl solve --json is byte-identical across runs (timing blanked)", () => {
  it.each(waves)("%s on %s, B = %s, path auto and mip", async (model, accounts, budget) => {
    for (const path of ["auto", "mip"]) {
      const argv = ["solve", model, "--accounts", accounts, "--budget", budget, "--path", path, "--json"];
      const first = await runCli(argv);
      const second = await runCli(argv);
      expect(first.stderr).toBe("");
      expect(first.code).toBe(0);
      expect(JSON.parse(first.stdout).verified.ok).toBe(true);
      // The blanking is what differs, and nothing else: the raw outputs differ only in "seconds".
      expect(withoutTiming(second.stdout)).toBe(withoutTiming(first.stdout));
      expect(withoutTiming(first.stdout)).toMatch(/"seconds":0/);
    }
  }, 60_000);
});

describe("adl generate writes the same bytes every run", () => {
  it.each(["pareto", "lognormal"])("%s, with and without a positions table", async (kind) => {
    const dir = mkdtempSync(join(tmpdir(), "adl-determinism-"));
    const run = async (tag: string, positions: boolean): Promise<[Buffer, Buffer | undefined]> => {
      const out = join(dir, `${tag}.csv`);
      const table = join(dir, `${tag}-positions.csv`);
      const { code, stderr } = await runCli(["generate", kind, "--n", "3000", "--seed", "20251125", "--out", out, ...(positions ? ["--positions", table, "--markets", "4"] : [])]);
      expect(stderr).toBe("");
      expect(code).toBe(0);
      return [readFileSync(out), positions ? readFileSync(table) : undefined];
    };
    const [a] = await run("a", false);
    const [b] = await run("b", false);
    expect(b.equals(a)).toBe(true);
    const [c, cPositions] = await run("c", true);
    const [d, dPositions] = await run("d", true);
    expect(d.equals(c)).toBe(true);
    expect(dPositions!.equals(cPositions!)).toBe(true);
    // The accounts file does not depend on whether positions are drawn beside it.
    expect(c.equals(a)).toBe(true);
    // A different seed is a different population (the comparison above can fail).
    const other = join(dir, "other.csv");
    await runCli(["generate", kind, "--n", "3000", "--seed", "7", "--out", other]);
    expect(readFileSync(other).equals(a)).toBe(false);
  });
});
