"""Crash safety, locking, hostile-XML refusal and prefix preservation of aienhance.sidecar."""

from __future__ import annotations

import glob
import os
import random
import signal
import subprocess
import sys
import textwrap
import threading
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from aienhance.errors import SidecarError
from aienhance.sidecar import (
    NS_RDF,
    TEMP_SUFFIX,
    backup_path,
    lock_path,
    locked,
    locking,
    new_xmp_tree,
    parse_xmp_bytes,
    read_xmp,
    serialise_xmp,
    update_xmp,
    write_atomic,
)

SAMPLES = sorted(glob.glob("/work/shared/reference/samples/*.xmp")) or sorted(
    glob.glob(str(Path(__file__).resolve().parents[1] / "data" / "sidecars" / "*.xmp"))
)
REPO = Path(__file__).resolve().parents[2]
NS_TEST = "urn:aienhance:test/"

EXIFTOOL_STYLE = """<?xpacket begin='\ufeff' id='W5M0MpCehiHzreSzNTczkc9d'?>
<x:xmpmeta xmlns:x='adobe:ns:meta/' x:xmptk='Image::ExifTool 12.57'>
<rdf:RDF xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#'>
 <rdf:Description rdf:about=''
  xmlns:dc='http://purl.org/dc/elements/1.1/'>
  <dc:subject>
   <rdf:Bag>
    <rdf:li>harbour</rdf:li>
    <rdf:li>Zürich ☃</rdf:li>
   </rdf:Bag>
  </dc:subject>
  <dc:title><rdf:Alt><rdf:li xml:lang='x-default'>A &amp; B &lt;test&gt;</rdf:li></rdf:Alt></dc:title>
 </rdf:Description>
 <rdf:Description rdf:about=''
  xmlns:exif='http://ns.adobe.com/exif/1.0/'>
  <exif:GPSLatitude>47,22.5N</exif:GPSLatitude>
 </rdf:Description>
 <rdf:Description rdf:about='' xmlns:xmp='http://ns.adobe.com/xap/1.0/' xmp:Rating='4'/>
</rdf:RDF>
</x:xmpmeta>
<?xpacket end='w'?>""".encode()


def _child(code: str, **env: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(code)],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO), **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def _canonical(element: ET.Element) -> tuple:
    """Everything that carries meaning in XMP: tag, attributes, text, tail, children, in order."""
    return (
        element.tag,
        tuple(sorted(element.attrib.items())),
        (element.text or "").strip(),
        (element.tail or "").strip(),
        tuple(_canonical(child) for child in element),
    )


def _used_prefixes(data: bytes) -> dict[str, str]:
    """``{uri: prefix}`` for every namespace an element or attribute of ``data`` uses."""
    declared: dict[str, str] = {}
    used: set[str] = set()
    for event, item in ET.iterparse(__import__("io").BytesIO(data), events=("start-ns", "start")):
        if event == "start-ns":
            declared.setdefault(item[1], item[0])
        else:
            for name in (item.tag, *item.attrib):
                if name.startswith("{"):
                    used.add(name[1:].split("}")[0])
    return {uri: declared[uri] for uri in used if uri in declared}


# -- crash safety -------------------------------------------------------------------------------

