import { describe, expect, it } from "vitest";
import { constraintSetOf, regionKey, regionLabel, satisfies, type ConstraintSet } from "../../src/tools/frontier/region.js";
import { loadModel } from "../../src/pipeline/model/parse.js";

const caps: ConstraintSet = { eligibility: null, alpha: null, lots: null, ladder: null, coverage: "atLeast", margin: null };

describe("constraint sets of models", () => {
  it("normalizes: alpha 1 is caps, a lot scale of 1 is no scale, objective and K do not count", () => {
    const proRata = constraintSetOf(loadModel("models/pro-rata.yaml"));
    expect(proRata).toEqual(caps);
    expect(regionKey(constraintSetOf({ ...loadModel("models/queue-l0.yaml"), maxAccounts: 5, alpha: 1 }))).toBe(regionKey(caps));
    const lots = loadModel("models/lots-minmax.yaml");
    expect(regionKey(constraintSetOf(lots, { lotScale: 1 }))).toBe(regionKey(constraintSetOf(lots)));
    expect(regionLabel(constraintSetOf(lots, { lotScale: 4 }))).toBe("lots lot_value×lots×4");
    expect(regionLabel(constraintSetOf(loadModel("models/profits-first.yaml")))).toBe("ladder gains→principal");
    expect(regionLabel(constraintSetOf(loadModel("models/alpha-capped.yaml")))).toBe("alpha 0.2");
  });
});

describe("satisfies", () => {
  const alpha = (a: number): ConstraintSet => ({ ...caps, alpha: a });
  it("an allocation under alpha 0.1 lies in the alpha 0.2 and caps regions, not the other way", () => {
    expect(satisfies(alpha(0.1), [], alpha(0.2), "maxAccounts→maxFraction")).toBe(true);
    expect(satisfies(alpha(0.1), [], caps, "maxAccounts→maxFraction")).toBe(true);
    expect(satisfies(caps, [], alpha(0.2), "maxAccounts→maxFraction")).toBe(false);
    expect(satisfies(alpha(0.2), [], alpha(0.1), "coverage→touched")).toBe(false);
  });

  it("a broken (declared) constraint takes the allocation out of the region that needs it", () => {
    const ladder: ConstraintSet = { ...caps, ladder: ["gains", "principal"] };
    expect(satisfies(ladder, [], ladder, "maxAccounts→maxFraction")).toBe(true);
    expect(satisfies(ladder, ["seniority"], ladder, "maxAccounts→maxFraction")).toBe(false);
    expect(satisfies(ladder, ["seniority"], caps, "maxAccounts→maxFraction")).toBe(true);
    // Falling short of B is outside the K frontier's problem, but coverage is the x axis of the other one.
    expect(satisfies(caps, ["coverage"], caps, "maxAccounts→maxFraction")).toBe(false);
    expect(satisfies(caps, ["coverage"], caps, "coverage→touched")).toBe(true);
    expect(satisfies(caps, ["capacity"], caps, "coverage→touched")).toBe(false);
  });

  it("eligibility and lots must be the same rule; a different margin is a different wave", () => {
    const eligible = { ...caps, eligibility: "leverage >= 10" };
    expect(satisfies(eligible, [], eligible, "coverage→touched")).toBe(true);
    expect(satisfies(caps, [], eligible, "coverage→touched")).toBe(false);
    expect(satisfies(eligible, [], caps, "coverage→touched")).toBe(true);
    expect(satisfies({ ...caps, lots: "lot_value×lots×4" }, [], { ...caps, lots: "lot_value×lots" }, "coverage→touched")).toBe(false);
    expect(satisfies({ ...caps, margin: 0.1 }, [], caps, "coverage→touched")).toBe(false);
  });
});
