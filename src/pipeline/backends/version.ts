/**
 * A dependency's version as installed, for answers and run manifests. Packages with an `exports` map
 * do not export their package.json, so it is found by walking up from the resolved entry point.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

/** `name`'s version, or "unknown"; `entry` is a subpath that resolves when the bare name does not (e.g. "glpk.js/node"). */
export function packageVersion(name: string, entry: string = name): string {
  try {
    const require = createRequire(import.meta.url);
    let directory = path.dirname(require.resolve(entry));
    for (let depth = 0; depth < 5; depth++) {
      try {
        const json = JSON.parse(readFileSync(path.join(directory, "package.json"), "utf8")) as { name?: string; version?: string };
        if (json.name === name && json.version) return json.version;
      } catch {
        // not here; look one level up
      }
      directory = path.dirname(directory);
    }
  } catch {
    // not installed or not resolvable
  }
  return "unknown";
}
