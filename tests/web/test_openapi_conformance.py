"""The OpenAPI description is as strict as the server, and describes every route of the API.

schemathesis (a client nobody here wrote) runs every check it has (``--checks all``: status
codes, content types, headers and bodies against the description, schema-valid requests
accepted and schema-violating ones refused, methods not allowed, ``Allow`` headers…) against
a real node on loopback, with a fixed seed and few examples; ``make check-clients`` runs
many more. Push may only reach loopback while it runs (``tests/support/sample_node.py``), and
the test checks that nothing else was reached.
"""

from __future__ import annotations

import ipaddress
import json
import os
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from node.app import routes
from tests.support import sample_node

ROOT = Path(__file__).resolve().parents[2]
API_PREFIXES = ("/api", "/feeds", "/inbox", "/.well-known")
#: Kept small so that the run stays well under a minute on a loaded CI machine.
EXAMPLES = 25
SEED = 20261202


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory):
    home = tmp_path_factory.mktemp("openapi") / "home"
    with sample_node.sample_node(home) as url:
        yield url


def _document(url: str) -> dict:
    with urllib.request.urlopen(f"{url}/api/openapi.json", timeout=10) as answer:
        return json.loads(answer.read())


def _api_routes() -> set[tuple[str, str]]:
    """(path, method) of every API route of ``node.app.routes()``."""
    return {
        (route.path, route.method.lower())
        for route in routes()
        if route.path.startswith(API_PREFIXES)
    }


def test_every_api_route_is_described_and_nothing_else(served: str):
    document = _document(served)
    described = {
        (path, method)
        for path, item in document["paths"].items()
        for method in item
        if method in ("get", "post", "put", "patch", "delete")
    }
    assert described == _api_routes()


def test_every_operation_says_what_it_is_and_what_it_may_answer(served: str):
    document = _document(served)
    tags = {tag["name"] for tag in document["tags"]}
    ids = []
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method == "parameters":
                continue
            where = f"{method.upper()} {path}"
            ids.append(operation["operationId"])
            assert operation["summary"] and operation["description"], where
            assert set(operation["tags"]) <= tags, where
            responses = operation["responses"]
            assert "Retry-After" in responses["503"]["headers"], where
            if operation.get("parameters") or "requestBody" in operation:
                assert "400" in responses, where
            if method == "post":
                assert {"413", "415", "429"} <= set(responses), where
    assert len(ids) == len(set(ids))
    search = document["paths"]["/api/search"]["get"]
    assert "304" in search["responses"]
    limit = {p["name"]: p for p in document["paths"]["/feeds/{did}/entries"]["get"]["parameters"]}
    assert (limit["limit"]["schema"]["minimum"], limit["limit"]["schema"]["maximum"]) == (1, 1000)
    assert limit["did"]["schema"]["pattern"].startswith("^(?:did:key:z6Mk")
    challenge = document["paths"]["/inbox/callback/{token}"]["get"]["parameters"]
    assert {p["name"] for p in challenge} == {"token", "mode", "challenge", "lease_seconds"}
    inbox = document["paths"]["/inbox"]["post"]["requestBody"]["content"]
    assert set(inbox) == {
        "application/json",
        "application/x-www-form-urlencoded",
        "multipart/form-data",
        "application/x-ndjson",
    }


def test_the_description_is_valid_openapi_3_1(served: str):
    from openapi_spec_validator import validate

    validate(_document(served))


def test_schemathesis_with_every_check_finds_nothing(served: str, tmp_path: Path):
    pytest.importorskip(
        "schemathesis", reason="paquet schemathesis absent (pip install -e '.[dev]')"
    )
    sample_node.CONNECTED.clear()
    command = [
        sys.executable, "-m", "schemathesis.cli", "run", f"{served}/api/openapi.json",
        "--checks", "all", "--seed", str(SEED), "--max-examples", str(EXAMPLES),
        "--workers", "1", "--no-color", "--continue-on-failure",
        "--generation-database", "none", "--request-timeout", "10",
    ]  # fmt: skip
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "SCHEMATHESIS_HOOKS": "tests.support.schemathesis_hooks",
        "NO_PROXY": "*",  # loopback only, whatever the environment says
    }
    run = subprocess.run(
        command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    output = run.stdout + run.stderr
    assert run.returncode == 0, output[-6000:]
    assert " passed" in output and "failure" not in output.split("SUMMARY")[-1], output[-3000:]
    # Push was asked to call back strangers' addresses: it reached loopback, and only loopback.
    reached = {address for _, address in sample_node.CONNECTED}
    assert all(ipaddress.ip_address(address).is_loopback for address in reached), reached
