/**
 * Heuristics by name. Grammar (whitespace around parts is ignored):
 *
 *   name    := preset | "queue:score(" expression ")" | "hybrid:" k [ "(" expression ")" ]
 *            | wrapper "(" name ")"
 *   wrapper := "ladder" | "lots-floor-topup" | "lots-floor-lr" | "lots-ceil"
 *
 * so wrappers nest: `ladder(lots-floor-lr(pro-rata:wealth))`. Every call builds a fresh heuristic.
 */
import { UsageError, didYouMean } from "../errors.js";
import { contractProRata } from "./contract-pro-rata.js";
import type { Heuristic } from "./heuristic.js";
import { hybrid, proRataPreset, riskWeighted } from "./pro-rata.js";
import { dydxWalk, expressionQueue, queuePreset } from "./queue.js";
import { ladder, lotExecution } from "./wrappers.js";

// Maps, not object literals: a user's name is a key here, and "constructor", "toString" or
// "__proto__" must miss like any other unknown name instead of finding Object.prototype's.
const PRESETS: ReadonlyMap<string, () => Heuristic> = new Map<string, () => Heuristic>([
  ["queue:bitmex", () => queuePreset("bitmex")],
  ["queue:binance", () => queuePreset("binance")],
  ["queue:hyperliquid", () => queuePreset("hyperliquid")],
  ["queue:capacity", () => queuePreset("capacity")],
  ["queue:entry-pnl", () => queuePreset("entry-pnl")],
  ["walk:dydx", () => dydxWalk()],
  ["pro-rata:drift", () => proRataPreset("drift")],
  ["pro-rata:wealth", () => proRataPreset("wealth")],
  ["pro-rata:pnl", () => proRataPreset("pnl")],
  ["pro-rata:equity", () => proRataPreset("equity")],
  ["risk-weighted", () => riskWeighted()],
  ["hybrid:4", () => hybrid(4)],
]);

/** Rules that need lots in the wave: by name, but not in heuristicNames() (so not in `all`, which must run on any wave). */
const LOT_RULES: ReadonlyMap<string, () => Heuristic> = new Map<string, () => Heuristic>([
  ["pro-rata:contracts", () => contractProRata()],
]);

const WRAPPERS: ReadonlyMap<string, (inner: Heuristic) => Heuristic> = new Map<string, (inner: Heuristic) => Heuristic>([
  ["ladder", (inner) => ladder(inner)],
  ["lots-floor-topup", (inner) => lotExecution("floor-topup", inner)],
  ["lots-floor-lr", (inner) => lotExecution("floor-lr", inner)],
  ["lots-ceil", (inner) => lotExecution("ceil", inner)],
]);

const FORMS = [
  "queue:score(<expression>)",
  "hybrid:<k>",
  "hybrid:<k>(<expression>)",
  ...[...WRAPPERS.keys()].map((wrapper) => `${wrapper}(<inner>)`),
];

/** Every preset name (no parameters to fill in), in a stable order. O(1). */
export function heuristicNames(): string[] {
  return [...PRESETS.keys()];
}

/** The parameterized forms the registry also accepts, e.g. "ladder(<inner>)". O(1). */
export function heuristicForms(): string[] {
  return [...FORMS];
}

/**
 * The heuristic with this name (see the grammar in the module comment). Throws UsageError for an
 * unknown or malformed name, with a did-you-mean that keeps the nesting
 * ("ladder(pro-rata:welth)" → did you mean "ladder(pro-rata:wealth)"?), and ModelError for a score
 * expression outside the whitelist. O(length of the name).
 */
export function getHeuristic(name: string): Heuristic {
  return parse(name, (part) => part);
}

function parse(text: string, rebuild: (part: string) => string): Heuristic {
  const name = text.trim();
  const preset = PRESETS.get(name) ?? LOT_RULES.get(name);
  if (preset) return preset();

  const hybridMatch = /^hybrid:\s*(\d+)\s*$/.exec(name);
  if (hybridMatch) return hybrid(positive(hybridMatch[1]!, name));

  const call = splitCall(name);
  if (call) {
    const { head, inner } = call;
    const wrapper = WRAPPERS.get(head);
    if (wrapper) return wrapper(parse(inner, (part) => rebuild(`${head}(${part})`)));
    if (head === "queue:score") return expressionQueue(nonEmpty(inner, name));
    const hybridHead = /^hybrid:\s*(\d+)$/.exec(head);
    if (hybridHead) return hybrid(positive(hybridHead[1]!, name), nonEmpty(inner, name));
    const near = didYouMean(head, [...WRAPPERS.keys(), "queue:score", "hybrid:4"]);
    throw unknown(name, rebuild, near === undefined ? undefined : `${near}(${inner.trim()})`);
  }
  const near = didYouMean(name, [...PRESETS.keys(), ...LOT_RULES.keys(), ...WRAPPERS.keys()]);
  throw unknown(name, rebuild, near === undefined ? undefined : WRAPPERS.has(near) ? `${near}(<inner>)` : near);
}

/** "head(inner)" with balanced parentheses in inner, else undefined. */
function splitCall(name: string): { head: string; inner: string } | undefined {
  const open = name.indexOf("(");
  if (open <= 0 || !name.endsWith(")")) return undefined;
  const inner = name.slice(open + 1, -1);
  let depth = 0;
  for (const ch of inner) {
    if (ch === "(") depth++;
    else if (ch === ")" && --depth < 0) return undefined;
  }
  return depth === 0 ? { head: name.slice(0, open).trim(), inner } : undefined;
}

function positive(digits: string, name: string): number {
  const k = Number(digits);
  if (!(Number.isSafeInteger(k) && k >= 1)) throw new UsageError({ path: "heuristic" }, "hybrid:<k> with a whole number of buckets k >= 1", JSON.stringify(name));
  return k;
}

function nonEmpty(inner: string, name: string): string {
  const source = inner.trim();
  if (source === "") throw new UsageError({ path: "heuristic" }, "a score expression between the parentheses", `nothing in ${JSON.stringify(name)}`);
  return source;
}

function unknown(name: string, rebuild: (part: string) => string, suggestion: string | undefined): UsageError {
  const whole = rebuild(name);
  return new UsageError(
    { path: "heuristic" },
    `a heuristic name: one of ${heuristicNames().join(", ")}, ${[...LOT_RULES.keys()].join(", ")} (waves with lots), or ${FORMS.join(", ")}`,
    `${JSON.stringify(name)}${whole === name ? "" : ` in ${JSON.stringify(whole)}`}`,
    suggestion === undefined ? undefined : `did you mean "${rebuild(suggestion)}"?`,
  );
}
