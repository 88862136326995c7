"""The admin tests' fixtures: no ``MAILLAGE_*`` variable of the shell, a logged-in client."""

from __future__ import annotations

import pytest
from aiohttp.test_utils import TestClient

from node.home import Node
from tests.admin.test_admin import log_in
from tests.support.cli import clean_environment


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch) -> None:
    clean_environment(monkeypatch)


@pytest.fixture
async def admin(client: TestClient, node: Node) -> str:
    """The CSRF token of ``client``'s session, logged in through a fresh link."""
    return await log_in(client, node.settings)
