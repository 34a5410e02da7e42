/**
 * Text boxes of rendered SVG charts, measured by a real browser: every chart SVG is inlined in a
 * scratch page whose script writes, for each chart, the bounding box of every visible <text>
 * element; headless Chromium prints the page's DOM after the script ran (--dump-dom). The report
 * itself carries no script; only this scratch page does.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface TextBox {
  readonly text: string;
  readonly left: number;
  readonly top: number;
  readonly right: number;
  readonly bottom: number;
}

const SCRIPT = `
const out = {};
for (const figure of document.querySelectorAll("figure")) {
  const boxes = [];
  for (const text of figure.querySelectorAll("text")) {
    const style = getComputedStyle(text);
    const opacity = Number(text.getAttribute("opacity") ?? style.opacity ?? "1");
    if (!text.textContent || !text.textContent.trim() || opacity === 0 || style.display === "none" || style.visibility === "hidden") continue;
    const r = text.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) continue;
    boxes.push({ text: text.textContent, left: r.left, top: r.top, right: r.right, bottom: r.bottom });
  }
  out[figure.id] = boxes;
}
document.getElementById("out").textContent = JSON.stringify(out);
`;

/** The visible text boxes of each SVG file, by its id, as Chromium lays them out. */
export function measureTextBoxes(chromium: string, svgs: ReadonlyMap<string, string>): Map<string, TextBox[]> {
  const dir = mkdtempSync(join(tmpdir(), "adl-boxes-"));
  try {
    const figures = [...svgs].map(([id, file]) => `<figure id="${id}">${readFileSync(file, "utf8").replace(/<\?xml[^>]*\?>/, "")}</figure>`).join("\n");
    const page = join(dir, "boxes.html");
    writeFileSync(page, `<!DOCTYPE html><html><head><meta charset="utf-8"><style>body{margin:0}figure{margin:0}</style></head><body>${figures}<pre id="out"></pre><script>${SCRIPT}</script></body></html>`);
    const profile = join(dir, "profile");
    const result = spawnSync(chromium, ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking", `--user-data-dir=${profile}`, "--dump-dom", `file://${page}`], {
      encoding: "utf8",
      maxBuffer: 1 << 30,
      timeout: 120_000,
    });
    if (result.error) throw result.error;
    const match = /<pre id="out">([\s\S]*?)<\/pre>/.exec(result.stdout);
    if (!match) throw new Error(`no measurements in Chromium's DOM dump: ${result.stderr.slice(0, 500)}`);
    const json = match[1]!.replace(/&quot;/g, '"').replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
    return new Map(Object.entries(JSON.parse(json) as Record<string, TextBox[]>));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Pairs of boxes that overlap by more than `slack` pixels in both directions. */
export function overlaps(boxes: readonly TextBox[], slack = 1): [TextBox, TextBox][] {
  const found: [TextBox, TextBox][] = [];
  for (let a = 0; a < boxes.length; a++) {
    for (let b = a + 1; b < boxes.length; b++) {
      const A = boxes[a]!;
      const B = boxes[b]!;
      const dx = Math.min(A.right, B.right) - Math.max(A.left, B.left);
      const dy = Math.min(A.bottom, B.bottom) - Math.max(A.top, B.top);
      if (dx > slack && dy > slack) found.push([A, B]);
    }
  }
  return found;
}
