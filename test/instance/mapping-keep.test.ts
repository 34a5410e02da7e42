/** `keep:` with renames: a kept column that is also renamed loads under both names; a keep that would clash is an error. */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { InstanceError } from "../../src/errors.js";
import { loadAccounts } from "../../src/pipeline/instance/load.js";
import { columnFlags, combineMappings, parseMapping } from "../../src/pipeline/instance/mapping.js";

const scratch = mkdtempSync(join(tmpdir(), "adl-keep-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
const accounts = join(scratch, "export.csv");
writeFileSync(accounts, "user,equity_usd,upnl_usd,leverage\n0xa,120,20,3\n0xb,50,50,10\n");

function failure(mappingText: string): InstanceError {
  try {
    loadAccounts(accounts, { mapping: parseMapping(mappingText, "m.yaml") });
  } catch (error) {
    expect(error).toBeInstanceOf(InstanceError);
    return error as InstanceError;
  }
  throw new Error("loaded without error");
}

describe("keep with renames", () => {
  it("a renamed column that is kept loads under its target and under its own name", () => {
    const table = loadAccounts(accounts, { mapping: parseMapping("accounts: {id: user, capacity: equity_usd}\nkeep: [equity_usd, leverage]\n", "m.yaml") });
    expect([...table.capacity]).toEqual([120, 50]);
    expect([...table.columns.get("equity_usd")!]).toEqual([120, 50]);
    expect([...table.columns.get("leverage")!]).toEqual([3, 10]);
    expect([...table.columns.keys()].sort()).toEqual(["capacity", "equity_usd", "leverage"]);
  });

  it("scale applies to the target, not to the kept copy (its numbers as written)", () => {
    const table = loadAccounts(accounts, { mapping: parseMapping("accounts: {id: user, capacity: equity_usd}\nscale: {capacity: 0.5}\nkeep: [equity_usd]\n", "m.yaml") });
    expect([...table.capacity]).toEqual([60, 25]);
    expect([...table.columns.get("equity_usd")!]).toEqual([120, 50]);
  });

  it("works when the rename comes from a --column flag on top of the file", () => {
    const mapping = combineMappings(parseMapping("accounts: {id: user}\nkeep: [upnl_usd]\n", "m.yaml"), columnFlags(["capacity=upnl_usd"]))!;
    const table = loadAccounts(accounts, { mapping });
    expect([...table.capacity]).toEqual([20, 50]);
    expect([...table.columns.get("upnl_usd")!]).toEqual([20, 50]);
  });

  it("keeping a name the mapping gives to another column is an error naming both places", () => {
    const file = join(scratch, "clash.csv");
    writeFileSync(file, "user,equity_usd,capacity\na,1,2\n");
    try {
      loadAccounts(file, { mapping: parseMapping("accounts:\n  id: user\n  capacity: equity_usd\nkeep: [capacity]\n", "m.yaml") });
      throw new Error("loaded");
    } catch (error) {
      expect((error as Error).message).toBe('m.yaml:4:8  keep[0]: expected a column name the mapping does not give to another column; found "capacity", also the target of accounts.capacity at m.yaml:3:13 (rename one of them)');
    }
    expect(failure('accounts: {id: user, capacity: equity_usd}\nderive: {leverage: "upnl_usd * 2"}\nkeep: [leverage]\n').message).toMatch(/keep\[0\]: expected a column name the mapping does not give to another column; found "leverage", also the target of derive\.leverage at m\.yaml:2:20/);
  });

  it("keeping the id column is an error (it is always loaded)", () => {
    expect(failure("accounts: {id: user, capacity: equity_usd}\nkeep: [user]\n").message).toMatch(/^m\.yaml:2:8 {2}keep\[0\]: expected a numeric column to keep \(the id column is always loaded\); found "user"/);
  });

  it("a kept renamed column is checked by its own name's rule", () => {
    const file = join(scratch, "lots.csv");
    writeFileSync(file, "user,lots\na,2\nb,2.5\n");
    // As capacity, 2.5 is fine; kept as `lots` it must be a whole number of lots.
    expect([...loadAccounts(file, { mapping: parseMapping("accounts: {id: user, capacity: lots}\n", "m.yaml") }).capacity]).toEqual([2, 2.5]);
    try {
      loadAccounts(file, { mapping: parseMapping("accounts: {id: user, capacity: lots}\nkeep: [lots]\n", "m.yaml") });
      throw new Error("loaded");
    } catch (error) {
      expect((error as Error).message).toMatch(/lots\.csv row 2, column lots: expected a whole number of lots from 0 to 2,147,483,647; found 2\.5 \(kept by m\.yaml:2:8\)/);
    }
  });
});
