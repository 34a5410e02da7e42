/**
 * Compensated (Neumaier) summation. Totals over 10^6 haircuts are compared against the budget with
 * a 1e-9 relative tolerance; naive summation can drift by n * 2^-53 relative, which is close enough
 * to that tolerance to matter, so every total that is checked against a bound goes through this.
 */
export class CompensatedSum {
  private sum = 0;
  private compensation = 0;

  add(value: number): void {
    const t = this.sum + value;
    if (Math.abs(this.sum) >= Math.abs(value)) this.compensation += this.sum - t + value;
    else this.compensation += value - t + this.sum;
    this.sum = t;
  }

  get value(): number {
    return this.sum + this.compensation;
  }
}

/** Compensated sum of an array (or of its first `length` entries). O(n). */
export function sumOf(values: ArrayLike<number>, length = values.length): number {
  const total = new CompensatedSum();
  for (let i = 0; i < length; i++) total.add(values[i]!);
  return total.value;
}
