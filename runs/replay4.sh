#!/bin/sh
# Stage 4 of the replayed chain (runs/replay4_rule.txt): today's default recipe from runs/replay3/best.pt.
set -e
[ -f runs/replay4/models/aienhance-base.onnx ] && exit 0
r=""; [ -f runs/replay4/config.json ] && r="--resume"
aienhance train --run-dir runs/replay4 $r --init runs/replay3/best.pt --lr 3e-4 --steps 3000 --seed 5 \
  --checkpoint-every 200 --val-every 500 > runs/replay4.log 2>&1
