/** The price path: per-step volatility and correlation as the scenario says, fat tails, explicit paths. */
import { describe, expect, it } from "vitest";
import { parseScenario, pricePath } from "../../src/tools/simulate/index.js";

function scenario(nu: number, steps: number, extra = ""): ReturnType<typeof parseScenario> {
  return parseScenario(
    `name: s\nseed: 3\nsteps: ${steps}\nmarkets:\n  - { name: A, price: 100, volatility: 0.01, depth: 1 }\n  - { name: B, price: 50, volatility: 0.02, depth: 1 }\n` +
      `correlation: [[1, 0.6], [0.6, 1]]\nshocks: { nu: ${nu} }\nmargins: { initial: 0.1, maintenance: 0.05 }\naccounts:\n  - { id: a, collateral: 1 }\n  - { id: b, collateral: 1 }\n${extra}`,
    "s.yaml",
  );
}

function logReturns(path: Float64Array[], m: number): number[] {
  return path.slice(1).map((row, t) => Math.log(row[m]! / path[t]![m]!));
}

describe("pricePath", () => {
  it("has the per-step volatility, the correlation and Student-t tails the scenario sets", () => {
    const path = pricePath(scenario(5, 40_000), 0);
    const a = logReturns(path, 0);
    const b = logReturns(path, 1);
    const mean = (x: number[]): number => x.reduce((s, v) => s + v, 0) / x.length;
    const sd = (x: number[]): number => {
      const mu = mean(x);
      return Math.sqrt(mean(x.map((v) => (v - mu) ** 2)));
    };
    const [muA, muB, sdA, sdB] = [mean(a), mean(b), sd(a), sd(b)];
    expect(sdA).toBeGreaterThan(0.01 * 0.95);
    expect(sdA).toBeLessThan(0.01 * 1.05);
    expect(sdB).toBeGreaterThan(0.02 * 0.95);
    expect(sdB).toBeLessThan(0.02 * 1.05);
    const corr = mean(a.map((v, t) => (v - muA) * (b[t]! - muB))) / (sdA * sdB);
    expect(Math.abs(corr - 0.6)).toBeLessThan(0.03);
    // Excess kurtosis of t(5) is 6: far above the normal's 0.
    const kurtosis = mean(a.map((v) => ((v - muA) / sdA) ** 4)) - 3;
    expect(kurtosis).toBeGreaterThan(2);
  });

  it("follows an explicit path exactly and stays flat beyond it", () => {
    const path = pricePath(scenario(5, 2, "path:\n  - [0.1, -0.1]\n  - [0, 0.2]\n"), 2);
    expect(path).toHaveLength(5);
    expect(path[1]![0]).toBeCloseTo(100 * Math.exp(0.1), 12);
    expect(path[2]![1]).toBeCloseTo(50 * Math.exp(0.1), 12);
    expect(Array.from(path[4]!)).toEqual(Array.from(path[2]!));
  });
});
