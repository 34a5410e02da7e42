/**
 * Replays the known disagreements a fuzz run dumped (FUZZ_DUMP=<file> npm run fuzz): each wave on the
 * route it disagreed on, held to the oracle again, so that a fix can be checked on every reproducer
 * without a 20-minute fuzz. Prints what still disagrees; exit 1 if anything does.
 *
 *   node --import tsx scripts/replay-known.ts /tmp/dump.jsonl [--route highs]
 */
import { readFileSync } from "node:fs";
import { closeBackends } from "../src/pipeline/backends/robust.js";
import { makeWave, type WaveSpec } from "../test/exact/make-wave.js";
import { compareWithOracle, ROUTES } from "../test/oracle/differential.js";
import { verdictDisagreements } from "../test/oracle/hostile.js";
import { oracleOptimum } from "../test/oracle/oracle.js";

const file = process.argv[2]!;
const only = process.argv.includes("--route") ? process.argv[process.argv.indexOf("--route") + 1] : undefined;
const seen = new Set<string>();
let still = 0;
let replayed = 0;
for (const line of readFileSync(file, "utf8").split("\n")) {
  if (!line.trim()) continue;
  const entry = JSON.parse(line) as { route: string; kind: string; wave: WaveSpec; detail: string };
  if (only && entry.route !== only) continue;
  const key = `${entry.route} ${JSON.stringify(entry.wave)}`;
  if (seen.has(key)) continue;
  seen.add(key);
  replayed++;
  const wave = makeWave(entry.wave);
  const optimum = oracleOptimum(wave);
  const found = entry.route === "verifier" ? verdictDisagreements(wave, optimum).disagreements : (await compareWithOracle(wave, ROUTES[entry.route]!, optimum)).disagreements;
  const caught = found.filter((d) => d.kind === "backend");
  if (caught.length > 0) process.stdout.write(`caught ${entry.route}: ${caught[0]!.detail.slice(0, 160)}\n`);
  if (entry.route !== "auto" && caught.length > 0) {
    // A caught backend failure claims nothing; the default route must still be right (as the fuzz does).
    const fallback = await compareWithOracle(wave, ROUTES.auto!, optimum);
    found.push(...fallback.disagreements.map((d) => ({ ...d, detail: `(auto after a caught ${entry.route} failure) ${d.detail}` })));
  }
  const wrong = found.filter((d) => d.kind !== "backend");
  if (wrong.length > 0) {
    still++;
    process.stdout.write(`STILL ${entry.route} ${wrong.map((d) => `${d.kind}: ${d.detail.slice(0, 300)}`).join(" | ")}\n  wave ${JSON.stringify(entry.wave).slice(0, 1200)}\n`);
  }
}
process.stdout.write(`${replayed} reproducers replayed, ${still} still disagree\n`);
await closeBackends();
process.exit(still > 0 ? 1 : 0);
