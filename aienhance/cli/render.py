"""``aienhance render FILE --params P.json -o OUT``: write a rendered preview."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from ..errors import UnsupportedInputError

NAME = "render"
HELP = "render a photo with parameters (from --params or suggested) to a new image file"


def add_arguments(parser: Any) -> None:
    parser.add_argument("file", metavar="FILE", help="input photo")
    src = parser.add_mutually_exclusive_group(required=True)
    src.add_argument("--params", "-p", metavar="JSON", help="parameters file (from `suggest` or hand-made)")
    src.add_argument("--suggest", action="store_true", help="render the suggested parameters")
    parser.add_argument("--output", "-o", required=True, metavar="OUT",
                        help="output image (.jpg, .png, .tif); never the input file")
    parser.add_argument("--overwrite", action="store_true",
                        help="replace OUT if it exists (never the input photo)")
    parser.add_argument("--side-by-side", action="store_true",
                        help="write before | after next to each other")




def _params_from_document(path: str) -> Any:
    """Accept a bare Params object or the first result of ``aienhance suggest``'s output."""
    import json

    from ..params import Params

    try:
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise UnsupportedInputError(f"cannot read parameters {path!r}: {exc}") from None
    if isinstance(doc, dict) and "results" in doc:
        if not doc["results"]:
            raise UnsupportedInputError(f"{path!r} holds no results")
        doc = doc["results"][0]["params"]
    return Params.from_dict(doc)


def run(args: Any) -> int:
    import numpy as np

    from ..io import load, save_image
    from ..render.api import render
    from ..suggest import suggest

    same = os.path.abspath(args.output) == os.path.abspath(args.file)
    try:  # also the same file reached through a symbolic or hard link
        same = same or os.path.samefile(args.output, args.file)
    except OSError:
        pass
    if same:
        raise UnsupportedInputError("refusing to overwrite the input photo; choose another --output")
    image = load(args.file)
    params = suggest(image) if args.suggest else _params_from_document(args.params)
    out = render(image, params)
    if args.side_by_side:
        before = render(image, type(params)())
        out = np.concatenate([before, out], axis=1)
    from ..io import array_to_working

    bit_depth = 16 if out.dtype == np.uint16 and not args.output.lower().endswith((".jpg", ".jpeg")) else 8
    alpha = None
    if out.shape[-1] == 4:
        alpha = out[..., 3].astype(np.float32) / np.iinfo(out.dtype).max
        out = out[..., :3]
    from ..io.writers import OutputExistsError

    try:
        save_image(args.output, array_to_working(out, "srgb"), bit_depth=bit_depth, alpha=alpha,
                   overwrite=args.overwrite)
    except OutputExistsError:
        raise OutputExistsError(f"{args.output!r} exists; pass --overwrite to replace it") from None
    return 0
