/**
 * Plain column products (`capacity`, `risk_weight * capacity`) are parsed without mathjs so that a
 * `solve` on such a model never loads it. The oracle is mathjs itself: wrapping the same source in
 * parentheses sends it down mathjs's path, and the whitelisted trees must be the same.
 */
import { describe, expect, it } from "vitest";
import { analyzeExpression } from "../../src/pipeline/model/expression.js";

const sources = [
  "capacity",
  " capacity ",
  "risk_weight * capacity",
  "risk_weight*capacity",
  "a * b * c * d",
  "\tx_1 *\ty2 ",
  "_private",
  "pi",
  "e",
  "end",
];

describe("plain column products", () => {
  it.each(sources)("%j parses to the tree mathjs gives", (source) => {
    const fast = analyzeExpression(source);
    const viaMathjs = analyzeExpression(`(${source})`);
    expect("tree" in viaMathjs).toBe(true);
    expect(fast).toEqual(viaMathjs);
  });

  it.each(["true", "NaN", "Infinity", "a * true", "not", "a * mod", "a b", "a * * b", "a *", "2 * a", "a * 2", "a.b", "a'"])(
    "%j is left to mathjs and answered as mathjs answers it",
    (source) => {
      const result = analyzeExpression(source);
      const viaMathjs = analyzeExpression(`(${source})`);
      // Same verdict (tree or problem) as the parenthesised source, which never takes the fast path.
      expect("tree" in result).toBe("tree" in viaMathjs);
      if ("tree" in result && "tree" in viaMathjs) expect(result.tree).toEqual(viaMathjs.tree);
    },
  );

  it("a product longer than the depth limit is refused as mathjs's path refuses it", () => {
    const result = analyzeExpression(Array.from({ length: 600 }, (_, k) => `c${k}`).join(" * "));
    expect(result).toMatchObject({ problem: { expected: expect.stringContaining("nested at most") } });
  });
});
