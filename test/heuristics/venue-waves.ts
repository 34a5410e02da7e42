/**
 * Random waves for the heuristics' conformance suite: venue columns filled consistently from a
 * position (side, size, entry, mark) and collateral, with ties (small integer ranges), zero
 * capacities, ineligible accounts, one-account waves, seniority layers [gains, principal], lots as
 * a column pair or as a positions table with several positions per account, alpha, maxAccounts and
 * exact coverage. Bound through bindWave like a real wave (see test/support/waves.ts).
 */
import fc from "fast-check";
import type { AccountTable, Model, PositionTable, Wave } from "../../src/domain.js";
import { lotCapacities, positionsByAccount } from "../../src/pipeline/exact/lot-capacity.js";
import { accountsOf, modelOf, waveOf } from "../support/waves.js";

export interface VenueRow {
  readonly side: number;
  readonly size: number;
  readonly entry: number;
  readonly move: number;
  readonly collateral: number;
  readonly riskWeight: number;
  readonly lotValue: number;
  readonly lots: number;
  readonly eligible: number;
  readonly positions: readonly { readonly lotValue: number; readonly lots: number }[];
}

export interface VenueWaveSpec {
  readonly rows: readonly VenueRow[];
  readonly alpha: number | undefined;
  readonly eligibility: boolean;
  readonly layers: boolean;
  readonly lots: "none" | "columns" | "positions";
  readonly maxAccounts: number | undefined;
  readonly exactCoverage: boolean;
  readonly withSide: boolean;
  /** Budget as a share of what the model can take at most (above 1: infeasible). */
  readonly budgetShare: number;
}

const row: fc.Arbitrary<VenueRow> = fc.record({
  side: fc.constantFrom(1, -1),
  size: fc.integer({ min: 1, max: 4 }),
  entry: fc.constantFrom(10, 20, 50),
  move: fc.constantFrom(0.5, 0.8, 1, 1.25, 1.5, 2),
  collateral: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 30 }), fc.constant(10)),
  riskWeight: fc.integer({ min: 1, max: 4 }),
  lotValue: fc.constantFrom(0.5, 1, 2, 5),
  lots: fc.integer({ min: 0, max: 12 }),
  eligible: fc.constantFrom(0, 1, 1),
  positions: fc.array(fc.record({ lotValue: fc.constantFrom(0.5, 1, 3, 7), lots: fc.integer({ min: 0, max: 6 }) }), { maxLength: 3 }),
});

export function arbitraryVenueWave(options: { maxN?: number } = {}): fc.Arbitrary<VenueWaveSpec> {
  return fc
    .record({
      rows: fc.array(row, { minLength: 1, maxLength: options.maxN ?? 8 }),
      alpha: fc.constantFrom(undefined, undefined, 0.5),
      eligibility: fc.boolean(),
      layers: fc.boolean(),
      lots: fc.constantFrom("none" as const, "none" as const, "columns" as const, "positions" as const),
      maxAccounts: fc.constantFrom(undefined, undefined, 2),
      exactCoverage: fc.boolean(),
      withSide: fc.boolean(),
      budgetShare: fc.oneof(fc.double({ min: 0, max: 1, noNaN: true }), fc.constantFrom(1, 0.5, 1.3)),
    })
    .map((spec) => ({ ...spec, exactCoverage: spec.exactCoverage && spec.lots === "none" }));
}

/** The accounts table of a spec: every column of the convention, consistent with one position per account. */
export function venueTable(rows: readonly VenueRow[], withSide = true): AccountTable {
  const columns: Record<string, number[]> = {};
  const put = (name: string, value: number): void => {
    (columns[name] ??= []).push(value);
  };
  rows.forEach((r, i) => {
    const mark = r.entry * r.move;
    const upnl = r.side * r.size * (mark - r.entry);
    const notional = r.size * mark;
    const entryNotional = r.size * r.entry;
    const equity = r.collateral + upnl;
    const gains = Math.max(0, upnl);
    put("gains", gains);
    put("principal", r.collateral);
    put("capacity", gains + r.collateral);
    put("upnl", upnl);
    put("entry_notional", entryNotional);
    put("notional", notional);
    put("equity", equity);
    put("leverage", notional / Math.max(1, equity));
    put("margin_ratio", (0.05 * notional) / Math.max(1, equity));
    put("mark", mark);
    put("entry", r.entry);
    if (withSide) put("side", r.side);
    put("entry_pnl", upnl / entryNotional);
    put("risk_weight", r.riskWeight);
    put("lot_value", r.lotValue);
    put("lots", r.lots);
    // At least one eligible account, or binding rejects the wave.
    put("elig", i === 0 ? 1 : r.eligible);
  });
  return accountsOf(columns);
}

function positionsOf(rows: readonly VenueRow[]): PositionTable {
  const account: number[] = [];
  const lotValue: number[] = [];
  const lots: number[] = [];
  rows.forEach((r, i) =>
    r.positions.forEach((p) => {
      account.push(i);
      lotValue.push(p.lotValue);
      lots.push(p.lots);
    }),
  );
  return { file: "positions.csv", account: Int32Array.from(account), market: account.map((_, p) => `m${p}`), lotValue: Float64Array.from(lotValue), lots: Int32Array.from(lots) };
}

export function venueModel(spec: VenueWaveSpec): Model {
  return modelOf({
    objective: [{ kind: "sparsity" }],
    coverage: spec.exactCoverage ? "exact" : "atLeast",
    ...(spec.alpha !== undefined ? { alpha: spec.alpha } : {}),
    ...(spec.eligibility ? { eligibility: { source: "elig > 0", where: "test" } } : {}),
    ...(spec.layers ? { seniority: ["gains", "principal"] } : {}),
    ...(spec.lots === "columns" ? { lots: { source: "columns" as const, lotValue: "lot_value", lots: "lots" } } : {}),
    ...(spec.lots === "positions" ? { lots: { source: "positions" as const } } : {}),
    ...(spec.maxAccounts !== undefined ? { maxAccounts: spec.maxAccounts } : {}),
  });
}

/** The most the model's own constraints let the wave take (exact per-account lot capacity with lots), dollars. */
export function modelReach(wave: Wave): number {
  if (wave.positions === undefined) return wave.upper.reduce((a, b) => a + b, 0);
  const cap = new Float64Array(wave.ids.length);
  const alpha = wave.model.alpha ?? 1;
  for (let i = 0; i < cap.length; i++) cap[i] = wave.eligible[i] === 1 ? Math.min(wave.capacity[i]!, alpha * wave.capacity[i]!) : 0;
  const best = lotCapacities(wave.positions, positionsByAccount(wave.positions, cap.length), cap);
  return best.amount.reduce((a, b) => a + b, 0);
}

/** A bound wave with its columns attached (bind may not attach them yet), budget = share x reach. */
export function buildVenueWave(spec: VenueWaveSpec): { wave: Wave; feasible: boolean } {
  const accounts = venueTable(spec.rows, spec.withSide);
  const model = venueModel(spec);
  const positions = spec.lots === "positions" ? positionsOf(spec.rows) : undefined;
  const probe = withColumns(waveOf(model, accounts, 0, positions), accounts);
  const reach = modelReach(probe);
  const budget = Math.round(spec.budgetShare * reach * 1e6) / 1e6;
  const wave = withColumns(waveOf(model, accounts, budget, positions), accounts);
  return { wave, feasible: budget <= reach };
}

export function withColumns(wave: Wave, accounts: AccountTable): Wave {
  return wave.columns ? wave : { ...wave, columns: accounts.columns };
}
