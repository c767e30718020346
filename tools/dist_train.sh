#!/usr/bin/env bash
# Usage: bash tools/dist_train.sh CONFIG NUM_PROCS [train.py options]
# Env: NNODES, NODE_RANK, MASTER_ADDR, PORT, PYTHON (see dist_run.sh).
exec bash "$(dirname "$0")/dist_run.sh" train "$2" "$1" "${@:3}"
