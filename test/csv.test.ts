import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readAllocationCsv } from "../src/tools/compare/validate.js";
import { csvText } from "../src/csv.js";
import { makeWave } from "./exact/make-wave.js";
import { toCsv } from "../src/tools/report/format.js";

describe("CSV text cells", () => {
  it("neutralize what a spreadsheet would run as a formula", () => {
    expect(csvText("=cmd|' /C calc'!A0")).toBe("'=cmd|' /C calc'!A0");
    expect(csvText("+1")).toBe("'+1");
    expect(csvText("-1")).toBe("'-1");
    expect(csvText("@SUM(A1:A9)")).toBe("'@SUM(A1:A9)");
    expect(csvText("\t=1")).toBe("'\t=1");
  });

  it("prefix text that already starts with an apostrophe, so that the added one is never ambiguous", () => {
    expect(csvText("'=1")).toBe("''=1");
    expect(csvText("'abc")).toBe("''abc");
    expect(csvText("it's")).toBe("it's");
  });

  it("quote commas, quotes and line breaks (RFC 4180) and leave plain ids alone", () => {
    expect(csvText("acct-7")).toBe("acct-7");
    expect(csvText('a,"b"')).toBe('"a,""b"""');
    expect(csvText("=HYPERLINK(\"x\",\"y\")")).toBe('"\'=HYPERLINK(""x"",""y"")"');
  });

  it("keep numbers as numbers in report data", () => {
    expect(toCsv([{ key: "id", label: "id" }, { key: "h", label: "h" }], [{ id: "=1+1", h: -2.5 }])).toBe("id,h\n'=1+1,-2.5\n");
  });
});

describe("ids written by csvText round-trip through adl validate's reader", () => {
  it("=x, '=x, 'abc, ''x, +1 and a plain id, all in one book: each haircut reaches its own account", () => {
    const ids = ["=x", "'=x", "'abc", "''x", "+1", "acct-7", "a,b"];
    const wave = makeWave({ capacity: ids.map(() => 10), ids, budget: 1, objectives: [{ kind: "minmax" }] });
    const text = "id,haircut\n" + ids.map((id, i) => `${csvText(id)},${i + 1}`).join("\n") + "\n";
    const path = join(mkdtempSync(join(tmpdir(), "adl-csv-")), "allocation.csv");
    writeFileSync(path, text);
    const read = readAllocationCsv(path, wave);
    expect(Array.from(read.haircut)).toEqual(ids.map((_, i) => i + 1));
  });
});
