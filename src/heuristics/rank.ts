/**
 * Ranking in O(n). Hybrid buckets and the largest-remainder lot scheme rank up to 10^6 entries by a
 * float key, and a comparator sort of an index array costs several hundred milliseconds there. An
 * LSD radix sort on the key's bits (stable passes, skipped when a digit is constant) does it in
 * about a hundred, and its stability gives the tie rule (by index) for free. Queues do not rank at
 * all (see takeByScore in queue.ts); the lot top-up pops a lazy heap.
 *
 * The digit width follows the size: four 16-bit passes over 65,536 buckets for large inputs, eight
 * 8-bit passes over 256 buckets below `wideDigits` entries. A 16-bit pass on 1,000 entries spent
 * nearly all its time clearing and scanning a 256 kB histogram (about 1 ms per ranking, a third of
 * a sweep job's time in the gameability metric, and memory traffic that two workers share); with
 * 8-bit digits it takes about a quarter of that. Each pass costs ~2m + buckets, so the two widths
 * break even near m = 2^15.
 */

/** Below this many entries a comparator sort is cheaper than four 65,536-bucket histograms. */
const smallRank = 256;

/** From this many entries on, 16-bit digits (4 passes); below it, 8-bit digits (8 passes). */
const wideDigits = 1 << 15;

/**
 * The entries of `members` (default 0..key.length-1), ordered by key descending; equal keys keep
 * their order in `members` (ascending index when members is ascending), so ties are deterministic.
 * -0 equals +0; NaN ranks as -Infinity (callers reject NaN scores before ranking, see checkDefined).
 * A fresh Int32Array. O(m) time, O(m) extra memory.
 */
export function rankDescending(key: Float64Array, members?: Int32Array): Int32Array {
  const m = members ? members.length : key.length;
  const order = new Int32Array(m);
  if (members) order.set(members);
  else for (let j = 0; j < m; j++) order[j] = j;
  if (m < 2) return order;
  if (m < smallRank) {
    const ranked = Array.from(order).map((index, position) => ({ index, position, value: normalized(key[index]!) }));
    ranked.sort((a, b) => (a.value === b.value ? a.position - b.position : b.value - a.value));
    for (let j = 0; j < m; j++) order[j] = ranked[j]!.index;
    return order;
  }

  // Descending sort keys: for x >= 0 the bits inverted with the sign cleared, for x < 0 the raw
  // bits; as unsigned 64-bit integers these ascend exactly as x descends.
  let hi = new Uint32Array(m);
  let lo = new Uint32Array(m);
  const scratch = new Float64Array(1);
  const words = new Uint32Array(scratch.buffer);
  const little = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
  const low = little ? 0 : 1;
  const high = 1 - low;
  for (let j = 0; j < m; j++) {
    scratch[0] = normalized(key[order[j]!]!);
    const h = words[high]!;
    const l = words[low]!;
    if (h & 0x80000000) {
      hi[j] = h;
      lo[j] = l;
    } else {
      hi[j] = ~h & 0x7fffffff;
      lo[j] = ~l >>> 0;
    }
  }

  let idx = order;
  let nextHi = new Uint32Array(m);
  let nextLo = new Uint32Array(m);
  let nextIdx = new Int32Array(m);
  const bits = m >= wideDigits ? 16 : 8;
  const buckets = 1 << bits;
  const mask = buckets - 1;
  const perWord = 32 / bits;
  const count = new Uint32Array(buckets);
  for (let pass = 0; pass < 2 * perWord; pass++) {
    const source = pass < perWord ? lo : hi;
    const shift = (pass % perWord) * bits;
    count.fill(0);
    for (let j = 0; j < m; j++) count[(source[j]! >>> shift) & mask]!++;
    if (count[(source[0]! >>> shift) & mask] === m) continue;
    let sum = 0;
    for (let d = 0; d < buckets; d++) {
      const c = count[d]!;
      count[d] = sum;
      sum += c;
    }
    for (let j = 0; j < m; j++) {
      const to = count[(source[j]! >>> shift) & mask]!++;
      nextHi[to] = hi[j]!;
      nextLo[to] = lo[j]!;
      nextIdx[to] = idx[j]!;
    }
    [hi, nextHi] = [nextHi, hi];
    [lo, nextLo] = [nextLo, lo];
    [idx, nextIdx] = [nextIdx, idx];
  }
  return idx;
}

function normalized(x: number): number {
  if (Number.isNaN(x)) return -Infinity;
  return x === 0 ? 0 : x;
}

/**
 * The same order as rankDescending (key descending, ties by ascending index), produced lazily from a
 * binary heap: building it is O(m), each pop O(log m). For callers that usually need only a short
 * prefix of the order (the lot top-up stops as soon as the budget is covered), this avoids ranking
 * 10^6 entries to read a handful. Keys must not be NaN.
 */
export class DescendingHeap {
  private readonly heap: Int32Array;
  private size: number;

  /** Takes ownership of `members` (it becomes the heap's storage). */
  constructor(
    private readonly key: Float64Array,
    members: Int32Array,
  ) {
    this.heap = members;
    this.size = members.length;
    for (let k = (this.size >> 1) - 1; k >= 0; k--) this.siftDown(k);
  }

  /** The next entry in order, or -1 when none is left. O(log m). */
  pop(): number {
    if (this.size === 0) return -1;
    const top = this.heap[0]!;
    this.size--;
    if (this.size > 0) {
      this.heap[0] = this.heap[this.size]!;
      this.siftDown(0);
    }
    return top;
  }

  private before(a: number, b: number): boolean {
    const x = this.key[a]!;
    const y = this.key[b]!;
    return x > y || (x === y && a < b);
  }

  private siftDown(from: number): void {
    const heap = this.heap;
    let k = from;
    for (;;) {
      const left = 2 * k + 1;
      if (left >= this.size) return;
      const right = left + 1;
      const child = right < this.size && this.before(heap[right]!, heap[left]!) ? right : left;
      if (!this.before(heap[child]!, heap[k]!)) return;
      const t = heap[k]!;
      heap[k] = heap[child]!;
      heap[child] = t;
      k = child;
    }
  }
}
