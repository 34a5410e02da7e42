import { describe, expect, it } from "vitest";
import { csvText } from "../src/csv.js";
import { toCsv } from "../src/report/format.js";

describe("CSV text cells", () => {
  it("neutralize what a spreadsheet would run as a formula", () => {
    expect(csvText("=cmd|' /C calc'!A0")).toBe("'=cmd|' /C calc'!A0");
    expect(csvText("+1")).toBe("'+1");
    expect(csvText("-1")).toBe("'-1");
    expect(csvText("@SUM(A1:A9)")).toBe("'@SUM(A1:A9)");
    expect(csvText("\t=1")).toBe("'\t=1");
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
