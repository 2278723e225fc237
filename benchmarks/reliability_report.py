"""Reliability report: run the hostile-input corpus and the sidecar safety checks, write the table.

    python benchmarks/reliability_report.py            # writes docs/reliability.md
    python benchmarks/reliability_report.py --out -    # print instead

What it does (all generated inputs, nothing downloaded; about 3-5 minutes on 2 cores):

1. Every photo of the corpus (:mod:`tests.reliability.corpus`: valid photos in every supported
   flavour, odd and hostile files, hostile names) goes through three real CLI runs in a
   subprocess each: ``suggest --sidecar darktable``, ``suggest --sidecar lightroom`` and
   ``render --suggest``. Each run is classified: *ok*, *refused* (one-line error, documented exit
   code), *crash* (traceback, undocumented exit code or signal) or *hang* (no exit within the
   time limit). A valid photo that is refused and a hostile one that is accepted are listed too.
2. Photos with hostile existing sidecars (entity bomb, external entity, DTD, truncated, binary,
   not XMP, empty) and hostile parameter files go through the sidecar-writing commands.
3. Output options (``--out``, ``-o``, ``--result``) that name a photo, directly or through a
   symbolic or hard link to the input, must never replace it.
4. Foreign sidecars (darktable-written, Lightroom-style, exiftool-written) get our sidecar merged
   in; every property we do not own is compared before and after (*fields lost*), and exiftool
   reads every foreign tag back.
5. Atomicity: a writer is SIGKILLed at random moments (torn files), concurrent processes update one
   sidecar (lost updates).
6. Fuzzing: mutated XMP bytes through the XMP reader and random JSON through ``Params``
   (exceptions other than the documented ones).
7. *Files changed*: every file that existed in the corpus folders before the runs is hashed
   before and after; any change (other than our merge into the foreign sidecars of step 3, which
   step 4 checks field by field), any deletion and any stray new file (lock, temp file, ``PWNED``)
   counts.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import hashlib
import json
import os
import platform
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.reliability.corpus import (
    HOSTILE_PARAMS,
    HOSTILE_SIDECARS,
    make_image_corpus,
    make_params_corpus,
    make_sidecar_corpus,
    sidecar_cases,
    snapshot,
)
from tests.reliability.xmp_diff import (
    DARKTABLE_OWNED,
    history_items,
    is_subsequence,
    lightroom_owned,
    lost_facts,
)

DOCUMENTED_EXIT_CODES = {0, 1, 2, 3, 4, 5, 6}
TIME_LIMIT = 180
REFERENCE = Path("/work/shared/reference/samples")


def cli(args: list[str], cwd: Path) -> tuple[str, subprocess.CompletedProcess | None, float]:
    """Run the CLI; classify as ok / refused / crash / hang."""
    start = time.monotonic()
    try:
        done = subprocess.run([sys.executable, "-m", "aienhance", *args], cwd=cwd, capture_output=True,
                              text=True, timeout=TIME_LIMIT, env={**os.environ, "PYTHONPATH": str(ROOT)},
                              check=False)
    except subprocess.TimeoutExpired:
        return "hang", None, time.monotonic() - start
    elapsed = time.monotonic() - start
    if done.returncode < 0 or done.returncode not in DOCUMENTED_EXIT_CODES or "Traceback" in done.stderr:
        return "crash", done, elapsed
    return ("ok" if done.returncode == 0 else "refused"), done, elapsed


def _short(text: str, n: int = 90) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


# -- 1. photos ----------------------------------------------------------------------------------

def run_photos(work: Path, log, cases) -> dict:
    folder = work / "photos"
    (work / "renders").mkdir()
    rows, tally, problems = [], Counter(), []
    for i, case in enumerate(cases):
        outcome = {}
        for label, args in (
            ("darktable", ["suggest", "--sidecar", "darktable", "--out", "-", "--", case.name]),
            ("lightroom", ["suggest", "--sidecar", "lightroom", "--out", "-", "--", case.name]),
            ("render", ["render", "--suggest", "-o", str(work / "renders" / f"{i:02d}.png"), "--", case.name]),
        ):
            kind, done, elapsed = cli(args, folder)
            tally[kind] += 1
            outcome[label] = kind
            message = ""
            if done is not None and kind != "ok":
                lines = [l for l in done.stderr.splitlines() if l.startswith("  ")] or done.stderr.splitlines()
                message = _short(lines[-1] if lines else "")
            if kind in ("crash", "hang"):
                problems.append((case.name, label, kind, message))
            elif case.ok is True and kind != "ok":
                problems.append((case.name, label, "valid input refused", message))
            elif case.ok is False and kind == "ok":
                problems.append((case.name, label, "hostile input accepted", ""))
            log(f"  {case.name!r:60} {label:9} {kind:8} {elapsed:5.1f}s {message}")
        rows.append((case, outcome))
    return {"cases": cases, "rows": rows, "tally": tally, "problems": problems, "folder": folder}


# -- 2. hostile sidecars and parameters -------------------------------------------------------------

def run_hostile_sidecars(work: Path, log) -> dict:
    folder = work / "hostile_sidecars"
    photos = [f"{k}.jpg" for k in sidecar_cases()]
    results = {}
    for editor in ("darktable", "lightroom"):
        kind, done, _ = cli(["suggest", "--sidecar", editor, "--out", "-", *photos], folder)
        doc = json.loads(done.stdout) if done is not None and done.stdout.strip() else {"errors": [], "results": []}
        refused = {e["path"]: e["type"] for e in doc.get("errors", [])}
        results[editor] = {"kind": kind, "refused": refused,
                           "written": [r["path"] for r in doc.get("results", [])]}
        log(f"  hostile sidecars, {editor}: {kind}, refused {len(refused)}/{len(photos)}")
    return {"folder": folder, "photos": photos, "results": results}


def run_hostile_params(work: Path, log, names) -> dict:
    folder = work / "hostile_params"
    tally, problems = Counter(), []
    for name in names:
        for args in (["sidecar", "--params", name, "--format", "darktable", "p.jpg"],
                     ["render", "p.jpg", "--params", name, "-o", "out.png"],
                     ["sidecar", "--suggest", "--job", name, "--format", "lightroom-json", "--out", "r.json"]):
            kind, done, _ = cli(args, folder)
            one_line = done is not None and len(done.stderr.strip().splitlines()) == 1
            tally[kind] += 1
            if kind in ("crash", "hang") or kind == "ok" or not one_line:
                problems.append((name, args[0], kind, _short(done.stderr if done else "")))
    log(f"  hostile params: {dict(tally)}")
    return {"folder": folder, "tally": tally, "problems": problems, "count": len(names) * 3}


MISTYPED_OUTPUTS = [
    ["suggest", "p.jpg", "--out", "p.jpg"],
    ["suggest", "p.jpg", "--out", "other.png"],
    ["render", "p.jpg", "--suggest", "-o", "p.jpg"],
    ["render", "link.jpg", "--suggest", "-o", "p.jpg"],
    ["render", "hard.jpg", "--suggest", "-o", "p.jpg"],
    ["sidecar", "--suggest", "--format", "darktable", "--result", "p.jpg", "p.jpg"],
    ["sidecar", "--suggest", "--format", "darktable", "--result", "other.png", "p.jpg"],
    ["sidecar", "--suggest", "--format", "lightroom-json", "--out", "p.jpg", "p.jpg"],
    ["sidecar", "--suggest", "--format", "dtstyle", "--out", "p.jpg", "p.jpg"],
]


def run_mistyped_outputs(work: Path, log) -> dict:
    """Output options pointing at a photo (directly or through a link) must never replace it."""
    from PIL import Image

    rows = []
    for i, command in enumerate(MISTYPED_OUTPUTS):
        folder = work / f"mistyped_{i}"
        folder.mkdir()
        shutil.copy(ROOT / "aienhance" / "samples" / "chelsea.jpg", folder / "p.jpg")
        os.symlink("p.jpg", folder / "link.jpg")
        os.link(folder / "p.jpg", folder / "hard.jpg")
        with Image.open(ROOT / "aienhance" / "samples" / "coffee.jpg") as im:
            im.save(folder / "other.png")
        before = {n: hashlib.sha256((folder / n).read_bytes()).hexdigest() for n in ("p.jpg", "other.png")}
        kind, _, _ = cli(command, folder)
        after = {n: hashlib.sha256((folder / n).read_bytes()).hexdigest() for n in ("p.jpg", "other.png")}
        changed = [n for n in before if before[n] != after[n]]
        rows.append((" ".join(command), kind, changed))
        log(f"  {' '.join(command)}: {kind}, photos replaced: {changed}")
    return {"rows": rows, "changed": sum(len(r[2]) for r in rows)}


# -- 3. foreign sidecars ----------------------------------------------------------------------------

EXIFTOOL_TAGS = [
    "-XMP-dc:Subject=harbour", "-XMP-dc:Subject=Zürich ☃", "-XMP-xmp:Rating=4",
    '-XMP-dc:Title=A & B "quoted" <x>', "-XMP-exif:GPSLatitude=47.3769",
    "-XMP-exif:GPSLongitude=8.5417", "-XMP-photoshop:City=Zürich",
    "-XMP-lr:HierarchicalSubject=places|Zürich", "-XMP-xmp:Label=Red",
    "-XMP-crs:CropTop=0.1", "-XMP-crs:HasCrop=True", "-XMP-dc:Creator=Jane Doe",
]


def _exiftool_tags(path: Path) -> dict:
    out = subprocess.run(["exiftool", "-j", "-G1", "-struct", "-n", str(path)], capture_output=True,
                         text=True, check=True, timeout=60).stdout
    return {k: v for k, v in json.loads(out)[0].items() if k.startswith("XMP-") and k != "XMP-x:XMPToolkit"}


#: exiftool's names (case differs) of the darktable properties the darktable adapter owns.
_DT_OWNED_EXIFTOOL = {name.split("}")[1].lower() for name in DARKTABLE_OWNED}


def run_foreign(work: Path, log) -> dict:
    folder = work / "foreign"
    folder.mkdir()
    samples = ROOT / "aienhance" / "samples"
    sources = {
        "darktable 4.2.1 sidecar (edited, rated)": ("dt_rich.jpg", "rich_sidecar_rewritten_by_dt421.xmp", "darktable"),
        "darktable 4.2.1 sidecar (default)": ("dt_default.jpg", "default_tiff_sidecar_written_by_dt421.xmp", "darktable"),
        "Lightroom-style crs (curve)": ("lr_curve.jpg", "lightroom_style_crs_curve.xmp", "lightroom"),
        "Lightroom-style crs (24 HSL)": ("lr_hsl.jpg", "lightroom_style_crs_hsl_all24.xmp", "lightroom"),
    }
    placed = {}
    for label, (photo, sample, editor) in sources.items():
        shutil.copy(samples / "chelsea.jpg", folder / photo)
        sidecar = folder / (photo + ".xmp" if editor == "darktable" else Path(photo).stem + ".xmp")
        sidecar.write_bytes((REFERENCE / sample).read_bytes())
        placed[label] = (photo, sidecar, editor)
    has_exiftool = shutil.which("exiftool") is not None
    if has_exiftool:
        for label, editor in (("exiftool-written (darktable name)", "darktable"),
                              ("exiftool-written (Lightroom name)", "lightroom")):
            photo = f"exif_{editor}.jpg"
            shutil.copy(samples / "coffee.jpg", folder / photo)
            sidecar = folder / (photo + ".xmp" if editor == "darktable" else Path(photo).stem + ".xmp")
            subprocess.run(["exiftool", "-q", "-q", "-o", str(sidecar), *EXIFTOOL_TAGS], check=True, timeout=60)
            placed[label] = (photo, sidecar, editor)
    before = {label: sidecar.read_bytes() for label, (_, sidecar, _) in placed.items()}
    tags_before = {label: _exiftool_tags(s) for label, (_, s, _) in placed.items()} if has_exiftool else {}
    rows, total_facts_lost, total_tags_lost = [], 0, 0
    lr_tags = {"XMP-crs:" + k.split("}")[1] for k in lightroom_owned()}
    for label, (photo, sidecar, editor) in placed.items():
        kind, _, _ = cli(["suggest", "--sidecar", editor, "--out", "-", photo], folder)
        after = sidecar.read_bytes()
        owned = DARKTABLE_OWNED if editor == "darktable" else lightroom_owned()
        lost = lost_facts(before[label], after, owned)
        history_ok = True
        if editor == "darktable":
            history_ok = is_subsequence(history_items(before[label]), history_items(after))
            if not history_ok:
                lost.append(("darktable:history", "old items lost or reordered"))
        tag_loss = []
        if has_exiftool:
            now = _exiftool_tags(sidecar)
            for tag, value in tags_before[label].items():
                if editor == "lightroom" and tag in lr_tags:
                    continue
                if editor == "darktable" and tag.startswith("XMP-darktable:") and \
                        tag.split(":")[1].lower() in _DT_OWNED_EXIFTOOL:
                    continue
                if now.get(tag) != value:
                    tag_loss.append(tag)
        total_facts_lost += len(lost)
        total_tags_lost += len(tag_loss)
        rows.append((label, editor, kind, len(lost), len(tag_loss), (folder / f"{sidecar.name}.bak").exists(),
                     "; ".join(_short(str(x), 60) for x in lost[:3] + tag_loss[:3])))
        log(f"  foreign {label}: {kind}, facts lost {len(lost)}, exiftool tags lost {len(tag_loss)}")
    # RAW+JPEG pair: Camera Raw's sidecar of IMG_1.<raw> is IMG_1.xmp, the same name a JPEG's
    # Lightroom sidecar gets; the JPEG's suggestion must not replace the raw's settings.
    try:
        import numpy as np

        from tests.io.factory import write_dng

        lin = np.linspace(0.02, 0.8, 48 * 64 * 3, dtype=np.float32).reshape(48, 64, 3)
        raw = Path(write_dng(folder / "IMG_1.dng", lin))
        shutil.copy(samples / "coffee.jpg", folder / "IMG_1.jpg")
        cli(["suggest", "--sidecar", "lightroom", "--out", "-", raw.name], folder)
        raw_sidecar = (folder / "IMG_1.xmp").read_bytes()
        kind, _, _ = cli(["suggest", "--sidecar", "lightroom", "--out", "-", "IMG_1.jpg"], folder)
        lost = lost_facts(raw_sidecar, (folder / "IMG_1.xmp").read_bytes())
        total_facts_lost += len(lost)
        rows.append(("RAW+JPEG pair: the raw's own Lightroom sidecar IMG_1.xmp, then IMG_1.jpg written",
                     "lightroom", kind, len(lost), 0, True, "; ".join(_short(str(x), 60) for x in lost[:3])))
        log(f"  RAW+JPEG pair: raw settings lost {len(lost)}")
    except ImportError:
        pass
    return {"folder": folder, "rows": rows, "facts_lost": total_facts_lost, "tags_lost": total_tags_lost,
            "sidecars": {str(s.relative_to(folder)) for _, s, _ in placed.values()}, "exiftool": has_exiftool}


# -- 4. atomicity ------------------------------------------------------------------------------------

def run_kills(work: Path, log, rounds: int) -> dict:
    folder = work / "kill"
    folder.mkdir()
    target = folder / "x.xmp"
    rng = random.Random(20261122)
    torn = 0

    def version(i: int) -> bytes:
        return b"<v%d>" % i + bytes([i % 251]) * 200_000 + b"</v%d>" % i

    code = textwrap.dedent(f"""
        from aienhance.sidecar import write_atomic
        print("ready", flush=True)
        for i in range(1, 100000):
            write_atomic({str(target)!r}, b"<v%d>" % i + bytes([i % 251]) * 200_000 + b"</v%d>" % i)
    """)
    for _ in range(rounds):
        from aienhance.sidecar import write_atomic

        write_atomic(target, version(0))
        proc = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, stdout=subprocess.PIPE,
                                env={**os.environ, "PYTHONPATH": str(ROOT)})
        proc.stdout.readline()
        time.sleep(rng.uniform(0.01, 0.5))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        proc.stdout.close()
        for path in (target, folder / "x.xmp.bak"):
            if path.exists():
                data = path.read_bytes()
                try:
                    i = int(data[2: data.index(b">")])
                    if data != version(i):
                        torn += 1
                except ValueError:
                    torn += 1
    # the next writer recovers: the lock was released by the kernel, orphan temp files are removed
    from aienhance.sidecar import write_atomic

    write_atomic(target, version(0))
    leftovers = sorted(n for n in os.listdir(folder) if n not in ("x.xmp", "x.xmp.bak"))
    log(f"  kills: {rounds} rounds, torn files {torn}, left after the next write: {leftovers}")
    return {"rounds": rounds, "torn": torn, "leftovers": leftovers}


APPENDER = """
import sys, xml.etree.ElementTree as ET
from aienhance.sidecar import update_xmp, new_xmp_tree, NS_RDF
who, n, path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
for i in range(n):
    def merge(tree, i=i):
        tree = tree if tree is not None else new_xmp_tree()
        desc = tree.getroot().find(f".//{{{NS_RDF}}}Description")
        ET.SubElement(desc, "{urn:t/}item", {"who": who, "n": str(i)})
        return tree
    update_xmp(path, merge)
