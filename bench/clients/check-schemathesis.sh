#!/bin/sh
# schemathesis, every check, many examples, over the whole API of a sample node.
#   EXAMPLES (default 1000) examples per operation; SEED (default 1).
set -eu
. bench/clients/lib/node.sh
start_node
SCHEMATHESIS_HOOKS=tests.support.schemathesis_hooks PYTHONPATH=. NO_PROXY='*' \
    "$PYTHON" -m schemathesis.cli run "$NODE_URL/api/openapi.json" \
    --checks all --seed "${SEED:-1}" --max-examples "${EXAMPLES:-1000}" --workers 1 \
    --continue-on-failure --generation-database none --no-color \
    --report junit --report-dir "$CLIENTS/schemathesis"
if grep -q Traceback "$NODE_LOG"; then
    echo "traceback dans le journal du nœud ($NODE_LOG)" >&2
    exit 1
fi
