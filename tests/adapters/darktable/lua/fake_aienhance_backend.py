#!/usr/bin/env python3
"""Stands in for `aienhance sidecar --suggest --format dtstyle …`: records what it received."""
import json
import os
import sys


def main() -> int:
    argv = sys.argv[1:]
    opts = {argv[i]: argv[i + 1] for i in range(len(argv) - 1) if argv[i].startswith("--")}
    data = open(opts["--files-from"], "rb").read()
    files = [os.fsdecode(f) for f in data.split(b"\0") if f]
    record = os.environ.get("AIENHANCE_FAKE_RECORD")
    if record:
        with open(record, "w", encoding="utf-8") as handle:
            json.dump({"argv": argv, "files": files}, handle)
    if os.environ.get("AIENHANCE_FAKE_EXIT"):
        return int(os.environ["AIENHANCE_FAKE_EXIT"])
    os.makedirs(opts["--out-dir"], exist_ok=True)
    lines = []
    for index, name in enumerate(files):
        if "FAIL" in name:
            lines.append(f"{index}\terror\tcannot decode image")
            continue
        style = f"{opts['--style-prefix']}{index:04d}"
        path = os.path.join(opts["--out-dir"], f"{index:04d}.dtstyle")
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(f'<?xml version="1.0"?><darktable_style version="1.0"><info><name>{style}'
                         f'</name></info><style></style></darktable_style>')
        items = 0 if "NEUTRAL" in name else 2
        lines.append(f"{index}\tok\t{path}\t{style}\t{items}")
    with open(opts["--result"], "w", encoding="utf-8") as handle:
        handle.write("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
