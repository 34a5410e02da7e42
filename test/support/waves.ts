import fc from "fast-check";
import { bindWave } from "../../src/pipeline/bind/bind.js";
import type { AccountTable, Instance, Model, ObjectiveSpec, PositionTable, Wave } from "../../src/domain.js";

/** A model value as parseModel would produce it, with defaults for what a test leaves out. */
export function modelOf(partial: Partial<Model> & { objective: readonly ObjectiveSpec[] }): Model {
  return { name: "test", file: "test.yaml", budget: { margin: 0 }, coverage: "atLeast", stageTolerance: 1e-9, ...partial };
}

/** An account table from plain columns; `id` defaults to a0, a1, … */
export function accountsOf(columns: Record<string, readonly number[]>, ids?: readonly string[]): AccountTable {
  const n = Object.values(columns)[0]?.length ?? 0;
  const map = new Map<string, Float64Array>();
  for (const [name, values] of Object.entries(columns)) map.set(name, Float64Array.from(values));
  if (!map.has("capacity") && map.has("gains") && map.has("principal")) {
    map.set("capacity", map.get("gains")!.map((g, i) => g + map.get("principal")![i]!));
  }
  return { file: "test.csv", ids: ids ?? Array.from({ length: n }, (_, i) => `a${i}`), capacity: map.get("capacity")!, columns: map };
}

export function waveOf(model: Model, accounts: AccountTable, budget: number, positions?: PositionTable): Wave {
  const instance: Instance = { accounts, ...(positions ? { positions } : {}) };
  return bindWave(model, instance, { budget });
}

/** Random account rows: heavy-ish tails, zeros, ties; layers, risk weights and lots consistent. */
export interface RandomAccounts {
  readonly capacity: number[];
  readonly gains: number[];
  readonly principal: number[];
  readonly risk_weight: number[];
  readonly lot_value: number[];
  readonly lots: number[];
  /** Budget as a share of the total capacity (may exceed 1: over-capacity waves). */
  readonly budgetShare: number;
}

export function arbitraryAccounts(options: { minN?: number; maxN?: number; maxShare?: number } = {}): fc.Arbitrary<RandomAccounts> {
  const row = fc.record({
    gains: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 40 }), fc.constant(10)),
    principal: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 20 })),
    risk_weight: fc.integer({ min: 1, max: 4 }),
    lot_value: fc.constantFrom(0.5, 1, 2, 3, 5),
    lots: fc.integer({ min: 0, max: 12 }),
  });
  return fc
    .record({
      rows: fc.array(row, { minLength: options.minN ?? 1, maxLength: options.maxN ?? 7 }),
      budgetShare: fc.double({ min: 0.05, max: options.maxShare ?? 0.95, noNaN: true }),
    })
    .map(({ rows, budgetShare }) => ({
      capacity: rows.map((r) => r.gains + r.principal),
      gains: rows.map((r) => r.gains),
      principal: rows.map((r) => r.principal),
      risk_weight: rows.map((r) => r.risk_weight),
      lot_value: rows.map((r) => r.lot_value),
      lots: rows.map((r) => r.lots),
      budgetShare,
    }));
}

export function tableOf(random: RandomAccounts): AccountTable {
  const { budgetShare: _share, ...columns } = random;
  return accountsOf(columns);
}
