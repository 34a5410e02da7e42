import { xoroshiro128plus } from "pure-rand/generator/xoroshiro128plus";

/** How many first outputs are discarded: xoroshiro128+ starts almost alike for nearby seeds. */
const WARM_UP = 16;

/** murmur3's 32-bit finalizer: a bijection on 32-bit integers that spreads nearby seeds apart. */
export function mix32(seed: number): number {
  let x = seed | 0;
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x | 0;
}

/**
 * The workbench's seeded generator: xoroshiro128+ seeded through mix32, with a short warm-up, so
 * seeds 0, 1, 2 … give unrelated streams. Same seed, same stream on any machine. O(1).
 */
export function seededGenerator(seed: number): ReturnType<typeof xoroshiro128plus> {
  const rng = xoroshiro128plus(mix32(seed));
  for (let k = 0; k < WARM_UP; k++) rng.next();
  return rng;
}
