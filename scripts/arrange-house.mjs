#!/usr/bin/env node
// The folder arrangement of src/ (issue 14), as a codemod to run ONCE on a clean checkout after the
// round's branches are merged:  node scripts/arrange-house.mjs [--dry-run]
//
// It groups the top-level folders of src/ so that `ls src` reads as the architecture:
//
//   src/floor/      numeric, io, records (was results: the run-folder contract, apart from the top-level results/)
//   src/pipeline/   model → instance → bind → lower → solve (exact, backends: was solvers) → certificate → verify → metrics
//   src/tools/      what is built on the pipeline: compare, exposure, frontier, simulate, scenarios, experiments, run, report, rounds
//   src/cli/, src/heuristics/, src/mechanism/ and the floor files (domain.ts, errors.ts, csv.ts, random.ts) stay where they are.
//
// The moves are by folder, never by a file list: a file added to any folder moves with it, and a
// top-level folder this script does not know stays in place (and is named in the summary).
//
// Then every path that named a moved file is rewritten, in every tracked text file outside dist/,
// node_modules/ and results/:
//   1. relative specifiers ("./x.js", "../../src/solve/solve.js", new URL("../../schema/x.json",
//      import.meta.url), template prefixes `../../models/${name}`) in .ts/.mts/.mjs/.js, and relative
//      Markdown links; each is resolved from the file's old place and rewritten from its new one;
//   2. root-relative paths "src/<folder>…" and "dist/<folder>…" anywhere (docs, comments, bin/, scripts);
//   3. folder names relative to src/ in the tests that walk src/'s imports (they join paths onto src).
// It refuses to run on a dirty work tree or a tree already arranged (any target group present).
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, statSync, writeFileSync, mkdirSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const src = join(root, "src");
const dryRun = process.argv.includes("--dry-run");

/** Old top-level folder of src/ → its new place under src/. */
const MOVES = new Map([
  ["numeric", "floor/numeric"],
  ["io", "floor/io"],
  ["results", "floor/records"],
  ["model", "pipeline/model"],
  ["instance", "pipeline/instance"],
  ["bind", "pipeline/bind"],
  ["lower", "pipeline/lower"],
  ["objectives", "pipeline/objectives"],
  ["solve", "pipeline/solve"],
  ["exact", "pipeline/exact"],
  ["solvers", "pipeline/backends"],
  ["certificate", "pipeline/certificate"],
  ["verify", "pipeline/verify"],
  ["metrics", "pipeline/metrics"],
  ["compare", "tools/compare"],
  ["exposure", "tools/exposure"],
  ["frontier", "tools/frontier"],
  ["simulate", "tools/simulate"],
  ["scenarios", "tools/scenarios"],
  ["experiments", "tools/experiments"],
  ["run", "tools/run"],
  ["report", "tools/report"],
  ["rounds", "tools/rounds"],
]);
const GROUPS = [...new Set([...MOVES.values()].map((to) => to.split("/")[0]))];

function fail(message) {
  process.stderr.write(`arrange-house: ${message}\n`);
  process.exit(2);
}

const git = (...args) => execFileSync("git", args, { cwd: root, encoding: "utf8" });

// ---- preconditions: a clean checkout, not arranged yet ----------------------------------------
if (git("status", "--porcelain").trim() !== "") fail("the work tree has uncommitted changes; commit or stash them first (the moves are made with git mv)");
const already = GROUPS.filter((group) => existsSync(join(src, group)));
if (already.length > 0) fail(`src/ is already arranged (${already.map((g) => `src/${g}`).join(", ")} exists); nothing done`);
const moves = [...MOVES].filter(([from]) => existsSync(join(src, from)) && statSync(join(src, from)).isDirectory());
if (moves.length === 0) fail("none of the folders to move is in src/; is this the adl-workbench checkout?");

/** The new absolute path of an old absolute path (unchanged when it is in no moved folder). */
function newPathOf(path) {
  const rel = relative(src, path);
  if (rel.startsWith("..") || rel === "") return path;
  const [top, ...rest] = rel.split(sep);
  const to = moves.find(([from]) => from === top)?.[1];
  return to === undefined ? path : join(src, to, ...rest);
}

/** Folders that exist only in dist/ (scripts/build.mjs writes them), named from src/ as from dist/. */
const BUILT = ["schemas"];

/** Does an old specifier name something that exists (a .js specifier may name its .ts source)? */
function exists(path) {
  const rel = relative(src, path);
  if (BUILT.some((folder) => rel === folder || rel.startsWith(`${folder}${sep}`))) return true;
  return existsSync(path) || (/\.js$/.test(path) && (existsSync(path.replace(/\.js$/, ".ts")) || existsSync(path.replace(/\.js$/, ".mts"))));
}

/** A relative path as a specifier: always starting with ./ or ../, with / separators. */
function asSpecifier(from, to, trailingSlash) {
  let rel = relative(from, to).split(sep).join("/");
  if (!rel.startsWith("../") && rel !== "..") rel = rel === "" ? "." : `./${rel}`;
  return trailingSlash && !rel.endsWith("/") ? `${rel}/` : rel;
}

