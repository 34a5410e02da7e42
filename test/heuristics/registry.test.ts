import { describe, expect, it } from "vitest";
import { ModelError, UsageError } from "../../src/errors.js";
import { getHeuristic, heuristicForms, heuristicNames, RuleHeuristic } from "../../src/heuristics/index.js";
import { parseExperiment } from "../../src/tools/experiments/experiment.js";

describe("registry", () => {
  it("lists every preset, and each name parses to a heuristic of that name", () => {
    expect(heuristicNames()).toEqual([
      "queue:bitmex",
      "queue:binance",
      "queue:hyperliquid",
      "queue:capacity",
      "queue:entry-pnl",
      "walk:dydx",
      "pro-rata:drift",
      "pro-rata:wealth",
      "pro-rata:pnl",
      "pro-rata:equity",
      "risk-weighted",
      "hybrid:4",
    ]);
    for (const name of heuristicNames()) {
      const heuristic = getHeuristic(name);
      expect(heuristic.name).toBe(name);
      expect(heuristic.description.length).toBeGreaterThan(10);
    }
    expect(heuristicForms()).toContain("ladder(<inner>)");
  });

  it("declares what each rule ignores by design", () => {
    const ignores = Object.fromEntries(heuristicNames().map((name) => [name, [...getHeuristic(name).ignores].sort()]));
    for (const name of ["queue:bitmex", "queue:binance", "queue:hyperliquid", "queue:capacity", "queue:entry-pnl", "walk:dydx"]) {
      expect(ignores[name], name).toEqual(["alpha", "maxAccounts", "seniority"]);
    }
    for (const name of ["pro-rata:drift", "pro-rata:wealth", "pro-rata:pnl", "pro-rata:equity", "risk-weighted", "hybrid:4"]) {
      expect(ignores[name], name).toEqual(["maxAccounts", "seniority"]);
    }
    expect(getHeuristic("ladder(queue:bitmex)").ignores).toEqual(["alpha", "maxAccounts"]);
    expect(getHeuristic("ladder(pro-rata:wealth)").ignores).toEqual(["maxAccounts"]);
    expect(getHeuristic("lots-ceil(walk:dydx)").ignores).toEqual(["alpha", "maxAccounts", "seniority"]);
  });

  it("parses parameterized and nested names", () => {
    const nested = getHeuristic("ladder(lots-floor-lr(pro-rata:wealth))");
    expect(nested.name).toBe("ladder(lots-floor-lr(pro-rata:wealth))");
    expect(nested).toBeInstanceOf(RuleHeuristic);
    expect((nested as RuleHeuristic).lotScheme).toBe("floor-lr");
    expect(getHeuristic("  ladder( pro-rata:wealth )  ").name).toBe("ladder(pro-rata:wealth)");
    expect(getHeuristic("queue:score(max(upnl, 0) * leverage)").name).toBe("queue:score(max(upnl, 0) * leverage)");
    expect(getHeuristic("hybrid:7").name).toBe("hybrid:7");
    expect(getHeuristic("hybrid:3(entry_pnl)").name).toBe("hybrid:3(entry_pnl)");
    expect(getHeuristic("lots-ceil(ladder(queue:score((a + b) * c)))").name).toBe("lots-ceil(ladder(queue:score((a + b) * c)))");
    expect((getHeuristic("ladder(lots-ceil(queue:bitmex))") as RuleHeuristic).lotScheme).toBe("ceil");
  });

  it("an unknown name is a UsageError with a did-you-mean that keeps the nesting", () => {
    const message = (name: string): string => {
      try {
        getHeuristic(name);
      } catch (error) {
        expect(error).toBeInstanceOf(UsageError);
        return (error as Error).message;
      }
      throw new Error(`${name} parsed`);
    };
    expect(message("pro-rata:welth")).toMatch(/found "pro-rata:welth" \(did you mean "pro-rata:wealth"\?\)/);
    expect(message("queue:bitmx")).toMatch(/did you mean "queue:bitmex"\?/);
    expect(message("ladder(pro-rata:welth)")).toMatch(/found "pro-rata:welth" in "ladder\(pro-rata:welth\)" \(did you mean "ladder\(pro-rata:wealth\)"\?\)/);
    expect(message("ladr(pro-rata:wealth)")).toMatch(/did you mean "ladder\(pro-rata:wealth\)"\?/);
    expect(message("lots-floor-lr(ladder(queue:capacty))")).toMatch(/did you mean "lots-floor-lr\(ladder\(queue:capacity\)\)"\?/);
    expect(message("queue:scor(leverage)")).toMatch(/did you mean "queue:score\(leverage\)"\?/);
    expect(message("something-else-entirely")).not.toMatch(/did you mean/);
    expect(message("ladder(pro-rata:wealth")).toMatch(/expected a heuristic name/);
    expect(message("hybrid:0")).toMatch(/k >= 1/);
    expect(message("queue:score()")).toMatch(/a score expression/);
  });

  it("names of JavaScript built-ins are unknown names, not Object.prototype's members", () => {
    for (const name of ["constructor", "__proto__", "toString", "hasOwnProperty", "valueOf", "ladder(constructor)", "lots-ceil(__proto__)", "constructor(pro-rata:wealth)", "__proto__(queue:bitmex)", "toString(x)"]) {
      let caught: unknown;
      try {
        getHeuristic(name);
      } catch (error) {
        caught = error;
      }
      expect(caught, name).toBeInstanceOf(UsageError);
      expect((caught as Error).message, name).toMatch(/expected a heuristic name: one of queue:bitmex/);
    }
    // Still nested and still with a suggestion where one is near.
    expect(() => getHeuristic("ladder(toString)")).toThrow(/found "toString" in "ladder\(toString\)"/);
    expect(() => getHeuristic("ladderr(constructor)")).toThrow(/did you mean "ladder\(constructor\)"\?/);
  });

  it("an experiment naming a built-in is rejected by the loader, before any job runs", () => {
    for (const name of ["constructor", "__proto__", "ladder(toString)"]) {
      const text = `name: x\nscenarios:\n  - name: p\n    generate: { n: 10 }\n    budget: { share: 0.1 }\nmechanisms:\n  - heuristic: "${name}"\n`;
      let caught: unknown;
      try {
        parseExperiment(text, "test/fixtures/experiments/inline.yaml");
      } catch (error) {
        caught = error;
      }
      expect(caught, name).toBeInstanceOf(ModelError);
      expect((caught as Error).message, name).toMatch(/mechanisms\[0\]\.heuristic: expected a heuristic name/);
    }
  });

  it("a score expression outside the whitelist is a ModelError at parse time", () => {
    expect(() => getHeuristic("queue:score(import('fs'))")).toThrow(ModelError);
    expect(() => getHeuristic("queue:score(leverage && upnl)")).toThrow(/heuristic queue:score.*and/);
    expect(() => getHeuristic("hybrid:2(evaluate(1))")).toThrow(ModelError);
  });

  it("every call builds a fresh heuristic", () => {
    expect(getHeuristic("pro-rata:wealth")).not.toBe(getHeuristic("pro-rata:wealth"));
  });
});
