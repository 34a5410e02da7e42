import { describe, expect, it } from "vitest";
import { lowerEnvelope, placeOnFrontier } from "../../src/tools/frontier/place.js";
import type { FrontierPoint } from "../../src/floor/records/row.js";

const point = (x: number, y: number | null, status: FrontierPoint["status"] = "optimal"): FrontierPoint => ({ x, y, status, gap: status === "optimal" ? 0 : 0.1 });

describe("placeOnFrontier, x minimized (maxAccounts→maxFraction)", () => {
  // K = 1 infeasible; K = 2: 0.9; K = 3 stopped at a limit above K = 2's value; K = 5: 0.4.
  const points = [point(1, null, "infeasible"), point(2, 0.9), point(3, 0.95, "feasible"), point(5, 0.4)];

  it("the nonincreasing lower envelope repairs a point left high by a limit", () => {
    expect(lowerEnvelope(points)).toEqual([
      { x: 2, y: 0.9 },
      { x: 3, y: 0.9 },
      { x: 5, y: 0.4 },
    ]);
  });

  it("distance where the frontier has a point at x, null elsewhere; dominance on both axes", () => {
    const placements = placeOnFrontier(points, [
      { mechanism: "queue", x: 2, y: 1 },
      { mechanism: "exact", x: 5, y: 0.4 },
      { mechanism: "odd-k", x: 4, y: 0.95 },
      { mechanism: "pro-rata", x: 9, y: 0.3 },
      { mechanism: "limit", x: 3, y: 0.92 },
    ]);
    expect(placements[0]).toMatchObject({ mechanism: "queue", distance: expect.closeTo(0.1, 12), dominated: true });
    expect(placements[1]).toMatchObject({ mechanism: "exact", distance: 0, dominated: false });
    // No point at K = 4; (2, 0.9) is better on both axes.
    expect(placements[2]).toMatchObject({ distance: null, dominated: true });
    // Touches more accounts than any point but has a lower max fraction: not dominated.
    expect(placements[3]).toMatchObject({ distance: null, dominated: false });
    // At K = 3 the point is unproven (a limit), so there is no distance; the envelope (0.9 from K = 2) still dominates 0.92.
    expect(placements[4]).toMatchObject({ distance: null, dominated: true });
  });
});

describe("placeOnFrontier never reports a negative distance", () => {
  const points = [point(1, 0.5), point(2, 0.3)];

  it("a value below a proven point within the tolerance is 0; further below is a contradiction, not a distance", () => {
    const [slack, below] = placeOnFrontier(points, [
      { mechanism: "slack", x: 2, y: 0.3 - 1e-9 },
      { mechanism: "below", x: 2, y: 0.2 },
    ]);
    expect(slack).toMatchObject({ distance: 0 });
    expect(slack!.belowBy).toBeUndefined();
    expect(below).toMatchObject({ distance: null, belowBy: expect.closeTo(0.1, 12) });
  });
});

describe("placeOnFrontier, x maximized (coverage→touched)", () => {
  const points = [point(0.5, 1), point(1, 3), point(1.2, 6)];

  it("envelope from the right; more coverage with fewer accounts dominates", () => {
    expect(lowerEnvelope(points, "max")).toEqual([
      { x: 1.2, y: 6 },
      { x: 1, y: 3 },
      { x: 0.5, y: 1 },
    ]);
    const [queue, spread, under] = placeOnFrontier(
      points,
      [
        { mechanism: "queue", x: 1, y: 3 },
        { mechanism: "spread", x: 1, y: 40 },
        { mechanism: "under", x: 0.9, y: 2 },
      ],
      { xSense: "max" },
    );
    expect(queue).toMatchObject({ distance: 0, dominated: false });
    expect(spread).toMatchObject({ distance: 37, dominated: true });
    // Covers 90% with 2 accounts: measured at the largest share it reaches (50%, least 1 account).
    expect(under).toMatchObject({ distance: 1, dominated: false });
  });
});
