#!/usr/bin/env bash
# Re-vendors Chart.js from the npm registry into ambassador/static/vendor/chartjs/ (served locally,
# no CDN). npm checks the tarball against the registry's integrity hash; the hash is kept in VERSION.
#   tools/vendor_chartjs.sh            # the version pinned below
#   tools/vendor_chartjs.sh 4.6.3      # another version (then look at the charts and commit)
set -euo pipefail
VERSION="${1:-4.6.2}"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DEST="$ROOT/ambassador/static/vendor/chartjs"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"
npm pack --silent --json "chart.js@$VERSION" > pack.json
TARBALL="$(node -e 'process.stdout.write(require("./pack.json")[0].filename)')"
INTEGRITY="$(node -e 'process.stdout.write(require("./pack.json")[0].integrity)')"
tar xzf "$TARBALL"
mkdir -p "$DEST"
# The UMD build bundles its one dependency (@kurkle/color, MIT, same authors): one file, no loader.
cp package/dist/chart.umd.min.js "$DEST/chart.umd.min.js"
cp package/LICENSE.md "$DEST/LICENSE.md"
printf 'chart.js %s\n%s\n%s\n' "$VERSION" "$TARBALL" "$INTEGRITY" > "$DEST/VERSION"
echo "vendored chart.js $VERSION into $DEST ($INTEGRITY)"
