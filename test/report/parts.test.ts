import { describe, expect, it } from "vitest";
import { logTicks, placeLabels, spreadWaves } from "../../src/tools/report/charts.js";
import { formatNumber, toCsv } from "../../src/tools/report/format.js";
import { parseJsonLines } from "../../src/tools/report/read.js";
import { renderSvg } from "../../src/tools/report/render.js";
import { paramsText } from "../../src/tools/report/tables.js";
import { InstanceError } from "../../src/errors.js";

describe("parseJsonLines", () => {
  it("reads complete lines, skips blank ones and ignores a torn last line", () => {
    const { rows, tornLine } = parseJsonLines('{"a":1}\n\n{"a":2}\n{"a":', "x.jsonl");
    expect(rows).toEqual([{ a: 1 }, { a: 2 }]);
    expect(tornLine).toBe(4);
  });

  it("treats a damaged line before the last as an error naming file and line", () => {
    expect(() => parseJsonLines('{"a":1}\n{"a"\n{"a":3}\n', "x.jsonl")).toThrow(InstanceError);
    expect(() => parseJsonLines('{"a":1}\n{"a"\n{"a":3}\n', "x.jsonl")).toThrow(/^x\.jsonl:2: expected one complete JSON object per line/);
  });

  it("checks the fields it is told to", () => {
    expect(() => parseJsonLines('{"wave":3}\n', "r.jsonl", { wave: "string" })).toThrow(/r\.jsonl:1 {2}wave: expected a string; found a number/);
    expect(() => parseJsonLines("[1]\n", "r.jsonl", {})).toThrow(/expected a JSON object per line; found array/);
  });
});

describe("chart helpers", () => {
  it("puts 1-2-5 ticks on a short log range and decades on a long one", () => {
    expect(logTicks(0.9, 120)).toEqual([1, 2, 5, 10, 20, 50, 100]);
    expect(logTicks(1e-5, 2)).toEqual([1e-5, 1e-4, 0.001, 0.01, 0.1, 1]);
    // Never fewer than two ticks, even inside one decade.
    expect(logTicks(3, 4).length).toBe(2);
  });

  it("places labels of coincident and nearby points without overlap", () => {
    const points = [
      { px: 100, py: 100, label: "pro-rata" },
      { px: 100, py: 100, label: "pro-rata:wealth" },
      { px: 104, py: 101, label: "risk-weighted" },
      { px: 590, py: 100, label: "queue:bitmex" },
    ];
    const placed = placeLabels(points, 600);
    const boxes = placed.map((p, k) => {
      const w = 7 * points[k]!.label.length;
      const left = p.side === "right" ? points[k]!.px + 10 : points[k]!.px - 10 - w;
      return { left, right: left + w, top: points[k]!.py + p.dy - 7, bottom: points[k]!.py + p.dy + 7 };
    });
    for (let a = 0; a < boxes.length; a++)
      for (let b = a + 1; b < boxes.length; b++) {
        const A = boxes[a]!;
        const B = boxes[b]!;
        expect(A.left < B.right && B.left < A.right && A.top < B.bottom && B.top < A.bottom, `${points[a]!.label} / ${points[b]!.label}`).toBe(false);
      }
    // A label at the right edge goes to the left of its point, inside the plot.
    expect(placed[3]!.side).toBe("left");
  });

  it("spreads representative waves from the lowest to the highest budget share", () => {
    const rows = [0.5, 0.1, 0.3, 0.2, 0.4].map((budgetShare, k) => ({ wave: `w${k}`, budgetShare }));
    expect(spreadWaves(rows, 3)).toEqual(["w1", "w2", "w0"]);
    expect(spreadWaves(rows.slice(0, 2), 3)).toEqual(["w1", "w0"]);
  });

  it("renders a spec to SVG offline and the same bytes twice", async () => {
    const spec = { data: { values: [{ x: 1, y: 2 }] }, mark: "point", encoding: { x: { field: "x", type: "quantitative" }, y: { field: "y", type: "quantitative" } } } as const;
    const first = await renderSvg(spec as never);
    expect(first.startsWith("<svg")).toBe(true);
    expect(await renderSvg(spec as never)).toBe(first);
  });
});

describe("text forms", () => {
  it("formats numbers for reading without locale or float noise", () => {
    expect(formatNumber(-4.7e-16)).toBe("0");
    expect(formatNumber(1234567.89)).toBe("1,234,568");
    expect(formatNumber(0.123456)).toBe("0.1235");
    expect(formatNumber(0.5, "percent")).toBe("50.0%");
    expect(formatNumber(12, "int")).toBe("12");
    expect(formatNumber(3.2e-7)).toBe("3.20e-7");
    expect(formatNumber(3.8e-11)).toBe("0");
  });

  it("writes CSV with quoting and full precision", () => {
    const text = toCsv([{ key: "mechanism", label: "m" }, { key: "value", label: "v" }, { key: "none", label: "n" }], [{ mechanism: 'a, "b"', value: 0.1 + 0.2, none: null }]);
    expect(text).toBe('mechanism,value,none\n"a, ""b""",0.30000000000000004,\n');
  });

  it("writes sweep parameters in a stable order", () => {
    expect(paramsText({ maxAccounts: 5, alpha: 0.5 })).toBe("alpha=0.5, maxAccounts=5");
    expect(paramsText({})).toBe("");
  });
});
