/**
 * `--json` answers written in pieces. The text is exactly JSON.stringify(value) for plain data
 * (objects, arrays, strings, numbers, booleans, null, toJSON), but it is produced member by member
 * and array element by element into chunks of about CHUNK_CHARS (32 Ki characters), so no single string ever holds
 * the whole answer: 10^7 accounts' allocation was a 501 MB string, 93% of V8's largest.
 */

/**
 * Characters gathered before a chunk is handed to the writer: 32 Ki, so a chunk (at most 64 KiB
 * even as two-byte text) stays below V8's large-object size. Chunks of 1 MiB lived in the
 * large-object space until a full collection: ~50 MB of written text held at 10^6 rows.
 */
const CHUNK_CHARS = 1 << 15;

/** Receives one chunk; `false` means "wait for drain before the next" (as stream.write says). */
export type ChunkWriter = (chunk: string) => boolean | void;

/** Objects and arrays nested deeper than this are stringified whole (answer rows are small). */
const STREAM_DEPTH = 2;

/**
 * An array view may carry its element builder under this symbol (src/pipeline/solve/answer.ts's allocation
 * rows): the writer then calls it per element instead of indexing through the view (a Proxy get per
 * row cost ~0.7 µs, 0.5 s at 10^6 rows). The elements must be plain data without toJSON.
 */
export const ROW_BUILDER = Symbol.for("adl-workbench.rowBuilder");

/**
 * An array view may also carry, under this symbol, a function giving each element's JSON text
 * (exactly JSON.stringify of the element ROW_BUILDER builds): the writer then appends that text, with
 * no object per row and no JSON.stringify of it (about half the writer's time at 10^6 rows).
 */
export const ROW_TEXT = Symbol.for("adl-workbench.rowText");

/** `value` after its toJSON(key), as JSON.stringify sees it. */
function resolved(value: unknown, key: string): unknown {
  return value !== null && typeof value === "object" && typeof (value as { toJSON?: unknown }).toJSON === "function" ? (value as { toJSON: (key: string) => unknown }).toJSON(key) : value;
}

/** What JSON.stringify leaves out of an object (and writes as null in an array). */
function hasNoText(value: unknown): boolean {
  return value === undefined || typeof value === "function" || typeof value === "symbol";
}

/**
 * The chunks of JSON.stringify(value) + suffix, about CHUNK_CHARS each. Synchronous, so the per
 * element cost is a JSON.stringify of the element and an array push, not a promise.
 */
export function* jsonChunks(value: unknown, suffix = ""): Generator<string> {
  let pending: string[] = [];
  let size = 0;
  // Writes into `pending`; the generator yields whenever `size` passes a chunk.
  function* emit(item: unknown, depth: number): Generator<string> {
    if (item === null || typeof item !== "object" || depth >= STREAM_DEPTH) {
      const text = JSON.stringify(item) ?? "null";
      pending.push(text);
      size += text.length;
    } else if (Array.isArray(item)) {
      pending.push("[");
      const build = (item as { [ROW_BUILDER]?: unknown })[ROW_BUILDER];
      const rowAt = typeof build === "function" ? (build as (k: number) => unknown) : undefined;
      const textOf = (item as { [ROW_TEXT]?: unknown })[ROW_TEXT];
      // Rows as text when the view gives it (they are stringified whole at this depth anyway).
      const rowText = typeof textOf === "function" && depth + 1 >= STREAM_DEPTH ? (textOf as (k: number) => string) : undefined;
      for (let k = 0; k < item.length; k++) {
        if (k > 0) pending.push(",");
        if (rowText) {
          const text = rowText(k);
          pending.push(text);
          size += text.length;
        } else {
          const element = rowAt ? rowAt(k) : resolved(item[k], String(k));
          if (element !== null && typeof element === "object" && depth + 1 < STREAM_DEPTH) yield* emit(element, depth + 1);
          else {
            // A row: one JSON.stringify, no generator per element.
            const text = hasNoText(element) ? "null" : (JSON.stringify(element) ?? "null");
            pending.push(text);
            size += text.length;
          }
        }
        if (size >= CHUNK_CHARS) {
          yield pending.join("");
          pending = [];
          size = 0;
        }
      }
      pending.push("]");
    } else {
      pending.push("{");
      let first = true;
      for (const name of Object.keys(item)) {
        const member = resolved((item as Record<string, unknown>)[name], name);
        if (hasNoText(member)) continue;
        pending.push(first ? `${JSON.stringify(name)}:` : `,${JSON.stringify(name)}:`);
        first = false;
        yield* emit(member, depth + 1);
      }
      pending.push("}");
    }
  }
  const top = resolved(value, "");
  yield* emit(hasNoText(top) ? null : top, 0);
  pending.push(suffix);
  yield pending.join("");
}

/**
 * Writes JSON.stringify(value) + `suffix` through `write` in chunks of about 32 Ki characters, awaiting
 * `drain` whenever `write` returns false, so memory stays bounded by a chunk plus what the value
 * already holds. A value with no JSON text (undefined, a function) is written as null.
 * O(size of the text).
 */
export async function writeJson(value: unknown, write: ChunkWriter, drain: () => Promise<void> = async () => {}, suffix = ""): Promise<void> {
  for (const chunk of jsonChunks(value, suffix)) {
    if (chunk.length > 0 && write(chunk) === false) await drain();
  }
}
