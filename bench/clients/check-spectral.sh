#!/bin/sh
# spectral (npm @stoplight/spectral-cli, installed into .clients/spectral/), ruleset
# spectral:oas, on the description a sample node serves (written to .clients/openapi.json).
set -eu
. bench/clients/lib/node.sh
SPECTRAL="$CLIENTS/spectral/node_modules/.bin/spectral"
if [ ! -x "$SPECTRAL" ]; then  # a folder of its own: the other npm clients are not pruned
    mkdir -p "$CLIENTS/spectral"
    npm install --prefix "$CLIENTS/spectral" --no-audit --no-fund --ignore-scripts --silent \
        @stoplight/spectral-cli
fi
start_node
"$PYTHON" -c "import sys, urllib.request; sys.stdout.buffer.write(urllib.request.urlopen(sys.argv[1]).read())" \
    "$NODE_URL/api/openapi.json" > "$CLIENTS/openapi.json"
printf 'extends: ["spectral:oas"]\n' > "$CLIENTS/spectral.yaml"
# --fail-severity=warn: a warning fails the target too.
"$SPECTRAL" lint --ruleset "$CLIENTS/spectral.yaml" --fail-severity=warn "$CLIENTS/openapi.json"
