/**
 * The fused fast path for plain CSV records (src/pipeline/instance/plain-records.ts) against two
 * references that share none of its code: the general record-by-record reader (`fastPath: false`,
 * with every check and placed error) and csv-parse with Number() per cell. On fuzzed files — plain
 * and quoted cells, spaces, bad numbers, upper-case, Unicode and duplicate ids, blank lines, CRLF and
 * lone CR, short and long records, cut by tiny read chunks — both readers must give the same ids, the
 * same columns bit for bit, and the same error message.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "csv-parse/sync";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import type { AccountTable } from "../../src/domain.js";
import { InstanceError } from "../../src/errors.js";
import { loadAccounts, loadPositions } from "../../src/pipeline/instance/load.js";
import { longDecimal } from "../../src/pipeline/instance/plain-records.js";
import { bindWave } from "../../src/pipeline/bind/bind.js";
import { loadModel } from "../../src/pipeline/model/parse.js";
import { solveWave } from "../../src/pipeline/solve/solve.js";
import { verifyAllocation } from "../../src/pipeline/verify/verify.js";

const scratch = mkdtempSync(join(tmpdir(), "adl-plain-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

let files = 0;
function file(text: string): string {
  const path = join(scratch, `${files++}.csv`);
  writeFileSync(path, text);
  return path;
}

/** Number cells as exports write them, and the near misses the general reader must judge. */
const numberCell = fc.oneof(
  { weight: 6, arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true, min: 0, max: 1e7 }).map((x) => String(x)) },
  { weight: 3, arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true, min: 0, max: 1e12 }).map((x) => x.toFixed(2)) },
  { weight: 2, arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true, min: 0, max: 1e6 }).map((x) => x.toPrecision(17)) },
  { weight: 2, arbitrary: fc.nat(1_000).map(String) },
  {
    weight: 3,
    arbitrary: fc
      .tuple(fc.constantFrom("", "+", "-", "00"), fc.nat(99_999_999), fc.nat(99_999), fc.constantFrom("", "e0", "E-3", "e+21", "e-22", "e23", "e-330", "e300", "e400"))
      .map(([sign, int, frac, exp]) => `${sign}${int}.${String(frac).padStart(5, "0")}${exp}`),
  },
  {
    weight: 2,
    arbitrary: fc.constantFrom("0", "-0", ".5", "5.", "+.5", "1e22", "1e-22", "9007199254740993", "123456789012345678901234567890", "0.1", " 7", "7 ", "\t3", "", "-1", "1e", "e5", "0x10", "1,5", '"4.5"', '"x"', "abc", "Infinity", "2.5.1", "1e5.5", "\u00a012"),
  },
);

/** Ids: mostly plain, with every kind the index and the general reader treat apart. */
const idCell = fc.oneof(
  { weight: 8, arbitrary: fc.nat(40).map((k) => `acct-${k}`) },
  { weight: 1, arbitrary: fc.nat(40).map((k) => `ACCT-${k}`) },
  { weight: 1, arbitrary: fc.constantFrom("名前-α", "café", "cafe\u0301", " spaced", "trail ", "", "  ", '"quoted, id"', '"say ""hi"""', "x\ty", "0xAbCdEf0123456789aBcDeF0123456789abcdef01") },
);

const lineBreak = fc.constantFrom("\n", "\n", "\n", "\r\n", "\r");

interface Table {
  header: string;
  rows: string[];
  breaks: string[];
}

/** Cells every rule admits, for files that load. */
const goodNumberCell = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true, min: 1e-9, max: 1e7 }).map((x) => String(x)),
  fc.double({ noNaN: true, noDefaultInfinity: true, min: 0.01, max: 1e12 }).map((x) => x.toFixed(2)),
  fc.double({ noNaN: true, noDefaultInfinity: true, min: 1e-6, max: 1e6 }).map((x) => x.toPrecision(17)),
  fc.integer({ min: 1, max: 1_000 }).map(String),
  fc.constantFrom("1e22", "1e-22", "9007199254740993", "0.1", "5.", ".5", "+2.5E+3"),
);

