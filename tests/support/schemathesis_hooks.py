"""schemathesis hooks for this node's API (``SCHEMATHESIS_HOOKS=tests.support.schemathesis_hooks``).

A push body (``application/x-ndjson``) is signed entries: no generator can forge a signature,
so a schema-valid case would always be refused. A positive case therefore sends the example
of the operation (the node's own first entry, which the description carries): it is accepted
as a duplicate. A negative case (not a string) is sent as its JSON text, and refused.
"""

from __future__ import annotations

import json
from typing import Any

import schemathesis


@schemathesis.serializer("application/x-ndjson")
def ndjson(ctx: Any, value: Any) -> bytes:
    if isinstance(value, bytes):
        return value
    meta = getattr(ctx.case, "meta", None)
    positive = meta is None or meta.generation.mode.is_positive
    if isinstance(value, str) and positive:
        body = ctx.case.operation.definition.raw.get("requestBody", {})
        example = body.get("content", {}).get("application/x-ndjson", {}).get("example")
        return (example or value).encode("utf-8")
    return (value if isinstance(value, str) else json.dumps(value)).encode("utf-8")
