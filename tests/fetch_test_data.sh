#!/usr/bin/env bash
# Fetch the real camera raw used by tests/io/test_raw.py: IMG_5952.CR2 (Canon EOS 30D, GPL-3+)
# from Debian's rawtran-doc package, into tests/data/cache/ (or the folder given as $1).
# Prints the path of the CR2 on success; exits 0 even when apt is unavailable (tests then skip).
set -u
dest="${1:-$(cd "$(dirname "$0")" && pwd)/data/cache}"
cr2="$dest/IMG_5952.CR2"
if [ -s "$cr2" ]; then echo "$cr2"; exit 0; fi
mkdir -p "$dest"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(
  cd "$work" || exit 1
  if ! apt-get download rawtran-doc >/dev/null 2>&1; then
    apt-get update >/dev/null 2>&1 || true
    apt-get download rawtran-doc >/dev/null 2>&1 || exit 1
  fi
  dpkg -x rawtran-doc_*.deb extracted || exit 1
) || { echo "fetch_test_data: could not download rawtran-doc; raw tests will skip" >&2; exit 0; }
src="$work/extracted/usr/share/doc/rawtran/IMG_5952.CR2"
if [ ! -s "$src" ] && [ -s "$src.gz" ]; then gunzip -c "$src.gz" > "$src"; fi
if [ -s "$src" ]; then cp "$src" "$cr2" && echo "$cr2"; else
  echo "fetch_test_data: IMG_5952.CR2 not found in rawtran-doc" >&2; fi
exit 0
