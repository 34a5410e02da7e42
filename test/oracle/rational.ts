/**
 * Exact rational numbers on BigInt, for the brute-force oracle. Every double converts exactly
 * (mantissa times a power of two), so a wave's data enter the oracle without rounding, and every
 * sum, product and comparison after that is exact.
 *
 * Written here rather than taken from fraction.js: its number constructor approximates a double by a
 * continued fraction (0.1 becomes 1/10, not the double nearest 0.1), and the oracle must see the
 * very number the workbench computed with.
 */

function gcd(a: bigint, b: bigint): bigint {
  if (a < 0n) a = -a;
  if (b < 0n) b = -b;
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
}

const view = new DataView(new ArrayBuffer(8));

/** An exact rational n/d with d > 0 and gcd(n, d) = 1. Immutable. */
export class Rational {
  static readonly zero = new Rational(0n, 1n);
  static readonly one = new Rational(1n, 1n);

  private constructor(
    readonly n: bigint,
    readonly d: bigint,
  ) {}

  /** n/d reduced; d must not be 0. */
  static of(n: bigint, d: bigint = 1n): Rational {
    if (d === 0n) throw new RangeError("Rational: zero denominator");
    if (d < 0n) {
      n = -n;
      d = -d;
    }
    const g = gcd(n, d);
    return g === 1n ? new Rational(n, d) : new Rational(n / g, d / g);
  }

  /** The exact value of a finite double (throws on NaN or an infinity). */
  static fromNumber(x: number): Rational {
    if (!Number.isFinite(x)) throw new RangeError(`Rational.fromNumber: ${x} is not finite`);
    if (x === 0) return Rational.zero;
    if (Number.isInteger(x) && Math.abs(x) <= Number.MAX_SAFE_INTEGER) return new Rational(BigInt(x), 1n);
    view.setFloat64(0, x);
    const high = view.getUint32(0);
    const low = view.getUint32(4);
    const sign = high >>> 31 ? -1n : 1n;
    const biased = (high >>> 20) & 0x7ff;
    let mantissa = (BigInt(high & 0xfffff) << 32n) | BigInt(low);
    let exponent: number;
    if (biased === 0) exponent = -1074; // subnormal
    else {
      mantissa |= 1n << 52n;
      exponent = biased - 1075;
    }
    return exponent >= 0 ? Rational.of(sign * (mantissa << BigInt(exponent))) : Rational.of(sign * mantissa, 1n << BigInt(-exponent));
  }

  static fromInteger(k: number | bigint): Rational {
    return new Rational(BigInt(k), 1n);
  }

  add(o: Rational): Rational {
    if (this.d === o.d) return Rational.of(this.n + o.n, this.d);
    return Rational.of(this.n * o.d + o.n * this.d, this.d * o.d);
  }

  sub(o: Rational): Rational {
    if (this.d === o.d) return Rational.of(this.n - o.n, this.d);
    return Rational.of(this.n * o.d - o.n * this.d, this.d * o.d);
  }

  mul(o: Rational): Rational {
    return Rational.of(this.n * o.n, this.d * o.d);
  }

  div(o: Rational): Rational {
    if (o.n === 0n) throw new RangeError("Rational: division by zero");
    return Rational.of(this.n * o.d, this.d * o.n);
  }

  neg(): Rational {
    return new Rational(-this.n, this.d);
  }

  abs(): Rational {
    return this.n < 0n ? this.neg() : this;
  }

  /** -1, 0 or 1. */
  cmp(o: Rational): number {
    const left = this.n * o.d;
    const right = o.n * this.d;
    return left < right ? -1 : left > right ? 1 : 0;
  }

  lt(o: Rational): boolean {
    return this.cmp(o) < 0;
  }

  le(o: Rational): boolean {
    return this.cmp(o) <= 0;
  }

  gt(o: Rational): boolean {
    return this.cmp(o) > 0;
  }

  ge(o: Rational): boolean {
    return this.cmp(o) >= 0;
  }

  eq(o: Rational): boolean {
    return this.n === o.n && this.d === o.d;
  }

  sign(): number {
    return this.n < 0n ? -1 : this.n > 0n ? 1 : 0;
  }

  isZero(): boolean {
    return this.n === 0n;
  }

  isInteger(): boolean {
    return this.d === 1n;
  }

  /** The nearest double, to within one rounding (for reports and float-tolerance comparisons). */
  toNumber(): number {
    const n = this.n < 0n ? -this.n : this.n;
    const sign = this.n < 0n ? -1 : 1;
    if (n <= BigInt(Number.MAX_SAFE_INTEGER) && this.d <= BigInt(Number.MAX_SAFE_INTEGER)) return (sign * Number(n)) / Number(this.d);
    // Scale so that the integer quotient carries 64 significant bits, then divide by the power of two.
    const shift = 64 - (n.toString(2).length - this.d.toString(2).length);
    const q = shift >= 0 ? (n << BigInt(shift)) / this.d : n / (this.d << BigInt(-shift));
    // Two factors: 2^-shift alone can underflow or overflow where the product does not.
    const half = Math.trunc(shift / 2);
    return sign * Number(q) * 2 ** -half * 2 ** -(shift - half);
  }

  toString(): string {
    return this.d === 1n ? this.n.toString() : `${this.n}/${this.d}`;
  }

  static min(a: Rational, b: Rational): Rational {
    return a.le(b) ? a : b;
  }

  static max(a: Rational, b: Rational): Rational {
    return a.ge(b) ? a : b;
  }

  static sum(values: Iterable<Rational>): Rational {
    let total = Rational.zero;
    for (const v of values) total = total.add(v);
    return total;
  }
}

/** Shorthand: the exact value of a double. */
export const q = (x: number): Rational => Rational.fromNumber(x);
