import { closeSync, openSync, writeSync } from "node:fs";
import type { AccountTable, PositionTable } from "../../domain.js";
import { POPULATION_COLUMNS, accountId, forEachAccount, type PopulationSpec } from "./population.js";
import { PositionDrawer, marketName } from "./positions.js";

/** Bytes gathered before one writeSync: large enough to be fast, small enough to stream 10^6 rows. */
const CHUNK_BYTES = 64 * 1024;

/**
 * How every number is printed: ECMAScript's Number-to-String, the shortest decimal that reads back
 * as the same double (V8 picks the nearest such digit string, so the text depends on the double
 * alone, not on the machine or locale). Whole numbers print without a point, -0 prints as 0.
 */
export function formatNumber(value: number): string {
  return String(value);
}

/** Appends text and hands it to writeSync in ~64 KiB pieces; never holds more than one piece. */
class ChunkedWriter {
  private pending = "";
  private readonly fd: number;
  private readonly owned: boolean;

  constructor(target: string | number) {
    this.owned = typeof target !== "number";
    this.fd = typeof target === "number" ? target : openSync(target, "w");
  }

  line(text: string): void {
    this.pending += text + "\n";
    if (this.pending.length >= CHUNK_BYTES) this.flush();
  }

  flush(): void {
    if (this.pending.length > 0) writeSync(this.fd, this.pending);
    this.pending = "";
  }

  close(): void {
    try {
      this.flush();
    } finally {
      if (this.owned) closeSync(this.fd);
    }
  }
}

/** Runs `write` with a writer on `target` (a path, opened and closed here, or an open fd). */
function withWriter(target: string | number, write: (writer: ChunkedWriter) => void): void {
  const writer = new ChunkedWriter(target);
  try {
    write(writer);
  } finally {
    writer.close();
  }
}

/**
 * Writes an account table as CSV (id first, then every numeric column) in ~64 KiB chunks, numbers
 * as formatNumber prints them, so reading the file back gives the same doubles. O(rows * columns).
 */
export function writeAccountsCsv(table: AccountTable, target: string | number): void {
  const names = [...table.columns.keys()];
  const columns = names.map((name) => table.columns.get(name)!);
  withWriter(target, (writer) => {
    writer.line(["id", ...names].join(","));
    for (let i = 0; i < table.ids.length; i++) {
      let line = table.ids[i]!;
      for (const column of columns) line += "," + formatNumber(column[i]!);
      writer.line(line);
    }
  });
}

/** The positions header loadPositions reads. */
const POSITIONS_HEADER = "account_id,market,lot_value,lots";

/** Writes a positions table (account_id,market,lot_value,lots) for `accounts`, in ~64 KiB chunks. */
export function writePositionsCsv(positions: PositionTable, accounts: AccountTable, target: string | number): void {
  withWriter(target, (writer) => {
    writer.line(POSITIONS_HEADER);
    for (let p = 0; p < positions.account.length; p++) {
      writer.line(`${accounts.ids[positions.account[p]!]!},${positions.market[p]!},${formatNumber(positions.lotValue[p]!)},${positions.lots[p]!}`);
    }
  });
}

/** Where `writeGeneratedCsv` writes, and how many markets the positions span. */
export interface GeneratedTargets {
  readonly accounts: string | number;
  readonly positions?: { readonly target: string | number; readonly markets: number };
}

/**
 * Generates a population and writes it straight to CSV, row by row, without building the table:
 * memory stays O(1 + M) whatever n is (10^6 accounts never exist as arrays or row strings at once).
 * The accounts file is byte-identical to writeAccountsCsv(generatePopulation(spec)); the
 * positions file to writePositionsCsv(generatePositions(…)) for the same seed.
 * Returns the number of positions written (0 without positions).
 */
export function writeGeneratedCsv(spec: PopulationSpec, targets: GeneratedTargets): number {
  const drawer = targets.positions ? new PositionDrawer({ seed: spec.seed, markets: targets.positions.markets }) : undefined;
  let positionCount = 0;
  const capacityAt = POPULATION_COLUMNS.indexOf("capacity");
  withWriter(targets.accounts, (accounts) => {
    const emit = (positions: ChunkedWriter | undefined): void => {
      accounts.line(["id", ...POPULATION_COLUMNS].join(","));
      positions?.line(POSITIONS_HEADER);
      forEachAccount(spec, (i, row) => {
        const id = accountId(i);
        let line = id;
        for (let k = 0; k < row.length; k++) line += "," + formatNumber(row[k]!);
        accounts.line(line);
        if (positions && drawer) {
          for (const position of drawer.next(row[capacityAt]!)) {
            positions.line(`${id},${marketName(position.market)},${formatNumber(position.lotValue)},${position.lots}`);
            positionCount++;
          }
        }
      });
    };
    if (targets.positions) withWriter(targets.positions.target, emit);
    else emit(undefined);
  });
  return positionCount;
}
