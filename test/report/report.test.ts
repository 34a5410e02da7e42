import { spawnSync } from "node:child_process";
import { appendFileSync, cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "csv-parse/sync";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { reportCommand } from "../../src/cli/report.js";
import { InstanceError, UsageError } from "../../src/errors.js";
import { writeReport } from "../../src/tools/report/report.js";
import { closeBackends } from "../../src/pipeline/backends/robust.js";
import { writeFixtureRun, type Fixture } from "./fixture.js";
import { measureTextBoxes, overlaps } from "./text-boxes.js";

const CHARTS = [
  "frontier-maxaccounts-vs-maxfraction",
  "frontier-maxfraction-vs-touched",
  "lorenz",
  "fraction-by-capacity",
  "exposure",
  "overshoot-by-lot",
  "overshoot-by-horizon",
  "solve-time",
  "trilemma",
];
const TABLES = ["frontier-distance", "trilemma-all", "broken-promises", "verification", "mechanism-means"];

let root: string;
let fixture: Fixture;
let report: string;

function csv(file: string): Record<string, string>[] {
  return parse(readFileSync(join(report, "data", file), "utf8"), { columns: true, skip_empty_lines: true }) as Record<string, string>[];
}

/** A copy of the fixture's run folder without its report, to vary. */
function copyRun(name: string): string {
  const dir = join(root, name);
  cpSync(fixture.dir, dir, { recursive: true, filter: (source) => !source.includes(`${join(fixture.dir, "report")}`) });
  return dir;
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "adl-report-"));
  fixture = await writeFixtureRun(join(root, "run"));
  await closeBackends();
  const out: string[] = [];
  const code = await reportCommand(fixture.dir, { out: (text) => out.push(text) });
  expect(code).toBe(0);
  expect(out.join("")).toContain(join(fixture.dir, "report", "index.html"));
  report = join(fixture.dir, "report");
}, 120_000);

afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

describe("the fixture is realistic", () => {
  it("has the statuses and findings the report must show", () => {
    const statuses = new Set(fixture.jobs.map((j) => j.status));
    for (const status of ["optimal", "infeasible", "heuristic", "error"]) expect(statuses).toContain(status);
    expect(new Set(fixture.jobs.map((j) => j.mechanism)).size).toBeGreaterThanOrEqual(8);
    expect(fixture.jobs.some((j) => j.unexpected.length > 0)).toBe(true);
    expect(fixture.jobs.some((j) => j.certificate.broken.some((b) => b.promise === "profits-only"))).toBe(true);
    expect(fixture.jobs.some((j) => j.path === "mip:highs")).toBe(true);
  });

  it("places the MIP's K-limited min-max on the closed-form K frontier (two exact methods agree)", () => {
    const placements = fixture.frontier.filter((f) => f.frontier === "maxAccounts→maxFraction").flatMap((f) => f.placements.filter((p) => p.mechanism === "minmax-k[K=5]"));
    expect(placements.length).toBeGreaterThan(0);
    for (const p of placements) expect(Math.abs(p.distance!)).toBeLessThan(1e-6);
  });
});

