/**
 * `map:` on an experiment's accounts scenario: the run over an export with a mapping gives the same
 * result rows as the run over the file `adl map` writes from it (the mapping applied once, by a
 * different path); the mapping file is one of the run's hashed inputs; misuse is an error at the key.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { accountsCsv } from "../../src/cli/map.js";
import { ModelError } from "../../src/errors.js";
import { loadExperiment, parseExperiment } from "../../src/tools/experiments/experiment.js";
import { loadAccounts } from "../../src/pipeline/instance/load.js";
import { loadMapping } from "../../src/pipeline/instance/mapping.js";
import { RUN_FILES, defaultRunDir, runExperiment } from "../../src/tools/run/runner.js";
import { readRows } from "../../src/tools/run/store.js";
import type { JobRow, RunManifest } from "../../src/floor/records/row.js";

const scratch = mkdtempSync(join(tmpdir(), "adl-exp-map-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
const quiet = { progress: "none" as const, log: () => undefined };
const models = resolve("models");

function file(name: string, text: string): string {
  const path = join(scratch, name);
  writeFileSync(path, text);
  return path;
}

file("export.csv", "user,equity_usd,upnl_usd,time\n0xa,120,20,t1\n0xb,50,50,t2\n0xc,10,0,t3\n0xd,75.5,0.25,t4\n");
file("map.yaml", 'accounts: { id: user, capacity: equity_usd, gains: upnl_usd }\nderive: { principal: "equity_usd - upnl_usd" }\n');

const experiment = (name: string, scenario: string): string =>
  file(
    `${name}.yaml`,
    `name: ${name}
scenarios:
  - name: venue
${scenario}
    budget: { share: [0.2, 0.9] }
mechanisms:
  - model: ${models}/pro-rata.yaml
  - model: ${models}/profits-first.yaml
  - heuristic: queue:capacity
frontier: { maxAccounts: [1, 2], waves: 1 }
exposure: { accounts: 1, steps: 2 }
`,
  );

/** Rows without wall times, sorted. */
function content(dir: string): string[] {
  return readRows<JobRow>(join(dir, RUN_FILES.results))
    .map(({ seconds: _seconds, ...row }) => JSON.stringify(row))
    .sort();
}

describe("map: on an accounts scenario", () => {
  it("runs over the export as the mapped file would", async () => {
    const mapped = experiment("mapped", "    accounts: export.csv\n    map: map.yaml");
    writeFileSync(join(scratch, "premapped.csv"), accountsCsv(loadAccounts(join(scratch, "export.csv"), { mapping: loadMapping(join(scratch, "map.yaml")) })));
    const plain = experiment("plain", "    accounts: premapped.csv");
    const a = await runExperiment(mapped, { out: join(scratch, "run-mapped"), workers: 1, ...quiet });
    const b = await runExperiment(plain, { out: join(scratch, "run-plain"), workers: 1, ...quiet });
    expect(a.failed).toBe(0);
    expect(b.failed).toBe(0);
    const rows = content(a.dir);
    expect(rows.length).toBe(6);
    expect(rows).toEqual(content(b.dir));
    // The profits-first rows saw the derived principal and the renamed gains: 4 accounts, B = 0.2 × 255.5.
    const pf = readRows<JobRow>(join(a.dir, RUN_FILES.results)).find((row) => row.job === "venue/s1/share0.2|profits-first")!;
    expect(pf.status).toBe("optimal");
    expect(pf.budget).toBeCloseTo(0.2 * 255.5, 9);
    const manifest = JSON.parse(readFileSync(join(a.dir, RUN_FILES.manifest), "utf8")) as RunManifest;
    expect(manifest.inputs.map((input) => input.file.split("/").pop())).toContain("map.yaml");
    expect(manifest.resultsDigest).toBe((JSON.parse(readFileSync(join(b.dir, RUN_FILES.manifest), "utf8")) as RunManifest).resultsDigest);
  });

  it("a changed mapping is a different run (its own folder by default)", () => {
    file("map2.yaml", "accounts: { id: user, capacity: equity_usd }\n");
    const mapped = experiment("mapped2", "    accounts: export.csv\n    map: map2.yaml");
    const before = defaultRunDir(loadExperiment(mapped), null);
    expect(defaultRunDir(loadExperiment(mapped), null)).toBe(before);
    file("map2.yaml", "accounts: { id: user, capacity: upnl_usd }\n");
    expect(defaultRunDir(loadExperiment(mapped), null)).not.toBe(before);
  });

  function errorOf(scenario: string): ModelError {
    try {
      parseExperiment(readFileSync(experiment("bad", scenario), "utf8"), join(scratch, "bad.yaml"));
    } catch (error) {
      if (error instanceof ModelError) return error;
      throw error;
    }
    throw new Error("parsed");
  }

  it("is an error at its key when there is no accounts file, when the file is missing, and names the mapping's own line when broken", () => {
    expect(errorOf("    generate: { n: 10 }\n    map: map.yaml").message).toMatch(/bad\.yaml:5:5 {2}scenarios\[0\]\.map: expected map together with accounts \(it renames an accounts file's columns\); found a generate scenario/);
    expect(errorOf("    accounts: export.csv\n    map: nowhere.yaml").message).toMatch(/bad\.yaml:5:10 {2}scenarios\[0\]\.map: expected a readable column mapping file \(relative to the experiment file\); found nowhere\.yaml: /);
    file("broken.yaml", "acounts: { id: user }\n");
    try {
      parseExperiment(readFileSync(experiment("bad", "    accounts: export.csv\n    map: broken.yaml"), "utf8"), join(scratch, "bad.yaml"));
      throw new Error("parsed");
    } catch (error) {
      expect((error as Error).message).toMatch(/broken\.yaml:1:1.*expected one of the keys accounts, positions, derive, scale, keep; found "acounts" \(did you mean "accounts"\?\)/);
    }
  });
});
