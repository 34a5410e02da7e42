/**
 * Wrappers around any rule: the seniority ladder and the lot execution schemes. They work on the
 * inner rule's continuous form (see continuousForm), so they compose with each other and with a
 * user's heuristic, e.g. ladder(lots-floor-lr(pro-rata:wealth)).
 */
import type { Wave } from "../domain.js";
import { CompensatedSum } from "../floor/numeric/sum.js";
import { ruleBound } from "./bounds.js";
import type { Heuristic, HeuristicContext } from "./heuristic.js";
import type { LotScheme } from "./lots.js";
import { continuousForm, continuousModel, ignoresWithout, RuleHeuristic } from "./rule.js";

/**
 * `ladder(<inner>)`: the seniority ladder around any rule. Per account, rung l can give
 * r_il = min(cap_i, C_i(l+1)) - min(cap_i, C_i(l)), where C_i(l) is what the account holds in the
 * layers below l and cap_i the inner rule's bound. Going up from the junior layer: while a rung
 * cannot cover what is left of the budget it is taken in full; the inner rule then allocates the
 * remainder over the first rung that can (the inner rule sees a wave whose capacity and bound are
 * that rung). So the total from each senior layer is the least possible, max(0, B - what the
 * junior layers can give), and principal is touched only when the gains cannot cover.
 * `layers` come out as the junior-first split, which here is exactly the rung decomposition.
 * With lots, the ladder's continuous target is executed with the inner rule's lot scheme.
 * Without layers (or with one) the ladder is the inner rule. Ignores what the inner rule ignores,
 * except seniority and lots. O(n * layers) plus the inner rule on one rung.
 */
export function ladder(inner: Heuristic): RuleHeuristic {
  const form = continuousForm(inner);
  const ignores = ignoresWithout(inner.ignores, ["seniority", "lots"]);
  return new RuleHeuristic({
    name: `ladder(${inner.name})`,
    description: `seniority ladder around ${inner.name}: the junior layer pays first (by ${inner.name}), a senior layer only for what the junior ones cannot cover`,
    ignores,
    lotScheme: form.lotScheme,
    target: (wave, context) => ladderTarget(wave, context, form.target, inner.ignores),
  });
}

function ladderTarget(wave: Wave, context: HeuristicContext, inner: (wave: Wave, context: HeuristicContext) => Float64Array, innerIgnores: Heuristic["ignores"]): Float64Array {
  const layers = wave.layers;
  if (layers === undefined || layers.names.length < 2) return inner(wave, context);
  const n = wave.ids.length;
  const cap = ruleBound(wave, innerIgnores);
  const below = new Float64Array(n);
  const haircut = new Float64Array(n);
  let remaining = wave.budget;
  const L = layers.capacity.length;
  for (let l = 0; l < L; l++) {
    const rung = new Float64Array(n);
    const rungTotal = new CompensatedSum();
    for (let i = 0; i < n; i++) {
      const held = below[i]! + layers.capacity[l]![i]!;
      const r = Math.max(0, Math.min(cap[i]!, held) - Math.min(cap[i]!, below[i]!));
      rung[i] = r;
      rungTotal.add(r);
      below[i] = held;
    }
    if (rungTotal.value >= remaining || l === L - 1) {
      const part = inner(rungWave(wave, rung, Math.max(0, remaining)), context);
      for (let i = 0; i < n; i++) haircut[i]! += part[i]!;
      return haircut;
    }
    for (let i = 0; i < n; i++) haircut[i]! += rung[i]!;
    remaining -= rungTotal.value;
  }
  return haircut;
}

/** One rung as a wave of its own: capacity = upper = the rung, budget = what is left; no layers, no alpha (already in the rung). */
function rungWave(wave: Wave, rung: Float64Array, budget: number): Wave {
  const { layers: _layers, ...rest } = wave;
  // Positions stay: a rule may weigh by contracts held (pro-rata:drift); lots are executed after the ladder.
  return { ...rest, model: continuousModel(wave.model), capacity: rung, upper: rung, budget };
}

const WRAPPER_OF_SCHEME: Readonly<Record<LotScheme, string>> = {
  "floor-topup": "lots-floor-topup",
  "floor-lr": "lots-floor-lr",
  ceil: "lots-ceil",
};

const SCHEME_TEXT: Readonly<Record<LotScheme, string>> = {
  "floor-topup": "floor, then greedy top-up",
  "floor-lr": "floor, then largest remainder",
  ceil: "ceil (capped)",
};

/**
 * `lots-floor-topup(<inner>)`, `lots-floor-lr(<inner>)`, `lots-ceil(<inner>)`: the inner rule's
 * continuous target executed in whole lots with the given scheme (see lots.ts); the overshoot is
 * lotOvershoot(wave, allocation). Without lots in the wave it is the inner rule. Ignores what the
 * inner rule ignores, except lots. O(1) to build; the rule costs the inner target plus O(n + P).
 */
export function lotExecution(scheme: LotScheme, inner: Heuristic): RuleHeuristic {
  const form = continuousForm(inner);
  return new RuleHeuristic({
    name: `${WRAPPER_OF_SCHEME[scheme]}(${inner.name})`,
    description: `${inner.name} executed in lots: ${SCHEME_TEXT[scheme]}`,
    ignores: ignoresWithout(inner.ignores, ["lots"]),
    lotScheme: scheme,
    target: form.target,
  });
}

/** The wrapper name of a lot scheme, e.g. "lots-floor-lr" for "floor-lr". O(1). */
export function lotWrapperName(scheme: LotScheme): string {
  return WRAPPER_OF_SCHEME[scheme];
}
