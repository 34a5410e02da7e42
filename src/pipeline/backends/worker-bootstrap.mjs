// Plain-JS entry of every solver worker thread. In dist/ (the compiled package that bin/adl.js
// runs) worker.js sits beside this file and is imported directly: no transpiler in the worker.
// From src/ (vitest, `node --import tsx`) a worker starts without the parent's programmatic tsx
// registration, so register tsx here and load the TypeScript worker.
import { existsSync } from "node:fs";
import { URL } from "node:url";

const compiled = new URL("./worker.js", import.meta.url);
if (existsSync(compiled)) await import(compiled.href);
else {
  const { register } = await import("tsx/esm/api");
  register();
  await import("./worker.ts");
}
