/**
 * The columnar CSV reader: numbers parsed from bytes must be the doubles Number() gives for the
 * same text (the oracle), records cut at every byte by tiny read chunks must load as when read
 * whole, files are bounded (regular files only, a byte limit), and ids that are one trader written
 * two ways are reported.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { InstanceError } from "../../src/errors.js";
import { loadAccounts, loadPositions } from "../../src/pipeline/instance/load.js";

const scratch = mkdtempSync(join(tmpdir(), "adl-columnar-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

let files = 0;
function file(name: string, text: string | Buffer): string {
  const path = join(scratch, `${files++}-${name}`);
  writeFileSync(path, text);
  return path;
}

/** Ways a number is written in exports: shortest form, fixed, exponent, padded, signed. */
const numberText = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e300, max: 1e300 }).map((x) => String(x)),
  fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e12, max: 1e12 }).map((x) => x.toFixed(2)),
  fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 }).map((x) => x.toFixed(9)),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((x) => x.toExponential(12)),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((x) => x.toPrecision(17)),
  fc.bigInt({ min: 0n, max: 10n ** 22n }).map((x) => x.toString()),
  fc
    .tuple(fc.constantFrom("", "+", "-", " ", "\t", "00"), fc.nat(99_999_999), fc.nat(9_999), fc.constantFrom("", "e0", "E-3", "e+21", "e-22", "e23", "e-330", "e300", " "))
    .map(([prefix, int, frac, exp]) => `${prefix}${int}.${String(frac).padStart(4, "0")}${exp}`),
  fc.constantFrom("0", "-0", ".5", "5.", "+.5", "0.000001", "123456789012345678901234567890", "9007199254740993", "9007199254740992", "9007199254740991", "1e22", "1e-22", "4.35", "0.1", "2.5e-7", "1e-400"),
);

function column(path: string, name: string, options: Parameters<typeof loadAccounts>[1] = {}): number[] {
  return [...loadAccounts(path, options).columns.get(name)!];
}

describe("numbers parsed from bytes", () => {
  it("every decimal text loads as the double Number() reads from it (same bits, -0 included)", () => {
    fc.assert(
      fc.property(fc.array(numberText, { minLength: 1, maxLength: 50 }), fc.boolean(), (texts, quoted) => {
        const rows = texts.map((text, k) => `r${k},1,${quoted ? `"${text}"` : text}`);
        const values = column(file("numbers.csv", `id,capacity,x\n${rows.join("\n")}\n`), "x");
        texts.forEach((text, k) => expect(Object.is(values[k], Number(text)), `${JSON.stringify(text)} → ${values[k]}, Number: ${Number(text)}`).toBe(true));
      }),
      { numRuns: 300 },
    );
  });

  it("text Number() would misread is still refused as before (hex, binary, blanks, thousands separators, words)", () => {
    for (const text of ["0x10", "0b1", "0o7", "", "  ", "1,5", "1_000", "Infinity", "-Infinity", "NaN", "1e", "e5", ".", "-", "+", "1.2.3", "1e5.5", "١٢"]) {
      const path = file("bad.csv", `id,capacity,x\na,1,${text.includes(",") ? `"${text}"` : text}\n`);
      expect(() => loadAccounts(path), JSON.stringify(text)).toThrow(InstanceError);
    }
  });

  it("spaces Number() trims around a number are accepted, as before (including a no-break space)", () => {
    expect(column(file("nbsp.csv", "id,capacity,x\na,1,\u00a012.5\u00a0\nb,1,\t-3 \n"), "x")).toEqual([12.5, -3]);
  });
});

describe("records cut anywhere", () => {
  const text =
    '\uFEFFid,capacity,risk_weight\r\n"quoted, id",1.5,2\r\n\r\n"multi\nline ""id""",2.25,1\r\nplain,3,4\r\n名前-α,4.125,0.5\r\nlast,5,6';
  it.each([1, 2, 3, 5, 7, 11, 64])("read %i bytes at a time, the table is the one read whole", (chunkBytes) => {
    const path = file("cut.csv", text);
    const whole = loadAccounts(path);
    const cut = loadAccounts(path, { chunkBytes });
    expect(whole.ids).toEqual(["quoted, id", 'multi\nline "id"', "plain", "名前-α", "last"]);
    expect(cut.ids).toEqual(whole.ids);
    expect([...cut.capacity]).toEqual([1.5, 2.25, 3, 4.125, 5]);
    expect([...cut.columns.get("risk_weight")!]).toEqual([...whole.columns.get("risk_weight")!]);
  });

  it("errors keep their row and line when the record straddles chunks", () => {
    const path = file("late.csv", 'id,capacity\na,1\n"b\nc",2\nd,-1\n');
    for (const chunkBytes of [1, 3, 8, 1 << 20]) {
      expect(() => loadAccounts(path, { chunkBytes })).toThrow(/row 3, column capacity: expected a finite number >= 0; found "-1" \(line 5 of the file\)/);
    }
  });

  it("quoting mistakes are placed at their line", () => {
    expect(() => loadAccounts(file("q1.csv", 'id,capacity\na,1\nb"x,2\n'))).toThrow(/well-formed CSV.*Invalid Opening Quote.*\(line 3 of the file\)/);
    expect(() => loadAccounts(file("q2.csv", 'id,capacity\n"a"x,1\n'))).toThrow(/well-formed CSV.*Invalid Closing Quote.*\(line 2 of the file\)/);
    expect(() => loadAccounts(file("q3.csv", 'id,capacity\na,1\n\n"b,2\n'), { chunkBytes: 4 })).toThrow(/Quote Not Closed.*\(line 4 of the file\)/);
  });

  it("positions load through the same reader", () => {
    const accounts = loadAccounts(file("acc.csv", "id,capacity\na,1\nb,2\n"));
    const positions = loadPositions(file("pos.csv", 'account_id,market,lot_value,lots\r\nb,"BTC, perp",2.5,3\r\na,ETH,1,0\r\n'), accounts, undefined, { chunkBytes: 5 });
    expect([...positions.account]).toEqual([1, 0]);
    expect(positions.market).toEqual(["BTC, perp", "ETH"]);
    expect([...positions.lotValue]).toEqual([2.5, 1]);
    expect([...positions.lots]).toEqual([3, 0]);
  });
});

