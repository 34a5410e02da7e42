/**
 * Brute-force references for the frontier tests: every subset of at most K accounts, each account's
 * best contribution at a level t computed on its own. Independent of src/tools/frontier and src/pipeline/exact.
 */
export interface SmallWave {
  readonly capacity: readonly number[];
  readonly eligible: readonly boolean[];
  readonly alpha: number;
  readonly budget: number;
  /** One position per account: lot value and lots held. */
  readonly lots?: { readonly lotValue: readonly number[]; readonly maxLots: readonly number[] };
}

function subsets(n: number, maxSize: number): number[][] {
  const out: number[][] = [];
  for (let mask = 0; mask < 1 << n; mask++) {
    const members: number[] = [];
    for (let i = 0; i < n; i++) if (mask & (1 << i)) members.push(i);
    if (members.length <= maxSize) out.push(members);
  }
  return out;
}

/** The most account i can give with h_i <= level * c_i (and its alpha cap, and whole lots). */
function contribution(wave: SmallWave, i: number, level: number): number {
  const c = wave.capacity[i]!;
  if (!wave.eligible[i] || c <= 0) return 0;
  const room = Math.min(wave.alpha, level) * c;
  if (!wave.lots) return room;
  const v = wave.lots.lotValue[i]!;
  return v * Math.min(wave.lots.maxLots[i]!, Math.floor(room / v + 1e-9));
}

const slack = (wave: SmallWave): number => 1e-9 * Math.max(1, wave.budget);

/** Least max_i h_i / c_i over allocations touching at most K accounts; null when none covers B. */
export function bruteMaxFraction(wave: SmallWave, K: number): number | null {
  const n = wave.capacity.length;
  let best = Infinity;
  for (const members of subsets(n, K)) {
    const covers = (level: number): boolean => members.reduce((sum, i) => sum + contribution(wave, i, level), 0) >= wave.budget - slack(wave);
    if (!covers(wave.alpha)) continue;
    if (wave.lots) {
      // The optimum is a level at which some account's lots fill exactly: v q / c.
      const levels = [0];
      for (const i of members) for (let q = 1; q <= wave.lots.maxLots[i]!; q++) levels.push((wave.lots.lotValue[i]! * q) / wave.capacity[i]!);
      levels.sort((a, b) => a - b);
      const level = levels.find((t) => t <= wave.alpha + 1e-12 && covers(t));
      if (level !== undefined) best = Math.min(best, level);
    } else {
      let low = 0;
      let high = wave.alpha;
      for (let step = 0; step < 200; step++) {
        const middle = (low + high) / 2;
        if (covers(middle)) high = middle;
        else low = middle;
      }
      best = Math.min(best, high);
    }
  }
  return Number.isFinite(best) ? best : null;
}

/** Least number of accounts that can raise `amount`; null when all of them cannot. */
export function bruteTouched(wave: SmallWave, amount: number): number | null {
  const n = wave.capacity.length;
  let best = Infinity;
  for (const members of subsets(n, n)) {
    const total = members.reduce((sum, i) => sum + contribution(wave, i, 1), 0);
    if (total >= amount - 1e-9 * Math.max(1, amount)) best = Math.min(best, members.length);
  }
  return Number.isFinite(best) ? best : null;
}
