#!/usr/bin/env bash
# Usage: bash tools/slurm_test.sh PARTITION JOB_NAME CONFIG CHECKPOINT
#            [test.py options]       (env: see slurm_run.sh)
exec bash "$(dirname "$0")/slurm_run.sh" test "$1" "$2" "$3" "$4" "${@:5}"
