#!/bin/sh
# The full schema.org check of a census node (tests/clients/schemaorg.py).
set -eu
PYTHON=${PYTHON:-.venv/bin/python}
"$PYTHON" -m tests.clients.schemaorg
