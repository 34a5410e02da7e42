// `npm run build` (also run by `prepare`, so `npm ci` on a clean clone builds): every TypeScript
// source under src/ compiled file by file to dist/ with esbuild, keeping the folder layout, so
// relative URLs (../../package.json, ../../schema/*.json, ./worker-bootstrap.mjs) resolve the same
// from dist/ as from src/. No bundling: each module still loads only when something imports it.
// Types are checked by `npm run typecheck` (tsc), not here.
import { Ajv } from "ajv";
import standaloneCode from "ajv/dist/standalone/index.js";
import { build, transform } from "esbuild";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const src = join(root, "src");
const dist = join(root, "dist");
const schemaDir = join(root, "schema");

/**
 * The options src/pipeline/model/yaml-source.ts compiles spec schemas with. A validator built with other
 * options is never used: precompiledValidator compares them (and the schema's digest) first.
 */
const SCHEMA_OPTIONS = { allErrors: true, verbose: true, discriminator: true, strictNumbers: true, allowUnionTypes: true };

/** Digest of a schema as parsed (the runtime hashes the object it was given the same way). */
function schemaDigest(schema) {
  return createHash("sha256").update(JSON.stringify(schema)).digest("hex");
}

/**
 * Every schema/*.json compiled by ajv once, at build time, to standalone validator code
 * (dist/schemas/*.cjs): start-up then loads ~50 kB of code instead of ajv and its compiler (~100 ms).
 * dist/schemas/index.json maps each schema's $id to its file, digest and options.
 */
function compileSchemas() {
  mkdirSync(join(dist, "schemas"), { recursive: true });
  const index = {};
  for (const file of readdirSync(schemaDir).filter((name) => name.endsWith(".json")).sort()) {
    const schema = JSON.parse(readFileSync(join(schemaDir, file), "utf8"));
    if (typeof schema.$id !== "string") continue;
    const ajv = new Ajv({ ...SCHEMA_OPTIONS, code: { source: true } });
    const code = (standaloneCode.default ?? standaloneCode)(ajv, ajv.compile(schema));
    const out = file.replace(/\.json$/, ".cjs");
    writeFileSync(join(dist, "schemas", out), code);
    index[schema.$id] = { file: out, digest: schemaDigest(schema), options: SCHEMA_OPTIONS };
  }
  writeFileSync(join(dist, "schemas", "index.json"), `${JSON.stringify(index, null, 2)}\n`);
  return Object.keys(index).length;
}

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

/**
 * The `yaml` package, bundled into one file (dist/vendor/yaml.js) and the compiled modules' imports
 * of it pointed there: its 84 CommonJS files were most of the modules a small `adl solve` opened
 * (~0.1 s of start-up on this machine). Only the names the sources import are re-exported.
 */
async function vendorYaml(entryPoints) {
  const names = new Set();
  const pattern = /import\s*\{([^}]*)\}\s*from\s*"yaml"/g;
  for (const file of entryPoints) {
    for (const match of readFileSync(file, "utf8").matchAll(pattern)) {
      for (const part of match[1].split(",")) {
        const name = part.trim();
        if (name && !name.startsWith("type ")) names.add(name.split(/\s+as\s+/)[0].trim());
      }
    }
  }
  if (names.size === 0) return;
  const vendor = join(dist, "vendor", "yaml.js");
  await build({
    stdin: { contents: `export { ${[...names].sort().join(", ")} } from "yaml";`, resolveDir: root, loader: "js" },
    outfile: vendor,
    // yaml's CommonJS requires node's own modules (process): ESM output needs a require for them.
    banner: { js: 'import { createRequire as vendorRequire } from "node:module"; const require = vendorRequire(import.meta.url);' },
    bundle: true,
    format: "esm",
    platform: "node",
    target: "node20.19",
    logLevel: "warning",
  });
  for (const file of files(dist).filter((name) => name.endsWith(".js") && !name.startsWith("vendor"))) {
    const path = join(dist, file);
    const text = readFileSync(path, "utf8");
    if (!text.includes('from "yaml"')) continue;
    let target = relative(dirname(path), vendor).split(sep).join("/");
    if (!target.startsWith(".")) target = `./${target}`;
    writeFileSync(path, text.replaceAll('from "yaml"', `from "${target}"`));
  }
}

/** Where the fast paths resolve their own imports from: the real packages, as yargs would find them. */
const FAST_PATH_DIR = join(root, "node_modules", "yargs");

