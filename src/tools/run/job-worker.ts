/**
 * One experiment worker thread: loads the experiment once (workers get the file's path, not its
 * parsed form, so that they see exactly what the main thread hashed), then runs jobs as they come.
 */
import { loadExperiment, type Experiment } from "../experiments/experiment.js";
import { executeJob, type JobOutput } from "./execute.js";
import type { Job } from "./jobs.js";

let loaded: { file: string; experiment: Experiment } | undefined;

export interface Task {
  readonly file: string;
  /** A small batch: most jobs take a millisecond, and a message per job would cost more than the job. */
  readonly jobs: readonly Job[];
}

/** Each job's output, or its error message (the job then runs again on resume). */
export type TaskResult = ({ readonly ok: true; readonly output: JobOutput } | { readonly ok: false; readonly message: string })[];

export async function runTask(task: Task): Promise<TaskResult> {
  if (loaded?.file !== task.file) loaded = { file: task.file, experiment: loadExperiment(task.file) };
  const results: TaskResult = [];
  for (const job of task.jobs) {
    try {
      results.push({ ok: true, output: await executeJob(loaded.experiment, job) });
    } catch (error) {
      results.push({ ok: false, message: error instanceof Error ? error.message : String(error) });
    }
  }
  return results;
}
