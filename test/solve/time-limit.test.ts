/** One time limit for a whole lexicographic solve (solve.ts, stageSeconds) and the watchdog's multiple (worker-host.ts). No timing here: the arithmetic only. */
import { describe, expect, it } from "vitest";
import { STAGE_SHARE_WITH_LATER, stageSeconds } from "../../src/pipeline/solve/solve.js";
import { WATCHDOG_GRACE_SECONDS, WATCHDOG_LIMIT_FACTOR, watchdogSeconds } from "../../src/pipeline/backends/worker-host.js";

describe("a stage's share of the limit", () => {
  it("is what is left less a reserve for the checks after the last stage, and less again while later stages follow", () => {
    // 60 s limit, 5 s gone, set-up took 2 s: reserve 1.5 * 2 + 0.05 = 3.05 s.
    expect(stageSeconds(60, 5, 2, 1)).toBeCloseTo(60 - 5 - 3.05, 12);
    expect(stageSeconds(60, 5, 2, 2)).toBeCloseTo((60 - 5 - 3.05) * STAGE_SHARE_WITH_LATER, 12);
    // The reserve never takes more than a quarter of the limit.
    expect(stageSeconds(10, 0, 100, 1)).toBeCloseTo(7.5, 12);
    // A spent limit still gives a stage a moment (the solver answers "limit" rather than not at all).
    expect(stageSeconds(10, 12, 0, 1)).toBe(0.05);
  });

  it("with the solver's share and the watchdog's multiple, keeps a stage's hard stop within 10% of the limit", () => {
    expect(WATCHDOG_LIMIT_FACTOR).toBeLessThanOrEqual(1.1);
    const limit = 60;
    const stage = stageSeconds(limit, 1, 0.5, 1);
    // robust.ts hands the attempts 90% of the stage's seconds; the watchdog fires at 1.1x that plus the grace.
    expect(0.9 * stage * WATCHDOG_LIMIT_FACTOR + WATCHDOG_GRACE_SECONDS + 1).toBeLessThanOrEqual(1.1 * limit);
    expect(watchdogSeconds(10)).toBeCloseTo(10 * WATCHDOG_LIMIT_FACTOR + WATCHDOG_GRACE_SECONDS, 12);
    expect(watchdogSeconds(undefined)).toBeGreaterThan(1000);
  });
});
