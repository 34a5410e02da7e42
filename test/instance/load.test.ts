import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { rmSync } from "node:fs";
import { InstanceError } from "../../src/errors.js";
import { loadAccounts, loadPositions } from "../../src/pipeline/instance/load.js";

const FIXTURES = "test/fixtures/input/accounts";
const scratch = mkdtempSync(join(tmpdir(), "adl-load-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Writes `text` to a scratch file named `name` and returns its path. */
function file(name: string, text: string): string {
  const path = join(scratch, name);
  writeFileSync(path, text);
  return path;
}

/** The InstanceError `load` throws, checked to name the file and to say expected/found. */
function failure(load: () => unknown, path: string): InstanceError {
  try {
    load();
  } catch (error) {
    expect(error).toBeInstanceOf(InstanceError);
    const e = error as InstanceError;
    expect(e.message.startsWith(path)).toBe(true);
    expect(e.message).toContain("expected ");
    expect(e.message).toContain("; found ");
    return e;
  }
  throw new Error("loaded without error");
}

function accountsError(name: string, text: string, options?: Parameters<typeof loadAccounts>[1]): string {
  const path = file(name, text);
  return failure(() => loadAccounts(path, options), path).message.slice(path.length);
}

describe("loadAccounts: accepted files", () => {
  it.each(["basic.csv", "basic.json", "basic-columnar.json"])("%s", (name) => {
    const table = loadAccounts(`${FIXTURES}/${name}`);
    expect(table.file).toBe(`${FIXTURES}/${name}`);
    expect(table.ids).toEqual(["a1", "a2", "a3", "a4"]);
    expect([...table.capacity]).toEqual([100, 50, 0, 200]);
    expect([...table.columns.keys()]).toEqual(["capacity", "risk_weight", "lot_value", "lots", "entry_pnl"]);
    expect([...table.columns.get("entry_pnl")!]).toEqual([50, -10, 3, 0]);
    expect(table.columns.get("capacity")).toBe(table.capacity);
    expect(table.capacity.length).toBe(4);
  });

  it("capacity = sum of layers when the file has no capacity column", () => {
    const table = loadAccounts(`${FIXTURES}/layers.csv`, { layers: ["gains", "principal"] });
    expect([...table.capacity]).toEqual([100, 40, 12.5]);
    expect(table.columns.get("capacity")).toBe(table.capacity);
  });

  it("capacity and layers that agree within 1e-9 relative are accepted", () => {
    const path = file("agree.csv", "id,capacity,gains,principal\na,0.3,0.1,0.2\nb,1000000000,999999999.5,0.5000001\n");
    expect([...loadAccounts(path, { layers: ["gains", "principal"] }).capacity]).toEqual([0.3, 1e9]);
  });

  it("ids are plain strings: formula-like text, unicode, quoted newlines", () => {
    const table = loadAccounts(`${FIXTURES}/hostile-ids.csv`);
    expect(table.ids).toEqual(["=cmd|' /C calc'!A0", "名前-α", "@SUM(1+1)", "multi\nline id"]);
    expect([...table.capacity]).toEqual([10, 20, 5, 7]);
  });

  it("numbers: decimal notation with spaces, exponents; BOM, CRLF, blank lines, TSV, rename, integer JSON ids", () => {
    const csv = loadAccounts(file("misc.csv", "\uFEFFid, capacity ,x\r\n\r\nb, 1.5e2 ,-0.25\r\nc,.5,+3\r\n\r\n"));
    expect(csv.ids).toEqual(["b", "c"]);
    expect([...csv.capacity]).toEqual([150, 0.5]);
    expect([...csv.columns.get("x")!]).toEqual([-0.25, 3]);
    const tsv = loadAccounts(file("t.tsv", "id\tcapacity\nx\t1\n"));
    expect([...tsv.capacity]).toEqual([1]);
    const renamed = loadAccounts(file("r.csv", "Account,cap_usd\nx,4\n"), { rename: { Account: "id", cap_usd: "capacity" } });
    expect(renamed.ids).toEqual(["x"]);
    expect([...renamed.capacity]).toEqual([4]);
    const json = loadAccounts(file("ints.json", '[{"id": 17, "capacity": 1}, {"id": "18", "capacity": "2.5"}]'));
    expect(json.ids).toEqual(["17", "18"]);
    expect([...json.capacity]).toEqual([1, 2.5]);
  });

  it("a missing file is an InstanceError", () => {
    expect(() => loadAccounts(`${FIXTURES}/nope.csv`)).toThrow(`${FIXTURES}/nope.csv: expected a readable accounts file (CSV or JSON); found no such file`);
  });
});

describe("loadAccounts: bad values name file, row, column, expected and found", () => {
  it("the style guide's example", () => {
    const rows = Array.from({ length: 1203 }, (_, i) => `a${i + 1},${i}`).join("\n");
    const message = accountsError("accounts.csv", `id,capacity\n${rows}\nbad,-3.5\n`);
    expect(message).toBe(' row 1,204, column capacity: expected a finite number >= 0; found "-3.5" (line 1,205 of the file)');
  });

  it.each([
    ["capacity", "x,abc", 'row 1, column capacity: expected a finite number >= 0; found "abc" (line 2 of the file)'],
    ["capacity", "x,", 'row 1, column capacity: expected a finite number >= 0; found "" (line 2 of the file)'],
    ["capacity", "x,Infinity", 'row 1, column capacity: expected a finite number >= 0; found "Infinity" (line 2 of the file)'],
    ["capacity", "x,0x10", 'row 1, column capacity: expected a finite number >= 0; found "0x10" (line 2 of the file)'],
    ["capacity", "x,1e400", 'row 1, column capacity: expected a finite number >= 0; found "1e400" (line 2 of the file)'],
    ["capacity", 'x,"1,204"', 'row 1, column capacity: expected a finite number >= 0; found "1,204" (line 2 of the file)'],
    ["capacity", "x,=1+2", 'row 1, column capacity: expected a finite number >= 0; found "=1+2" (line 2 of the file)'],
    ["capacity,risk_weight", "x,1,0", 'row 1, column risk_weight: expected a finite number > 0; found "0" (line 2 of the file)'],
    ["capacity,lot_value", "x,1,-2", 'row 1, column lot_value: expected a finite number > 0; found "-2" (line 2 of the file)'],
    ["capacity,lots", "x,1,2.5", 'row 1, column lots: expected a whole number of lots from 0 to 2,147,483,647; found "2.5" (line 2 of the file)'],
    ["capacity,lots", "x,1,-1", 'row 1, column lots: expected a whole number of lots from 0 to 2,147,483,647; found "-1" (line 2 of the file)'],
    ["capacity,entry_pnl", "x,1,NaN", 'row 1, column entry_pnl: expected a finite number; found "NaN" (line 2 of the file)'],
    ["capacity,entry_pnl", "x,1,-12.5\ny,2,oops", 'row 2, column entry_pnl: expected a finite number; found "oops" (line 3 of the file)'],
  ])("%s / %s", (header, rows, expected) => {
    expect(accountsError("v.csv", `id,${header}\n${rows}\n`)).toBe(` ${expected}`);
  });

  it("negative values are fine in other columns", () => {
    expect([...loadAccounts(file("neg.csv", "id,capacity,entry_pnl\nx,1,-5\n")).columns.get("entry_pnl")!]).toEqual([-5]);
  });

  it("layer columns named by the model must be >= 0", () => {
    expect(accountsError("l.csv", "id,gains,principal\nx,-1,2\n", { layers: ["gains", "principal"] })).toBe(
      ' row 1, column gains: expected a finite number >= 0; found "-1" (line 2 of the file)',
    );
  });

  it("capacity that disagrees with its layers names the row and the id", () => {
    const path = `${FIXTURES}/layers-mismatch.csv`;
    expect(failure(() => loadAccounts(path, { layers: ["gains", "principal"] }), path).message).toBe(
      `${path} row 2, column capacity: expected the sum of the layers gains + principal = 40 (within 1e-9 relative); found 41 (id "g2")`,
    );
  });

  it("ids: duplicate, empty, whitespace-only", () => {
    expect(accountsError("d.csv", "id,capacity\na,1\nb,2\na,3\n")).toBe(' row 3, column id: expected a unique id; found "a", already the id of row 1 (line 4 of the file)');
    expect(accountsError("e.csv", "id,capacity\n,1\n")).toBe(' row 1, column id: expected a non-empty id; found "" (line 2 of the file)');
    expect(accountsError("w.csv", "id,capacity\n   ,1\n")).toBe(' row 1, column id: expected a non-empty id; found "   " (line 2 of the file)');
    expect(accountsError("n.json", '[{"id": null, "capacity": 1}]')).toBe(" row 1, column id: expected an id (a string, or an integer in JSON); found null (element [0])");
  });

  it("the data row counts records, not lines: a quoted newline moves the file line only", () => {
    expect(accountsError("q.csv", 'id,capacity\n"two\nlines",1\nb,-1\n')).toBe(' row 2, column capacity: expected a finite number >= 0; found "-1" (line 4 of the file)');
  });
});

describe("loadAccounts: bad files", () => {
  it.each([
    ["empty.csv", "", ": expected a header row and at least one data row; found an empty file"],
    ["blank.csv", "\n\n  \n", ": expected a header row and at least one data row; found an empty file"],
    ["header.csv", "id,capacity\n", ": expected at least one data row after the header; found only the header"],
    ["noid.csv", "ID,capacity\nx,1\n", ' column id: expected a column id (one unique account id per row); found columns ID, capacity (did you mean "ID"? or rename it)'],
    ["nocap.csv", "id,capcity\nx,1\n", ' column capacity: expected a capacity column; found columns id, capcity (did you mean "capcity"?)'],
    ["ragged.csv", "id,capacity\nx,1\ny,2,3\n", " row 2: expected 2 fields, as in the header; found 3 fields (line 3 of the file)"],
    ["short.csv", "id,capacity,risk_weight\nx,1\n", " row 1: expected 3 fields, as in the header; found 2 fields (line 2 of the file)"],
    ["dupcol.csv", "id,capacity,capacity\nx,1,2\n", ' column capacity: expected distinct column names; found "capacity" twice (columns 2 and 3)'],
    ["emptycol.csv", "id,,capacity\nx,1,2\n", ": expected a name for every header column; found an empty name in header column 2"],
    ["quote.csv", 'id,capacity\nx,1\n"y,2\n', ": expected well-formed CSV (quotes closed, fields separated by commas); found Quote Not Closed: the parsing is finished with an opening quote (line 3 of the file)"],
    ["bad.json", '[{"id": "x", "capacity": 1},]', ": expected valid JSON; found "],
    ["scalar.json", "42", ": expected an array of row objects, or an object of equally long column arrays; found 42"],
    ["emptyarray.json", "[]", ": expected at least one row; found an empty array"],
    ["rows.json", '[{"id": "x", "capacity": 1}, {"id": "y"}]', " row 2, column capacity: expected a value (every row has the first row's keys); found no such key (element [1])"],
    ["extra.json", '[{"id": "x", "capacity": 1}, {"id": "y", "capacity": 1, "capacty": 2}]', ' row 2, column capacty: expected only the first row\'s keys (id, capacity); found the key "capacty" (did you mean "capacity"?; element [1])'],
    ["notrow.json", '[{"id": "x", "capacity": 1}, 7]', " row 2: expected a row object; found 7 (element [1])"],
    ["cols.json", '{"id": ["x", "y"], "capacity": [1]}', " column capacity: expected 2 values, as many as column id has; found 1"],
    ["colnotarray.json", '{"id": ["x"], "capacity": 1}', " column capacity: expected an array of values (columnar JSON); found 1"],
    ["colbad.json", '{"id": ["x", "y"], "capacity": [1, "lots"]}', ' row 2, column capacity: expected a finite number >= 0; found "lots" (index [1])'],
    ["colnull.json", '{"id": ["x"], "capacity": [null]}', " row 1, column capacity: expected a finite number >= 0; found null (index [0])"],
  ])("%s", (name, text, expected) => {
    expect(accountsError(name, text)).toContain(expected);
  });

  it("layers without capacity must all be present", () => {
    expect(accountsError("partial.csv", "id,gains\nx,1\n", { layers: ["gains", "principal"] })).toBe(
      " column capacity: expected a capacity column, or every seniority layer column (gains, principal) to sum; found columns id, gains (no principal)",
    );
  });
});

describe("loadPositions", () => {
  const accounts = loadAccounts(`${FIXTURES}/basic.csv`);

  it.each(["positions.csv", "positions.json"])("%s", (name) => {
    const positions = loadPositions(`${FIXTURES}/${name}`, accounts);
    expect([...positions.account]).toEqual([0, 0, 1, 3]);
    expect(positions.market).toEqual(["BTC-PERP", "ETH-PERP", "BTC-PERP", "SOL-PERP"]);
    expect([...positions.lotValue]).toEqual([10, 4, 5, 25]);
    expect([...positions.lots]).toEqual([3, 5, 2, 1]);
    expect(positions.lots).toBeInstanceOf(Int32Array);
  });

  it("market is optional and extra columns are ignored", () => {
    const positions = loadPositions(file("p.csv", "account_id,lots,lot_value,note\na2,4,1.5,hello\n"), accounts);
    expect(positions.market).toEqual([""]);
    expect([...positions.lots]).toEqual([4]);
  });

  it.each([
    ["unknown.csv", "account_id,lot_value,lots\na1,1,1\na9,1,1\n", ` row 2, column account_id: expected an id of ${FIXTURES}/basic.csv; found "a9" (did you mean "a1"?; line 3 of the file)`],
    ["lv.csv", "account_id,lot_value,lots\na1,0,1\n", ' row 1, column lot_value: expected a finite number > 0; found "0" (line 2 of the file)'],
    ["q.csv", "account_id,lot_value,lots\na1,1,1.5\n", ' row 1, column lots: expected a whole number of lots from 0 to 2,147,483,647; found "1.5" (line 2 of the file)'],
    ["big.csv", "account_id,lot_value,lots\na1,1,3000000000\n", ' row 1, column lots: expected a whole number of lots from 0 to 2,147,483,647; found "3000000000" (line 2 of the file)'],
    ["nocol.csv", "account,lot_value,lots\na1,1,1\n", ` column account_id: expected a column account_id (an id of ${FIXTURES}/basic.csv); found columns account, lot_value, lots`],
    ["market.json", '[{"account_id": "a1", "lot_value": 1, "lots": 1, "market": 5}]', " row 1, column market: expected a market name (a string); found 5 (element [0])"],
    ["empty.csv", "", ": expected a header row and at least one data row; found an empty file"],
  ])("%s", (name, text, expected) => {
    const path = file(name, text);
    expect(failure(() => loadPositions(path, accounts), path).message.slice(path.length)).toContain(expected);
  });
});

describe("loadAccounts: scale", () => {
  it("reads 10^5 rows into typed arrays of exactly n entries", () => {
    const n = 100_000;
    const lines = ["id,capacity,gains,principal,risk_weight"];
    for (let i = 0; i < n; i++) lines.push(`acct-${i},${(i % 97) + 3},${(i % 97) + 1},2,${1 + (i % 3)}`);
    const table = loadAccounts(file("big.csv", `${lines.join("\n")}\n`), { layers: ["gains", "principal"] });
    expect(table.ids.length).toBe(n);
    expect(table.capacity.length).toBe(n);
    expect(table.columns.get("risk_weight")!.length).toBe(n);
    expect(table.capacity[n - 1]).toBe(((n - 1) % 97) + 3);
  });

  it("old-Mac line endings (\\r only) still read every row", () => {
    const table = loadAccounts(file("cr.csv", "id,capacity\rx,1\ry,2\rz,3\r"));
    expect(table.ids).toEqual(["x", "y", "z"]);
  });
});
