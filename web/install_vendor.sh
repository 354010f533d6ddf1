#!/bin/sh
# meson install: copies a file of an npm package (hls.js, uPlot; tools/setup installs them)
# next to the web pages, checked at install time rather than at configure time.
src=$1
dest="${MESON_INSTALL_DESTDIR_PREFIX}/$2"
if [ -f "$src" ]; then
  mkdir -p "$dest" && cp "$src" "$dest/"
else
  echo "onair: $src is missing (tools/setup installs it from npm); the pages will lack it" >&2
fi
