/** writeJson / jsonChunks: the same text as JSON.stringify (the oracle), in pieces. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { jsonChunks, writeJson } from "../../src/cli/json-stream.js";

const text = (value: unknown, suffix = "") => [...jsonChunks(value, suffix)].join("");

describe("JSON in chunks", () => {
  it("is JSON.stringify's text for any JSON-like value, undefined members and toJSON included", () => {
    const leaf = fc.oneof(fc.jsonValue(), fc.constant(undefined), fc.constant(NaN), fc.constant(-0), fc.constant(Infinity), fc.constant(new Date(0)), fc.constant(() => 1));
    const value = fc.letrec((tie) => ({
      node: fc.oneof({ depthSize: "small" }, leaf, fc.array(tie("node")), fc.dictionary(fc.string(), tie("node"))),
    })).node;
    fc.assert(
      fc.property(value, (v) => {
        expect(text(v)).toBe(JSON.stringify(v) ?? "null");
      }),
      { numRuns: 500 },
    );
  });

  it("an answer-shaped object with 3 * 10^5 rows comes out in chunks of about 32 Ki characters (below V8's large-object size), equal to JSON.stringify", async () => {
    const answer = {
      status: "optimal",
      budget: 1.5,
      skipped: undefined,
      allocation: Array.from({ length: 300_000 }, (_, k) => ({ id: `acct-${k}`, haircut: k / 7, layers: { gains: k / 14, principal: k / 14 } })),
      certificate: { feasible: true, broken: [], notes: ["a \"quoted\" note"] },
    };
    const chunks: string[] = [];
    let drains = 0;
    await writeJson(answer, (chunk) => (chunks.push(chunk), chunks.length % 2 === 0), async () => void drains++, "\n");
    expect(chunks.join("")).toBe(`${JSON.stringify(answer)}\n`);
    expect(chunks.length).toBeGreaterThan(10);
    expect(Math.max(...chunks.map((chunk) => chunk.length))).toBeLessThan(1.1 * 2 ** 15);
    // The writer returned false on every odd-numbered chunk: one drain awaited for each.
    expect(drains).toBe(Math.ceil(chunks.length / 2));
  });
});
