#!/usr/bin/env bash
# Usage: bash tools/slurm_train.sh PARTITION JOB_NAME CONFIG [WORK_DIR]
#            [train.py options]      (env: see slurm_run.sh)
if [ -n "$4" ] && [ "${4#-}" = "$4" ]; then
  exec bash "$(dirname "$0")/slurm_run.sh" train "$1" "$2" "$3" \
      --work-dir "$4" "${@:5}"
fi
exec bash "$(dirname "$0")/slurm_run.sh" train "$1" "$2" "$3" "${@:4}"
