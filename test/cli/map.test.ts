/**
 * `adl map`: the mapped CSV, loaded with no mapping, is the table the export gives with the mapping
 * (same ids, same columns, the same doubles), for an Excel-made export (BOM, CRLF), ids with commas,
 * quotes and formula-like text, and values from 1e-6 to 1e15.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { accountsCsv, mapCommand, positionsCsv } from "../../src/cli/map.js";
import { loadAccounts, loadPositions } from "../../src/pipeline/instance/load.js";
import { loadMapping } from "../../src/pipeline/instance/mapping.js";

const run = promisify(execFile);
const scratch = mkdtempSync(join(tmpdir(), "adl-map-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(scratch, name);
  writeFileSync(path, text);
  return path;
}

const EXPORT = file(
  "export.csv",
  '\uFEFFuser,equity_usd,upnl_usd,time\r\n0xa,1e15,2.5e14,2025-10-10\r\n"=HYPERLINK(""x"")",0.000001,0,2025-10-11\r\n"b,""c""",12345.678901,345.678901,x\r\n',
);
const MAP = file("map.yaml", 'accounts: { id: user, capacity: equity_usd, gains: upnl_usd }\nderive: { principal: "equity_usd - upnl_usd" }\nkeep: [equity_usd]\n');

describe("adl map", () => {
  it("writes what the mapping loads: read back without a mapping, the same table", async () => {
    const out = join(scratch, "mapped.csv");
    const notes: string[] = [];
    expect(await mapCommand({ accounts: EXPORT, map: MAP, out }, () => undefined, (text) => notes.push(text))).toBe(0);
    const mapped = loadAccounts(EXPORT, { mapping: loadMapping(MAP) });
    const back = loadAccounts(out);
    expect(back.ids).toEqual(["0xa", '=HYPERLINK("x")', 'b,"c"']);
    expect(back.ids).toEqual(mapped.ids);
    expect([...back.capacity]).toEqual([1e15, 0.000001, 12345.678901]);
    expect([...back.columns.keys()].sort()).toEqual(["capacity", "equity_usd", "gains", "principal"]);
    for (const name of mapped.columns.keys()) expect([...back.columns.get(name)!], name).toEqual([...mapped.columns.get(name)!]);
    // principal = equity - upnl, by hand.
    expect([...back.columns.get("principal")!]).toEqual([1e15 - 2.5e14, 0.000001, 12345.678901 - 345.678901]);
    expect(readFileSync(out, "utf8").split("\n")[0]).toBe("id,capacity,gains,principal,equity_usd");
    expect(notes.join("")).toMatch(/wrote 3 accounts \(id, capacity, gains, principal, equity_usd\)/);
    expect(notes.join("")).toMatch(/note: 1 ids start with = \+ - @ and are written as they are/);
  });

  it("maps a positions file through the mapping's positions section", async () => {
    const accounts = file("a.csv", "user,equity\nu1,10\nu2,20\n");
    const positions = file("p.csv", "owner,mkt,px,qty\nu1,BTC,2.5,3\nu2,ETH,1,4\nu2,BTC,2.5,1\n");
    const map = file("pm.yaml", "accounts: {id: user, capacity: equity}\npositions: {account_id: owner, market: mkt, lot_value: px, lots: qty}\n");
    const out = join(scratch, "a-mapped.csv");
    const positionsOut = join(scratch, "p-mapped.csv");
    await mapCommand({ accounts, map, out, positions, positionsOut }, () => undefined, () => undefined);
    const table = loadAccounts(out);
    const back = loadPositions(positionsOut, table);
    expect([...back.account]).toEqual([0, 1, 1]);
    expect(back.market).toEqual(["BTC", "ETH", "BTC"]);
    expect([...back.lotValue]).toEqual([2.5, 1, 2.5]);
    expect([...back.lots]).toEqual([3, 4, 1]);
    expect(positionsCsv(back, table)).toBe(readFileSync(positionsOut, "utf8"));
    expect(accountsCsv(table)).toBe(readFileSync(out, "utf8"));
  });

  it("needs a mapping, and both positions flags or neither", async () => {
    await expect(mapCommand({ accounts: EXPORT }, () => undefined, () => undefined)).rejects.toThrow(/--map: expected a mapping: --map FILE and\/or --column TARGET=SOURCE; found neither/);
    await expect(mapCommand({ accounts: EXPORT, map: MAP, positions: EXPORT }, () => undefined, () => undefined)).rejects.toThrow(/found only --positions/);
  });

  it("as a user runs it: stdout by default; a mapping naming a missing column is exit 2 with a did-you-mean, no stack", async () => {
    const plain = file("plain.csv", "user,equity_usd,upnl_usd\na,1,0.5\n");
    const { stdout } = await run("node", ["bin/adl.js", "map", "--accounts", plain, "--column", "id=user", "--column", "capacity=equity_usd"]);
    expect(stdout).toBe("id,capacity,upnl_usd\na,1,0.5\n");
    const bad = file("bad.yaml", "accounts: { id: user, capacity: equity_uds }\n");
    const failure = await run("node", ["bin/adl.js", "map", "--accounts", EXPORT, "--map", bad]).then(
      () => undefined,
      (error: { code: number; stderr: string }) => error,
    );
    expect(failure?.code).toBe(2);
    expect(failure?.stderr).toMatch(/^adl: .*bad\.yaml:1:33 {2}accounts\.capacity: expected a column of .*export\.csv .*found "equity_uds" \(did you mean "equity_usd"\?\)/);
    expect(failure?.stderr).not.toMatch(/\n\s+at /);
  }, 60_000);
});
