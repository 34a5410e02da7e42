/** The answer's allocation rows are built when read (answer.ts): they must read as the plain array they replace. */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { jsonChunks } from "../../src/cli/json-stream.js";
import { toAnswer } from "../../src/pipeline/solve/answer.js";
import { loadWaveFromFiles } from "../../src/pipeline/solve/inputs.js";
import { solveWave } from "../../src/pipeline/solve/solve.js";

describe("the answer's allocation rows", () => {
  it("read as a plain array everywhere: length, index, spread, JSON, equality, the streamed writer", async () => {
    const wave = loadWaveFromFiles({ model: "models/profits-first.yaml", accounts: "examples/wave-200.csv", budget: 5000 });
    const answer = toAnswer(wave, await solveWave(wave));
    const rows = answer.allocation;
    const plain = [...rows];
    expect(Array.isArray(rows)).toBe(true);
    expect(rows.length).toBe(answer.touched);
    expect(rows.length).toBeGreaterThan(1);
    expect(plain.map((row) => row.id)).toEqual(rows.map((row) => row.id));
    // Each row: the account's id and haircut, and its layer split (a ladder model).
    for (const [k, row] of plain.entries()) {
      expect(rows[k]).toEqual(row);
      const i = wave.ids.indexOf(row.id);
      expect(row.haircut).toBe(answer.allocation[k]!.haircut);
      expect(row.haircut).toBeGreaterThan(0);
      expect(i).toBeGreaterThanOrEqual(0);
      expect(Object.keys(row.layers!)).toEqual([...wave.layers!.names]);
    }
    expect(rows).toEqual(plain);
    expect(JSON.stringify(rows)).toBe(JSON.stringify(plain));
    const streamed = [...jsonChunks(answer)].join("");
    expect(streamed).toBe(JSON.stringify({ ...answer, allocation: plain }));
    expect(rows[rows.length]).toBeUndefined();
    expect(() => {
      (rows as unknown as unknown[])[0] = 1;
    }).toThrow();
  });

  it("the streamed text of rows with lots, odd ids and odd layer names is JSON.stringify's (the writer's row-text path)", async () => {
    const scratch = mkdtempSync(join(tmpdir(), "adl-rows-"));
    try {
      const lots = loadWaveFromFiles({ model: "models/lots-minmax.yaml", accounts: "examples/wave-200.csv", budget: 5000 });
      const lotsAnswer = toAnswer(lots, await solveWave(lots));
      expect(lotsAnswer.allocation[0]!.lots).toBeGreaterThan(0);
      expect([...jsonChunks(lotsAnswer)].join("")).toBe(JSON.stringify({ ...lotsAnswer, allocation: [...lotsAnswer.allocation] }));
      // Ids JSON must escape, and layer names whose key order or meaning an object changes.
      const accounts = join(scratch, "odd.csv");
      writeFileSync(accounts, 'id,2,__proto__,capacity\n"say ""hi""",1,2,3\nback\\slash,2,2,4\nnamé\u2028,0.5,1,1.5\n');
      const model = join(scratch, "ladder.yaml");
      writeFileSync(model, "name: ladder\nobjective:\n  - kind: minmax\n    scale: capacity\nconstraints:\n  seniority: [__proto__, '2']\n");
      const wave = loadWaveFromFiles({ model, accounts, budget: 6 });
      const answer = toAnswer(wave, await solveWave(wave));
      expect(answer.allocation.map((row) => row.id)).toContain('say "hi"');
      expect([...jsonChunks(answer)].join("")).toBe(JSON.stringify({ ...answer, allocation: [...answer.allocation] }));
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });
});