/**
 * What the bundled yargs imports in place of two packages, for the CLI's start-up. Each does what
 * the package does, and hands over to it wherever the answer could differ:
 *  - string-width: printable ASCII (0x20..0x7e) has no ANSI escape, emoji, control, combining or
 *    wide character, so its width is its length. yargs measures every word of the help this way;
 *    the package's emoji regular expression on each was ~10 ms of `adl --help`.
 *  - assert: yargs imports node:assert (~3 ms to load) for two internal checks that never fail in
 *    a working parser; a check that fails calls node's assert, which throws its own error.
 */
const FAST_PATHS = {
  "string-width": `const width = require("string-width");
const printable = /^[\\x20-\\x7e]*$/;
module.exports = (text) => (typeof text === "string" && printable.test(text) ? text.length : width(text));
module.exports.default = module.exports;
`,
  assert: `import { createRequire } from "node:module";
const require = createRequire(import.meta.url);
export function strictEqual(actual, expected, message) {
  if (!Object.is(actual, expected)) require("node:assert").strictEqual(actual, expected, message);
}
export function notStrictEqual(actual, expected, message) {
  if (Object.is(actual, expected)) require("node:assert").notStrictEqual(actual, expected, message);
}
`,
};

/** The CLI's shell: what `adl` runs before any command's handler (src/cli/main.ts and what it imports statically). */
const SHELL = /^cli\/(main|options|run)\.ts$|^cli\/commands\/[^/]+\.ts$/;

/**
 * The CLI's shell as one bundle (written as dist/cli/shell.cjs and run by dist/cli/main.js, see
 * writeShellScript): main, the command modules, their shared options, and yargs with its
 * dependencies, the only package bundled. `adl --help` then opens 6 project files
 * instead of ~60 (yargs alone was 38), ~30 ms of a 0.1 s target on this machine. Everything else
 * stays outside the bundle and loads as before: a project module the shell imports (errors.js, the
 * backend registry, each handler's `await import(...)`) is an import of its compiled file, so the
 * handlers and the shell share one copy of every class (`instanceof WorkbenchError`) and every cache;
 * a package other than yargs (a solver, Vega, ajv) is an import of the package, so no heavy module
 * can hide in the bundle (test/cli/startup.test.ts still sees each one the CLI loads). A bundled
 * file that reads `import.meta.url` (yargs finds its locales and the project's package.json from it)
 * gets its own file's URL, so yargs reads the same files from the same places as unbundled.
 */
async function bundleShell() {
  const outfile = join(dist, "cli", "main.js");
  const fromShell = (path) => {
    let target = relative(dirname(outfile), path).split(sep).join("/");
    return target.startsWith(".") ? target : `./${target}`;
  };
  const shellPlugin = {
    name: "adl-shell",
    setup(build) {
      build.onResolve({ filter: /.*/ }, (args) => {
        if (args.kind === "entry-point") return undefined;
        if (!args.importer.startsWith(src)) return undefined;
        if (args.path.startsWith("node:")) return { path: args.path, external: true };
        if (args.path.startsWith(".")) {
          const source = join(args.resolveDir, args.path).replace(/\.js$/, ".ts");
          if (SHELL.test(relative(src, source).split(sep).join("/"))) return { path: source };
          return { path: fromShell(join(dist, relative(src, source)).replace(/\.ts$/, ".js")), external: true };
        }
        return args.path === "yargs" ? undefined : { path: args.path, external: true };
      });
      // Two of yargs' dependencies, each behind a fast path that gives the same answer (see FAST_PATHS).
      build.onResolve({ filter: /^(string-width|assert)$/ }, (args) => (args.importer.includes("node_modules") && args.namespace === "file" ? { path: args.path, namespace: "adl-fast-path" } : undefined));
      build.onLoad({ filter: /.*/, namespace: "adl-fast-path" }, (args) => ({ contents: FAST_PATHS[args.path], loader: "js", resolveDir: FAST_PATH_DIR }));
      build.onLoad({ filter: /node_modules[\\/].*\.m?js$/ }, (args) => {
        const text = readFileSync(args.path, "utf8");
        if (!text.includes("import.meta.url")) return undefined;
        const own = `new URL(${JSON.stringify(fromShell(args.path))}, import.meta.url).href`;
        return { contents: text.replaceAll("import.meta.url", own), loader: "js", resolveDir: dirname(args.path) };
      });
    },
  };
  const result = await build({
    entryPoints: [join(src, "cli", "main.ts")],
    outfile,
    write: false,
    bundle: true,
    format: "esm",
    platform: "node",
    target: "node20.19",
    metafile: true,
    plugins: [shellPlugin],
    logLevel: "warning",
  });
  const [output] = Object.values(result.metafile.outputs);
  await writeShellScript(result.outputFiles[0].text, output);
  const inputs = Object.keys(result.metafile.inputs).map((file) => relative(root, join(root, file)).split(sep).join("/"));
  const packages = [...new Set(inputs.filter((file) => file.includes("node_modules/")).map((file) => /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file)[1]))].sort();
  return { sources: inputs.filter((file) => file.startsWith("src/")).sort(), packages };
}

