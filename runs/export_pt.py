"""python runs/export_pt.py RUN_DIR/best.pt OUT.onnx: export a mid-run best.pt (shrink 1.0)."""
import json, sys
from pathlib import Path
import torch
from aienhance.model.network import ParamNet, ShrunkModel
from aienhance.train.export import export_onnx
pt, out = Path(sys.argv[1]), Path(sys.argv[2])
cfg = json.loads((pt.parent / "config.json").read_text())
model = ParamNet(cfg["width"], cfg["hidden"], cfg["n_stats"])
model.load_state_dict(torch.load(pt, weights_only=True))
out.parent.mkdir(parents=True, exist_ok=True)
export_onnx(ShrunkModel(model.eval(), 1.0).eval(), out, proxy_size=cfg["proxy_size"])
print("exported", out)