/** A lots cell from a number cell: whole and in range for files that load, anything otherwise. */
function lotsCell(number: string, shapes: boolean): string {
  const whole = Math.trunc(Math.abs(Number(number)));
  return shapes ? String(whole || number) : String(Number.isFinite(whole) ? whole % 100_000 : 3);
}

/**
 * A CSV with id, capacity and three more numeric columns (one of them lots), in a shuffled column
 * order; `shapes` adds short, long and blank records.
 */
function tableOf(numbers: fc.Arbitrary<string>, ids: fc.Arbitrary<string>, shapes: boolean): fc.Arbitrary<Table> {
  return fc
  .tuple(
    fc.shuffledSubarray(["risk_weight", "lots", "x"]),
    fc.nat(4),
    fc.nat(4),
    fc.array(
      fc.tuple(ids, fc.array(numbers, { minLength: 4, maxLength: 4 }), shapes ? fc.constantFrom(0, 0, 0, 0, 0, 0, 1, -1, 99) : fc.constant(0)),
      { minLength: 1, maxLength: 30 },
    ),
  )
  .chain(([numeric, capacityAt, idAt, records]) => {
    const columns = [...numeric];
    // Capacity is required: a file without it fails before any record is read.
    columns.splice(Math.min(capacityAt, columns.length), 0, "capacity");
    columns.splice(Math.min(idAt, columns.length), 0, "id");
    const rows = records.map(([id, numbers, widthChange], k) => {
      if (widthChange === 99) return "";
      const cells = columns.map((name, c) => (name === "id" ? (shapes ? id : `${id}-${k}`) : name === "lots" ? lotsCell(numbers[c % 4]!, shapes) : numbers[c % 4]!));
      if (widthChange === 1) cells.push("9");
      if (widthChange === -1) cells.pop();
      return cells.join(",");
    });
    return fc.array(lineBreak, { minLength: rows.length + 1, maxLength: rows.length + 1 }).map((breaks) => ({ header: columns.join(","), rows, breaks }));
  });
}

const table = tableOf(numberCell, idCell, true);
const goodTable = tableOf(goodNumberCell, fc.oneof(fc.constant("acct"), fc.constant("ACCT"), fc.constant("名前")), false);

function text({ header, rows, breaks }: Table, trailing: boolean): string {
  return `${header}${breaks[0]}${rows.map((row, k) => `${row}${k < rows.length - 1 || trailing ? breaks[k + 1] : ""}`).join("")}`;
}

type Outcome = { ok: true; table: AccountTable } | { ok: false; message: string };

function outcome(path: string, options: Parameters<typeof loadAccounts>[1]): Outcome {
  try {
    return { ok: true, table: loadAccounts(path, { onWarning: () => undefined, ...options }) };
  } catch (error) {
    if (!(error instanceof InstanceError)) throw error;
    return { ok: false, message: error.message };
  }
}

function sameTable(a: AccountTable, b: AccountTable): void {
  expect(a.ids).toEqual(b.ids);
  expect([...a.columns.keys()]).toEqual([...b.columns.keys()]);
  for (const [name, column] of a.columns) {
    const other = b.columns.get(name)!;
    expect(column.length).toBe(other.length);
    column.forEach((value, i) => expect(Object.is(value, other[i]), `${name}[${i}]: ${value} vs ${other[i]}`).toBe(true));
  }
}

