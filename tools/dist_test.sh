#!/usr/bin/env bash
# Usage: bash tools/dist_test.sh CONFIG CHECKPOINT NUM_PROCS [test.py options]
# Env: NNODES, NODE_RANK, MASTER_ADDR, PORT, PYTHON (see dist_run.sh).
exec bash "$(dirname "$0")/dist_run.sh" test "$3" "$1" "$2" "${@:4}"
