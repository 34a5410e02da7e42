/**
 * One experiment worker thread: loads the experiment once (workers get the file's path, not its
 * parsed form, so that they see exactly what the main thread hashed), then runs jobs as they come.
 * Each job's rows are serialized here (recordOf), so the main thread only appends text.
 */
import { loadExperiment, type Experiment } from "../experiments/experiment.js";
import { executeJob } from "./execute.js";
import type { Job } from "./jobs.js";
import { recordOf, type Recorded } from "./record.js";

let loaded: { file: string; experiment: Experiment } | undefined;

export interface Task {
  readonly file: string;
  /** A small batch: most jobs take a millisecond, and a message per job would cost more than the job. */
  readonly jobs: readonly Job[];
}

/** Each job's appends, or its error message (the job then runs again on resume). */
export type TaskResult = ({ readonly ok: true; readonly recorded: Recorded } | { readonly ok: false; readonly message: string })[];

/** Runs a batch of jobs in order; an error is that job's result, never the batch's. */
export async function runTask(task: Task): Promise<TaskResult> {
  if (loaded?.file !== task.file) loaded = { file: task.file, experiment: loadExperiment(task.file) };
  const results: TaskResult = [];
  for (const job of task.jobs) {
    try {
      results.push({ ok: true, recorded: recordOf(job, await executeJob(loaded.experiment, job)) });
    } catch (error) {
      results.push({ ok: false, message: error instanceof Error ? error.message : String(error) });
    }
  }
  return results;
}
