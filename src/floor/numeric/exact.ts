/**
 * Exact arithmetic on amounts of money that are integers times given values (lots times lot
 * values, a level times a scale). Each float64 is read as the shortest decimal that round-trips to
 * it (what a file or a person wrote: 0.1 is one tenth, not 0.1000000000000000055511151231257827),
 * so that 3 lots of 0.1 are exactly 0.3 and fit a capacity of 0.3. Sums and products of such
 * decimals are exact in BigInt; comparisons first try floating point with a rigorous error bound
 * and fall back to BigInt only when the two sides are within it, so the common case stays at float
 * speed.
 */

/** A decimal mantissa * 10^exponent (mantissa an integer). */
export interface Decimal {
  readonly mantissa: bigint;
  readonly exponent: number;
}

const view = new DataView(new ArrayBuffer(8));
/** Unit roundoff of float64. */
const unit = 2 ** -53;
/** Below this the float error bounds above would need subnormal care: decide in BigInt. */
const tiny = 2 ** -900;
/**
 * Slack on the float fast path beyond rounding: a double and its shortest decimal differ by up to
 * half an ulp, so the fast path decides only when the sides are further apart than that too.
 */
const decimalSlack = 4 * unit;

/** x as its shortest round-trip decimal mantissa * 10^exponent. Throws on a non-finite x. O(digits). */
export function decimal(x: number): Decimal {
  if (!Number.isFinite(x)) throw new RangeError(`not a finite number: ${x}`);
  if (x === 0) return { mantissa: 0n, exponent: 0 };
  const { whole, exponent } = decimalDigits(x);
  return { mantissa: BigInt(whole), exponent };
}

/** A finite non-zero x's shortest round-trip decimal as digits (sign included) and a power of ten. O(digits). */
function decimalDigits(x: number): { whole: string; exponent: number } {
  const text = String(x);
  const e = text.indexOf("e");
  const digits = e < 0 ? text : text.slice(0, e);
  let exponent = e < 0 ? 0 : Number(text.slice(e + 1));
  const point = digits.indexOf(".");
  let whole = digits;
  if (point >= 0) {
    exponent -= digits.length - point - 1;
    whole = digits.slice(0, point) + digits.slice(point + 1);
  }
  return { whole, exponent };
}

/** A decimal whose mantissa is a double: exact when it is a safe integer, NaN otherwise. */
interface SmallDecimal {
  readonly mantissa: number;
  readonly exponent: number;
}

/** x as its shortest round-trip decimal with a double mantissa (NaN past 2^53 or for a non-finite x). O(digits). */
function smallDecimal(x: number): SmallDecimal {
  if (!Number.isFinite(x)) return { mantissa: NaN, exponent: 0 };
  if (x === 0) return { mantissa: 0, exponent: 0 };
  const { whole, exponent } = decimalDigits(x);
  // An integer string below 2^53 converts exactly (correct rounding of a representable value).
  const mantissa = Number(whole);
  return { mantissa: Math.abs(mantissa) <= Number.MAX_SAFE_INTEGER ? mantissa : NaN, exponent };
}

/** count * mantissa * 10^(exponent - lowest) when that is a safe integer computed exactly, NaN otherwise. */
function scaledMantissa(count: number, d: SmallDecimal, lowest: number): number {
  const shift = d.exponent - lowest;
  if (Number.isNaN(d.mantissa) || shift > 22) return NaN;
  const x = count * d.mantissa;
  if (!(Math.abs(x) <= Number.MAX_SAFE_INTEGER)) return NaN;
  const y = x * 10 ** shift;
  return Math.abs(y) <= Number.MAX_SAFE_INTEGER ? y : NaN;
}

/** The exact product of decimals. O(1) BigInt operations. */
export function times(...factors: Decimal[]): Decimal {
  let mantissa = 1n;
  let exponent = 0;
  for (const f of factors) {
    mantissa *= f.mantissa;
    exponent += f.exponent;
  }
  return { mantissa, exponent };
}

