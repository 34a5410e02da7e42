/** `adl rounds --scenario FILE`: filled in below. */
import { ExitCode } from "../errors.js";

/** Runs the scenario's policies and prints per-policy results; returns the exit code. */
export async function runScenarioCommand(file: string, options: { json: boolean; lambda?: number; out: (text: string) => void }): Promise<number> {
  options.out(`${file}\n`);
  return Promise.resolve(ExitCode.ok);
}
