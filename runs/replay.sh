#!/bin/sh
# The chain's stages 1-3 replayed (runs/perm_rule.txt). Resumable: a finished stage is skipped.
set -e
BASE="--hint-weight 0 --clean-high-key 0 --clean-low-key 0 --mse-weight 0 --camera-contrast 0.4 --camera-cast 0.45 --clean-artefacts 0 --ema-decay 0 --degrade-at-proxy --stats 68 --seed 4 --checkpoint-every 200 --val-every 500"
stage() { d=$1; shift; [ -f runs/$d/models/aienhance-base.onnx ] && return 0
  r=""; [ -f runs/$d/config.json ] && r="--resume"
  aienhance train --run-dir runs/$d $r "$@" > runs/$d.log 2>&1; }
stage replay1 $BASE --steps 2400 --lr 2e-3 --mix clean=0.25,camera=0.42,render=0.15,bracket=0.18
stage replay2 $BASE --steps 600 --lr 3e-4 --init runs/replay1/best.pt --mix clean=0.25,camera=0.42,render=0.15,bracket=0.18 --hint-weight 3
stage replay3 $BASE --steps 12000 --lr 1e-3 --init runs/replay2/best.pt --hint-weight 3 --mix clean=0.2,camera=0.42,render=0.12,bracket=0.26
# stage 4 (runs/replay4_rule.txt): today's default recipe fine-tuned from stage 3
stage replay4 --init runs/replay3/best.pt --lr 3e-4 --steps 3000 --seed 5 --checkpoint-every 200 --val-every 500
