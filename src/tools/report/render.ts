/**
 * Vega-Lite spec → SVG (vega, headless, no canvas) → PNG (resvg with the system's fonts). Both run
 * in-process and offline: the specs carry their data inline and nothing is fetched.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { Resvg } from "@resvg/resvg-js";
import * as vega from "vega";
import * as vegaLite from "vega-lite";
import type { TopLevelSpec } from "vega-lite";

/** The one font every chart names: installed with Debian's fonts-dejavu, so SVG, PNG and the browser agree. */
export const CHART_FONT = "DejaVu Sans";

/**
 * Compiles a Vega-Lite spec and renders it to an SVG string. Deterministic: same spec, same bytes.
 * Throws on an invalid spec (a bug in the report, not bad input).
 */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const compiled = vegaLite.compile(spec).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: "none" });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Rasterizes an SVG at `zoom` (2 = crisp on high-density screens) on a white background. */
export function renderPng(svg: string, zoom = 2): Buffer {
  const resvg = new Resvg(svg, {
    background: "white",
    fitTo: { mode: "zoom", value: zoom },
    font: { loadSystemFonts: true, defaultFontFamily: CHART_FONT, sansSerifFamily: CHART_FONT },
  });
  return resvg.render().asPng();
}

/**
 * An SVG ready to inline in HTML5: the XML prolog and namespace declarations dropped (HTML does not
 * need them), so the page carries no http(s) string at all.
 */
export function inlineSvg(svg: string): string {
  return svg
    .replace(/<\?xml[^>]*\?>\s*/, "")
    .replace(/\s+xmlns(:xlink)?="[^"]*"/g, "")
    .replace(/<svg /, '<svg role="img" ');
}

/** The Vega spec a Vega-Lite spec compiles to (what the page's embedded runtime draws live). */
export function compileVega(spec: TopLevelSpec): unknown {
  // The schema URL is for editors; the page has no use for it (and names no address at all).
  const { $schema: _schema, ...compiled } = vegaLite.compile(spec).spec;
  return compiled;
}

let runtime: string | undefined;

/**
 * Vega's browser runtime (vega.min.js from the installed package, about 0.5 MB), for pages that
 * draw charts live (tooltips on hover) without a network. Read once per process.
 */
export function vegaRuntime(): string {
  // The package does not export its build folder: find it beside the package's entry point.
  runtime ??= readFileSync(join(dirname(createRequire(import.meta.url).resolve("vega")), "vega.min.js"), "utf8");
  return runtime;
}