@pytest.mark.parametrize("seed", range(4))
def test_kill_between_write_and_rename_keeps_old_file(tmp_path, seed):
    rng = random.Random(seed)
    target = tmp_path / "x.xmp"
    old = b"<old/>" * 1000
    target.write_bytes(old)
    new = bytes(rng.getrandbits(8) for _ in range(50_000))
    (tmp_path / "new.bin").write_bytes(new)
    proc = _child(
        f"""
        from pathlib import Path
        from aienhance.sidecar import write_atomic
        write_atomic({str(target)!r}, Path({str(tmp_path / 'new.bin')!r}).read_bytes())
        """,
        AIENHANCE_SIDECAR_TEST_PAUSE="30",
    )
    try:
        # the backup's temp file comes first; wait until the sidecar's own temp file exists
        deadline = time.monotonic() + 20
        while not any(
            n.startswith(".x.xmp.") and not n.startswith(".x.xmp.bak") and n.endswith(TEMP_SUFFIX)
            for n in os.listdir(tmp_path)
        ):
            assert time.monotonic() < deadline, proc.stderr.read() if proc.poll() is not None else "no temp"
            time.sleep(0.005)
        time.sleep(rng.uniform(0, 0.3))
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    assert proc.returncode == -signal.SIGKILL
    assert target.read_bytes() == old
    assert backup_path(target).read_bytes() == old
    # the next writer takes the lock (released by the kernel), cleans the orphan temp file
    write_atomic(target, b"<next/>")
    assert target.read_bytes() == b"<next/>"
    assert backup_path(target).read_bytes() == old
    leftovers = [n for n in os.listdir(tmp_path) if n.endswith((TEMP_SUFFIX, ".lock"))]
    assert leftovers == []


@pytest.mark.parametrize("seed", range(5))
def test_kill_at_random_moment_leaves_a_complete_version(tmp_path, seed):
    rng = random.Random(1000 + seed)
    target = tmp_path / "x.xmp"

    def version(i: int) -> bytes:
        return (f"<v{i}>".encode() + bytes([i % 251]) * 300_000 + f"</v{i}>".encode())

    write_atomic(target, version(0))
    proc = _child(
        f"""
        import sys
        from aienhance.sidecar import write_atomic
        print("ready", flush=True)
        for i in range(1, 10_000):
            write_atomic({str(target)!r}, b"<v%d>" % i + bytes([i % 251]) * 300_000 + b"</v%d>" % i)
        """
    )
    assert proc.stdout.readline().strip() == b"ready"
    time.sleep(rng.uniform(0.05, 0.6))
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    data = target.read_bytes()
    i = int(data[2 : data.index(b">")])
    assert data == version(i), "sidecar is a mixture of two versions"
    if backup_path(target).exists():
        b = backup_path(target).read_bytes()
        j = int(b[2 : b.index(b">")])
        assert b == version(j)


# -- concurrency ---------------------------------------------------------------------------------

_APPENDER = """
import sys, xml.etree.ElementTree as ET
from aienhance.sidecar import update_xmp, new_xmp_tree, NS_RDF
who, n, path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
def add(i):
    def merge(tree):
        tree = tree if tree is not None else new_xmp_tree()
        desc = tree.getroot().find(f".//{{{NS_RDF}}}Description")
        ET.SubElement(desc, "{urn:aienhance:test/}item", {"{urn:aienhance:test/}who": who, "{urn:aienhance:test/}n": str(i)})
        return tree
    return merge
for i in range(n):
    update_xmp(path, add(i))
"""


def test_concurrent_processes_lose_no_update(tmp_path):
    target = tmp_path / "shared.xmp"
    writers, n = 3, 25
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _APPENDER, f"p{k}", str(n), str(target)],
            cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)}, stderr=subprocess.PIPE,
        )
        for k in range(writers)
    ]
    for p in procs:
        _, err = p.communicate(timeout=120)
        assert p.returncode == 0, err.decode()
    tree = read_xmp(target)  # valid XMP
    items = tree.getroot().findall(f".//{{{NS_TEST}}}item")
    seen = sorted((e.get(f"{{{NS_TEST}}}who"), int(e.get(f"{{{NS_TEST}}}n"))) for e in items)
    assert seen == sorted((f"p{k}", i) for k in range(writers) for i in range(n))
    # each writer's items are in its own order
    for k in range(writers):
        order = [int(e.get(f"{{{NS_TEST}}}n")) for e in items if e.get(f"{{{NS_TEST}}}who") == f"p{k}"]
        assert order == list(range(n))
    assert not lock_path(target).exists()
    assert _used_prefixes(target.read_bytes())["http://www.w3.org/1999/02/22-rdf-syntax-ns#"] == "rdf"


