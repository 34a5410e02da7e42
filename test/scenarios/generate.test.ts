import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadAccounts, loadPositions } from "../../src/pipeline/instance/load.js";
import { generatePopulation } from "../../src/tools/scenarios/population.js";
import { generatePositions } from "../../src/tools/scenarios/positions.js";
import { writeAccountsCsv, writeGeneratedCsv, writePositionsCsv } from "../../src/tools/scenarios/csv.js";
import { solveWave } from "../../src/pipeline/solve/solve.js";
import { verifyAllocation } from "../../src/pipeline/verify/verify.js";
import { modelOf, waveOf } from "../support/waves.js";

const scratch = mkdtempSync(join(tmpdir(), "adl-generate-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const sha256 = (path: string): string => createHash("sha256").update(readFileSync(path)).digest("hex");

function generated(name: string, seed: number, n = 2_000, markets = 4, law: "pareto" | "lognormal" = "pareto"): { accounts: string; positions: string } {
  const accounts = join(scratch, `${name}-a.csv`);
  const positions = join(scratch, `${name}-p.csv`);
  writeGeneratedCsv({ n, seed, law }, { accounts, positions: { target: positions, markets } });
  return { accounts, positions };
}

describe("generate: byte determinism", () => {
  it("the same seed gives identical bytes; another seed different bytes", () => {
    const a = generated("s7a", 7);
    const b = generated("s7b", 7);
    const c = generated("s8", 8);
    expect(sha256(a.accounts)).toBe(sha256(b.accounts));
    expect(sha256(a.positions)).toBe(sha256(b.positions));
    expect(sha256(a.accounts)).not.toBe(sha256(c.accounts));
    expect(sha256(a.positions)).not.toBe(sha256(c.positions));
  });

  it("examples/wave-200.csv is `generate pareto --n 200 --seed 2026`, byte for byte", () => {
    const path = join(scratch, "wave-200.csv");
    writeGeneratedCsv({ n: 200, seed: 2026, law: "pareto" }, { accounts: path });
    expect(readFileSync(path)).toEqual(readFileSync("examples/wave-200.csv"));
  });

  it("streaming equals building the table in memory, and positions do not change the accounts", () => {
    const streamed = generated("mem", 11, 3_000, 5, "lognormal");
    const table = generatePopulation({ n: 3_000, seed: 11, law: "lognormal" });
    const accounts = join(scratch, "mem-a2.csv");
    const positions = join(scratch, "mem-p2.csv");
    writeAccountsCsv(table, accounts);
    writePositionsCsv(generatePositions(table, { seed: 11, markets: 5 }), table, positions);
    expect(sha256(accounts)).toBe(sha256(streamed.accounts));
    expect(sha256(positions)).toBe(sha256(streamed.positions));
    const alone = join(scratch, "alone.csv");
    writeGeneratedCsv({ n: 3_000, seed: 11, law: "lognormal" }, { accounts: alone });
    expect(sha256(alone)).toBe(sha256(streamed.accounts));
  });
});

/** Hill's estimator of the tail index from the k largest of `values`. */
function hill(values: Float64Array, k: number): number {
  const sorted = Float64Array.from(values).sort().reverse();
  const threshold = sorted[k]!;
  let sum = 0;
  for (let j = 0; j < k; j++) sum += Math.log(sorted[j]! / threshold);
  return k / sum;
}

describe("generate: laws", () => {
  it("Pareto tail index 1.5: Hill's estimator on n = 2e5 within ±0.1", () => {
    const table = generatePopulation({ n: 200_000, seed: 3, law: "pareto", tailIndex: 1.5 });
    expect(Math.abs(hill(table.capacity, 20_000) - 1.5)).toBeLessThan(0.1);
    const steeper = generatePopulation({ n: 200_000, seed: 3, law: "pareto", tailIndex: 2.5 });
    expect(Math.abs(hill(steeper.capacity, 20_000) - 2.5)).toBeLessThan(0.15);
  });

  it("lognormal: log-capacity has mean log(scale) and sd sigma", () => {
    const n = 200_000;
    const table = generatePopulation({ n, seed: 5, law: "lognormal", scale: 1_000, sigma: 1.2 });
    let mean = 0;
    for (const c of table.capacity) mean += Math.log(c) / n;
    let variance = 0;
    for (const c of table.capacity) variance += (Math.log(c) - mean) ** 2 / (n - 1);
    expect(Math.abs(mean - Math.log(1_000))).toBeLessThan(0.02);
    expect(Math.abs(Math.sqrt(variance) - 1.2)).toBeLessThan(0.02);
  });
});

describe("generate: columns are consistent", () => {
  it.each(["pareto", "lognormal"] as const)("%s: capacity = gains + principal = equity, lots within capacity, entry matches upnl", (law) => {
    const table = generatePopulation({ n: 20_000, seed: 9, law });
    const col = (name: string): Float64Array => table.columns.get(name)!;
    for (let i = 0; i < table.ids.length; i++) {
      const c = table.capacity[i]!;
      expect(c).toBeGreaterThan(0);
      expect(c).toBe(col("gains")[i]! + col("principal")[i]!);
      expect(col("equity")[i]).toBe(c);
      expect(col("gains")[i]).toBeGreaterThanOrEqual(0);
      expect(col("gains")[i]! <= 0.95 * c + 0.005).toBe(true);
      expect(Number.isInteger(col("lots")[i])).toBe(true);
      expect(col("lot_value")[i]! * col("lots")[i]!).toBeLessThanOrEqual(c * (1 + 1e-12));
      expect(col("risk_weight")[i]).toBeCloseTo(Math.sqrt(col("leverage")[i]!), 12);
      const size = col("notional")[i]! / col("mark")[i]!;
      // upnl = side * (mark - entry) * size
      expect(col("side")[i]! * (col("mark")[i]! - col("entry")[i]!) * size).toBeCloseTo(col("upnl")[i]!, 6);
      expect(col("entry")[i]).toBeGreaterThan(0);
    }
  });

  it("positions: 1..M distinct markets per account, lot value * lots <= its share, sum <= capacity", () => {
    const markets = 4;
    const table = generatePopulation({ n: 20_000, seed: 13 });
    const positions = generatePositions(table, { seed: 13, markets });
    const perAccount = new Map<number, Set<string>>();
    const taken = new Float64Array(table.ids.length);
    for (let p = 0; p < positions.account.length; p++) {
      const i = positions.account[p]!;
      const seen = perAccount.get(i) ?? new Set<string>();
      expect(seen.has(positions.market[p]!)).toBe(false);
      seen.add(positions.market[p]!);
      perAccount.set(i, seen);
      expect(positions.lotValue[p]).toBeGreaterThanOrEqual(0.01);
      expect(Math.round(positions.lotValue[p]! * 100)).toBeCloseTo(positions.lotValue[p]! * 100, 6);
      taken[i] = taken[i]! + positions.lotValue[p]! * positions.lots[p]!;
    }
    expect(perAccount.size).toBe(table.ids.length);
    const counts = new Set([...perAccount.values()].map((s) => s.size));
    expect([...counts].sort()).toEqual([1, 2, 3, 4]);
    for (let i = 0; i < table.ids.length; i++) expect(taken[i]!).toBeLessThanOrEqual(table.capacity[i]!);
  });
});

describe("generate: positions round-trip", () => {
  it("load back through loadPositions, bind with lots from positions, solve and verify", async () => {
    const files = generated("rt", 21, 20, 3);
    const accounts = loadAccounts(files.accounts);
    const positions = loadPositions(files.positions, accounts);
    const memory = generatePositions(generatePopulation({ n: 20, seed: 21 }), { seed: 21, markets: 3 });
    expect([...positions.account]).toEqual([...memory.account]);
    expect([...positions.lotValue]).toEqual([...memory.lotValue]);
    expect([...positions.lots]).toEqual([...memory.lots]);
    expect(positions.market).toEqual(memory.market);
    const model = modelOf({ objective: [{ kind: "minmax", scale: "capacity" }], lots: { source: "positions" } });
    let lotCapacity = 0;
    for (let p = 0; p < positions.account.length; p++) lotCapacity += positions.lotValue[p]! * positions.lots[p]!;
    const wave = waveOf(model, accounts, 0.05 * lotCapacity, positions);
    const result = await solveWave(wave, { path: "auto", timeLimitSeconds: 20 });
    expect(["optimal", "feasible"]).toContain(result.status);
    expect(result.allocation?.lots?.length).toBe(positions.account.length);
    expect(verifyAllocation(wave, result.allocation!).ok).toBe(true);
  }, 60_000);
});