describe("adl report on the fixture", () => {
  it("writes every chart as Vega-Lite, SVG and PNG, and its data as CSV and JSON", () => {
    for (const id of CHARTS) {
      const svg = readFileSync(join(report, "charts", `${id}.svg`), "utf8");
      expect(svg.startsWith("<svg"), id).toBe(true);
      expect(svg.length, id).toBeGreaterThan(5_000);
      const png = readFileSync(join(report, "charts", `${id}.png`));
      expect([...png.subarray(0, 8)], id).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
      expect(png.length, id).toBeGreaterThan(20_000);
      const spec = JSON.parse(readFileSync(join(report, "charts", `${id}.vl.json`), "utf8")) as { data?: unknown; config?: unknown };
      expect(spec.config, id).toBeDefined();
      expect(csv(`${id}.csv`).length, id).toBeGreaterThan(0);
      const json = JSON.parse(readFileSync(join(report, "data", `${id}.json`), "utf8")) as { rows: unknown[] };
      expect(json.rows.length, id).toBe(csv(`${id}.csv`).length);
    }
    for (const id of TABLES) expect(existsSync(join(report, "data", `${id}.csv`)), id).toBe(true);
  });

  it("writes solve times exactly as the jobs recorded them", () => {
    const rows = csv("solve-time.csv");
    const byJob = new Map(fixture.jobs.map((j) => [j.job, j]));
    expect(rows.length).toBe(fixture.jobs.filter((j) => j.seconds > 0).length);
    for (const row of rows) {
      const job = byJob.get(row.job!)!;
      expect(Number(row.seconds)).toBe(job.seconds);
      expect(Number(row.n)).toBe(job.n);
      expect(row.path).toBe(job.path);
    }
  });

  it("writes the Lorenz points, the exposure curves and the simulations row for row", () => {
    const lorenz = csv("lorenz.csv");
    const wave = lorenz[0]!.wave!;
    for (const mechanism of new Set(lorenz.map((r) => r.mechanism!))) {
      const job = fixture.jobs.filter((j) => j.wave === wave && j.mechanism === mechanism).sort((a, b) => (a.params.lotScale ?? 0) - (b.params.lotScale ?? 0))[0]!;
      const points = lorenz.filter((r) => r.mechanism === mechanism).map((r) => [Number(r.p), Number(r.share)]);
      expect(points).toEqual(job.lorenz.map(([p, l]) => [p, l]));
    }
    const exposure = csv("exposure.csv");
    const expected = fixture.exposure.filter((e) => e.wave === exposure[0]!.wave).flatMap((e) => e.points.map(([b, h]) => `${e.mechanism}|${e.account}|${b}|${h}`));
    expect(exposure.map((r) => `${r.mechanism}|${r.account}|${r.budget}|${r.haircut}`).sort()).toEqual(expected.sort());
    const horizons = csv("overshoot-by-horizon.csv");
    expect(horizons.length).toBe(fixture.simulations.reduce((s, r) => s + r.overshootByHorizon.length, 0));
    const simulated = new Set(fixture.simulations.flatMap((r) => r.overshootByHorizon.map((p) => `${r.scenario}|${r.seed}|${r.mechanism}|${p.horizon}|${p.overshootShare}`)));
    for (const r of horizons) expect(simulated.has(`${r.scenario}|${r.seed}|${r.mechanism}|${r.horizon}|${r.overshootShare}`)).toBe(true);
  });

  it("writes overshoot against lot scale from the jobs' metrics", () => {
    const rows = csv("overshoot-by-lot.csv");
    // Waves where a rule falls short of B (nothing can overshoot) are left out, and said so.
    const lotJobs = fixture.jobs.filter((j) => j.params.lotScale !== undefined && j.metrics !== null && !(j.metrics.shortfall > 0 && j.metrics.overshoot < 0));
    expect(rows.length).toBe(lotJobs.length);
    const expected = new Set(lotJobs.map((j) => `${j.wave}|${j.mechanism}|${j.params.lotScale}|${j.metrics!.overshootShare}`));
    for (const r of rows) expect(expected.has(`${r.wave}|${r.mechanism}|${r.value}|${r.overshootShare}`)).toBe(true);
  });

  it("writes the frontier curves and placements of the waves it draws", () => {
    const rows = csv("frontier-maxaccounts-vs-maxfraction.csv");
    for (const wave of new Set(rows.map((r) => r.wave!))) {
      const source = fixture.frontier.find((f) => f.wave === wave && f.frontier === "maxAccounts→maxFraction")!;
      const curve = rows.filter((r) => r.wave === wave && r.series === "frontier");
      expect(curve.map((r) => [Number(r.x), r.y === "" ? null : Number(r.y)])).toEqual(source.points.map((p) => [p.x, p.y]));
      const placed = rows.filter((r) => r.wave === wave && r.series === "mechanism");
      // Every placement is in the CSV (the chart draws the focus mechanisms).
      const byName = (a: (string | number | boolean)[], b: (string | number | boolean)[]): number => (String(a[0]) < String(b[0]) ? -1 : 1);
      expect(placed.map((r) => [r.mechanism!, Number(r.y), r.placement === "dominated"]).sort(byName)).toEqual(source.placements.map((p) => [p.mechanism, p.y, p.dominated]).sort(byName));
    }
  });

  it("computes the tables from the rows: means, broken promises, unexpected violations", () => {
    const means = csv("mechanism-means.csv");
    const proRata = fixture.jobs.filter((j) => j.mechanism === "queue:binance" && j.metrics);
    const expectedMean = proRata.reduce((s, j) => s + j.metrics!.maxFraction, 0) / proRata.length;
    expect(Number(means.find((r) => r.mechanism === "queue:binance")!.maxFraction)).toBeCloseTo(expectedMean, 12);
    expect(means.find((r) => r.mechanism === "queue:score(funding_rate)")!.answered).toBe("0");

    const broken = csv("broken-promises.csv");
    for (const job of fixture.jobs) {
      for (const b of job.certificate.broken) {
        const row = broken.find((r) => r.wave === job.wave && r.promise === b.promise && r.model === job.model && r.mechanisms!.split(", ").includes(job.mechanism));
        expect(row, `${job.job} ${b.promise}`).toBeDefined();
        expect(Number(row!.shortfall)).toBeCloseTo(b.need - b.have, 6);
      }
    }
    const verification = csv("verification.csv");
    const sloppy = verification.find((r) => r.mechanism === "pro-rata:round-nearest")!;
    expect(Number(sloppy.unexpectedJobs)).toBe(fixture.jobs.filter((j) => j.mechanism === "pro-rata:round-nearest" && j.unexpected.length > 0).length);
    expect(sloppy.unexpected).toBe("coverage");
    expect(verification.find((r) => r.mechanism === "queue:binance")!.unexpected).toBe("");
  });

  it("writes a self-contained index.html with the manifest facts and every chart inline", () => {
    const html = readFileSync(join(report, "index.html"), "utf8");
    // Self-contained: nothing loaded from anywhere (the embedded Vega runtime names XML namespaces, no more).
    expect(html).not.toMatch(/<link|@import|<iframe|<img|<script[^>]*\bsrc=|(src|href)="https?:/i);
    expect(html.replace(/<script[^>]*>[\s\S]*?<\/script>/g, "")).not.toMatch(/https?:\/\//i);
    // The trilemma and frontier charts carry their Vega spec, drawn live with tooltips by the embedded runtime.
    expect((html.match(/<script type="application\/json" class="vega-spec">/g) ?? []).length).toBe(3);
    expect(html).toContain(JSON.parse(readFileSync(join(fixture.dir, "manifest.json"), "utf8")).experiment.sha256);
    expect(html).toContain("92 done, 1 failed, of 93");
    expect((html.match(/<svg /g) ?? []).length).toBe(CHARTS.length);
    for (const heading of ["Which promise broke on which wave", "Per-mechanism statistics on the same waves", "Statuses and the verifier&#39;s verdicts".replace("&#39;", "'")]) expect(html).toContain(heading);
    // Every chart and table (and the scorecard) has its "what this shows" sentence right above it.
    expect((html.match(/<p class="what">/g) ?? []).length).toBe(CHARTS.length + TABLES.length + 1);
    // The scorecard comes first, before any chart.
    expect(html.indexOf('<section id="scorecard">')).toBeGreaterThan(0);
    expect(html.indexOf('<section id="scorecard">')).toBeLessThan(html.indexOf("<svg "));
    // Long tables are collapsible.
    expect(html).toMatch(/<section id="table-broken-promises">[\s\S]*?<details><summary>Show the table/);
    // No multi-round scenarios in this run: no Repeated ADL section.
    expect(html).not.toContain("Repeated ADL");
  });

  it("writes summary.md with every PNG by relative path", () => {
    const markdown = readFileSync(join(report, "summary.md"), "utf8");
    for (const id of CHARTS) expect(markdown).toContain(`](charts/${id}.png)`);
    expect(markdown).toContain("| mechanism |");
    // The scorecard first, a reading per mechanism, and short enough to read.
    expect(markdown.indexOf("## Scorecard")).toBeLessThan(markdown.indexOf("](charts/"));
    for (const mechanism of new Set(fixture.jobs.map((j) => j.mechanism))) expect(markdown).toContain(`- **${mechanism}**: `);
    expect(markdown.split("\n").length).toBeLessThan(200);
    expect(markdown).toContain("](data/broken-promises.csv)");
  });

  it("is deterministic, whatever order the workers finished in", async () => {
    const dir = copyRun("shuffled");
    const lines = readFileSync(join(dir, "results.jsonl"), "utf8").trim().split("\n");
    writeFileSync(join(dir, "results.jsonl"), `${lines.reverse().join("\n")}\n`);
    await writeReport(dir);
    const files = ["index.html", "summary.md", ...readdirSync(join(report, "data")).map((f) => `data/${f}`), ...CHARTS.map((id) => `charts/${id}.svg`)];
    for (const file of files) expect(readFileSync(join(dir, "report", file)).equals(readFileSync(join(report, file))), file).toBe(true);
  }, 60_000);
});

describe("missing and damaged inputs", () => {
  it("replaces each chart without data by a one-line note", async () => {
    const dir = copyRun("sparse");
    for (const name of ["frontier.jsonl", "exposure.jsonl", "simulations.jsonl"]) rmSync(join(dir, name));
    // Jobs without a lot sweep: the lot chart has nothing to show.
    const jobs = readFileSync(join(dir, "results.jsonl"), "utf8").trim().split("\n").filter((line) => !line.includes('"lotScale"'));
    writeFileSync(join(dir, "results.jsonl"), `${jobs.join("\n")}\n`);
    const written = await writeReport(dir);
    const absent = written.charts.filter((c) => !c.drawn).map((c) => c.id);
    expect(absent.sort()).toEqual(["exposure", "frontier", "overshoot-by-horizon", "overshoot-by-lot"]);
    for (const id of absent) expect(existsSync(join(dir, "report", "charts", `${id}.svg`))).toBe(false);
    const html = readFileSync(join(dir, "report", "index.html"), "utf8");
    expect(html).toContain("No frontier rows in this run");
    expect(html).toContain("No simulator runs in this run");
    expect(html).toContain("frontier.jsonl: not present");
    expect((html.match(/<svg /g) ?? []).length).toBe(4);
  }, 60_000);

  it("draws unplaced frontier curves from frontier-points.jsonl when the run did not finish", async () => {
    const dir = copyRun("unfinished");
    const rows = readFileSync(join(dir, "frontier.jsonl"), "utf8").trim().split("\n").map((line) => ({ ...(JSON.parse(line) as object), placements: [] }));
    writeFileSync(join(dir, "frontier-points.jsonl"), rows.map((row) => `${JSON.stringify(row)}\n`).join(""));
    rmSync(join(dir, "frontier.jsonl"));
    const written = await writeReport(dir);
    expect(written.notes.join("\n")).toContain("frontier curves read from frontier-points.jsonl");
    expect(written.charts.filter((c) => c.id.startsWith("frontier-")).every((c) => c.drawn)).toBe(true);
  }, 60_000);

  it("writes a report of notes for a run with no rows at all", async () => {
    const dir = join(root, "empty");
    cpSync(join(fixture.dir, "manifest.json"), join(dir, "manifest.json"), { recursive: true });
    writeFileSync(join(dir, "results.jsonl"), "");
    const written = await writeReport(dir);
    expect(written.charts.every((c) => !c.drawn)).toBe(true);
    expect(readFileSync(join(dir, "report", "index.html"), "utf8")).toContain("results.jsonl: no rows");
  });

  it("ignores a torn last line and says so", async () => {
    const dir = copyRun("torn");
    appendFileSync(join(dir, "results.jsonl"), '{"wave":"pareto-40/s1/b0.05","job":"pareto-40');
    const written = await writeReport(dir);
    expect(written.notes.join("\n")).toMatch(/results\.jsonl: line 94 is incomplete/);
    expect(csv("solve-time.csv").length).toBe(parse(readFileSync(join(dir, "report", "data", "solve-time.csv"), "utf8"), { columns: true }).length);
  }, 60_000);

  it("rejects a corrupt line elsewhere, naming the file and line", async () => {
    const dir = copyRun("corrupt");
    const lines = readFileSync(join(dir, "frontier.jsonl"), "utf8").trim().split("\n");
    lines[2] = lines[2]!.slice(0, 40);
    writeFileSync(join(dir, "frontier.jsonl"), `${lines.join("\n")}\n`);
    const error = await writeReport(dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InstanceError);
    expect((error as Error).message).toContain(`${join(dir, "frontier.jsonl")}:3`);
    expect((error as Error).message).toContain("one complete JSON object per line");
  });

  it("rejects a row that lacks a field the report reads", async () => {
    const dir = copyRun("field");
    const lines = readFileSync(join(dir, "results.jsonl"), "utf8").trim().split("\n");
    const row = JSON.parse(lines[0]!) as Record<string, unknown>;
    delete row.mechanism;
    lines[0] = JSON.stringify(row);
    writeFileSync(join(dir, "results.jsonl"), `${lines.join("\n")}\n`);
    await expect(writeReport(dir)).rejects.toThrow(/results\.jsonl:1 {2}mechanism: expected a string; found nothing/);
  });

  it("rejects a folder without a manifest and a folder that does not exist", async () => {
    const dir = join(root, "no-manifest");
    cpSync(join(fixture.dir, "results.jsonl"), join(dir, "results.jsonl"));
    await expect(writeReport(dir)).rejects.toBeInstanceOf(InstanceError);
    await expect(writeReport(join(root, "nowhere"))).rejects.toBeInstanceOf(UsageError);
  });
});

describe("in a browser", () => {
  const chromium = "/usr/bin/chromium";
  // Like the CBC/glpsol cross-checks: skipped locally without the browser, never under CI=true
  // (.ci/run installs it), where a missing browser fails the test instead of hiding it.
  const absent = !existsSync(chromium) && process.env["CI"] !== "true";
  it.skipIf(absent)(`renders index.html in headless Chromium${absent ? " (skipped: /usr/bin/chromium is not installed)" : ""}`, () => {
    const shot = join(root, "screenshot.png");
    const profile = mkdtempSync(join(tmpdir(), "adl-chromium-"));
    const result = spawnSync(
      chromium,
      [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-dev-shm-usage",
        `--user-data-dir=${profile}`,
        `--screenshot=${shot}`,
        "--window-size=1280,4000",
        `file://${join(report, "index.html")}`,
      ],
      { timeout: 120_000, encoding: "utf8" },
    );
    rmSync(profile, { recursive: true, force: true });
    expect(result.error, result.stderr).toBeUndefined();
    expect(existsSync(shot), result.stderr).toBe(true);
    const png = readFileSync(shot);
    expect([...png.subarray(0, 4)]).toEqual([0x89, 0x50, 0x4e, 0x47]);
    // A blank white page compresses to a few kilobytes; the report's text and charts do not.
    expect(statSync(shot).size).toBeGreaterThan(100_000);
    // The live charts replaced their static SVG: Vega's runtime ran offline in the page.
    const dump = spawnSync(chromium, ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", `--user-data-dir=${mkdtempSync(join(tmpdir(), "adl-chromium-"))}`, "--virtual-time-budget=10000", "--dump-dom", `file://${join(report, "index.html")}`], {
      timeout: 120_000,
      encoding: "utf8",
      maxBuffer: 1 << 30,
    });
    expect((dump.stdout.match(/aria-label="Vega visualization"/g) ?? []).length, dump.stderr).toBe(3);
    // The live drawings (the browser measures its own text) keep labels apart and uncut too.
    const scratch = mkdtempSync(join(tmpdir(), "adl-live-"));
    const live = [...dump.stdout.matchAll(/<div class="chart" data-live=""><div[^>]*>(<svg[\s\S]*?<\/svg>)/g)].map((m, k) => {
      const file = join(scratch, `live-${k}.svg`);
      writeFileSync(file, m[1]!);
      return [`live-${k}`, file] as const;
    });
    expect(live).toHaveLength(3);
    for (const [id, texts] of measureTextBoxes(chromium, new Map(live))) {
      expect(texts.filter((t) => t.text.includes("…")).map((t) => t.text), id).toEqual([]);
      expect(overlaps(texts).map(([a, b]) => `${a.text} / ${b.text}`), id).toEqual([]);
    }
    rmSync(scratch, { recursive: true, force: true });
  }, 150_000);

  it.skipIf(absent)("draws no legend, label or title text cut short, and no two labels over each other", () => {
    const boxes = measureTextBoxes(chromium, new Map(CHARTS.map((id) => [id, join(report, "charts", `${id}.svg`)])));
    expect([...boxes.keys()].sort()).toEqual([...CHARTS].sort());
    for (const [id, texts] of boxes) {
      expect(texts.length, id).toBeGreaterThan(3);
      // Vega cuts a text at its limit with an ellipsis.
      expect(texts.filter((t) => t.text.includes("…")).map((t) => t.text), id).toEqual([]);
      expect(overlaps(texts).map(([a, b]) => `${a.text} / ${b.text}`), id).toEqual([]);
    }
    // Every mechanism in a chart's legend is named in full.
    const legend = boxes.get("lorenz")!.map((t) => t.text);
    for (const name of ["lots-floor-topup(pro-rata:wealth)", "ladder(pro-rata:wealth)"].filter((n) => legend.some((l) => l.startsWith(n.slice(0, 8))))) expect(legend).toContain(name);
  }, 150_000);
});
