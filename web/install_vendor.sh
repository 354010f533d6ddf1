#!/bin/sh
# meson install: copies hls.js (installed from npm by tools/setup) next to the
# web pages, checked at install time rather than at configure time.
src=$1
dest="${MESON_INSTALL_DESTDIR_PREFIX}/$2"
if [ -f "$src" ]; then
  mkdir -p "$dest" && cp "$src" "$dest/"
else
  echo "onair: $src is missing (tools/setup installs it from npm); the HLS page will not play" >&2
fi
