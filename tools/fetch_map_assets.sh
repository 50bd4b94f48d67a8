#!/usr/bin/env bash
# Install the JS/CSS that Folium maps load from CDNs into DIR/node_modules, so that headless
# Chromium can render a map on a machine without CDN access (see tests/browser_support.py).
#
#   bash tools/fetch_map_assets.sh DIR
#
# Versions are those that folium 0.20 / branca 0.8 write into their <script>/<link> tags (d3 is
# for branca's colour bar on the signal layer).  The rewriter in tests/browser_support.py maps
# URLs by package name and path, not by version, so a folium bump keeps working; update the pins
# here to stay faithful.  Idempotent: a stamp file records what
# was installed and the script returns at once when it matches.
set -euo pipefail

if [ $# -ne 1 ]; then
    echo "usage: $0 DIR" >&2
    exit 2
fi
DIR=$1

PACKAGES=(
    leaflet@1.9.3
    leaflet.markercluster@1.1.0
    jquery@3.7.1
    bootstrap@5.2.2
    @fortawesome/fontawesome-free@6.2.0
    drmonty-leaflet-awesome-markers@2.0.2
    d3@3.5.5
)
WANT="${PACKAGES[*]}"
STAMP="$DIR/.coverage-gaps-assets"

have_all() {
    [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$WANT" ] || return 1
    local f
    for f in leaflet/dist/leaflet.js leaflet.markercluster/dist/leaflet.markercluster.js \
             jquery/dist/jquery.min.js bootstrap/dist/js/bootstrap.bundle.min.js \
             d3/d3.min.js; do
        [ -f "$DIR/node_modules/$f" ] || return 1
    done
}

if have_all; then
    echo "map assets already in $DIR"
    exit 0
fi

command -v npm >/dev/null || { echo "npm is not installed" >&2; exit 1; }
mkdir -p "$DIR"
[ -f "$DIR/package.json" ] || echo '{"name": "coverage-gaps-map-assets", "private": true}' \
    > "$DIR/package.json"
npm install --prefix "$DIR" --no-audit --no-fund --ignore-scripts --loglevel=error \
    "${PACKAGES[@]}"
printf '%s' "$WANT" > "$STAMP"
have_all
echo "map assets installed in $DIR"