describe("the fast path for plain records", () => {
  it("gives the general reader's ids, columns (same bits) and errors on fuzzed CSVs, cut by any chunk size", () => {
    fc.assert(
      fc.property(table, fc.boolean(), fc.constantFrom(undefined, 1, 3, 7, 16, 64), fc.boolean(), (generated, trailing, chunkBytes, strictIds) => {
        const path = file(text(generated, trailing));
        const options = { ...(chunkBytes !== undefined ? { chunkBytes } : {}), strictIds };
        const fast = outcome(path, options);
        const general = outcome(path, { ...options, fastPath: false });
        if (!general.ok) {
          expect(fast.ok).toBe(false);
          if (!fast.ok) expect(fast.message).toBe(general.message);
        } else {
          expect(fast.ok, fast.ok ? "" : fast.message).toBe(true);
          if (fast.ok) sameTable(fast.table, general.table);
        }
      }),
      { numRuns: 400 },
    );
  });

  it("a file the general reader accepts loads as csv-parse and Number() read it", () => {
    fc.assert(
      fc.property(goodTable, (generated) => {
        const source = text(generated, true);
        const path = file(source);
        const loaded = outcome(path, {});
        expect(loaded.ok, loaded.ok ? "" : loaded.message).toBe(true);
        if (!loaded.ok) return;
        const records = parse(source, { bom: true, skip_empty_lines: true, record_delimiter: ["\r\n", "\n", "\r"] }) as string[][];
        const [header, ...rows] = records;
        expect(loaded.table.ids).toEqual(rows.map((row) => row[header!.indexOf("id")]));
        header!.forEach((name, c) => {
          if (name === "id") return;
          const column = loaded.table.columns.get(name)!;
          rows.forEach((row, i) => expect(Object.is(column[i], Number(row[c])), `${name}[${i}] ${JSON.stringify(row[c])}`).toBe(true));
        });
      }),
      { numRuns: 300 },
    );
  });

  it("hands back to the general reader mid-file and takes over again: the error after plain records is placed", () => {
    const plain = Array.from({ length: 50 }, (_, k) => `a${k},${k}.25,1`);
    const path = file(`id,capacity,risk_weight\n${plain.join("\n")}\n"quoted",1,1\nb,2,1\nc,-3,1\n`);
    expect(() => loadAccounts(path)).toThrow(/row 53, column capacity: expected a finite number >= 0; found "-3" \(line 54 of the file\)/);
    const duplicate = file(`id,capacity\n${plain.map((row) => row.slice(0, row.lastIndexOf(","))).join("\r\n")}\r\na7,1\r\n`);
    expect(() => loadAccounts(duplicate)).toThrow(/row 51, column id: expected a unique id; found "a7", already the id of row 8 \(line 52 of the file\)/);
  });

  it("columns sized by a short estimate grow under the fast path: the record past their room goes to the general reader", () => {
    // Long records first: the first chunk's records per byte make the estimate of rows 20 times too small.
    const long = Array.from({ length: 40 }, (_, k) => `${"w".repeat(200)}-${k},${k}.5,1e-3`);
    const short = Array.from({ length: 3_000 }, (_, k) => `s${k},${(k * 0.37).toFixed(2)},${k % 3 === 0 ? "-" : ""}${k}.125`);
    const path = file(`id,capacity,x\n${[...long, ...short].join("\n")}\n`);
    const fast = loadAccounts(path, { chunkBytes: 4_096 });
    const general = loadAccounts(path, { chunkBytes: 4_096, fastPath: false });
    sameTable(fast, general);
    expect(fast.capacity.length).toBe(3_040);
    expect(fast.columns.get("x")![3_039]).toBe(2_999.125);
  });

  it("17-digit and out-of-range numbers read as Number() reads them", () => {
    const cells = ["10110.289999999999", "0.30000000000000004", "1.7976931348623157e308", "5e-324", "123456789012345678", "4.9406564584124654e-324", "9007199254740993", "2.2250738585072014e-308"];
    const path = file(`id,capacity,x\n${cells.map((cell, k) => `r${k},1,${cell}`).join("\n")}\n`);
    const column = loadAccounts(path).columns.get("x")!;
    cells.forEach((cell, k) => expect(Object.is(column[k], Number(cell)), cell).toBe(true));
  });
});

/**
 * One written form of an id cell and the id it stands for. Plain ones take the fast path; the same
 * id quoted takes the general reader, so a duplicate can span the two paths; then the near misses
 * (case, spaces, NFC), non-ASCII ids and quoted ids with a comma, a quote or a line break in them.
 */