/**
 * The shell as a script that V8 can cache: dist/cli/shell.cjs (the bundle as CommonJS, run inside a
 * function by dist/cli/main.js), dist/cli/shell.cache (V8's code cache of it after one `adl --help`,
 * made here with the node that built it) and dist/cli/main.js, the ES module `adl` imports, which
 * runs the script with its cache. Node 20 caches no ES module's code (module.enableCompileCache is
 * Node 22), and compiling the shell was ~15 ms of every start-up. V8 refuses a cache made by another
 * V8 or with other V8 flags (then the script compiles as usual, only slower); the build writes the
 * script and its cache together, and dist/ is never edited by hand (test/cli/dist.test.ts).
 *
 * In the script, the shell's static imports of project modules are ES modules main.js imported
 * (handed over through `require`); its dynamic imports are main.js's `import()` (a script's own
 * `import()` needs --experimental-vm-modules); `import.meta.url` is main.js's URL, so every relative
 * path means what it meant in the bundle.
 */
async function writeShellScript(text, output) {
  const dir = join(dist, "cli");
  const statics = [...new Set(output.imports.filter((entry) => entry.external && entry.kind === "import-statement" && entry.path.startsWith(".")).map((entry) => entry.path))].sort();
  const dynamics = (text.match(/\bimport\(/g) ?? []).length;
  if (dynamics !== output.imports.filter((entry) => entry.kind === "dynamic-import").length) throw new Error("build: the shell bundle has an import( that is not one of its dynamic imports");
  const script = (await transform(text, { loader: "js", format: "cjs", target: "node20.19", define: { "import.meta.url": "__shellUrl" } })).code.replace(/\bimport\(/g, "__shellImport(");
  writeFileSync(join(dir, "shell.cjs"), script);
  writeFileSync(
    join(dir, "main.js"),
    `// Written by scripts/build.mjs (writeShellScript): runs the CLI shell, shell.cjs, through V8's code cache.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { Script } from "node:vm";
${statics.map((path, k) => `import * as shellImport${k} from ${JSON.stringify(path)};`).join("\n")}

const imported = { ${statics.map((path, k) => `${JSON.stringify(path)}: shellImport${k}`).join(", ")} };
const file = fileURLToPath(new URL("./shell.cjs", import.meta.url));
let cachedData;
try {
  cachedData = readFileSync(new URL("./shell.cache", import.meta.url));
} catch {
  // No cache (a build that could not make one): the script compiles as usual.
}
// The shell's code starts on line 1, so its stack traces keep shell.cjs's line numbers.
const script = new Script(\`(function (exports, require, module, __shellUrl, __shellImport) {"use strict";\${readFileSync(file, "utf8")}\\n})\`, { filename: file, cachedData });
const nodeRequire = createRequire(import.meta.url);
const shell = { exports: {} };
script.runInThisContext()(shell.exports, (id) => imported[id] ?? nodeRequire(id), shell, import.meta.url, (specifier) => import(new URL(specifier, import.meta.url).href));

export const { ${output.exports.join(", ")} } = shell.exports;

/** V8's code cache of the shell as it is now (the build writes it after one \`adl --help\`). */
export function shellCodeCache() {
  return script.createCachedData();
}
`,
  );
}

/**
 * dist/cli/shell.cache, made by a plain node (no flags: V8 checks them) after the help ran once, so
 * that the functions a start-up runs are in it compiled. Last, once dist/ is complete.
 */
function writeShellCodeCache() {
  const dir = join(dist, "cli");
  const make = `const shell = await import(${JSON.stringify(new URL("../dist/cli/main.js", import.meta.url).href)});
process.stdout.write = () => true;
await shell.main(["--help"]);
(await import("node:fs")).writeFileSync(${JSON.stringify(join(dir, "shell.cache"))}, shell.shellCodeCache());`;
  const made = spawnSync(process.execPath, ["--input-type=module", "-e", make], { encoding: "utf8", env: { ...process.env, NODE_OPTIONS: "" } });
  if (made.status !== 0) throw new Error(`build: could not make the shell's code cache: ${made.stderr}`);
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
  await vendorYaml(entryPoints);
  const shell = await bundleShell();
  const schemas = compileSchemas();
  writeShellCodeCache();
  writeFileSync(join(dist, "build.json"), `${JSON.stringify({ sources: sourceDigest(), files: entryPoints.length, shell }, null, 2)}\n`);
  process.stderr.write(`built dist/ (${entryPoints.length} modules, ${schemas} schema validators) in ${((performance.now() - started) / 1000).toFixed(2)} s\n`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();
