import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { WorkbenchError } from "../../src/errors.js";
import { loadAccounts, loadPositions } from "../../src/pipeline/instance/load.js";
import { columnFlags, combineMappings, loadMapping, parseMapping } from "../../src/pipeline/instance/mapping.js";
import { loadWaveFromFiles } from "../../src/pipeline/solve/inputs.js";

const scratch = mkdtempSync(join(tmpdir(), "adl-mapping-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(scratch, name);
  writeFileSync(path, text);
  return path;
}

function message(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(WorkbenchError);
    return (error as Error).message;
  }
  throw new Error("no error");
}

const EXPORT = "user,equity_usd,upnl_usd,time\n0xa,120,20,2025-10-10T21:16:04Z\n0xb,50,50,2025-10-10T21:16:05Z\n0xc,10,0,2025-10-10T21:16:06Z\n";

describe("mapping: exports load as they are", () => {
  it("renames, derives from source columns, scales after derive, ignores unmapped text columns", () => {
    const accounts = file("export.csv", EXPORT);
    const map = file("map.yaml", 'accounts:\n  id: user\n  capacity: equity_usd\n  gains: upnl_usd\nderive:\n  principal: "equity_usd - upnl_usd"\nscale:\n  capacity: 0.5\n  gains: 0.5\n  principal: 0.5\n');
    const table = loadAccounts(accounts, { layers: ["gains", "principal"], mapping: loadMapping(map) });
    expect(table.ids).toEqual(["0xa", "0xb", "0xc"]);
    expect([...table.capacity]).toEqual([60, 25, 5]);
    expect([...table.columns.get("gains")!]).toEqual([10, 25, 0]);
    expect([...table.columns.get("principal")!]).toEqual([50, 0, 5]);
    expect([...table.columns.keys()].sort()).toEqual(["capacity", "gains", "principal"]);
  });

  it("--column flags rename and keep the other columns; flags override the file", () => {
    const accounts = file("plain.csv", "user,equity_usd,leverage\na,10,2\nb,20,3\n");
    const table = loadAccounts(accounts, { mapping: columnFlags(["id=user", "capacity = equity_usd"]) });
    expect([...table.capacity]).toEqual([10, 20]);
    expect([...table.columns.get("leverage")!]).toEqual([2, 3]);
    const map = parseMapping("accounts: {id: user, capacity: leverage}\n", "m.yaml");
    const both = combineMappings(map, columnFlags(["capacity=equity_usd"]))!;
    expect([...loadAccounts(accounts, { mapping: both }).capacity]).toEqual([10, 20]);
  });

  it("wires through loadWaveFromFiles (--map and --column)", () => {
    const accounts = file("wave.csv", EXPORT);
    const map = file("wave.yaml", "accounts: {id: user, capacity: equity_usd}\n");
    const wave = loadWaveFromFiles({ model: "models/pro-rata.yaml", accounts, map, budget: 18 });
    expect([...wave.capacity]).toEqual([120, 50, 10]);
    const flagged = loadWaveFromFiles({ model: "models/pro-rata.yaml", accounts: file("f.csv", "user,equity_usd\na,1\n"), columns: ["id=user", "capacity=equity_usd"], budget: 1 });
    expect(flagged.ids).toEqual(["a"]);
  });

  it("positions section renames the positions file's columns", () => {
    const accounts = loadAccounts(file("pa.csv", "id,capacity\na,10\n"));
    const positions = loadPositions(file("pp.csv", "user,coin,px_lot,qty\na,BTC,2,3\n"), accounts, parseMapping("positions: {account_id: user, market: coin, lot_value: px_lot, lots: qty}\n", "m.yaml"));
    expect([...positions.lotValue]).toEqual([2]);
    expect(positions.market).toEqual(["BTC"]);
  });
});