const idForms = fc.oneof(
  { weight: 6, arbitrary: fc.nat(12).map((k) => ({ cell: `acct-${k}`, id: `acct-${k}` })) },
  { weight: 2, arbitrary: fc.nat(12).map((k) => ({ cell: `"acct-${k}"`, id: `acct-${k}` })) },
  { weight: 1, arbitrary: fc.nat(12).map((k) => ({ cell: `ACCT-${k}`, id: `ACCT-${k}` })) },
  { weight: 1, arbitrary: fc.nat(12).map((k) => ({ cell: `" acct-${k}"`, id: ` acct-${k}` })) },
  { weight: 1, arbitrary: fc.nat(12).map((k) => ({ cell: `acct-${k}-é`, id: `acct-${k}-é` })) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      { cell: "café", id: "café" },
      { cell: "cafe\u0301", id: "cafe\u0301" },
      { cell: "CAFÉ", id: "CAFÉ" },
      { cell: '"caf\u00e9"', id: "café" },
      { cell: '"acct,1"', id: "acct,1" },
      { cell: '"acct\n1"', id: "acct\n1" },
      { cell: '"ACCT\r\n2"', id: "ACCT\r\n2" },
      { cell: '"say ""hi"""', id: 'say "hi"' },
      { cell: "名前", id: "名前" },
      { cell: "0xAbCdEf0123456789aBcDeF0123456789abcdef01", id: "0xAbCdEf0123456789aBcDeF0123456789abcdef01" },
      { cell: "0xabcdef0123456789abcdef0123456789abcdef01", id: "0xabcdef0123456789abcdef0123456789abcdef01" },
    ),
  },
);

interface IdRecord {
  readonly cell: string;
  readonly id: string;
  /** A capacity the column's rule refuses ("-3"), or a good one. */
  readonly bad: boolean;
  readonly blankBefore: boolean;
}

/** Quoted text in messages is cut to `limit` characters, an ellipsis last. */
const clip = (text: string, limit = 60): string => (text.length > limit ? `${text.slice(0, limit - 1)}…` : text);

/** An id's near-duplicate key, as the README defines it (written here, not imported). */
const keyOf = (id: string): string => id.trim().normalize("NFC").toLowerCase();

/**
 * What loadAccounts must answer for a file of these records, worked out row by row from the
 * README's rules alone: the first error in file order (at one row, the id's checks come before the
 * cells'), with its exact message, or the ids and the near-duplicate warning.
 */
function expectedOf(path: string, records: readonly IdRecord[], strictIds: boolean): { error: string } | { ids: string[]; warning: string | undefined } {
  const first = new Map<string, number>();
  const firstOfKey = new Map<string, number>();
  const near: [number, number][] = [];
  let line = 1;
  const ids: string[] = [];
  for (const [k, record] of records.entries()) {
    const row = k + 1;
    line += (record.blankBefore ? 1 : 0) + 1 + (record.cell.match(/\r\n|\n|\r/g)?.length ?? 0);
    const at = `(line ${line} of the file)`;
    const earlier = first.get(record.id);
    if (earlier !== undefined) return { error: `${path} row ${row}, column id: expected a unique id; found ${clip(JSON.stringify(record.id))}, already the id of row ${earlier} ${at}` };
    first.set(record.id, row);
    const key = keyOf(record.id);
    const sameTrader = firstOfKey.get(key);
    if (sameTrader !== undefined) {
      near.push([sameTrader, row]);
      if (strictIds) {
        const [a] = near[0]!;
        return {
          error: `${path} row ${row}, column id: expected ids that differ in more than case, surrounding spaces or Unicode normalization (--strict-ids); found ${clip(JSON.stringify(record.id))}, the same trader as row ${a} (${clip(JSON.stringify(records[a - 1]!.id), 40)}) ${at}`,
        };
      }
    } else firstOfKey.set(key, row);
    if (record.bad) return { error: `${path} row ${row}, column capacity: expected a finite number >= 0; found "-3" ${at}` };
    ids.push(record.id);
  }
  const pairs = near.slice(0, 5).map(([a, b]) => `rows ${a} and ${b} (${clip(JSON.stringify(records[a - 1]!.id), 40)}, ${clip(JSON.stringify(records[b - 1]!.id), 40)})`);
  const warning =
    near.length === 0
      ? undefined
      : `${path}: ${near.length} ${near.length === 1 ? "id differs" : "ids differ"} from an earlier one only by case, surrounding spaces or Unicode normalization: ${pairs.join(", ")}${near.length > 5 ? ` and ${near.length - 5} more` : ""} (--strict-ids makes this an error)`;
  return { ids, warning };
}