def test_threads_share_the_lock(tmp_path):
    target = tmp_path / "t.xmp"
    errors: list[BaseException] = []

    def worker(k: int) -> None:
        try:
            for i in range(10):
                def merge(tree, k=k, i=i):
                    tree = tree if tree is not None else new_xmp_tree()
                    desc = tree.getroot().find(f".//{{{NS_RDF}}}Description")
                    ET.SubElement(desc, f"{{{NS_TEST}}}item", {"k": str(k), "i": str(i)})
                    return tree
                update_xmp(target, merge)
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(read_xmp(target).getroot().findall(f".//{{{NS_TEST}}}item")) == 40


def test_lock_times_out_while_other_process_holds_it(tmp_path):
    target = tmp_path / "held.xmp"
    proc = _child(
        f"""
        import time
        from aienhance.sidecar import locked
        with locked({str(target)!r}):
            print("held", flush=True)
            time.sleep(30)
        """
    )
    try:
        assert proc.stdout.readline().strip() == b"held"
        start = time.monotonic()
        with pytest.raises(SidecarError, match="timed out"), locked(target, timeout=0.3):
            pass
        assert 0.25 < time.monotonic() - start < 5
    finally:
        proc.kill()
        proc.wait()
    # the kernel released the dead holder's lock
    with locked(target, timeout=5):
        pass


def test_lock_is_reentrant_and_cleans_up(tmp_path):
    target = tmp_path / "r.xmp"
    with locked(target):
        assert lock_path(target).exists()
        with locked(target, timeout=0.5):
            write_atomic(target, b"<a/>")
        assert lock_path(target).exists()
    assert not lock_path(target).exists()
    assert target.read_bytes() == b"<a/>"


