/**
 * Spec-schema validators compiled at build time (scripts/build.mjs → dist/schemas/*.cjs, ajv's
 * standalone code): the compiled CLI validates a model without loading ajv's compiler, about 100 ms
 * of start-up. Used only when the schema object and the ajv options are the ones the validator was
 * built from (digest and options compared); otherwise, and when running from src/ (tests), the
 * caller compiles with ajv as before.
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { ValidateFunction } from "ajv";

interface IndexEntry {
  readonly file: string;
  readonly digest: string;
  readonly options: unknown;
}

let index: Record<string, IndexEntry> | null | undefined;

/**
 * The build's validator for `schema` compiled with `options`, or undefined when there is none that
 * matches (no dist/schemas beside this module, another schema $id, a changed schema or options).
 * O(size of the schema) for the digest.
 */
export function precompiledValidator(schema: object, options: object): ValidateFunction | undefined {
  const id = (schema as { $id?: unknown }).$id;
  if (typeof id !== "string") return undefined;
  if (index === undefined) {
    const file = new URL("../../schemas/index.json", import.meta.url);
    index = existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as Record<string, IndexEntry>) : null;
  }
  const entry = index?.[id];
  if (!entry || JSON.stringify(entry.options) !== JSON.stringify(options)) return undefined;
  if (createHash("sha256").update(JSON.stringify(schema)).digest("hex") !== entry.digest) return undefined;
  return createRequire(import.meta.url)(`../../schemas/${entry.file}`) as ValidateFunction;
}
