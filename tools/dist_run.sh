#!/usr/bin/env bash
# Shared by dist_train.sh and dist_test.sh:
#   bash tools/dist_run.sh {train|test} NUM_PROCS [arguments of tools/X.py]
# torchrun (torch.distributed.run); GPUs, or CPU with gloo.
set -e
PYTHONPATH="$(dirname "$0")/..":$PYTHONPATH \
"${PYTHON:-python}" -m torch.distributed.run \
    --nnodes="${NNODES:-1}" \
    --node_rank="${NODE_RANK:-0}" \
    --master_addr="${MASTER_ADDR:-127.0.0.1}" \
    --nproc_per_node="$2" \
    --master_port="${PORT:-29500}" \
    "$(dirname "$0")/$1.py" "${@:3}" --launcher pytorch
