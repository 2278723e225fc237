#!/bin/sh
# sh runs/after_run.sh NAME CONTROL_ONNX: every check of the shipping rule for runs/NAME (validation only).
set -e
M=runs/$1/models/aienhance-base.onnx
sh runs/eval2.sh "$1" "$M"
python benchmarks/compare_evals.py runs/evals2/shipped2.json runs/evals2/$1.json > runs/cmp_$1.md
python benchmarks/directional_checks.py --response --model aienhance/models/aienhance-base.onnx \
  --model "$M" --model "$2" > runs/dir_$1.md
AIENHANCE_MODEL=$M python -m pytest -q -p no:cacheprovider tests/model/test_runtime.py \
  -k "darkened or blue or flattened" tests/model/test_directional_validation.py > runs/tests_$1.txt 2>&1 || true
tail -3 runs/tests_$1.txt