describe("mapping: bad mapping files", () => {
  it("unknown key, with its line:col and a did-you-mean", () => {
    expect(message(() => parseMapping("accounts: {id: user}\nderived:\n  x: \"a\"\n", "m.yaml"))).toBe(
      'm.yaml:2:1  derived: expected one of the keys accounts, positions, derive, scale, keep; found "derived" (did you mean "derive"?)',
    );
  });

  it("duplicate targets: twice in a section, and mapped as well as derived", () => {
    expect(message(() => parseMapping("accounts:\n  capacity: a\n  capacity: b\n", "m.yaml"))).toMatch(/^m\.yaml:3:3 {2}accounts\.capacity: expected each target once; found "capacity" again \(first at line 2\)/);
    expect(message(() => parseMapping("accounts:\n  capacity: a\nderive:\n  capacity: \"b * 2\"\n", "m.yaml"))).toMatch(/^m\.yaml:4:13 {2}derive\.capacity: expected each target once \(mapped or derived, not both\)/);
    expect(message(() => columnFlags(["capacity=a", "capacity=b"]))).toMatch(/--column capacity=b: expected each target once/);
    expect(message(() => parseMapping("accounts:\n  capacity: a\n  gains: a\n", "m.yaml"))).toMatch(/^m\.yaml:3:10 {2}accounts\.gains: expected each source column mapped once/);
  });

  it("bad scale, bad expression, bad flag", () => {
    expect(message(() => parseMapping("scale: {capacity: -2}\n", "m.yaml"))).toMatch(/^m\.yaml:1:19 {2}scale\.capacity: expected a finite factor > 0; found -2/);
    expect(message(() => parseMapping('derive: {principal: "a &&"}\n', "m.yaml"))).toMatch(/^m\.yaml:1:21 {2}derive\.principal: expected a well-formed expression/);
    expect(message(() => columnFlags(["capacity"]))).toMatch(/expected TARGET=SOURCE/);
  });

  it("unknown source column: named at the mapping's line:col, with did-you-mean over the file's header", () => {
    const accounts = file("u.csv", EXPORT);
    const map = file("u.yaml", "accounts:\n  id: user\n  capacity: equity_sud\n");
    expect(message(() => loadAccounts(accounts, { mapping: loadMapping(map) }))).toBe(
      `${map}:3:13  accounts.capacity: expected a column of ${accounts} (user, equity_usd, upnl_usd, time); found "equity_sud" (did you mean "equity_usd"?)`,
    );
    const derive = file("d.yaml", 'accounts: {id: user}\nderive:\n  capacity: "equity_usd - upnl_ud"\n');
    expect(message(() => loadAccounts(accounts, { mapping: loadMapping(derive) }))).toMatch(/d\.yaml:3:13 {2}derive\.capacity: expected a column of .*found "upnl_ud" in `equity_usd - upnl_ud` \(did you mean "upnl_usd"\?\)/);
  });
});

describe("mapping: bad rows after mapping", () => {
  it("a negative capacity names the row and the SOURCE column", () => {
    const accounts = file("neg.csv", "user,equity_usd\na,10\nb,-3.5\n");
    const map = file("neg.yaml", "accounts: {id: user, capacity: equity_usd}\n");
    expect(message(() => loadAccounts(accounts, { mapping: loadMapping(map) }))).toBe(
      `${accounts} row 2, column equity_usd: expected a finite number >= 0; found "-3.5" (mapped to capacity by ${map}:1:32; line 3 of the file)`,
    );
  });

  it("a derived layer that goes negative names the row, the expression and its inputs", () => {
    const accounts = file("der.csv", "user,equity_usd,upnl_usd\na,10,4\nb,5,8\n");
    const map = file("der.yaml", 'accounts: {id: user, capacity: equity_usd, gains: upnl_usd}\nderive:\n  principal: "equity_usd - upnl_usd"\n');
    expect(message(() => loadAccounts(accounts, { layers: ["gains", "principal"], mapping: loadMapping(map) }))).toBe(
      `${accounts} row 2, column principal: expected a finite number >= 0; found -3 (derived as \`equity_usd - upnl_usd\` (${map}:3:14) from equity_usd=5, upnl_usd=8)`,
    );
  });

  it("a scale that turns lots fractional is caught after scaling", () => {
    const accounts = file("lots.csv", "user,cap,q\na,10,3\n");
    const map = file("lots.yaml", "accounts: {id: user, capacity: cap, lots: q}\nscale: {lots: 0.5}\n");
    expect(message(() => loadAccounts(accounts, { mapping: loadMapping(map) }))).toMatch(/row 1, column q: expected a whole number of lots .*found 1\.5 \(3 × 0\.5 by .*lots\.yaml:2:15\)/);
  });
});
