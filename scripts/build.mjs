// `npm run build` (also run by `prepare`, so `npm ci` on a clean clone builds): every TypeScript
// source under src/ compiled file by file to dist/ with esbuild, keeping the folder layout, so
// relative URLs (../../package.json, ../../schema/*.json, ./worker-bootstrap.mjs) resolve the same
// from dist/ as from src/. No bundling: each module still loads only when something imports it.
// Types are checked by `npm run typecheck` (tsc), not here.
import { build } from "esbuild";
import { createHash } from "node:crypto";
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const src = join(root, "src");
const dist = join(root, "dist");

/** Every file under a folder, relative paths, sorted (the digest must not depend on readdir order). */
function files(dir) {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath ?? entry.path, entry.name)))
    .sort();
}

/** Digest of the sources dist/ was built from; test/cli/dist.test.ts compares it to catch a stale build. */
export function sourceDigest() {
  const hash = createHash("sha256");
  for (const file of files(src)) hash.update(file).update("\0").update(readFileSync(join(src, file))).update("\0");
  return hash.digest("hex");
}

async function main() {
  const started = performance.now();
  rmSync(dist, { recursive: true, force: true });
  const sources = files(src);
  const entryPoints = sources.filter((file) => file.endsWith(".ts") && !file.endsWith(".d.ts")).map((file) => join(src, file));
  await build({
    entryPoints,
    outdir: dist,
    outbase: src,
    format: "esm",
    platform: "node",
    target: "node20.19",
    bundle: false,
    logLevel: "warning",
  });
  // The worker bootstraps are plain JavaScript already.
  for (const file of sources.filter((name) => name.endsWith(".mjs"))) {
    mkdirSync(dirname(join(dist, file)), { recursive: true });
    copyFileSync(join(src, file), join(dist, file));
  }
  writeFileSync(join(dist, "build.json"), `${JSON.stringify({ sources: sourceDigest(), files: entryPoints.length }, null, 2)}\n`);
  process.stderr.write(`built dist/ (${entryPoints.length} modules) in ${((performance.now() - started) / 1000).toFixed(2)} s\n`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();
