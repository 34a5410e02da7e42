/**
 * Runs one `adl` command in this process and records its peak resident memory (the kernel's maxRSS
 * for the whole process: tsx, solver modules and all) to the JSON file named by ADL_PEAK_FILE.
 * Used by bench/memory.ts: `node --import tsx bench/peak-rss.ts solve …`.
 */
import { writeFileSync } from "node:fs";
import { main } from "../src/cli/main.js";

const started = performance.now();
const exitCode = await main(process.argv.slice(2));
const seconds = (performance.now() - started) / 1000;
const maxRssMiB = process.resourceUsage().maxRSS / 1024;
writeFileSync(process.env["ADL_PEAK_FILE"] ?? "/dev/stderr", JSON.stringify({ argv: process.argv.slice(2), exitCode, seconds, maxRssMiB }) + "\n");
process.exitCode = exitCode;
