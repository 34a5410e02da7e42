import type { Wave } from "../domain.js";
import type { AllocationRow, SolveAnswer } from "../pipeline/solve/answer.js";
import { ROW_BUILDER } from "./json-stream.js";

// Rounding noise below the printed precision must not print as "-0".
const money = (x: number): string => (Math.abs(x) < 5e-7 ? 0 : x).toLocaleString("en-US", { maximumFractionDigits: 6 });
const share = (x: number): string => `${(100 * x).toFixed(4)}%`;

/** A terminal summary of one solve: the headline numbers, the certificate, the largest haircuts. */
export function renderAnswer(wave: Wave, answer: SolveAnswer, topRows = 15): string {
  const lines: string[] = [];
  lines.push(`model        ${wave.model.name}  (${wave.ids.length.toLocaleString("en-US")} accounts)`);
  lines.push(`status       ${answer.status}  via ${answer.path}`);
  lines.push(`budget       ${money(answer.budget)}`);
  if (answer.status === "infeasible") {
    lines.push(`partial      ${money(answer.total)} taken under every promise   residual ${money(answer.residual ?? answer.budget)} (insurance fund / backstop)`);
    lines.push(`touched      ${answer.touched.toLocaleString("en-US")}   max fraction ${share(answer.maxFraction)}`);
  } else {
    lines.push(`total        ${money(answer.total)}   overshoot ${money(answer.overshoot)}`);
    lines.push(`touched      ${answer.touched.toLocaleString("en-US")}   max fraction ${share(answer.maxFraction)}`);
  }
  if (answer.objective.length > 0) {
    lines.push(`objective    ${answer.stages.map((name, s) => `${name} = ${money(answer.objective[s] ?? NaN)}`).join(", ")}`);
  }
  if (answer.rounding) lines.push(`rounded      ${answer.rounding.note}`);
  for (const approximation of answer.approximation ?? []) {
    lines.push(`             ${approximation.stage}: tangent approximation, optimum within ${money(approximation.errorBound)} (lower bound ${money(approximation.lowerBound)})`);
  }
  for (const proof of answer.proofs ?? []) lines.push(`proof        ${proof.stage}: ${proof.proof}`);
  if (wave.layers) {
    lines.push(`layers       ${Object.entries(answer.layerTotals).map(([name, total]) => `${name} ${money(total)}`).join(", ")}`);
  }
  const certificate = answer.certificate;
  for (const broken of certificate.broken) {
    lines.push(`promise      ${broken.promise} broken: need ${money(broken.need)}, have ${money(broken.have)} (short ${money(broken.need - broken.have)})`);
  }
  if (!certificate.feasible) lines.push(`shortfall    ${money(certificate.shortfall)} (residual insolvency)`);
  lines.push(`bounds       top ${certificate.concentration.accounts} accounts must pay >= ${money(certificate.concentration.mustPay)}` +
    (certificate.overshootBound !== null ? `; an allocation with overshoot < ${money(certificate.overshootBound)} exists` : ""));
  const checked = answer.verified.budget !== answer.budget ? ` against the coverable budget ${money(answer.verified.budget)}` : "";
  lines.push(
    `verified     ${verdictWord(answer.verified)}${checked}  (worst violation ${answer.verified.worstViolation}; ` +
      `per row ${answer.verified.tolerance.absolute} + ${answer.verified.tolerance.relative} x |its rhs|, excluded accounts and lots exact)`,
  );
  lines.push(`solver       ${answer.solver.name} ${answer.solver.version}  ${answer.solver.seconds.toFixed(3)} s` +
    (answer.solver.gap !== null ? `  gap ${answer.solver.gap}` : "") + (answer.solver.nodes !== null ? `  nodes ${answer.solver.nodes}` : ""));
  if (answer.message) lines.push(`note         ${answer.message}`);
  if (answer.allocation.length > 0) {
    const rows = largestRows(answer.allocation, topRows);
    lines.push("");
    lines.push(`largest haircuts (${rows.length} of ${answer.allocation.length}):`);
    // The shown accounts' rows in the wave, by one pass over the ids (a map of every id was ~100 MB at 10^6).
    const shown = new Set(rows.map((row) => row.id));
    const index = new Map<string, number>();
    wave.ids.forEach((id, i) => {
      if (shown.has(id)) index.set(id, i);
    });
    for (const row of rows) {
      const c = wave.capacity[index.get(row.id)!]!;
      lines.push(`  ${row.id.padEnd(16)} ${money(row.haircut).padStart(18)}  ${c > 0 ? share(row.haircut / c).padStart(10) : ""}` +
        (row.lots !== undefined ? `  lots ${row.lots}` : "") +
        (row.layers ? `  ${Object.entries(row.layers).map(([k, v]) => `${k} ${money(v)}`).join(" ")}` : ""));
    }
  }
  return lines.join("\n") + "\n";
}

/**
 * The `count` largest haircuts of an allocation, largest first, equal ones in allocation order (what
 * a stable sort of every row gives), keeping only `count` rows: the answer's rows are built when read
 * (answer.ts), and a sorted copy of all of them was 777,730 row objects (~120 MB) at 10^6 accounts.
 * O(rows × count) time, O(count) memory.
 */
export function largestRows(allocation: readonly AllocationRow[], count: number): AllocationRow[] {
  const build = (allocation as { readonly [ROW_BUILDER]?: (k: number) => AllocationRow })[ROW_BUILDER] ?? ((k: number) => allocation[k]!);
  const top: AllocationRow[] = [];
  if (count <= 0) return top;
  for (let k = 0; k < allocation.length; k++) {
    const row = build(k);
    const h = row.haircut;
    // Full and not larger than the smallest kept: an equal one comes after it in a stable sort.
    if (top.length === count && !(h > top[count - 1]!.haircut)) continue;
    let at = top.length;
    while (at > 0 && h > top[at - 1]!.haircut) at--;
    top.splice(at, 0, row);
    if (top.length > count) top.pop();
  }
  return top;
}

/**
 * "ok" only when every promise was decided: a kept-as-far-as-checked promise the verifier could not
 * decide (seniority under a binding maxAccounts or lots, on an answer whose stages were not proven)
 * reads UNDECIDED with its names, never "ok".
 */
function verdictWord(verified: { readonly ok: boolean; readonly undecided?: readonly string[] }): string {
  if (!verified.ok) return "REJECTED";
  return verified.undecided && verified.undecided.length > 0 ? `UNDECIDED (${verified.undecided.join(", ")}: kept as far as checked, not decided)` : "ok";
}
