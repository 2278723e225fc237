#!/bin/sh
# sh runs/eval2.sh NAME MODEL: validation split, all 156 photos, seed 7, no oracle, no speed.
set -e
aienhance eval --split validation --no-oracle --no-speed --photos 156 --seed 7 --model "$2" \
  --report runs/evals2/$1.md --contact-sheet runs/evals2/$1.png --json runs/evals2/$1.json
