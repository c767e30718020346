#!/usr/bin/env bash
# Shared by slurm_train.sh and slurm_test.sh:
#   bash tools/slurm_run.sh {train|test} PARTITION JOB_NAME [tools/X.py args]
# One task per GPU under srun (mmengine reads the ranks from slurm). Env:
# GPUS (8), GPUS_PER_NODE (8), CPUS_PER_TASK (5), SRUN_ARGS, PYTHON.
set -x
PYTHONPATH="$(dirname "$0")/..":$PYTHONPATH \
srun -p "$2" \
    --job-name="$3" \
    --gres=gpu:"${GPUS_PER_NODE:-8}" \
    --ntasks="${GPUS:-8}" \
    --ntasks-per-node="${GPUS_PER_NODE:-8}" \
    --cpus-per-task="${CPUS_PER_TASK:-5}" \
    --kill-on-bad-exit=1 \
    ${SRUN_ARGS:-} \
    "${PYTHON:-python}" -u "$(dirname "$0")/$1.py" "${@:4}" --launcher slurm
