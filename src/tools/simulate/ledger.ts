/**
 * The gains ledger: seniority as account state.
 *
 * Each account's gains sit in layers, junior first (e.g. recent → older → settled); principal is
 * what equity holds beyond them. Rules (one place, documented in src/tools/simulate/README.md):
 * - Gains are booked mark-to-market: each step's positive PnL enters the most junior layer. A close
 *   at the mark books nothing new (that PnL was booked as it accrued), so closing and reopening a
 *   position — which resets only its entry price — leaves the ledger unchanged.
 * - A gain ages: after `ages[l]` steps in layer l it moves to layer l + 1; the last layer keeps it.
 * - Losses (negative PnL, liquidation slippage) drain the most junior gains first, newest first
 *   within a layer (LIFO): a loss gives back the latest gains before it reaches settled gains, so
 *   settled seniority is only lost by losing more than everything gained since.
 * - An ADL haircut drains each layer by exactly what the wave took from it.
 * Storage: per account, layer l < last has a ring of `ages[l]` cohorts (slot = entry step mod age),
 * the last layer one amount; O(sum of ages) numbers per account, O(sum of ages) per aging step.
 */

export class GainsLedger {
  readonly layers: readonly string[];
  readonly ages: readonly number[];
  /** Slots per account: sum(ages) + 1. */
  readonly width: number;
  /** First slot of each layer. */
  private readonly offset: Int32Array;
  /** n * width dollars. */
  readonly amount: Float64Array;

  constructor(
    readonly n: number,
    layers: readonly string[],
    ages: readonly number[],
  ) {
    this.layers = layers;
    this.ages = ages;
    this.offset = new Int32Array(layers.length);
    let width = 0;
    for (let l = 0; l < layers.length; l++) {
      this.offset[l] = width;
      width += l < layers.length - 1 ? ages[l]! : 1;
    }
    this.width = width;
    this.amount = new Float64Array(n * width);
  }

  private slots(l: number): number {
    return l < this.layers.length - 1 ? this.ages[l]! : 1;
  }

  /** Slot of layer l that a gain entering at `step` occupies. */
  private slot(l: number, step: number): number {
    return this.offset[l]! + (step % this.slots(l));
  }

  /** Amount in layer l of account i, dollars. O(age). */
  layer(i: number, l: number): number {
    const base = i * this.width + this.offset[l]!;
    let total = 0;
    for (let s = 0; s < this.slots(l); s++) total += this.amount[base + s]!;
    return total;
  }

  /** All gains of account i, dollars. O(width). */
  total(i: number): number {
    let total = 0;
    const base = i * this.width;
    for (let s = 0; s < this.width; s++) total += this.amount[base + s]!;
    return total;
  }

  /** Seeds layer l of account i with `value` as if it entered at `step`. */
  seed(i: number, l: number, value: number, step = 0): void {
    const s = i * this.width + this.slot(l, step);
    this.amount[s] = this.amount[s]! + value;
  }

  /**
   * Start of `step`: every cohort that has spent its layer's age moves one layer up. Layers are
   * aged senior first so that a gain moves one layer per step. O(n * layers).
   */
  age(step: number): void {
    for (let l = this.layers.length - 2; l >= 0; l--) {
      const from = this.slot(l, step);
      const to = this.slot(l + 1, step);
      for (let i = 0; i < this.n; i++) {
        const base = i * this.width;
        const moving = this.amount[base + from]!;
        if (moving === 0) continue;
        this.amount[base + to] = this.amount[base + to]! + moving;
        this.amount[base + from] = 0;
      }
    }
  }

  /** Books a step's PnL of account i: a gain enters the junior layer, a loss drains (LIFO). */
  book(i: number, pnl: number, step: number): void {
    if (pnl > 0) {
      const s = i * this.width + this.slot(0, step);
      this.amount[s] = this.amount[s]! + pnl;
    } else if (pnl < 0) this.drain(i, -pnl, step);
  }

  /** Drains up to `loss` dollars, most junior layer first, newest cohort first. Returns what was drained. */
  drain(i: number, loss: number, step: number): number {
    let left = loss;
    for (let l = 0; l < this.layers.length && left > 0; l++) left -= this.drainLayer(i, l, left, step);
    return loss - left;
  }

  /** Drains up to `amount` from layer l of account i, newest cohort first. Returns what was drained. */
  drainLayer(i: number, l: number, amount: number, step: number): number {
    const slots = this.slots(l);
    const base = i * this.width + this.offset[l]!;
    let left = amount;
    for (let back = 0; back < slots && left > 0; back++) {
      const s = base + ((((step - back) % slots) + slots) % slots);
      const take = Math.min(this.amount[s]!, left);
      this.amount[s] = this.amount[s]! - take;
      left -= take;
    }
    return amount - left;
  }

  /** Empties account i (a bankrupt account has no gains left). */
  clear(i: number): void {
    this.amount.fill(0, i * this.width, (i + 1) * this.width);
  }

  /** Moves a share of account i's ledger, cohort by cohort, to account j (an account split). */
  transfer(i: number, j: number, share: number): void {
    for (let s = 0; s < this.width; s++) {
      const moving = this.amount[i * this.width + s]! * share;
      this.amount[i * this.width + s] = this.amount[i * this.width + s]! - moving;
      this.amount[j * this.width + s] = this.amount[j * this.width + s]! + moving;
    }
  }
}

/**
 * Layer capacities of a wave row, junior first: the ledger's gains layers clipped to the
 * account's capacity (junior first, so a capacity below the gains keeps the most junior ones),
 * then principal = capacity - gains. The layers sum to `capacity` exactly up to rounding.
 */
export function ladderOf(gains: readonly number[], capacity: number): number[] {
  const out: number[] = [];
  let left = Math.max(0, capacity);
  for (const g of gains) {
    const take = Math.min(Math.max(0, g), left);
    out.push(take);
    left -= take;
  }
  out.push(left);
  return out;
}
