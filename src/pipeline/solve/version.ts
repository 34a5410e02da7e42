/**
 * The workbench's own version (package.json), for answers whose solver is the workbench itself (a
 * dedicated exact algorithm, the certificate). Found by walking up from this module, so that it
 * works from src/ under tsx and from a compiled dist/ alike.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

let cached: string | undefined;

/** "adl-workbench"'s version, or "unknown". Read once. */
export function workbenchVersion(): string {
  if (cached !== undefined) return cached;
  cached = "unknown";
  let directory = path.dirname(fileURLToPath(import.meta.url));
  for (let depth = 0; depth < 6; depth++) {
    try {
      const json = JSON.parse(readFileSync(path.join(directory, "package.json"), "utf8")) as { name?: string; version?: string };
      if (json.name === "adl-workbench" && json.version) {
        cached = json.version;
        break;
      }
    } catch {
      // not here; look one level up
    }
    directory = path.dirname(directory);
  }
  return cached;
}
