import type { Wave } from "../../domain.js";
import { bindWave } from "../bind/bind.js";
import { loadAccounts, loadPositions } from "../instance/load.js";
import { columnFlags, combineMappings, loadMapping, type ColumnMapping } from "../instance/mapping.js";
import { loadModel } from "../model/parse.js";

/** The files (and CLI overrides) that make one wave. */
export interface WaveFiles {
  readonly model: string;
  readonly accounts: string;
  readonly positions?: string;
  readonly deficit?: number;
  readonly budget?: number;
  /** A column-mapping file (`--map FILE`, see src/pipeline/instance/mapping.ts). */
  readonly map?: string;
  /** `--column TARGET=SOURCE` flags; they override the mapping file's entry for the same target. */
  readonly columns?: readonly string[];
  /** `--strict-ids`: ids that differ only by case, surrounding spaces or Unicode normalization are an error, not a warning. */
  readonly strictIds?: boolean;
}

/** The mapping that `files` asks for (file and/or flags), or undefined. */
export function mappingOf(files: Pick<WaveFiles, "map" | "columns">): ColumnMapping | undefined {
  return combineMappings(
    files.map !== undefined ? loadMapping(files.map) : undefined,
    files.columns !== undefined && files.columns.length > 0 ? columnFlags(files.columns) : undefined,
  );
}

/** parse → bind: reads the model, mapping and instance files and evaluates every expression. Throws ModelError/InstanceError/UsageError. */
export function loadWaveFromFiles(files: WaveFiles): Wave {
  const model = loadModel(files.model);
  const mapping = mappingOf(files);
  const accounts = loadAccounts(files.accounts, { layers: model.seniority ?? [], ...(mapping ? { mapping } : {}), ...(files.strictIds ? { strictIds: true } : {}) });
  const positions = files.positions ? loadPositions(files.positions, accounts, mapping) : undefined;
  return bindWave(model, { accounts, ...(positions ? { positions } : {}) }, {
    ...(files.deficit !== undefined ? { deficit: files.deficit } : {}),
    ...(files.budget !== undefined ? { budget: files.budget } : {}),
  });
}