"""


def run_concurrency(work: Path, log, writers: int = 4, updates: int = 25) -> dict:
    from aienhance.sidecar import read_xmp

    target = work / "concurrent.xmp"
    procs = [subprocess.Popen([sys.executable, "-c", APPENDER, f"p{k}", str(updates), str(target)], cwd=ROOT,
                              env={**os.environ, "PYTHONPATH": str(ROOT)}) for k in range(writers)]
    for p in procs:
        p.wait(timeout=600)
    items = read_xmp(target).getroot().findall(".//{urn:t/}item")
    got = {(e.get("who"), e.get("n")) for e in items}
    lost = writers * updates - len(got)
    log(f"  concurrency: {writers}×{updates} updates, lost {lost}")
    return {"writers": writers, "updates": updates, "lost": lost}


# -- 5. fuzzing ---------------------------------------------------------------------------------

def _random_json(rng: random.Random, depth: int = 0):
    kind = rng.randrange(8 if depth < 4 else 5)
    if kind == 0:
        return None
    if kind == 1:
        return rng.choice([True, False])
    if kind == 2:
        return rng.choice([0, -1, 10 ** rng.randrange(400), rng.randrange(-10 ** 6, 10 ** 6)])
    if kind == 3:
        return rng.choice([0.0, -0.0, float("nan"), float("inf"), float("-inf"), rng.uniform(-1e6, 1e6), 1e308])
    if kind == 4:
        return "".join(rng.choice("ab\x00\u2603\"\\ ") for _ in range(rng.randrange(6)))
    if kind == 5:
        return [_random_json(rng, depth + 1) for _ in range(rng.choice([0, 1, 2, 8, 9]))]
    from aienhance.params.controls import CONTROLS

    keys = [c.name for c in CONTROLS] + ["version", "bogus"]
    return {rng.choice(keys): _random_json(rng, depth + 1) for _ in range(rng.randrange(5))}


def run_fuzz(log, n_params: int, n_xmp: int) -> dict:
    from aienhance.errors import ParameterError, SidecarError
    from aienhance.params import Params
    from aienhance.sidecar import parse_xmp_bytes

    rng = random.Random(7)
    unexpected_params: Counter = Counter()
    for _ in range(n_params):
        doc = _random_json(rng)
        for call in (lambda doc=doc: Params.from_dict(doc), lambda doc=doc: Params.from_json(json.dumps(doc))):
            try:
                call()
            except ParameterError:
                pass
            except Exception as exc:  # noqa: BLE001 - counting is the point
                unexpected_params[type(exc).__name__] += 1
    for text in ("[" * 100_000, '{"exposure_ev": ' + "9" * 5000 + "}", "\udcff"):
        try:
            Params.from_json(text)
        except ParameterError:
            pass
        except Exception as exc:  # noqa: BLE001
            unexpected_params[type(exc).__name__] += 1
    seeds = [p.read_bytes() for p in sorted(REFERENCE.glob("*.xmp"))] + list(HOSTILE_SIDECARS.values())
    snippets = [b"<!DOCTYPE x [<!ENTITY a 'b'>]>", b"&a;", b"\x00", b"\xff", b"<", b">", b"'", b'"',
                b"<![CDATA[", b"<?xpacket end='w'?>", b"xmlns:rdf='urn:x'"]
    unexpected_xmp: Counter = Counter()
    for _ in range(n_xmp):
        data = bytearray(rng.choice(seeds))
        for _ in range(rng.randrange(1, 6)):
            pos = rng.randrange(len(data) + 1)
            op = rng.randrange(5)
            if op == 0 and data:
                data[min(pos, len(data) - 1)] = rng.randrange(256)
            elif op == 1:
                data[pos:pos] = rng.choice(snippets)
            elif op == 2:
                del data[pos: pos + rng.randrange(1, 64)]
            elif op == 3:
                del data[pos:]
            else:
                data[pos:pos] = data[pos: pos + rng.randrange(1, 200)]
        try:
            parse_xmp_bytes(bytes(data))
        except SidecarError:
            pass
        except Exception as exc:  # noqa: BLE001
            unexpected_xmp[type(exc).__name__] += 1
    log(f"  fuzz: params {n_params}×2 unexpected {dict(unexpected_params)}; xmp {n_xmp} unexpected {dict(unexpected_xmp)}")
    return {"params": n_params * 2 + 3, "params_unexpected": unexpected_params,
            "xmp": n_xmp, "xmp_unexpected": unexpected_xmp}


def run_injection(log) -> dict:
    tests = ["tests/reliability/test_injection.py"]
    lr = ROOT / "tests" / "adapters" / "lightroom" / "test_lightroom_plugin.py"
    if lr.exists():
        tests.append(str(lr.relative_to(ROOT)))
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *tests],
                          cwd=ROOT, capture_output=True, text=True, timeout=1200, check=False)
    last = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else done.stderr[-200:]
    log(f"  injection tests: {last}")
    return {"tests": tests, "summary": last, "ok": done.returncode == 0}


# -- report -----------------------------------------------------------------------------------

def write_report(results: dict, out: str) -> None:
    photos, hostile, params, foreign = results["photos"], results["hostile"], results["params"], results["foreign"]
    kills, conc, fuzz, changes = results["kills"], results["concurrency"], results["fuzz"], results["changes"]
    runs = sum(photos["tally"].values())
    hostile_runs = len(hostile["photos"]) * 2
    inputs = (len(photos["cases"]) + len(hostile["photos"]) + len(HOSTILE_PARAMS) + len(foreign["rows"])
              + fuzz["params"] + fuzz["xmp"])
    crashes = (photos["tally"]["crash"] + params["tally"]["crash"]
               + sum(1 for r in hostile["results"].values() if r["kind"] == "crash")
               + sum(1 for r in foreign["rows"] if r[2] == "crash")
               + sum(fuzz["params_unexpected"].values()) + sum(fuzz["xmp_unexpected"].values()))
    hangs = (photos["tally"]["hang"] + params["tally"]["hang"]
             + sum(1 for r in hostile["results"].values() if r["kind"] == "hang"))
    files_changed = len(changes["modified"]) + len(changes["deleted"]) + results["mistyped"]["changed"]
    fields_lost = foreign["facts_lost"] + foreign["tags_lost"] + conc["lost"] + kills["torn"]
    hostile_accepted = sum(len(r["written"]) for r in hostile["results"].values())
    L = []
    L.append("# Reliability and security report\n")
    L.append(f"Produced by `python benchmarks/reliability_report.py` on {results['when']} "
             f"({results['machine']}); re-run it to refresh this page. Every input is generated by "
             "`tests/reliability/corpus.py` (nothing downloaded); the same checks run as unit tests in "
             "`tests/sidecar/` and `tests/reliability/`.\n")
    L.append("## Summary\n")
    L.append("| measure | value | target |\n|---|---:|---:|")
    L.append(f"| inputs tried (photos, hostile sidecars, hostile parameter files, foreign sidecars, fuzzed documents) | {inputs} | |")
    L.append(f"| CLI runs on the photo corpus (3 commands × {len(photos['cases'])} inputs) | {runs} | |")
    L.append(f"| crashes (traceback, undocumented exit code, signal, or an undocumented exception in fuzzing) | {crashes} | 0 |")
    L.append(f"| hangs (no exit within {TIME_LIMIT} s) | {hangs} | 0 |")
    L.append(f"| files changed (existing files modified or deleted, originals included; photos replaced by a mistyped output option) | {files_changed} | 0 |")
    L.append(f"| stray files left (lock, temp, `PWNED`) | {len(changes['stray'])} | 0 |")
    L.append(f"| fields lost (foreign XMP facts + exiftool tags + lost concurrent updates + torn writes) | {fields_lost} | 0 |")
    L.append(f"| hostile existing sidecars overwritten | {hostile_accepted} of {hostile_runs} | 0 |")
    L.append(f"| plug-in injection tests | {'pass' if results['injection']['ok'] else 'FAIL'}: {results['injection']['summary']} | pass |")
    L.append("")
    L.append("## 1. Photo corpus through the CLI\n")
    L.append("Each input ran `suggest --sidecar darktable`, `suggest --sidecar lightroom` and `render --suggest` "
             "in its own process. *expected*: ✓ must work, ✗ must be refused, ~ either (no crash).\n")
    L.append("| input | why it is there | expected | darktable | lightroom | render |\n|---|---|:-:|---|---|---|")
    for case, outcome in photos["rows"]:
        mark = {True: "✓", False: "✗", None: "~"}[case.ok]
        name = case.name.replace("\n", "\\n").replace("|", "\\|").replace("`", "\\`")
        L.append(f"| `{name}` | {case.why.replace('|', '/')} | {mark} | {outcome['darktable']} | "
                 f"{outcome['lightroom']} | {outcome['render']} |")
    L.append("")
    if photos["problems"]:
        L.append("Problems found (each is a bug to fix, listed with the last stderr line):\n")
        L.append("| input | command | problem | message |\n|---|---|---|---|")
        for name, label, kind, message in photos["problems"]:
            name = name.replace("\n", "\\n").replace("|", "\\|")
            L.append(f"| `{name}` | {label} | {kind} | {message.replace('|', '/')} |")
        L.append("")
    else:
        L.append("No problems: every valid input worked, every hostile one was refused with one line.\n")
    L.append("## 2. Hostile existing sidecars and parameter files\n")
    L.append("| check | result |\n|---|---|")
    for editor, r in hostile["results"].items():
        types = Counter(r["refused"].values())
        L.append(f"| {len(hostile['photos'])} photos whose {editor} sidecar is hostile ({', '.join(sidecar_cases())}) | "
                 f"refused {len(r['refused'])} ({', '.join(f'{k}: {v}' for k, v in types.items())}); overwritten {len(r['written'])} |")
    L.append(f"| {len(HOSTILE_PARAMS)} hostile parameter/job files × 3 commands ({', '.join(HOSTILE_PARAMS)}) | "
             f"{dict(params['tally'])}; problems {len(params['problems'])} |")
    for name, command, kind, message in params["problems"]:
        L.append(f"| ↳ `{name}` with `{command}` | {kind}: {message.replace('|', '/')} |")
    L.append("")
    L.append("## 3. Output options pointing at a photo\n")
    L.append("A mistyped `--out`, `-o` or `--result` that names a photo (directly, or the input reached "
             "through a symbolic or hard link) must be refused, never replace the photo.\n")
    L.append("| command (`p.jpg` photo, `link.jpg` → `p.jpg`, `hard.jpg` = hard link, `other.png` photo) | run | photos replaced |\n|---|---|---|")
    for command, kind, changed in results["mistyped"]["rows"]:
        L.append(f"| `{command}` | {kind} | {', '.join(changed) if changed else 'none'} |")
    L.append("")
    L.append("## 4. Foreign sidecars: nothing lost\n")
    L.append("Our sidecar is merged into sidecars written by other tools; every property we do not own is compared "
             "before and after as XMP facts (`tests/reliability/xmp_diff.py`), darktable's old history items must "
             "stay in order, and exiftool must read every foreign tag back unchanged. The previous file is kept "
             "as `.bak`.\n")
    L.append("| sidecar | written by us as | run | facts lost | exiftool tags lost | `.bak` kept | details |\n|---|---|---|---:|---:|:-:|---|")
    for label, editor, kind, lost, tags, bak, detail in foreign["rows"]:
        L.append(f"| {label} | {editor} | {kind} | {lost} | {tags if foreign['exiftool'] else 'n/a'} | "
                 f"{'yes' if bak else 'no'} | {detail.replace('|', '/')} |")
    L.append("")
    L.append("## 5. Atomic writes and locking\n")
    L.append("| check | result |\n|---|---|")
    L.append(f"| writer SIGKILLed at a random moment while rewriting a 200 kB sidecar in a loop | "
             f"{kills['rounds']} rounds, {kills['torn']} torn sidecars or backups; after the next write "
             f"{len(kills['leftovers'])} leftover temp/lock files |")
    L.append(f"| {conc['writers']} processes × {conc['updates']} read-merge-write updates of one sidecar | "
             f"{conc['lost']} updates lost |")
    L.append("")
    L.append("## 6. Fuzzing\n")
    L.append("| parser | inputs | undocumented exceptions |\n|---|---:|---|")
    L.append(f"| `Params.from_dict` / `from_json` (random JSON incl. huge ints, NaN, deep nesting) | {fuzz['params']} | "
             f"{dict(fuzz['params_unexpected']) or 'none'} |")
    L.append(f"| `aienhance.sidecar.parse_xmp_bytes` (mutated real and hostile XMP) | {fuzz['xmp']} | "
             f"{dict(fuzz['xmp_unexpected']) or 'none'} |")
    L.append("")
    L.append("## 7. Files changed\n")
    L.append(f"{changes['checked']} files existed in the corpus folders before the runs (photos, hostile sidecars, "
             "parameter files, symlinks, FIFO). After all runs: "
             f"{len(changes['modified'])} modified, {len(changes['deleted'])} deleted, "
             f"{len(changes['stray'])} stray new files"
             + (": " + ", ".join(f"`{p}`" for p in changes["modified"] + changes["deleted"] + changes["stray"])
                if files_changed or changes["stray"] else "") + ".\n")
    L.append("## Security notes\n")
    L.append("* **No server mode.** aienhance has no network listener of any kind; the plug-ins start the CLI "
             "as a child process. Should one ever be added it must bind to loopback only and require a "
             "per-session token.\n"
             "* **Sidecar XML** is parsed with defusedxml: DTDs (and so entity-expansion bombs, external "
             "entities, remote DTDs) are refused with a `SidecarError`; files over 64 MiB are refused.\n"
             "* **Writes** next to photos go through `aienhance.sidecar.write_atomic` (lock, backup, temp file, "
             "fsync, rename); `write_atomic` never replaces an image file, so a mistyped `--out`/`--result` cannot turn a photo into a report. `render -o` refuses the input photo (also through a symbolic or hard link) but replaces any other existing file it is pointed at (an explicit user choice, as with `cp`; section 3).\n"
             "* **Plug-ins** pass photo names in a list/job file, never on the command line; the few paths on "
             "the command line are quoted once, where the command is built.\n"
             "* **Special files and links.** A sidecar that is a FIFO, device, directory, or a symbolic link to "
             "one of those or to nothing is refused before any lock file is created; reading never blocks. "
             "A symbolic link to a regular sidecar is followed (the link stays a link).\n"
             "* **Known limits of rename-based writes.** A sidecar with a second hard link loses the link "
             "(the other name keeps the previous version); extended attributes and ACLs are not carried "
             "over (the permission bits are). The lock file `<sidecar>.lock` exists only while writing; "
             "a writer killed at any moment leaves at most an orphan temp file, removed by the next write.\n")
    loaders = ROOT / "docs" / "reliability_loaders.md"
    if loaders.exists():
        L.append("## Image loaders (from docs/reliability_loaders.md)\n")
        text = loaders.read_text(encoding="utf-8")
        L.append("\n".join(("#" + line) if line.startswith("#") else line for line in text.splitlines()))
        L.append("")
    report = "\n".join(L) + "\n"
    if out == "-":
        sys.stdout.write(report)
    else:
        Path(out).write_text(report, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "docs" / "reliability.md"), help="report path, '-' for stdout")
    parser.add_argument("--kills", type=int, default=20, help="SIGKILL rounds")
    parser.add_argument("--fuzz", type=int, default=2000, help="fuzzed documents per parser")
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args(argv)
    log = (lambda *a: None) if args.quiet else (lambda *a: print(*a, file=sys.stderr, flush=True))
    results = {"when": _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
               "machine": f"{platform.system()} {platform.machine()}, Python {platform.python_version()}, "
                          f"{os.cpu_count()} cores"}
    with tempfile.TemporaryDirectory(prefix="aienhance-reliability-") as tmp:
        work = Path(tmp)
        log("photo corpus")
        # build every corpus folder first, so the snapshot covers everything before any run
        cases = make_image_corpus(work / "photos")
        make_sidecar_corpus(work / "hostile_sidecars")
        param_names = make_params_corpus(work / "hostile_params")
        shutil.copy(ROOT / "aienhance" / "samples" / "coffee.jpg", work / "hostile_params" / "p.jpg")
        before = snapshot(work)
        results["photos"] = run_photos(work, log, cases)
        log("hostile sidecars")
        results["hostile"] = run_hostile_sidecars(work, log)
        log("hostile parameters")
        results["params"] = run_hostile_params(work, log, param_names)
        after_corpus = snapshot(work)
        log("mistyped outputs")
        results["mistyped"] = run_mistyped_outputs(work, log)
        log("foreign sidecars")
        results["foreign"] = run_foreign(work, log)
        log("atomicity")
        results["kills"] = run_kills(work, log, args.kills)
        results["concurrency"] = run_concurrency(work, log)
        log("fuzzing")
        results["fuzz"] = run_fuzz(log, args.fuzz, args.fuzz)
        log("injection")
        results["injection"] = run_injection(log)
        modified = sorted(p for p, h in before.items() if p in after_corpus and after_corpus[p] != h)
        deleted = sorted(p for p in before if p not in after_corpus)
        allowed_new = (".xmp", ".xmp.bak", ".png")
        stray = sorted(p for p in after_corpus if p not in before and not p.startswith("renders")
                       and not p.endswith(allowed_new)
                       and p not in ("hostile_params/out.png", "hostile_params/r.json"))
        stray += sorted(p for p in snapshot(work)
                        if Path(p).name.startswith("PWNED") or p.endswith((".lock", ".aienhance-tmp")))
        results["changes"] = {"checked": len(before), "modified": modified, "deleted": deleted,
                              "stray": sorted(set(stray))}
        log(f"files: {len(before)} checked, modified {modified}, deleted {deleted}, stray {stray}")
    write_report(results, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