describe("the id column: bytes on both paths, strings on first read", () => {
  const records = fc.array(
    fc.record({ form: idForms, bad: fc.constantFrom(false, false, false, false, false, false, false, false, false, true), blankBefore: fc.constantFrom(false, false, false, false, true) }),
    { minLength: 1, maxLength: 40 },
  );

  it("duplicates across the fast path and the general reader, near-duplicates and the first error in file order, as the rules say", () => {
    fc.assert(
      fc.property(records, fc.constantFrom("\n", "\r\n"), fc.constantFrom(undefined, 5, 64), fc.boolean(), fc.boolean(), (generated, lineBreak, chunkBytes, strictIds, fastPath) => {
        const rows: IdRecord[] = generated.map(({ form, bad, blankBefore }) => ({ ...form, bad, blankBefore }));
        const source = `id,capacity,x${lineBreak}${rows.map((r) => `${r.blankBefore ? lineBreak : ""}${r.cell},${r.bad ? "-3" : "12.5"},1${lineBreak}`).join("")}`;
        const path = file(source);
        const expected = expectedOf(path, rows, strictIds);
        const warnings: string[] = [];
        let loaded: AccountTable | undefined;
        let message: string | undefined;
        try {
          loaded = loadAccounts(path, { strictIds, fastPath, onWarning: (warning) => warnings.push(warning), ...(chunkBytes !== undefined ? { chunkBytes } : {}) });
        } catch (error) {
          if (!(error instanceof InstanceError)) throw error;
          message = error.message;
        }
        if ("error" in expected) expect(message).toBe(expected.error);
        else {
          expect(message, message).toBeUndefined();
          expect(loaded!.ids).toEqual(expected.ids);
          expect(warnings).toEqual(expected.warning === undefined ? [] : [expected.warning]);
        }
      }),
      { numRuns: 500 },
    );
  });

  it("JSON ids, lone surrogates included, are kept as written and told apart", () => {
    const path = join(scratch, `${files++}.json`);
    // A lone surrogate is not U+FFFD (which UTF-8 would make of it): the bytes keep them apart.
    const ids = ["\ud800", "\ud801", "x\udc00", "😀", "\ud83d", "é", "\ufffd", "x\ufffd", "7"];
    writeFileSync(path, JSON.stringify(ids.map((id, k) => ({ id: k === ids.length - 1 ? 7 : id, capacity: 1 }))));
    expect(loadAccounts(path).ids).toEqual(ids);
    writeFileSync(path, JSON.stringify([{ id: "\ud800", capacity: 1 }, { id: "\ud800", capacity: 1 }]));
    expect(() => loadAccounts(path)).toThrow(/row 2, column id: expected a unique id; found "\\ud800", already the id of row 1 \(element \[1\]\)/);
  });

  it("table.ids is made on first read, once, and is the general reader's; spread, frozen and unread tables still work", async () => {
    const lines = Array.from({ length: 3_000 }, (_, k) => (k % 7 === 3 ? `"quoted-${k}"` : k % 11 === 5 ? `ACCOUNT-${k}-é` : `acct-${k}`));
    const path = file(`id,capacity\n${lines.map((id, k) => `${id},${(k % 13) + 0.5}`).join("\n")}\n`);
    const table = loadAccounts(path);
    const descriptor = Object.getOwnPropertyDescriptor(table, "ids")!;
    expect(descriptor.get, "not made before it is read").toBeDefined();
    const reference = loadAccounts(path, { fastPath: false });
    const ids = table.ids;
    expect(ids).toEqual(reference.ids);
    expect(ids).toEqual(lines.map((cell) => cell.replaceAll('"', "")));
    expect(table.ids).toBe(ids);
    expect(Object.getOwnPropertyDescriptor(table, "ids")!.value).toBe(ids);
    // A spread carries them (making them if need be), and so does a table frozen before its ids were read.
    expect({ ...loadAccounts(path) }.ids).toEqual(ids);
    const frozen = Object.freeze(loadAccounts(path));
    expect(frozen.ids).toEqual(ids);
    expect(frozen.ids).toBe(frozen.ids);
    expect(Object.keys(table)).toEqual(["file", "ids", "capacity", "columns"]);

    // Bound and solved without anyone reading the ids first: whatever needs them makes them.
    const unread = loadAccounts(path);
    const wave = bindWave(loadModel("models/pro-rata.yaml"), { accounts: unread }, { budget: 1_000 });
    const result = await solveWave(wave, { path: "auto" });
    expect(result.status).toBe("optimal");
    expect(verifyAllocation(wave, result.allocation!).ok).toBe(true);
    expect(wave.ids).toEqual(ids);
  });
});