def test_fallback_lock_without_fcntl(tmp_path, monkeypatch):
    monkeypatch.setattr(locking, "fcntl", None)
    target = tmp_path / "f.xmp"
    counter = tmp_path / "count"
    counter.write_text("0")

    def bump() -> None:
        for _ in range(20):
            with locked(target, timeout=20):
                value = int(counter.read_text())
                time.sleep(0.0005)
                counter.write_text(str(value + 1))

    threads = [threading.Thread(target=bump) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert counter.read_text() == "60"
    assert not lock_path(target).exists()
    # a stale lock file from a crashed process is taken over
    lock_path(target).write_text("12345")
    old = time.time() - 3600
    os.utime(lock_path(target), (old, old))
    with locked(target, timeout=2, stale_after=60):
        pass


# -- backup, modes, odd targets -------------------------------------------------------------------

def test_backup_keeps_previous_version(tmp_path):
    target = tmp_path / "b.xmp"
    write_atomic(target, b"one")
    assert not backup_path(target).exists()
    write_atomic(target, b"two")
    assert backup_path(target).read_bytes() == b"one"
    write_atomic(target, b"three")
    assert (target.read_bytes(), backup_path(target).read_bytes()) == (b"three", b"two")
    write_atomic(target, b"four", backup=False)
    assert (target.read_bytes(), backup_path(target).read_bytes()) == (b"four", b"two")


def test_mode_and_symlink_are_kept(tmp_path):
    real = tmp_path / "real.xmp"
    real.write_bytes(b"old")
    os.chmod(real, 0o640)
    link = tmp_path / "link.xmp"
    link.symlink_to(real)
    write_atomic(link, b"new")
    assert link.is_symlink() and real.read_bytes() == b"new"
    assert os.stat(real).st_mode & 0o777 == 0o640


def test_write_refuses_directory_and_missing_folder(tmp_path):
    (tmp_path / "dir.xmp").mkdir()
    with pytest.raises(SidecarError, match="not a regular file"):
        write_atomic(tmp_path / "dir.xmp", b"x")
    with pytest.raises(SidecarError):
        write_atomic(tmp_path / "missing" / "a.xmp", b"x")
    with pytest.raises(TypeError):
        write_atomic(tmp_path / "a.xmp", "text")  # type: ignore[arg-type]


def test_update_leaves_corrupt_sidecar_untouched(tmp_path):
    target = tmp_path / "c.xmp"
    target.write_bytes(b"<x:xmpmeta xmlns:x='adobe:ns:meta/'><broken")
    with pytest.raises(SidecarError, match="not well-formed"):
        update_xmp(target, lambda tree: b"never")
    assert target.read_bytes() == b"<x:xmpmeta xmlns:x='adobe:ns:meta/'><broken"
    assert not backup_path(target).exists()


# -- hostile XML -----------------------------------------------------------------------------------

BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<x:xmpmeta xmlns:x="adobe:ns:meta/">&lol3;</x:xmpmeta>"""
EXTERNAL = b"""<?xml version="1.0"?>
<!DOCTYPE x [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<x:xmpmeta xmlns:x="adobe:ns:meta/">&secret;</x:xmpmeta>"""
PARAMETER_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE x [<!ENTITY % remote SYSTEM "http://127.0.0.1:9/evil.dtd"> %remote;]>
<x:xmpmeta xmlns:x="adobe:ns:meta/"/>"""
PLAIN_DTD = b"""<?xml version="1.0"?>
<!DOCTYPE x:xmpmeta SYSTEM "http://127.0.0.1:9/xmp.dtd">
<x:xmpmeta xmlns:x="adobe:ns:meta/"/>"""


@pytest.mark.parametrize("data", [BOMB, EXTERNAL, PARAMETER_ENTITY, PLAIN_DTD], ids=["bomb", "external", "parameter", "dtd"])
def test_hostile_xml_is_refused(tmp_path, data):
    with pytest.raises(SidecarError, match="DTD|entit|external"):
        parse_xmp_bytes(data)
    path = tmp_path / "evil.xmp"
    path.write_bytes(data)
    with pytest.raises(SidecarError, match=str(path.name)):
        read_xmp(path)
    with pytest.raises(SidecarError):
        update_xmp(path, lambda tree: b"<x/>")
    assert path.read_bytes() == data


@pytest.mark.parametrize(
    "data, message",
    [
        (b"", "not well-formed"),
        (b"\x00\xff\xfe garbage", "not well-formed|decoded"),
        (b"<x:xmpmeta xmlns:x='adobe:ns:meta/'>", "not well-formed"),
        (b"<html><body/></html>", "not XMP"),
        (b"<?xml version='1.0' encoding='klingon'?><a/>", "not well-formed|decoded"),
    ],
)
def test_corrupt_xml_is_a_sidecar_error(data, message):
    with pytest.raises(SidecarError, match=message):
        parse_xmp_bytes(data)


def test_missing_sidecar_reads_as_none(tmp_path):
    assert read_xmp(tmp_path / "nope.xmp") is None
    (tmp_path / "d.xmp").mkdir()
    with pytest.raises(SidecarError, match="directory"):
        read_xmp(tmp_path / "d.xmp")


# -- faithful round trip ---------------------------------------------------------------------------

def _round_trip_cases():
    cases = [(Path(p).name, Path(p).read_bytes()) for p in SAMPLES]
    cases.append(("exiftool_style", EXIFTOOL_STYLE))
    return cases


@pytest.mark.parametrize("name, data", _round_trip_cases(), ids=[c[0] for c in _round_trip_cases()])
def test_round_trip_keeps_every_element_attribute_and_prefix(name, data):
    tree = parse_xmp_bytes(data)
    out = serialise_xmp(tree)
    assert _canonical(ET.fromstring(out)) == _canonical(ET.fromstring(data))
    assert _used_prefixes(out) == _used_prefixes(data)
    assert b"ns0:" not in out
    if data.startswith(b"<?xpacket"):
        assert out.startswith(data[: data.index(b"?>") + 2])
        assert out.rstrip().endswith(b"<?xpacket end='w'?>")
    assert out.startswith(b"<?xml") == data.startswith(b"<?xml")


@pytest.mark.parametrize("name, data", _round_trip_cases(), ids=[c[0] for c in _round_trip_cases()])
def test_update_adds_ours_and_keeps_theirs(tmp_path, name, data):
    target = tmp_path / "photo.jpg.xmp"
    target.write_bytes(data)

    def merge(tree):
        desc = tree.getroot().find(f".//{{{NS_RDF}}}Description")
        desc.set(f"{{{NS_TEST}}}mine", "1")
        return tree

    update_xmp(target, merge)
    assert backup_path(target).read_bytes() == data
    before, after = ET.fromstring(data), ET.fromstring(target.read_bytes())
    first = after.find(f".//{{{NS_RDF}}}Description")
    assert first.attrib.pop(f"{{{NS_TEST}}}mine") == "1"
    assert _canonical(after) == _canonical(before)
    prefixes = _used_prefixes(target.read_bytes())
    for uri, prefix in _used_prefixes(data).items():
        assert prefixes[uri] == prefix


def test_new_tree_serialises_to_valid_xmp():
    tree = new_xmp_tree()
    out = serialise_xmp(tree, namespaces=[("aie", NS_TEST)])
    assert out.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    again = parse_xmp_bytes(out)
    assert again.getroot().find(f".//{{{NS_RDF}}}Description") is not None
    assert ("x", "adobe:ns:meta/") in again.namespaces


# -- special files planted as sidecars -------------------------------------------------------------

def _special_sidecars(folder: Path) -> dict[str, Path]:
    out = {}
    if hasattr(os, "mkfifo"):
        os.mkfifo(folder / "fifo.xmp")
        out["fifo"] = folder / "fifo.xmp"
    if os.path.exists("/dev/zero"):
        (folder / "zero.xmp").symlink_to("/dev/zero")
        out["device link"] = folder / "zero.xmp"
    (folder / "dangling.xmp").symlink_to(folder / "nowhere" / "target.xmp")
    out["dangling link"] = folder / "dangling.xmp"
    return out


def test_special_files_are_refused_without_blocking(tmp_path):
    import signal as _signal

    specials = _special_sidecars(tmp_path)
    before = sorted(os.listdir(tmp_path))
    _signal.alarm(20)  # a blocking open of the FIFO would hang the test run
    try:
        for kind, path in specials.items():
            if kind != "dangling link":
                with pytest.raises(SidecarError, match="not a regular file"):
                    read_xmp(path)
            for write in (lambda p: update_xmp(p, lambda tree: b"<x/>"), lambda p: write_atomic(p, b"<x/>")):
                with pytest.raises(SidecarError, match="refusing to write"):
                    write(path)
    finally:
        _signal.alarm(0)
    assert sorted(os.listdir(tmp_path)) == before, "a lock, temp or backup file was created"
    assert not (tmp_path / "nowhere").exists()
    assert not Path("/dev/zero.lock").exists()


@pytest.mark.parametrize("head", [b"\xff\xd8\xff\xe0", b"\x89PNG\r\n\x1a\n", b"II*\x00", b"MM\x00*",
                                  b"\x00\x00\x00\x18ftypcrx ", b"FUJIFILMCCD-RAW 0201"],
                         ids=["jpeg", "png", "tiff-le", "tiff-be", "cr3", "raf"])
def test_an_image_is_never_replaced(tmp_path, head):
    photo = tmp_path / "photo.jpg"
    photo.write_bytes(head + b"\x00" * 100)
    with pytest.raises(SidecarError, match="image file"):
        write_atomic(photo, b"<x/>")
    assert photo.read_bytes() == head + b"\x00" * 100
    assert sorted(os.listdir(tmp_path)) == ["photo.jpg"]
