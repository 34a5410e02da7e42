/**
 * One job's wave: the scenario's accounts (generated from the seed, or read from a file), the sweep's
 * column changes (risk-weight exponent, lot granularity), the sweep's model changes (alpha, K,
 * margin) and the budget level, bound into a `Wave`. Pure given the experiment and the job; the
 * account tables are cached per worker because every mechanism of a wave reads the same one.
 */
import type { AccountTable, Instance, Model } from "../../domain.js";
import { InstanceError } from "../../errors.js";
import type { Experiment, SweepPoint } from "../experiments/experiment.js";
import { bindWave } from "../../pipeline/bind/bind.js";
import { loadAccounts } from "../../pipeline/instance/load.js";
import { generatePopulation } from "../scenarios/population.js";
import type { Wave } from "../../domain.js";
import type { WaveKey } from "../../floor/records/row.js";
import type { WaveRef } from "./jobs.js";


const tables = new Map<string, AccountTable>();
const TABLE_CACHE = 16;

/** The scenario's account table for a seed (a file scenario ignores the seed). */
export function accountsOf(experiment: Experiment, ref: WaveRef, layers: readonly string[] | undefined): AccountTable {
  const scenario = experiment.scenarios[ref.scenario]!;
  const source = scenario.source;
  // Keyed by everything the table is made of (not the scenario's name: two experiments run in one
  // process may both call a scenario "p" with the same seed and a different n or law).
  const key =
    source.kind === "generate"
      ? `generate#${JSON.stringify([source.n, source.law, source.tailIndex ?? null, source.scale ?? null, source.sigma ?? null])}#${ref.seed}`
      : `${source.file}#${source.kind === "accounts" ? (source.map?.file ?? "") : ""}#${(layers ?? []).join(",")}`;
  let table = tables.get(key);
  if (!table) {
    table =
      source.kind === "generate"
        ? generatePopulation({
            n: source.n,
            seed: ref.seed,
            law: source.law,
            ...(source.tailIndex !== undefined ? { tailIndex: source.tailIndex } : {}),
            ...(source.scale !== undefined ? { scale: source.scale } : {}),
            ...(source.sigma !== undefined ? { sigma: source.sigma } : {}),
          })
        : loadAccounts(source.file, { ...(layers ? { layers } : {}), ...(source.kind === "accounts" && source.map ? { mapping: source.map.mapping } : {}) });
    if (tables.size >= TABLE_CACHE) tables.delete(tables.keys().next().value!);
    tables.set(key, table);
  }
  return table;
}

/** The sweep's column changes: risk_weight = leverage^gamma; lots coarsened by lotScale (v' = s v, Q' = floor(Q / s)). */
export function sweptAccounts(table: AccountTable, point: SweepPoint): AccountTable {
  const gamma = point.riskWeightExponent;
  const scale = point.lotScale;
  if (gamma === undefined && scale === undefined) return table;
  const columns = new Map(table.columns);
  const need = (name: string, why: string): Float64Array => {
    const column = table.columns.get(name);
    if (!column) throw new InstanceError({ file: table.file, field: name }, `a ${name} column (${why})`, "none");
    return column;
  };
  if (gamma !== undefined) {
    const leverage = need("leverage", "the riskWeightExponent sweep sets risk_weight = leverage^exponent");
    columns.set("risk_weight", leverage.map((l) => l ** gamma));
  }
  if (scale !== undefined) {
    const lotValue = need("lot_value", "the lotScale sweep changes lot sizes");
    const lots = need("lots", "the lotScale sweep changes lot sizes");
    columns.set("lot_value", lotValue.map((v) => v * scale));
    // Same position, fewer and larger lots: what a coarser contract size would give.
    columns.set("lots", lots.map((q) => Math.floor(q / scale + 1e-9)));
  }
  return { ...table, columns };
}

/** The model at a grid point: alpha, K and margin set from the sweep. */
export function sweptModel(model: Model, point: SweepPoint): Model {
  if (point.alpha === undefined && point.maxAccounts === undefined && point.margin === undefined) return model;
  return {
    ...model,
    ...(point.alpha !== undefined ? { alpha: point.alpha } : {}),
    ...(point.maxAccounts !== undefined ? { maxAccounts: point.maxAccounts } : {}),
    ...(point.margin !== undefined ? { budget: { ...model.budget, margin: point.margin } } : {}),
  };
}

function totalOf(values: Float64Array): number {
  let sum = 0;
  for (const v of values) sum += v;
  return sum;
}

/**
 * The bound wave and its key. A share budget is B = share * (sum of the raw capacities), the same for
 * every mechanism of the wave, so that mechanisms are compared on one B.
 */
export function waveFor(experiment: Experiment, ref: WaveRef, model: Model, point: SweepPoint = {}): { wave: Wave; key: WaveKey } {
  const swept = sweptModel(model, point);
  const table = sweptAccounts(accountsOf(experiment, ref, swept.seniority), point);
  const totalCapacity = totalOf(table.capacity);
  const level = ref.budget;
  const override = level.kind === "share" ? { budget: level.value * totalCapacity } : level.kind === "deficit" ? { deficit: level.value } : { budget: level.value };
  const instance: Instance = { accounts: table };
  const wave = bindWave(swept, instance, override);
  const scenario = experiment.scenarios[ref.scenario]!;
  return {
    wave,
    key: {
      wave: ref.wave,
      scenario: scenario.name,
      seed: ref.seed,
      n: wave.ids.length,
      budget: wave.budget,
      totalCapacity,
      budgetShare: totalCapacity > 0 ? wave.budget / totalCapacity : 0,
    },
  };
}
