// Resolve hook for scripts/use-dist.mjs: file:///…/src/a/b.ts (as tsx resolves ../src/a/b.js) →
// file:///…/dist/a/b.js. Fails loudly when dist/ has no such file (run `npm run build`).
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const src = new URL("../src/", import.meta.url).href;
const dist = new URL("../dist/", import.meta.url).href;

export async function resolve(specifier, context, nextResolve) {
  const resolved = await nextResolve(specifier, context);
  if (!resolved.url.startsWith(src) || !/\.(ts|js)$/.test(resolved.url)) return resolved;
  const compiled = dist + resolved.url.slice(src.length).replace(/\.ts$/, ".js");
  if (!existsSync(fileURLToPath(compiled))) throw new Error(`no compiled ${compiled}: run \`npm run build\` first`);
  return { ...resolved, url: compiled, format: "module" };
}
