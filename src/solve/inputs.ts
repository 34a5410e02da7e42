import type { Wave } from "../domain.js";
import { bindWave } from "../bind/bind.js";
import { loadAccounts, loadPositions } from "../instance/load.js";
import { loadModel } from "../model/parse.js";

/** The files (and CLI overrides) that make one wave. */
export interface WaveFiles {
  readonly model: string;
  readonly accounts: string;
  readonly positions?: string;
  readonly deficit?: number;
  readonly budget?: number;
}

/** parse → bind: reads the model and instance files and evaluates every expression. Throws ModelError/InstanceError/UsageError. */
export function loadWaveFromFiles(files: WaveFiles): Wave {
  const model = loadModel(files.model);
  const accounts = loadAccounts(files.accounts, { layers: model.seniority ?? [] });
  const positions = files.positions ? loadPositions(files.positions, accounts) : undefined;
  return bindWave(model, { accounts, ...(positions ? { positions } : {}) }, {
    ...(files.deficit !== undefined ? { deficit: files.deficit } : {}),
    ...(files.budget !== undefined ? { budget: files.budget } : {}),
  });
}
