"""python runs/harm_parts.py MODEL [MODEL ...]: do-no-harm ΔE2000 of each group of controls alone.

A diagnostic: each unmodified validation photo (156, as aienhance eval --split validation loads
them) is rendered with only one group of the suggested controls, the rest neutral.
"""
import dataclasses, sys
import numpy as np
from aienhance.evaluate.harness import _load_target, _render
from aienhance.evaluate.metrics import delta_e2000
from aienhance.model.runtime import load_model
from aienhance.params import Params
from aienhance.suggest import proxy_of
from aienhance.train.data import DataConfig, discover_photos
from aienhance.train.loop import TrainConfig, _split

NEUTRAL = Params()
GROUPS = {"white balance": ("temperature_k", "tint"), "exposure": ("exposure_ev",)}
val = _split(discover_photos(DataConfig()), [], TrainConfig())[1]
targets = [_load_target(p.path, 256) for p in val]
print("| model | whole | " + " | ".join(GROUPS) + " | all but white balance | mean mired moved |")
print("|---|---:|" + "---:|" * (len(GROUPS) + 2))
for name in sys.argv[1:]:
    model = load_model(name)
    rows = []
    for t in targets:
        p = model.predict(proxy_of(t))
        cells = [delta_e2000(_render(t, p), t)]
        for fields in GROUPS.values():
            cells.append(delta_e2000(_render(t, dataclasses.replace(
                NEUTRAL, **{f: getattr(p, f) for f in fields})), t))
        cells.append(delta_e2000(_render(t, dataclasses.replace(
            p, temperature_k=NEUTRAL.temperature_k, tint=NEUTRAL.tint)), t))
        cells.append(abs(1e6 / p.temperature_k - 1e6 / NEUTRAL.temperature_k))
        rows.append(cells)
    m = np.mean(rows, axis=0)
    print(f"| `{name}` | " + " | ".join(f"{v:.2f}" for v in m[:-1]) + f" | {m[-1]:.1f} |")
