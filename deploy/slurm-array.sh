#!/usr/bin/env bash
# A sweep spread over 8 Slurm array tasks: task k runs shard k of 8 into its own folder; a dependent
# job merges them when all are done:
#   jobid=$(sbatch --parsable deploy/slurm-array.sh)
#   sbatch --dependency=afterok:$jobid --wrap "npx adl merge runs/trilemma/shard-* --out runs/trilemma/merged"
# A requeued or re-submitted task resumes its shard: finished jobs are never run twice.
#SBATCH --job-name=adl-trilemma
#SBATCH --array=1-8
#SBATCH --cpus-per-task=2
#SBATCH --mem=4G
#SBATCH --time=01:00:00
#SBATCH --requeue
set -euo pipefail
cd "${SLURM_SUBMIT_DIR}"
npx adl run experiments/trilemma.yaml --workers "${SLURM_CPUS_PER_TASK}" \
  --shard "${SLURM_ARRAY_TASK_ID}/8" --out "runs/trilemma/shard-${SLURM_ARRAY_TASK_ID}" --no-report
