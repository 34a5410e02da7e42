/**
 * The verifier is only an independent check if it shares no capacity, lot or seniority logic with
 * the algorithms it checks: its transitive imports must never reach src/pipeline/exact (nor the certificate,
 * which uses exact's lot capacities), and src/pipeline/exact must never reach src/pipeline/verify. Both may use the
 * numeric floor (src/floor/numeric) and the domain types.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const src = resolve(dirname(fileURLToPath(import.meta.url)), "../../src");

/** Relative imports of one module (static, dynamic and type-only), as absolute .ts paths. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, "utf8");
  const found: string[] = [];
  for (const match of text.matchAll(/(?:from\s+|import\s*\(\s*|import\s+)["'](\.[^"']+)["']/g)) {
    found.push(resolve(dirname(file), match[1]!.replace(/\.js$/, ".ts")));
  }
  return found;
}

/** Every module reachable from the given ones, as paths relative to src. */
function reachable(roots: string[]): Set<string> {
  const seen = new Set<string>();
  const stack = [...roots];
  while (stack.length > 0) {
    const file = stack.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    for (const next of importsOf(file)) stack.push(next);
  }
  return new Set([...seen].map((file) => relative(src, file)));
}

const modules = (folder: string): string[] =>
  readdirSync(join(src, folder))
    .filter((name) => name.endsWith(".ts"))
    .map((name) => join(src, folder, name));

describe("the verifier and the algorithms it checks share no code", () => {
  it("src/pipeline/verify reaches neither src/pipeline/exact nor src/pipeline/certificate (only the numeric floor and the types)", () => {
    const reached = [...reachable(modules("pipeline/verify"))];
    expect(reached.filter((path) => path.startsWith("pipeline/exact/") || path.startsWith("pipeline/certificate/"))).toEqual([]);
    expect(reached.filter((path) => !path.startsWith("pipeline/verify/") && !path.startsWith("floor/numeric/") && path !== "domain.ts")).toEqual([]);
  });

  it("src/pipeline/exact never reaches src/pipeline/verify", () => {
    const reached = [...reachable(modules("pipeline/exact"))];
    expect(reached.filter((path) => path.startsWith("pipeline/verify/"))).toEqual([]);
  });

  it("the walk sees imports (it is not vacuous)", () => {
    expect(reachable(modules("pipeline/verify")).has("floor/numeric/sum.ts")).toBe(true);
    expect(reachable(modules("pipeline/certificate")).has("pipeline/exact/lot-capacity.ts")).toBe(true);
  });
});
