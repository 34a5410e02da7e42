// Plain-JS entry of every experiment worker thread: registers the TypeScript loader (a worker starts
// without the parent's programmatic tsx registration), then hands each task to job-worker.ts.
import { register } from "tsx/esm/api";

register();
const { runTask } = await import("./job-worker.ts");
export default runTask;
