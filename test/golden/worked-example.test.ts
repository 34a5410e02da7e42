/**
 * Golden tests on the published worked example: three accounts with PnL endowments (8, 4, 0.5) and
 * cash (2, 1, 0.5), budget B = 7.5. Hand-checked numbers:
 * - pro-rata over the PnL endowments (capacity = PnL): h = 7.5 / 12.5 * (8, 4, 0.5) = (4.8, 2.4, 0.3);
 * - profits-first over the ladder [gains, principal] with capacity = PnL + cash = (10, 5, 1):
 *   the gains (12.5) cover the budget, so no principal is touched, and pro-rata within gains gives
 *   the same (4.8, 2.4, 0.3);
 * - the queue (L0) optimum touches one account: the first alone covers 7.5.
 */
import { afterAll, describe, expect, it } from "vitest";
import { loadWaveFromFiles } from "../../src/pipeline/solve/inputs.js";
import { solveWave } from "../../src/pipeline/solve/solve.js";
import { toAnswer } from "../../src/pipeline/solve/answer.js";
import { closeBackends } from "../../src/pipeline/backends/robust.js";

afterAll(async () => {
  await closeBackends();
});

const paths = ["auto", "mip"] as const;

describe.each(paths)("worked example via %s", (path) => {
  it("pro-rata over PnL endowments takes (4.8, 2.4, 0.3)", async () => {
    const wave = loadWaveFromFiles({ model: "models/pro-rata.yaml", accounts: "examples/worked-example-pnl.csv", budget: 7.5 });
    const answer = toAnswer(wave, await solveWave(wave, { path }));
    expect(answer.status).toBe("optimal");
    expect(answer.verified?.ok).toBe(true);
    expect(answer.allocation.map((row) => row.id)).toEqual(["A", "B", "C"]);
    const haircuts = answer.allocation.map((row) => row.haircut);
    [4.8, 2.4, 0.3].forEach((expected, i) => expect(haircuts[i]).toBeCloseTo(expected, 7));
    expect(answer.maxFraction).toBeCloseTo(0.6, 9);
    expect(answer.total).toBeCloseTo(7.5, 9);
  });

  it("profits-first touches no principal and is pro-rata within gains", async () => {
    const wave = loadWaveFromFiles({ model: "models/profits-first.yaml", accounts: "examples/worked-example.csv", budget: 7.5 });
    const answer = toAnswer(wave, await solveWave(wave, { path }));
    expect(answer.status).toBe("optimal");
    expect(answer.verified?.ok).toBe(true);
    expect(answer.stages[0]).toBe("layer:principal");
    // Lexicographic stages are fixed with the model's relative stage tolerance (1e-9 by default).
    expect(answer.objective[0]).toBeCloseTo(0, 8);
    expect(answer.layerTotals?.principal).toBeCloseTo(0, 8);
    expect(answer.layerTotals?.gains).toBeCloseTo(7.5, 8);
    expect(answer.certificate.broken).toEqual([]);
  });

  it("profits-first takes principal only when the gains cannot cover, and only the missing amount", async () => {
    const wave = loadWaveFromFiles({ model: "models/profits-first.yaml", accounts: "examples/worked-example.csv", budget: 14 });
    const answer = toAnswer(wave, await solveWave(wave, { path }));
    expect(answer.status).toBe("optimal");
    expect(answer.layerTotals?.principal).toBeCloseTo(1.5, 8);
    expect(answer.layerTotals?.gains).toBeCloseTo(12.5, 8);
    const promise = answer.certificate.broken.find((b) => b.promise === "profits-only");
    expect(promise?.need).toBeCloseTo(14, 9);
    expect(promise?.have).toBeCloseTo(12.5, 9);
  });

  it("the L0 queue touches exactly one account", async () => {
    const wave = loadWaveFromFiles({ model: "models/queue-l0.yaml", accounts: "examples/worked-example-pnl.csv", budget: 7.5 });
    const answer = toAnswer(wave, await solveWave(wave, { path }));
    expect(answer.status).toBe("optimal");
    expect(answer.touched).toBe(1);
    expect(answer.objective).toEqual([1]);
    expect(answer.allocation[0]?.id).toBe("A");
  });
});

describe("infeasible waves are answers with a certificate", () => {
  it("over-capacity: shortfall and the broken promise", async () => {
    const wave = loadWaveFromFiles({ model: "models/pro-rata.yaml", accounts: "examples/worked-example-pnl.csv", budget: 20 });
    const answer = toAnswer(wave, await solveWave(wave));
    expect(answer.status).toBe("infeasible");
    expect(answer.certificate.feasible).toBe(false);
    expect(answer.certificate.shortfall).toBeCloseTo(7.5, 9);
    expect(answer.certificate.broken.find((b) => b.promise === "capacity")).toMatchObject({ need: 20, have: 12.5 });
  });

  it("alpha promise impossible", async () => {
    const wave = loadWaveFromFiles({ model: "models/alpha-capped.yaml", accounts: "examples/worked-example-pnl.csv", budget: 3 });
    const answer = toAnswer(wave, await solveWave(wave));
    expect(answer.status).toBe("infeasible");
    const alpha = answer.certificate.broken.find((b) => b.promise === "alpha");
    expect(alpha?.have).toBeCloseTo(2.5, 9);
    expect(answer.certificate.shortfall).toBeCloseTo(0.5, 9);
  });
});