const counts = { relative: 0, rooted: 0, walked: 0 };

/** Rule 1: a relative specifier of the file at oldFile, rewritten for its new place; null when unchanged. */
function rewriteRelative(oldFile, specifier) {
  // A template literal: only its static prefix up to the last / before the first ${ is a path.
  const dynamic = specifier.indexOf("${");
  const prefix = dynamic < 0 ? specifier : specifier.slice(0, specifier.lastIndexOf("/", dynamic) + 1);
  const rest = specifier.slice(prefix.length);
  if (!/^\.\.?\/(\.\.\/)*[^./]/.test(prefix) && !(dynamic >= 0 && /^(\.\.?\/)+$/.test(prefix))) return null;
  const target = resolve(dirname(oldFile), prefix);
  if (!exists(target)) return null;
  const rewritten = asSpecifier(dirname(newPathOf(oldFile)), newPathOf(target), prefix.endsWith("/")) + rest;
  return rewritten === specifier ? null : rewritten;
}

const OLD = moves.map(([from]) => from).join("|");
const ROOTED = new RegExp(`(?<![\\w./-])(src|dist)/(${OLD})(?=[/\\s"'\`)\\],:;#]|\\.(?![\\w])|$)`, "g");
const WALKED = new RegExp(`(["'])(${OLD})(/[^"'\\n]*)?\\1`, "g");

/** A file's text with every path rewritten (rules 1–3). */
function rewrite(oldFile, text) {
  let out = text;
  if (/\.(ts|mts|mjs|js|cjs)$/.test(oldFile) || !/\.[a-z]+$/.test(oldFile)) {
    out = out.replace(/(["'`])(\.\.?\/[^"'`\n]*)\1/g, (whole, quote, specifier) => {
      const rewritten = rewriteRelative(oldFile, specifier);
      if (rewritten === null) return whole;
      counts.relative++;
      return `${quote}${rewritten}${quote}`;
    });
  }
  if (/\.md$/.test(oldFile)) {
    out = out.replace(/\]\((\.\.?\/[^)\s#]+)/g, (whole, link) => {
      const rewritten = rewriteRelative(oldFile, link);
      if (rewritten === null) return whole;
      counts.relative++;
      return `](${rewritten}`;
    });
  }
  out = out.replace(ROOTED, (_whole, base, folder) => {
    counts.rooted++;
    return `${base}/${MOVES.get(folder)}`;
  });
  // Rule 3: tests that walk src/ name folders relative to it ("verify", "exact/lot-capacity.ts").
  if (oldFile.startsWith(join(root, "test") + sep) && /\.\.\/\.\.\/src/.test(out) && /relative\(src,/.test(out)) {
    out = out.replace(WALKED, (_whole, quote, folder, tail) => {
      counts.walked++;
      return `${quote}${MOVES.get(folder)}${tail ?? ""}${quote}`;
    });
  }
  return out;
}

// ---- rewrite every tracked text file at its old place, then move the folders -----------------
const TEXT = /\.(ts|mts|mjs|js|cjs|json|md|ya?ml|txt)$|(^|\/)\.ci\/run$|^bin\//;
const files = git("ls-files")
  .split("\n")
  .filter((file) => file !== "" && TEXT.test(file) && !/^(dist|node_modules|results)\//.test(file) && file !== "package-lock.json" && file !== "scripts/arrange-house.mjs");
const changed = [];
for (const file of files) {
  const path = join(root, file);
  if (!existsSync(path)) continue;
  const text = readFileSync(path, "utf8");
  const next = rewrite(path, text);
  if (next !== text) {
    changed.push(file);
    if (!dryRun) writeFileSync(path, next);
  }
}
const unmoved = git("ls-files", "src")
  .split("\n")
  .filter((file) => file.split("/").length > 2)
  .map((file) => file.split("/")[1])
  .filter((top, k, all) => all.indexOf(top) === k && !MOVES.has(top));
if (!dryRun) {
  for (const group of GROUPS) mkdirSync(join(src, group), { recursive: true });
  for (const [from, to] of moves) git("mv", join("src", from), join("src", to));
}

const byGroup = GROUPS.map((group) => `  src/${group}/: ${moves.filter(([, to]) => to.startsWith(`${group}/`)).map(([from, to]) => (to.endsWith(`/${from}`) ? from : `${from} → ${to.split("/")[1]}`)).join(", ")}`);
process.stdout.write(
  [
    `${dryRun ? "would move" : "moved"} ${moves.length} folders:`,
    ...byGroup,
    `left in place: ${unmoved.map((top) => `src/${top}`).join(", ") || "nothing"} (and the files directly in src/)`,
    `${dryRun ? "would rewrite" : "rewrote"} ${changed.length} files: ${counts.relative} relative paths, ${counts.rooted} src/… or dist/… paths, ${counts.walked} folder names in import-walking tests`,
    dryRun ? "dry run: nothing written" : "next: npm run build && npm run typecheck && npm run lint && npm test, then commit",
    "",
  ].join("\n"),
);
