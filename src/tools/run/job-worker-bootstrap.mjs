// Plain-JS entry of every experiment worker thread: in dist/ the compiled job-worker.js beside this
// file; from src/ (vitest, `node --import tsx`) tsx is registered first (a worker starts without the
// parent's programmatic registration) and job-worker.ts is loaded.
import { existsSync } from "node:fs";
import { URL } from "node:url";

const compiled = new URL("./job-worker.js", import.meta.url);
let runTask;
if (existsSync(compiled)) ({ runTask } = await import(compiled.href));
else {
  const { register } = await import("tsx/esm/api");
  register();
  ({ runTask } = await import("./job-worker.ts"));
}
export default runTask;