describe("the positions fast path", () => {
  const accountsFile = file(`id,capacity\n${[...Array.from({ length: 10 }, (_, k) => `acct-${k}`), "ACCT-X", "é-1", '" sp"', '"q,1"'].map((id) => `${id},5`).join("\n")}\n`);
  const accounts = loadAccounts(accountsFile);
  const accountCell = fc.oneof(
    { weight: 8, arbitrary: fc.nat(9).map((k) => `acct-${k}`) },
    { weight: 2, arbitrary: fc.constantFrom("ACCT-X", "é-1", " sp", '"q,1"', '"acct-3"', "acct-99", "Acct-1", "", "  ", "acct-1 ") },
  );
  const marketCell = fc.constantFrom("BTC", "BTC", "ETH", "SOL", "", '"BTC"', "ÄTH", '"a,b"', "btc");
  const lotValueCell = fc.oneof({ weight: 8, arbitrary: goodNumberCell }, { weight: 1, arbitrary: fc.constantFrom("0", "-1", "abc", " 7", "1e400", "") });
  const lotsCellOf = fc.oneof({ weight: 8, arbitrary: fc.nat(1_000).map(String) }, { weight: 1, arbitrary: fc.constantFrom("1.5", "-1", "2147483648", "1e3", "x", "") });
  const positions = fc.array(fc.tuple(accountCell, marketCell, lotValueCell, lotsCellOf, fc.constantFrom(false, false, false, false, false, false, true)), { minLength: 1, maxLength: 30 });

  it("gives the general reader's positions (same columns, same markets) and errors, with or without a market column", () => {
    fc.assert(
      fc.property(positions, fc.boolean(), fc.constantFrom("\n", "\r\n"), fc.constantFrom(undefined, 5, 64), (records, withMarket, lineBreak, chunkBytes) => {
        const header = withMarket ? "account_id,market,lot_value,lots,note" : "lots,account_id,lot_value";
        const rows = records.map(([account, market, value, lots, blank]) => `${blank ? lineBreak : ""}${withMarket ? `${account},${market},${value},${lots},x` : `${lots},${account},${value}`}`);
        const path = file(`${header}${lineBreak}${rows.join(lineBreak)}${lineBreak}`);
        const options = chunkBytes !== undefined ? { chunkBytes } : {};
        const read = (fastPath: boolean) => {
          try {
            const table = loadPositions(path, accounts, undefined, { ...options, fastPath });
            return { ok: true as const, table };
          } catch (error) {
            if (!(error instanceof InstanceError)) throw error;
            return { ok: false as const, message: error.message };
          }
        };
        const fast = read(true);
        const general = read(false);
        expect(fast.ok ? "loaded" : fast.message).toBe(general.ok ? "loaded" : general.message);
        if (!fast.ok || !general.ok) return;
        expect([...fast.table.account]).toEqual([...general.table.account]);
        expect([...fast.table.lots]).toEqual([...general.table.lots]);
        expect(fast.table.market).toEqual(general.table.market);
        fast.table.lotValue.forEach((v, i) => expect(Object.is(v, general.table.lotValue[i])).toBe(true));
        // And as csv-parse and Number() read the file.
        const parsed = (parse(readFileSync(path), { skip_empty_lines: true }) as string[][]).slice(1);
        const at = (name: string) => header.split(",").indexOf(name);
        expect([...fast.table.account]).toEqual(parsed.map((row) => accounts.ids.indexOf(row[at("account_id")]!)));
        expect([...fast.table.lots]).toEqual(parsed.map((row) => Number(row[at("lots")])));
        parsed.forEach((row, i) => expect(Object.is(fast.table.lotValue[i], Number(row[at("lot_value")]))).toBe(true));
        expect(fast.table.market).toEqual(parsed.map((row) => (withMarket ? row[at("market")]! : "")));
      }),
      { numRuns: 400 },
    );
  });

  it("one string per market, and a table built in code with a repeated id keeps its last row", () => {
    const path = file(`account_id,market,lot_value,lots\n${Array.from({ length: 5_000 }, (_, k) => `acct-${k % 10},${["BTC", "ETH"][k % 2]},1.5,${k}`).join("\n")}\n`);
    const table = loadPositions(path, accounts);
    expect(table.market[0]).toBe("BTC");
    expect(new Set(table.market).size).toBe(2);
    expect(table.lots[4_999]).toBe(4_999);
    // As before the byte index: a Map of the ids, where the last of two equal ids wins.
    const repeated: AccountTable = { file: "code", ids: ["acct-1", "acct-2", "acct-1"], capacity: new Float64Array(3), columns: new Map() };
    const small = file("account_id,lot_value,lots\nacct-1,1,1\nacct-2,1,1\n");
    expect([...loadPositions(small, repeated).account]).toEqual([2, 1]);
  });
});

