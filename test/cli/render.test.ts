/**
 * The terminal summary's "largest haircuts": the rows a stable sort of every row by haircut
 * (descending) puts first, found without building every row. The oracle is that full sort.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { largestRows, renderAnswer } from "../../src/cli/render.js";
import { solveWave } from "../../src/pipeline/solve/solve.js";
import { toAnswer } from "../../src/pipeline/solve/answer.js";
import { loadWaveFromFiles } from "../../src/pipeline/solve/inputs.js";
import { mkdtempSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";

describe("largestRows", () => {
  it("gives what a stable full sort gives, ties in allocation order", () => {
    // Few distinct haircuts, so that ties are common.
    const haircuts = fc.array(fc.constantFrom(0, 1, 2, 2.5, 1e15, 1e-6, 7), { maxLength: 60 });
    fc.assert(
      fc.property(haircuts, fc.integer({ min: 0, max: 20 }), (values, count) => {
        const rows = values.map((haircut, k) => ({ id: `a${k}`, haircut }));
        const expected = [...rows].sort((a, b) => b.haircut - a.haircut).slice(0, count);
        expect(largestRows(rows, count)).toEqual(expected);
      }),
      { numRuns: 500 },
    );
  });

  it("reads the answer's built-when-read rows and shows each shown account's own fraction", async () => {
    const dir = mkdtempSync(join(tmpdir(), "adl-render-"));
    const accounts = join(dir, "accounts.csv");
    // Equal capacities, so pro-rata gives every account the same haircut: all ties, shown in file order.
    writeFileSync(accounts, "id,capacity\n" + Array.from({ length: 40 }, (_, k) => `acct-${k},${k === 39 ? 400 : 100}`).join("\n") + "\n");
    const wave = loadWaveFromFiles({ model: "models/pro-rata.yaml", accounts, budget: 42.5 });
    const answer = toAnswer(wave, await solveWave(wave, {}));
    const text = renderAnswer(wave, answer, 3);
    const shown = text.split("largest haircuts")[1]!.trim().split("\n").slice(1).map((line) => line.trim().split(/\s+/));
    // The largest account pays 4x the others; then the first two of the tied ones, in file order.
    expect(shown.map((cells) => cells[0])).toEqual(["acct-39", "acct-0", "acct-1"]);
    // Every shown fraction is that account's own (pro-rata: all equal).
    expect(new Set(shown.map((cells) => cells[2])).size).toBe(1);
  });
});
