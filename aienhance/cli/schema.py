"""``aienhance schema``: print the JSON Schema of the parameter set."""

from __future__ import annotations

import json
from typing import Any

NAME = "schema"
HELP = "print the JSON Schema of aienhance parameters"


def add_arguments(parser: Any) -> None:
    parser.add_argument("--neutral", action="store_true", help="print the neutral parameters instead")


def run(args: Any) -> int:
    from ..params import Params

    print(json.dumps(Params.neutral().to_dict() if args.neutral else Params.schema(), indent=2))
    return 0
