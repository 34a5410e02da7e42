// `node --import tsx --import ./scripts/use-dist.mjs bench/x.ts`: the bench script itself is
// TypeScript (tsx), but every module it imports from src/ is replaced by its compiled twin in dist/,
// so benchmarks time the code `adl` runs (and their worker threads start compiled, without tsx).
import { register } from "node:module";

register("./use-dist-hooks.mjs", import.meta.url);
