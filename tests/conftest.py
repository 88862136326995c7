from __future__ import annotations

from pathlib import Path

import pytest

from node.home import Node, create_home
from tests.support.http_servers import NAME, serve

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"


def shared_path(*parts: str) -> Path:
    """A file of ``../shared``; the calling test is skipped when it is absent."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"peer data absent: {path} (../shared is not beside the project)")
    return path


# A node and a test client of its app, for the HTTP tests (modules may define their own).
@pytest.fixture
def node(tmp_path: Path):
    with create_home(tmp_path / "home", name=NAME) as opened:
        yield opened


@pytest.fixture
async def client(node: Node):
    client = await serve(node.settings)
    yield client
    await client.close()
