/**
 * The verifier on a lots allocation of 2 x 10^5 positions (10^5 accounts, two positions each, lot
 * values with decimals such as 0.1 and 0.3), beside a peer in the same process: the same checks
 * (each account's lots against its capacity and alpha cap, coverage against B) in plain float64,
 * which is what the verifier did before lots were decided exactly. Reported as a ratio. Half the
 * accounts sit exactly on their capacity (their lots are worth it to the cent: a tie the float check
 * cannot call), the case where the exact decision is needed.
 * Writes results/bench/verify-lots-<timestamp>.json.
 *
 * Environment: BENCH_LOTS_ACCOUNTS (default 100000), BENCH_REPEAT (default 7; the median is reported).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Allocation, Wave } from "../src/domain.js";
import { verifyAllocation } from "../src/pipeline/verify/verify.js";
import { makeWave } from "../test/exact/make-wave.js";

const n = Number(process.env.BENCH_LOTS_ACCOUNTS ?? 100_000);
const repeat = Number(process.env.BENCH_REPEAT ?? 7);
const values = [0.1, 0.3, 0.7, 1.1, 2.5, 0.05];

/** The wave and an allocation that keeps every promise; `ties`: half the accounts' lots are worth exactly their capacity. */
function build(ties: boolean): { wave: Wave; allocation: Allocation } {
  const lotValue: number[] = [];
  const maxLots: number[] = [];
  const account: number[] = [];
  const capacity: number[] = [];
  const lots: number[] = [];
  const haircut: number[] = [];
  let budget = 0;
  for (let i = 0; i < n; i++) {
    const v1 = values[i % values.length]!;
    const v2 = values[(i * 7 + 3) % values.length]!;
    const q1 = 1 + (i % 5);
    const q2 = 1 + ((i * 3) % 4);
    lotValue.push(v1, v2);
    maxLots.push(q1 + 2, q2 + 2);
    account.push(i, i);
    lots.push(q1, q2);
    // The decimal value of the lots taken, as a double: with ties, every other account has exactly that capacity.
    const worth = Number((q1 * v1 + q2 * v2).toPrecision(12));
    capacity.push(ties && i % 2 === 0 ? worth : worth * 1.5 + 1);
    haircut.push(q1 * v1 + q2 * v2);
    budget += q1 * v1 + q2 * v2;
  }
  // makeWave's per-account bound loop is quadratic in positions: the positions are attached here (the verifier reads only the raw data).
  const base = makeWave({ capacity, budget: budget * 0.999, objectives: [{ kind: "sparsity" }] });
  const wave: Wave = {
    ...base,
    model: { ...base.model, lots: { source: "positions" } },
    positions: { account: Int32Array.from(account), lotValue: Float64Array.from(lotValue), maxLots: Int32Array.from(maxLots) },
  };
  return { wave, allocation: { haircut: Float64Array.from(haircut), lots: Int32Array.from(lots) } };
}

/** Median wall time of `repeat` runs of `work`, after one warm-up run. */
function median(work: () => boolean): { seconds: number; ok: boolean } {
  let ok = work();
  const times: number[] = [];
  for (let k = 0; k < repeat; k++) {
    const started = performance.now();
    ok = work();
    times.push((performance.now() - started) / 1000);
  }
  times.sort((a, b) => a - b);
  return { seconds: times[Math.floor(times.length / 2)]!, ok };
}

/** The peer: the same rows in plain float64 (no decimal reading, no error bound). */
function floatCheck(wave: Wave, allocation: Allocation): boolean {
  const positions = wave.positions!;
  const amount = new Float64Array(n);
  for (let p = 0; p < positions.account.length; p++) amount[positions.account[p]!]! += allocation.lots![p]! * positions.lotValue[p]!;
  let ok = true;
  let total = 0;
  for (let i = 0; i < n; i++) {
    if (amount[i]! > wave.capacity[i]! * (1 + 1e-12)) ok = false;
    if (Math.abs(amount[i]! - allocation.haircut[i]!) > 1e-9) ok = false;
    total += amount[i]!;
  }
  return ok && total >= wave.budget;
}

const tied = build(true);
const apart = build(false);
const peer = median(() => floatCheck(tied.wave, tied.allocation));
const withTies = median(() => verifyAllocation(tied.wave, tied.allocation).ok);
const withoutTies = median(() => verifyAllocation(apart.wave, apart.allocation).ok);
const result = {
  accounts: n,
  positions: tied.allocation.lots!.length,
  tiesAtCapacity: Math.ceil(n / 2),
  repeat,
  node: process.version,
  peer: { name: "plain float64 rows", ...peer },
  // The float-decided path of the same verifier: no account within the error bound of its cap.
  verifierNoTies: { ...withoutTies, ratioToPeer: withoutTies.seconds / peer.seconds },
  verifierTies: { ...withTies, ratioToPeer: withTies.seconds / peer.seconds, ratioToNoTies: withTies.seconds / withoutTies.seconds },
};
if (!withTies.ok || !withoutTies.ok) throw new Error("the verifier rejected the benchmark's allocation (it keeps every promise)");
const dir = join("results", "bench");
mkdirSync(dir, { recursive: true });
const file = join(dir, `verify-lots-${new Date().toISOString().replace(/[:.]/g, "-")}.json`);
writeFileSync(file, JSON.stringify(result, null, 2) + "\n");
process.stdout.write(JSON.stringify(result) + "\n");
process.stdout.write(`wrote ${file}\n`);
