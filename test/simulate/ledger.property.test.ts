/**
 * The gains ledger: invariant under close-and-reopen (fast-check), and its layer rules (aging,
 * LIFO drain junior first) on a worked example.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { GainsLedger, closeAndReopen, emptyBook, equityOf, ladderOf, markToMarket, parseScenario, type BookState } from "../../src/tools/simulate/index.js";

const runs = { numRuns: Number(process.env.PROPERTY_RUNS ?? 100) };

function scenarioWith(M: number, layers: string[], ages: number[]) {
  const markets = Array.from({ length: M }, (_, m) => `  - { name: M${m}, price: 100, volatility: 0.01, depth: 1000 }`).join("\n");
  return parseScenario(
    `name: t\nseed: 1\nsteps: 1\nmarkets:\n${markets}\nmargins: { initial: 0.1, maintenance: 0.05 }\naccounts:\n  - { id: a, collateral: 1 }\n  - { id: b, collateral: 1 }\nledger: { layers: [${layers.join(", ")}], ages: [${ages.join(", ")}] }\n`,
    "t.yaml",
  );
}

type Op = { kind: "move"; returns: number[] } | { kind: "reopen"; account: number } | { kind: "drain"; account: number; amount: number };

const arbitraryCase = fc
  .record({
    n: fc.integer({ min: 1, max: 4 }),
    M: fc.integer({ min: 1, max: 3 }),
    layers: fc.integer({ min: 1, max: 3 }),
    ages: fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 2, maxLength: 2 }),
  })
  .chain((shape) =>
    fc.record({
      shape: fc.constant(shape),
      sizes: fc.array(fc.double({ min: -50, max: 50, noNaN: true }), { minLength: shape.n * shape.M, maxLength: shape.n * shape.M }),
      cash: fc.array(fc.double({ min: 0, max: 1e4, noNaN: true }), { minLength: shape.n, maxLength: shape.n }),
      ops: fc.array(
        fc.oneof(
          fc.record({ kind: fc.constant("move" as const), returns: fc.array(fc.double({ min: -0.2, max: 0.2, noNaN: true }), { minLength: shape.M, maxLength: shape.M }) }),
          fc.record({ kind: fc.constant("reopen" as const), account: fc.integer({ min: 0, max: shape.n - 1 }) }),
          fc.record({ kind: fc.constant("drain" as const), account: fc.integer({ min: 0, max: shape.n - 1 }), amount: fc.double({ min: 0, max: 500, noNaN: true }) }),
        ),
        { maxLength: 30 },
      ),
    }),
  );

describe("gains ledger", () => {
  it("is unchanged by closing and reopening positions at the mark, whenever it happens", () => {
    fc.assert(
      fc.property(arbitraryCase, ({ shape, sizes, cash, ops }) => {
        const layers = ["l0", "l1", "l2"].slice(0, shape.layers);
        const scenario = scenarioWith(shape.M, layers, shape.ages.slice(0, shape.layers - 1));
        const make = (): BookState => {
          const state = emptyBook(Array.from({ length: shape.n }, (_, i) => `a${i}`), shape.M, scenario);
          state.size.set(sizes);
          state.entry.fill(100);
          state.cash.set(cash);
          return state;
        };
        const gamed = make();
        const plain = make();
        let marks = new Float64Array(shape.M).fill(100);
        let step = 0;
        for (const op of ops as Op[]) {
          if (op.kind === "move") {
            const next = marks.map((p, m) => p * Math.exp(op.returns[m]!));
            step++;
            markToMarket(gamed, marks, next, step);
            markToMarket(plain, marks, next, step);
            marks = next;
          } else if (op.kind === "reopen") {
            closeAndReopen(gamed, op.account, marks);
            for (let m = 0; m < shape.M; m++) {
              if (gamed.size[op.account * shape.M + m] !== 0) expect(gamed.entry[op.account * shape.M + m]).toBe(marks[m]);
            }
          } else {
            gamed.ledger.drain(op.account, op.amount, step);
            plain.ledger.drain(op.account, op.amount, step);
          }
        }
        expect(Array.from(gamed.ledger.amount)).toEqual(Array.from(plain.ledger.amount));
        expect(Array.from(gamed.size)).toEqual(Array.from(plain.size));
        for (let i = 0; i < shape.n; i++) {
          const a = equityOf(gamed, i, marks);
          expect(Math.abs(a - equityOf(plain, i, marks))).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(a)));
        }
      }),
      runs,
    );
  });

  it("ages gains layer by layer and drains the newest, most junior gains first", () => {
    const ledger = new GainsLedger(1, ["recent", "older", "settled"], [2, 3]);
    ledger.book(0, 10, 1); // enters recent at step 1
    ledger.age(2);
    ledger.book(0, 5, 2); // enters recent at step 2
    expect([ledger.layer(0, 0), ledger.layer(0, 1), ledger.layer(0, 2)]).toEqual([15, 0, 0]);
    ledger.age(3); // the step-1 gain has spent 2 steps in recent: it moves to older
    expect([ledger.layer(0, 0), ledger.layer(0, 1), ledger.layer(0, 2)]).toEqual([5, 10, 0]);
    ledger.age(4); // the step-2 gain moves to older
    ledger.age(5);
    ledger.age(6); // the step-1 gain entered older at step 3 and has spent 3 steps there: settled
    expect([ledger.layer(0, 0), ledger.layer(0, 1), ledger.layer(0, 2)]).toEqual([0, 5, 10]);
    ledger.book(0, 2, 6);
    ledger.book(0, -4, 6); // LIFO: the 2 of recent, then 2 of older; settled untouched
    expect([ledger.layer(0, 0), ledger.layer(0, 1), ledger.layer(0, 2)]).toEqual([0, 3, 10]);
    expect(ledger.drain(0, 100, 6)).toBe(13);
    expect(ledger.total(0)).toBe(0);
  });

  it("clips the ladder to the capacity junior first; principal is the rest", () => {
    expect(ladderOf([5, 10], 30)).toEqual([5, 10, 15]);
    expect(ladderOf([5, 10], 8)).toEqual([5, 3, 0]);
    expect(ladderOf([5, 10], 0)).toEqual([0, 0, 0]);
  });
});
