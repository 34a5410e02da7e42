/**
 * Bounded reads: a device, a FIFO, a directory or a file above the limit is refused with an error
 * naming the file, without reading more than limit + 1 bytes and without blocking on a pipe.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { InstanceError, ModelError, UsageError } from "../../src/errors.js";
import { checkRegularFile, describeBytes, inputLimit, readBoundedBytes, readBoundedText, INPUT_LIMIT_ENV } from "../../src/floor/io/bounded-read.js";
import { loadMapping } from "../../src/pipeline/instance/mapping.js";
import { loadModel } from "../../src/pipeline/model/parse.js";
import { readSpecText } from "../../src/pipeline/model/yaml-source.js";

const dir = mkdtempSync(join(tmpdir(), "adl-bounded-"));
const file = (name: string, content: string | Buffer): string => {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
};
const fifo = (name: string): string => {
  const path = join(dir, name);
  execFileSync("mkfifo", [path]);
  return path;
};

function caught(action: () => unknown): Error {
  try {
    action();
  } catch (error) {
    return error as Error;
  }
  throw new Error("no error");
}

describe("readBoundedText", () => {
  it("reads a regular file up to and including the limit", () => {
    const path = file("ten.txt", "0123456789");
    expect(readBoundedText(path, { what: "text file", limit: 10 })).toBe("0123456789");
    expect(readBoundedBytes(path, { what: "text file", limit: 1e6 }).length).toBe(10);
    expect(readBoundedText(file("empty.txt", ""), { what: "text file", limit: 10 })).toBe("");
  });

  it("refuses a file one byte over the limit, naming the file, the limit and how to raise it", () => {
    const path = file("eleven.txt", "0123456789A");
    const error = caught(() => readBoundedText(path, { what: "text file", limit: 10 }));
    expect(error).toBeInstanceOf(InstanceError);
    expect(error.message).toBe(`${path}: expected a text file of at most 10 bytes; found 11 bytes (set ADL_MAX_INPUT_BYTES to raise the limit)`);
  });

  it("refuses /dev/zero (endless) as a character device, in bounded memory", () => {
    const error = caught(() => readBoundedText("/dev/zero", { what: "model file", limit: 1 << 20, error: ModelError }));
    expect(error).toBeInstanceOf(ModelError);
    expect(error.message).toBe("/dev/zero: expected a regular model file; found a character device");
    expect(caught(() => checkRegularFile("/dev/zero", { what: "accounts file" })).message).toMatch(/found a character device/);
  });

  it("refuses a FIFO without waiting for a writer", () => {
    const path = fifo("pipe");
    expect(caught(() => readBoundedText(path, { what: "model file" })).message).toBe(`${path}: expected a regular model file; found a FIFO (named pipe)`);
    expect(caught(() => checkRegularFile(path, { what: "model file" })).message).toMatch(/FIFO/);
  });

  it("refuses a directory and a missing file with the usual words", () => {
    expect(caught(() => readBoundedText(dir, { what: "model file" })).message).toMatch(/expected a regular model file; found a directory|expected a readable model file; found a directory/);
    expect(caught(() => readBoundedText(join(dir, "nope.yaml"), { what: "model file" })).message).toMatch(/expected a readable model file; found no such file/);
    expect(caught(() => checkRegularFile(join(dir, "nope.yaml"), { what: "model file" })).message).toMatch(/found no such file/);
  });

  it("checkRegularFile returns the size and refuses a file above the limit", () => {
    const path = file("five.txt", "12345");
    expect(checkRegularFile(path, { what: "text file", limit: 5 })).toBe(5);
    expect(caught(() => checkRegularFile(path, { what: "text file", limit: 4 })).message).toMatch(/at most 4 bytes; found 5 bytes/);
  });
});

describe("inputLimit", () => {
  it("reads ADL_MAX_INPUT_BYTES in bytes or with a K/M/G suffix, else the fallback", () => {
    expect(inputLimit(7, {})).toBe(7);
    expect(inputLimit(7, { [INPUT_LIMIT_ENV]: "1000" })).toBe(1000);
    expect(inputLimit(7, { [INPUT_LIMIT_ENV]: "256M" })).toBe(256 * 1024 * 1024);
    expect(inputLimit(7, { [INPUT_LIMIT_ENV]: "2GiB" })).toBe(2 * 1024 ** 3);
    expect(inputLimit(7, { [INPUT_LIMIT_ENV]: "64k" })).toBe(64 * 1024);
  });

  it.each(["0", "-5", "1.5", "lots", "12 T", "1e9"])("refuses %j with a UsageError naming the variable", (value) => {
    const error = caught(() => inputLimit(7, { [INPUT_LIMIT_ENV]: value }));
    expect(error).toBeInstanceOf(UsageError);
    expect(error.message).toMatch(/^ADL_MAX_INPUT_BYTES: expected a positive whole number of bytes/);
  });

  it("describes byte counts for people", () => {
    expect(describeBytes(1)).toBe("1 byte");
    expect(describeBytes(64 * 1024 * 1024)).toBe("64 MiB");
    expect(describeBytes(1536)).toBe("1.5 KiB");
  });
});

describe("spec files are read bounded", () => {
  it("a model path of /dev/zero or a FIFO is a ModelError, not an endless read", () => {
    expect(caught(() => loadModel("/dev/zero"))).toBeInstanceOf(ModelError);
    expect(caught(() => loadModel("/dev/zero")).message).toMatch(/expected a regular model file \(YAML or JSON\); found a character device/);
    expect(caught(() => loadModel(fifo("model-pipe"))).message).toMatch(/FIFO/);
  });

  it("the limit comes from ADL_MAX_INPUT_BYTES when set", () => {
    const path = file("model.yaml", "name: x\nobjective: { kind: sparsity }\n");
    const saved = process.env[INPUT_LIMIT_ENV];
    try {
      process.env[INPUT_LIMIT_ENV] = "16";
      expect(caught(() => readSpecText(path, "model")).message).toMatch(/expected a model file \(YAML or JSON\) of at most 16 bytes; found 38 bytes/);
      expect(caught(() => loadMapping(path))).toBeInstanceOf(InstanceError);
    } finally {
      if (saved === undefined) delete process.env[INPUT_LIMIT_ENV];
      else process.env[INPUT_LIMIT_ENV] = saved;
    }
    expect(readSpecText(path, "model")).toMatch(/^name: x/);
  });

  it("a byte-order mark is still removed from spec files", () => {
    expect(readSpecText(file("bom.yaml", "\uFEFFname: x\n"), "model")).toBe("name: x\n");
  });
});