describe("bounded input", () => {
  it("a file above the byte limit is refused before it is read, naming the limit and how to raise it", () => {
    const path = file("big.csv", `id,capacity\n${Array.from({ length: 100 }, (_, k) => `a${k},1\n`).join("")}`);
    expect(() => loadAccounts(path, { maxBytes: 100 })).toThrow(/expected an accounts file of at most 100 bytes; found 602 bytes \(set ADL_MAX_INPUT_BYTES to raise the limit\)/);
    expect(loadAccounts(path, { maxBytes: 602 }).ids).toHaveLength(100);
  });

  it("ADL_MAX_INPUT_BYTES sets the default limit, and a bad value is a usage error", () => {
    const path = file("env.csv", "id,capacity\na,1\n");
    const saved = process.env["ADL_MAX_INPUT_BYTES"];
    try {
      process.env["ADL_MAX_INPUT_BYTES"] = "10";
      expect(() => loadAccounts(path)).toThrow(/at most 10 bytes/);
      process.env["ADL_MAX_INPUT_BYTES"] = "1K";
      expect(loadAccounts(path).ids).toEqual(["a"]);
      process.env["ADL_MAX_INPUT_BYTES"] = "lots";
      expect(() => loadAccounts(path)).toThrow(/ADL_MAX_INPUT_BYTES: expected a positive whole number of bytes/);
    } finally {
      if (saved === undefined) delete process.env["ADL_MAX_INPUT_BYTES"];
      else process.env["ADL_MAX_INPUT_BYTES"] = saved;
    }
  });

  it("a device, a FIFO and a directory are refused without reading (no endless read, no blocking)", () => {
    expect(() => loadAccounts("/dev/zero")).toThrow(/\/dev\/zero: expected a regular accounts file \(CSV or JSON\); found a character device/);
    const fifo = join(scratch, "pipe.csv");
    execFileSync("mkfifo", [fifo]);
    expect(() => loadAccounts(fifo)).toThrow(/expected a regular accounts file \(CSV or JSON\); found a FIFO \(named pipe\)/);
    expect(() => loadAccounts(scratch)).toThrow(InstanceError);
  });
});

describe("ids that are one trader written two ways", () => {
  const text = "id,capacity\n0xAbCd,1\nbob,2\n0xabcd,3\n bob,4\ncafe\u0301,5\ncaf\u00e9,6\nCAROL,7\ncarol,8\n";

  it("are a warning, in one line naming the rows, and the file still loads", () => {
    const warnings: string[] = [];
    const table = loadAccounts(file("near.csv", text), { onWarning: (message) => warnings.push(message) });
    expect(table.ids).toHaveLength(8);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).not.toContain("\n");
    expect(warnings[0]).toContain("4 ids differ from an earlier one only by case, surrounding spaces or Unicode normalization");
    expect(warnings[0]).toContain('rows 1 and 3 ("0xAbCd", "0xabcd")');
    expect(warnings[0]).toContain('rows 2 and 4 ("bob", " bob")');
    expect(warnings[0]).toContain("rows 5 and 6");
    expect(warnings[0]).toContain('rows 7 and 8 ("CAROL", "carol")');
  });

  it("are an error under strictIds, naming both rows", () => {
    expect(() => loadAccounts(file("strict.csv", text), { strictIds: true, onWarning: () => undefined })).toThrow(
      /row 3, column id: expected ids that differ in more than case, surrounding spaces or Unicode normalization \(--strict-ids\); found "0xabcd", the same trader as row 1 \("0xAbCd"\)/,
    );
  });

  it("distinct ids raise nothing, and exact duplicates stay an error with the first row", () => {
    const warnings: string[] = [];
    loadAccounts(file("fine.csv", "id,capacity\na,1\nb,2\nab,3\nA1,4\na1x,5\n"), { onWarning: (message) => warnings.push(message) });
    expect(warnings).toEqual([]);
    expect(() => loadAccounts(file("dup.csv", "id,capacity\nx,1\ny,2\nx,3\n"))).toThrow(/row 3, column id: expected a unique id; found "x", already the id of row 1/);
  });

  it("10^5 distinct ids: no false duplicate from the hash index (it grows several times)", () => {
    const n = 100_000;
    const rows = Array.from({ length: n }, (_, k) => `acct-${k},${k}`);
    const table = loadAccounts(file("many.csv", `id,capacity\n${rows.join("\n")}\n`), { onWarning: () => expect.unreachable() });
    expect(new Set(table.ids).size).toBe(n);
    expect(table.capacity[n - 1]).toBe(n - 1);
  });
});
