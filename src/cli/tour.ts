import { readdirSync } from "node:fs";
import { loadWaveFromFiles } from "../pipeline/solve/inputs.js";
import { solveWave } from "../pipeline/solve/solve.js";
import { toAnswer } from "../pipeline/solve/answer.js";

/**
 * The README's main job until the experiment runner lands: every bundled model solved on one wave
 * (budget = share of the total capacity), one line each, every answer verified.
 */
export async function tour(accounts: string, share: number): Promise<string> {
  const models = readdirSync("models").filter((file) => file.endsWith(".yaml")).sort();
  const probe = loadWaveFromFiles({ model: `models/${models[0]}`, accounts, budget: 0 });
  let capacity = 0;
  for (const c of probe.capacity) capacity += c;
  const budget = Math.round(capacity * share * 100) / 100;
  const lines = [
    `wave: ${accounts}, ${probe.ids.length} accounts, total capacity ${capacity.toFixed(2)}, budget ${budget.toFixed(2)} (${(share * 100).toFixed(1)}%)`,
    "",
    ["model", "status", "path", "touched", "max frac", "overshoot", "objective", "verified", "seconds"].map((h, k) => h.padEnd(k === 0 ? 26 : k === 2 ? 38 : k === 6 ? 30 : 10)).join(""),
  ];
  for (const file of models) {
    const wave = loadWaveFromFiles({ model: `models/${file}`, accounts, budget });
    const answer = toAnswer(wave, await solveWave(wave, { timeLimitSeconds: 60 }));
    lines.push(
      [
        file.replace(/\.yaml$/, "").padEnd(26),
        answer.status.padEnd(10),
        answer.path.padEnd(38),
        String(answer.touched).padEnd(10),
        answer.maxFraction.toFixed(4).padEnd(10),
        answer.overshoot.toFixed(2).padEnd(10),
        answer.objective.map((v) => (Number.isInteger(v) ? String(v) : v.toPrecision(6))).join(" / ").padEnd(30),
        String(answer.verified?.ok ?? "-").padEnd(10),
        answer.solver.seconds.toFixed(3),
      ].join(""),
    );
  }
  return lines.join("\n") + "\n";
}
