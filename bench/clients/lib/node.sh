# Sourced by the bench/clients/check-*.sh scripts: serve a sample node on loopback.
#
#   start_node        # sets NODE_URL; the node is stopped when the script exits
#
# The node is tests/support/sample_node.py: a real app holding a few records, on 127.0.0.1,
# port 0, whose push reaches loopback only (no DNS look-up, no other address).
PYTHON=${PYTHON:-.venv/bin/python}
CLIENTS=${CLIENTS:-.clients}

start_node() {
    mkdir -p "$CLIENTS"
    NODE_LOG="$CLIENTS/sample-node.log"
    "$PYTHON" -m tests.support.sample_node > "$NODE_LOG" 2>&1 &
    NODE_PID=$!
    trap 'status=$?; kill "$NODE_PID" 2>/dev/null || true; wait "$NODE_PID" 2>/dev/null || true; exit $status' EXIT
    for _ in $(seq 300); do
        NODE_URL=$(head -n 1 "$NODE_LOG" 2>/dev/null | grep '^http://127.0.0.1:' || true)
        [ -n "$NODE_URL" ] && return 0
        kill -0 "$NODE_PID" 2>/dev/null || break
        sleep 0.1
    done
    echo "le nœud d'essai n'a pas démarré :" >&2
    cat "$NODE_LOG" >&2
    return 1
}