/** sign(a - b), exactly: -1, 0 or 1. */
export function compareDecimal(a: Decimal, b: Decimal): number {
  const e = Math.min(a.exponent, b.exponent);
  const x = a.mantissa * 10n ** BigInt(a.exponent - e);
  const y = b.mantissa * 10n ** BigInt(b.exponent - e);
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * sign(k * a * b - c) exactly, for an integer k (a safe integer) and finite doubles a, b, c: is the
 * product above, at or below c? Float first (the product carries at most 2 roundings), BigInt when
 * the float result is within its error bound. O(1).
 */
export function compareProduct(k: number, a: number, b: number, c: number): number {
  const ka = k * a;
  const p = ka * b;
  const bound = (4 * unit + 2 * decimalSlack) * (Math.abs(p) + Math.abs(c)) + tiny;
  if (Number.isFinite(p) && Math.abs(ka) > tiny && Math.abs(p) > tiny && Math.abs(c) > tiny) {
    if (p - c > bound) return 1;
    if (c - p > bound) return -1;
  }
  return compareDecimal(times(decimal(k), decimal(a), decimal(b)), decimal(c));
}

/**
 * sign(k1 * a1 * b1 - k2 * a2 * b2) exactly (k1, k2 safe integers; the others finite doubles): how
 * two levels k v_i / s_i and k' v_j / s_j compare after cross-multiplying. O(1).
 */
export function compareProducts(k1: number, a1: number, b1: number, k2: number, a2: number, b2: number): number {
  const ka = k1 * a1;
  const kb = k2 * a2;
  const p = ka * b1;
  const q = kb * b2;
  const bound = (4 * unit + 3 * decimalSlack) * (Math.abs(p) + Math.abs(q)) + tiny;
  if (Number.isFinite(p) && Number.isFinite(q) && Math.min(Math.abs(ka), Math.abs(kb), Math.abs(p), Math.abs(q)) > tiny) {
    if (p - q > bound) return 1;
    if (q - p > bound) return -1;
  }
  return compareDecimal(times(decimal(k1), decimal(a1), decimal(b1)), times(decimal(k2), decimal(a2), decimal(b2)));
}

/**
 * An exact sum of products q * v (q an integer, v a double read as its decimal) and of plain doubles, compared exactly
 * against a double. Keeps a float running sum with an error bound; the BigInt terms are built only
 * when a comparison is too close to call in floating point (then once, from the stored terms).
 * O(1) per term; a close comparison costs O(terms) BigInt operations.
 */
export class ExactSum {
  private readonly counts: number[] = [];
  private readonly values: number[] = [];
  private sum = 0;
  private compensation = 0;
  private absolute = 0;

  /**
   * `decimals`: a cache of decimal readings shared across sums (a verifier's lot values repeat over
   * 10^5 accounts; reading each as a decimal is a number-to-string conversion).
   */
  constructor(private readonly decimals?: Map<number, Decimal>) {}

  /** Made on the first exact comparison: most sums are decided in floating point, and a Map per sum was ~190 MB of garbage over a 10^6-account lots solve. */
  private smalls: Map<number, SmallDecimal> | undefined;

  /** Adds count * value (count a safe integer, value a finite double). */
  addProduct(count: number, value: number): void {
    if (count === 0 || value === 0) return;
    this.counts.push(count);
    this.values.push(value);
    this.accumulate(count * value);
  }

  /** Adds a double. */
  add(value: number): void {
    this.addProduct(1, value);
  }

  /** The sum rounded to a double (compensated, within a few ulps). */
  get value(): number {
    return this.sum + this.compensation;
  }

  /** sign(sum - c), exactly. */
  compare(c: number): number {
    return this.compareProduct(1, c);
  }

  /** sign(sum - a * b), exactly (a, b finite doubles). */
  compareProduct(a: number, b: number): number {
    const s = this.value;
    const c = a * b;
    // Each product rounds once (u |qv|), the Neumaier sum adds at most 2u |S| + O(n u^2) sum |qv|,
    // and a * b rounds once.
    const bound = (8 * unit + 3 * decimalSlack) * (this.absolute + Math.abs(c)) + tiny;
    if (Number.isFinite(s) && Number.isFinite(c) && (this.absolute === 0 || this.absolute > tiny) && (c === 0 || Math.abs(c) > tiny)) {
      if (s - c > bound) return 1;
      if (c - s > bound) return -1;
    }
    const integral = b === 1 ? this.integerCompare(a) : a === 1 ? this.integerCompare(b) : NaN;
    if (!Number.isNaN(integral)) return integral;
    return compareDecimal(this.exact(), b === 1 ? this.read(a) : times(this.read(a), this.read(b)));
  }

  /**
   * sign(sum - c) on the decimal mantissas scaled to one exponent, in float64 integer arithmetic:
   * exact while every product and partial sum is a safe integer (a product or sum of integers whose
   * true value is below 2^53 is computed without rounding, and one above it cannot come out below),
   * NaN as soon as one is not (then BigInt decides). The common tie (lots worth exactly a cap of a
   * few decimals) costs no BigInt. O(terms).
   */
  private integerCompare(c: number): number {
    // The right-hand side (a capacity) rarely repeats: read, not cached.
    const rhs = smallDecimal(c);
    let lowest = rhs.exponent;
    for (let t = 0; t < this.values.length; t++) lowest = Math.min(lowest, this.readSmall(this.values[t]!).exponent);
    let sum = 0;
    for (let t = 0; t < this.values.length; t++) {
      sum += scaledMantissa(this.counts[t]!, this.readSmall(this.values[t]!), lowest);
      if (!(Math.abs(sum) <= Number.MAX_SAFE_INTEGER)) return NaN;
    }
    const target = scaledMantissa(1, rhs, lowest);
    if (Number.isNaN(target)) return NaN;
    return sum > target ? 1 : sum < target ? -1 : 0;
  }

  /** x's decimal with the mantissa as a double (NaN past 2^53), cached for the lot values. */
  private readSmall(x: number): SmallDecimal {
    this.smalls ??= new Map();
    let d = this.smalls.get(x);
    if (d === undefined) {
      d = smallDecimal(x);
      this.smalls.set(x, d);
    }
    return d;
  }

  /** Empties the sum (to reuse one accumulator across accounts). */
  reset(): void {
    this.counts.length = 0;
    this.values.length = 0;
    this.sum = 0;
    this.compensation = 0;
    this.absolute = 0;
  }

  /** The exact sum as a decimal. O(terms) BigInt operations. */
  exact(): Decimal {
    const byExponent = new Map<number, bigint>();
    for (let t = 0; t < this.counts.length; t++) {
      const v = this.read(this.values[t]!);
      byExponent.set(v.exponent, (byExponent.get(v.exponent) ?? 0n) + BigInt(this.counts[t]!) * v.mantissa);
    }
    if (byExponent.size === 0) return { mantissa: 0n, exponent: 0 };
    const lowest = Math.min(...byExponent.keys());
    let mantissa = 0n;
    for (const [exponent, m] of byExponent) mantissa += m * 10n ** BigInt(exponent - lowest);
    return { mantissa, exponent: lowest };
  }

  /** x as a decimal, from the shared cache when there is one. */
  private read(x: number): Decimal {
    if (!this.decimals) return decimal(x);
    let d = this.decimals.get(x);
    if (d === undefined) {
      d = decimal(x);
      this.decimals.set(x, d);
    }
    return d;
  }

  private accumulate(x: number): void {
    const t = this.sum + x;
    if (Math.abs(this.sum) >= Math.abs(x)) this.compensation += this.sum - t + x;
    else this.compensation += x - t + this.sum;
    this.sum = t;
    this.absolute += Math.abs(x);
  }
}

/**
 * a * b rounded down, for a, b >= 0: the largest double whose decimal is <= the exact product of
 * the decimals, so that an amount kept under it keeps the promise `h <= a * b` exactly.
 * O(1).
 */
export function productDown(a: number, b: number): number {
  const p = a * b;
  if (!(p > 0) || !Number.isFinite(p)) return p;
  let down = p;
  while (down > 0 && compareProduct(1, a, b, down) < 0) down = nextDown(down);
  return down;
}

/**
 * A float running sum of products with a rigorous error bound and no stored terms: `compare`
 * answers -1, 0 or 1 when the float sum decides it, NaN when the sides are too close to call (then
 * redo the sum with ExactSum). For hot loops where the exact fallback is rare. O(1) per term.
 */
export class BoundedSum {
  private sum = 0;
  private compensation = 0;
  private absolute = 0;

  addProduct(count: number, value: number): void {
    const x = count * value;
    const t = this.sum + x;
    if (Math.abs(this.sum) >= Math.abs(x)) this.compensation += this.sum - t + x;
    else this.compensation += x - t + this.sum;
    this.sum = t;
    this.absolute += Math.abs(x);
  }

  get value(): number {
    return this.sum + this.compensation;
  }

  /** sign(sum - c) when the float sum decides it, NaN otherwise. */
  compare(c: number): number {
    const s = this.value;
    const bound = (8 * unit + 3 * decimalSlack) * (this.absolute + Math.abs(c)) + tiny;
    if (Number.isFinite(s) && (this.absolute === 0 || this.absolute > tiny) && (c === 0 || Math.abs(c) > tiny)) {
      if (s - c > bound) return 1;
      if (c - s > bound) return -1;
      if (this.absolute === 0 && c === 0) return 0;
    }
    return NaN;
  }

  reset(): void {
    this.sum = 0;
    this.compensation = 0;
    this.absolute = 0;
  }
}

/** The largest double below a positive finite x. O(1). */
export function nextDown(x: number): number {
  if (!(x > 0) || !Number.isFinite(x)) return x;
  view.setFloat64(0, x);
  const lo = view.getUint32(4);
  if (lo === 0) view.setUint32(0, view.getUint32(0) - 1);
  view.setUint32(4, (lo - 1) >>> 0);
  return view.getFloat64(0);
}

/** The largest integer q in [0, most] with q * v <= amount exactly (v > 0, finite; amount a double). O(1) expected. */
export function lotsWithinExact(amount: number, lotValue: number, most: number = Number.MAX_SAFE_INTEGER): number {
  if (!(amount > 0) || !(lotValue > 0) || !(most > 0)) return 0;
  let q = Math.floor(amount / lotValue);
  if (!(q < most)) q = most;
  // Past 2^53, q + 1 === q: counts there are not exact integers and the steps below would never end.
  if (!(q < Number.MAX_SAFE_INTEGER)) return q;
  // The division rounds either way; a handful of exact steps settles it.
  while (q > 0 && compareProduct(q, lotValue, 1, amount) > 0) q--;
  while (q < most && compareProduct(q + 1, lotValue, 1, amount) <= 0) q++;
  return q;
}

/** The smallest integer q >= 0 with q * v >= amount exactly (v > 0, finite). O(1) expected. */
export function lotsToCoverExact(amount: number, lotValue: number): number {
  if (!(amount > 0)) return 0;
  let q = Math.ceil(amount / lotValue);
  if (!(q < Number.MAX_SAFE_INTEGER)) return Number.MAX_SAFE_INTEGER;
  while (q > 0 && compareProduct(q - 1, lotValue, 1, amount) >= 0) q--;
  while (compareProduct(q, lotValue, 1, amount) < 0) q++;
  return q;
}

/** The double nearest to an exact decimal. O(digits). */
export function decimalToNumber(value: Decimal): number {
  return Number(`${value.mantissa}e${value.exponent}`);
}