describe("long decimals proven nearest in exact arithmetic", () => {
  /** longDecimal on a decimal's parts as the scanners hand them over: the mantissa's bytes, the power of ten, the sign. */
  function long(text: string): number {
    const [, sign, mantissa, power] = /^([+-]?)([0-9.]+)(?:[eE]([+-]?\d+))?$/.exec(text)!;
    const point = mantissa!.indexOf(".");
    const fraction = point === -1 ? 0 : mantissa!.length - point - 1;
    const bytes = Buffer.from(mantissa!);
    return longDecimal(bytes, 0, bytes.length, Number(power ?? 0) - fraction, sign === "-");
  }

  /** longDecimal's answer is Number()'s (same bits), or NaN where it declines and parseFloat decides. */
  function agrees(text: string): boolean {
    const value = long(text);
    return Number.isNaN(value) || Object.is(value, Number(text));
  }

  it("17 to 24 significant digits, any point position, either sign: never a different double", () => {
    const digits = fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 16, maxLength: 23 });
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 9 }), digits, fc.nat(24), fc.boolean(), (lead, rest, pointAt, negative) => {
        const m = `${lead}${rest.join("")}`;
        const at = Math.min(pointAt, m.length);
        const text = `${negative ? "-" : ""}${at === 0 ? `0.${m}` : `${m.slice(0, at)}.${m.slice(at)}`}`;
        expect(agrees(text), text).toBe(true);
      }),
      { numRuns: 20_000 },
    );
  });

  it("doubles printed to 17 digits, halfway cases and powers of two: the same double or a decline", () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true, min: 1e-6, max: 1e15 }), (x) => {
        const text = x.toPrecision(17);
        expect(agrees(text), text).toBe(true);
        // The decimal halfway between x and its neighbour above, to 24 digits: a near-tie.
        const halfway = (x + (x * Number.EPSILON) / 2).toPrecision(21);
        expect(agrees(halfway), halfway).toBe(true);
      }),
      { numRuns: 5_000 },
    );
    for (const text of ["1.2345678901234567e-5", "-98765432109876543e-20", "9007199254740993", "9007199254740992.5", "4503599627370496.5", "1024.0000000000000001", "0.10000000000000000555", "1.00000000000000011102230246251565", "0.30000000000000004", "10110.289999999999"]) {
      expect(agrees(text), text).toBe(true);
    }
    // The common case is proven, not declined: 17-digit sums as they print.
    expect(long("10110.289999999999")).toBe(10110.289999999999);
    expect(long("-0.30000000000000004")).toBe(-0.30000000000000004);
  });
});
