/**
 * The compiled package: `adl` (bin/adl.js) runs dist/, which `npm ci` builds through the `prepare`
 * script and `npm test` rebuilds through `pretest`. Tests import the TypeScript sources, while the
 * CLI tests spawn bin/adl.js, so a dist/ older than the sources would test stale code: the build
 * records a digest of src/ and this test fails, saying so, when it differs.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
// @ts-expect-error: a plain-JS build script without type declarations.
import { sourceDigest } from "../../scripts/build.mjs";

/**
 * Node flags that make any import of tsx fail, in the main thread and (inherited execArgv) in every
 * worker thread: what runs under them runs without a TypeScript loader.
 */
const NO_TSX = [
  "--import",
  `data:text/javascript,${encodeURIComponent(
    `import { register } from "node:module"; register("data:text/javascript," + encodeURIComponent("export async function resolve(s, c, next) { if (s === 'tsx' || s.startsWith('tsx/')) throw new Error('tsx imported at run time'); return next(s, c); }"));`,
  )}`,
];

describe("dist/", () => {
  it("exists and was built from the current sources", () => {
    expect(existsSync("dist/cli/main.js"), "dist/ is missing: run `npm run build` (npm ci and npm test run it)").toBe(true);
    const build = JSON.parse(readFileSync("dist/build.json", "utf8")) as { sources: string };
    expect(build.sources, "dist/ is stale (src/ changed since the last build): run `npm run build`").toBe((sourceDigest as () => string)());
  });

  it("the CLI shell's V8 code cache fits the shell and this node (so a start-up compiles none of it)", () => {
    // As dist/cli/main.js loads it, in a plain node: V8 says whether it took the cache.
    const check = `import { Script } from "node:vm"; import { readFileSync } from "node:fs";
      const file = "dist/cli/shell.cjs";
      const script = new Script(\`(function (exports, require, module, __shellUrl, __shellImport) {"use strict";\${readFileSync(file, "utf8")}\\n})\`, { filename: file, cachedData: readFileSync("dist/cli/shell.cache") });
      process.stdout.write(String(script.cachedDataRejected));`;
    expect(execFileSync(process.execPath, ["--input-type=module", "-e", check], { encoding: "utf8" })).toBe("false");
    // The wrapper main.js is what compiles it, with the same text around the shell.
    expect(readFileSync("dist/cli/main.js", "utf8")).toContain('(function (exports, require, module, __shellUrl, __shellImport) {"use strict";${readFileSync(file, "utf8")}\\n})');
  });

  it("`adl --help` runs compiled JavaScript, without a TypeScript loader", () => {
    const help = execFileSync(process.execPath, [...NO_TSX, "bin/adl.js", "--help"], { encoding: "utf8" });
    expect(help).toContain("Usage: adl");
    expect(help).toContain("solve");
  });

  it("a tiny solve through the compiled package prints one verified JSON answer", () => {
    const run = spawnSync(process.execPath, [...NO_TSX, "bin/adl.js", "solve", "models/pro-rata.yaml", "--accounts", "examples/worked-example.csv", "--deficit", "2.5", "--json"], { encoding: "utf8" });
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    const answer = JSON.parse(run.stdout) as { status: string; verified: { ok: boolean }; total: number };
    expect(answer).toMatchObject({ status: "optimal", verified: { ok: true } });
    expect(answer.total).toBeGreaterThanOrEqual(2.5 - 1e-9);
  });

  it("the guard itself works: a TypeScript heuristic module needs tsx, and is refused under it", () => {
    const run = spawnSync(process.execPath, [...NO_TSX, "bin/adl.js", "compare", "models/pro-rata.yaml", "--accounts", "examples/worked-example.csv", "--deficit", "2.5", "--heuristics", "examples/my-heuristic.ts"], { encoding: "utf8" });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain("tsx imported at run time");
  });

  it("a forced MIP solve starts its solver worker from dist/ (compiled worker, no tsx)", () => {
    const run = spawnSync(process.execPath, [...NO_TSX, "bin/adl.js", "solve", "models/queue-l0.yaml", "--accounts", "examples/worked-example.csv", "--deficit", "2.5", "--path", "mip", "--json"], { encoding: "utf8" });
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ status: "optimal", verified: { ok: true } });
  });
});

describe("--strict-ids", () => {
  it("one trader written two ways: a one-line warning, and under --strict-ids exit 2 naming both rows", () => {
    const dir = mkdtempSync(join(tmpdir(), "adl-strict-"));
    const accounts = join(dir, "near.csv");
    writeFileSync(accounts, "id,capacity\n0xAbC,10\n0xabc,5\nz,3\n");
    const base = ["bin/adl.js", "solve", "models/pro-rata.yaml", "--accounts", accounts, "--budget", "1", "--json"];
    const loose = spawnSync(process.execPath, base, { encoding: "utf8" });
    expect(loose.status).toBe(0);
    expect(loose.stderr.trim().split("\n")).toHaveLength(1);
    expect(loose.stderr).toContain('adl: warning: ');
    expect(loose.stderr).toContain('rows 1 and 2 ("0xAbC", "0xabc")');
    const strict = spawnSync(process.execPath, [...base, "--strict-ids"], { encoding: "utf8" });
    expect(strict.status).toBe(2);
    expect(strict.stdout).toBe("");
    expect(strict.stderr).toMatch(/row 2, column id: expected ids that differ in more than case.*found "0xabc", the same trader as row 1 \("0xAbC"\)/);
  });
});

describe("spec schemas precompiled at build time", () => {
  it("give the errors ajv gives, on every schema and a spread of invalid documents", async () => {
    const { createRequire } = await import("node:module");
    const { Ajv } = await import("ajv");
    const require = createRequire(import.meta.url);
    const index = JSON.parse(readFileSync("dist/schemas/index.json", "utf8")) as Record<string, { file: string; options: object }>;
    const documents: unknown[] = [
      {},
      { name: 1, objective: { kind: "minmaxx" } },
      { name: "x", objective: { kind: "minmax", scale: 3 }, constraints: { lots: { lotValue: 1 } } },
      { name: "x", objective: "sparsity", extra: true },
      { name: "", description: null, objective: { kind: "convex", phi: { power: -1 } } },
      [],
      "text",
      { name: "e", scenarios: [{ kind: "nope" }], mechanisms: 3 },
      { name: "s", steps: -1, markets: [{}], seed: "x" },
    ];
    for (const file of ["model", "experiment", "scenario"]) {
      const schema = JSON.parse(readFileSync(`schema/${file}.schema.json`, "utf8")) as { $id: string };
      const entry = index[schema.$id]!;
      const built = require(`../../dist/schemas/${entry.file}`) as ((data: unknown) => boolean) & { errors?: unknown };
      const ajv = new Ajv(entry.options).compile(schema);
      for (const document of documents) {
        expect(built(document), `${file}: ${JSON.stringify(document)}`).toBe(ajv(document));
        expect(built.errors ?? null).toEqual(ajv.errors ?? null);
      }
    }
  });
});
