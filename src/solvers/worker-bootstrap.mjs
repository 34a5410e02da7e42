// Plain-JS entry of every solver worker thread. A worker starts with no TypeScript loader of its own
// when the parent registered tsx programmatically (bin/adl.js) or runs under vitest, so register it
// here, then load the TypeScript worker. Registering again under `node --import tsx` is harmless.
import { register } from "tsx/esm/api";

register();
await import("./worker.ts");
