"""The client's address behind a trusted reverse proxy (``trusted_proxies``).

``X-Forwarded-For`` is believed only from a trusted network and read from its right end;
a forged header from anyone else changes nothing. The /inbox limit and the access log use
the address worked out.
"""

from __future__ import annotations

import ipaddress
import logging
from unittest import mock

import pytest
from aiohttp.test_utils import make_mocked_request

from node.app import AccessLogger, create_app
from node.client_address import forwarded_client
from node.home import Node, render_settings_file
from node.settings import Settings, SettingsError
from tests.support.http_servers import serve

LOCAL = [ipaddress.ip_network("127.0.0.1/32"), ipaddress.ip_network("::1/128")]
DOCKER = [ipaddress.ip_network("172.16.0.0/12")]
NDJSON = {"Content-Type": "application/x-ndjson"}


@pytest.mark.parametrize(
    ("remote", "forwarded", "trusted", "client"),
    [
        # no proxy trusted: the header is never read
        ("127.0.0.1", "203.0.113.7", [], "127.0.0.1"),
        # a request straight from the Internet with a forged header
        ("198.51.100.2", "203.0.113.7", LOCAL, "198.51.100.2"),
        # the proxy on the same machine names the visitor
        ("127.0.0.1", "203.0.113.7", LOCAL, "203.0.113.7"),
        ("::1", "2001:db8::5", LOCAL, "2001:db8::5"),
        # what the visitor wrote itself, left of the proxy's entry, is ignored
        ("127.0.0.1", "10.9.9.9, 1.2.3.4, 203.0.113.7", LOCAL, "203.0.113.7"),
        # two trusted proxies in a row (the host's Caddy, then Docker's gateway)
        ("172.18.0.1", "203.0.113.7, 127.0.0.1", [*LOCAL, *DOCKER], "203.0.113.7"),
        # several header lines joined by commas, blanks skipped
        ("127.0.0.1", "203.0.113.7 , ,", LOCAL, "203.0.113.7"),
        # ports and brackets, IPv4 mapped into IPv6
        ("127.0.0.1", "203.0.113.7:51000", LOCAL, "203.0.113.7"),
        ("127.0.0.1", "[2001:db8::5]:443", LOCAL, "2001:db8::5"),
        ("::ffff:127.0.0.1", "203.0.113.7", LOCAL, "203.0.113.7"),
        # garbage where an address should be: the last address known for sure
        ("127.0.0.1", "<script>, 203.0.113.7", LOCAL, "203.0.113.7"),
        ("127.0.0.1", "pas-une-adresse", LOCAL, "127.0.0.1"),
        ("127.0.0.1", "", LOCAL, "127.0.0.1"),
        # only trusted proxies all the way: the left-most of them
        ("127.0.0.1", "127.0.0.1", LOCAL, "127.0.0.1"),
        (None, "203.0.113.7", LOCAL, "?"),
    ],
)
def test_the_client_is_the_first_untrusted_address_from_the_right(
    remote, forwarded, trusted, client
) -> None:
    assert forwarded_client(remote, forwarded, trusted) == client


def test_trusted_proxies_come_from_the_file_or_the_environment(node: Node, monkeypatch) -> None:
    home = node.settings.home
    path = home / "maillage.toml"
    path.write_text(
        path.read_text("utf-8").replace(
            "trusted_proxies = []", 'trusted_proxies = ["127.0.0.1/32", "::1/128"]'
        ),
        "utf-8",
    )
    assert Settings.load(home).trusted_proxies == LOCAL
    monkeypatch.setenv("MAILLAGE_TRUSTED_PROXIES", '["172.16.0.0/12"]')
    assert Settings.load(home).trusted_proxies == DOCKER
    monkeypatch.setenv("MAILLAGE_TRUSTED_PROXIES", '["pas-un-réseau"]')
    with pytest.raises(SettingsError, match="trusted_proxies"):
        Settings.load(home)


def test_the_written_settings_file_holds_the_list() -> None:
    assert "\ntrusted_proxies = []\n" in render_settings_file("Lieu", None)


async def test_the_inbox_limit_counts_each_visitor_behind_a_trusted_proxy(node: Node) -> None:
    settings = Settings.load(
        node.settings.home, inbox_burst=1, inbox_per_minute=1, trusted_proxies=["127.0.0.1/32"]
    )
    client = await serve(settings)
    try:

        async def push(visitor: str) -> int:
            headers = {**NDJSON, "X-Forwarded-For": visitor}
            return (await client.post("/inbox", data=b"", headers=headers)).status

        assert await push("203.0.113.7") == 400  # an empty push: refused, but counted
        assert await push("203.0.113.7") == 429
        assert await push("203.0.113.8") == 400  # another visitor, its own bucket
    finally:
        await client.close()


async def test_a_forged_header_does_not_escape_the_limit(node: Node) -> None:
    settings = Settings.load(node.settings.home, inbox_burst=1, inbox_per_minute=1)
    client = await serve(settings)
    try:
        for visitor, status in (("203.0.113.7", 400), ("203.0.113.8", 429)):
            headers = {**NDJSON, "X-Forwarded-For": visitor}
            assert (await client.post("/inbox", data=b"", headers=headers)).status == status
    finally:
        await client.close()


def test_the_access_log_names_the_visitor(node: Node, caplog) -> None:
    settings = Settings.load(node.settings.home, trusted_proxies=["127.0.0.1/32"])
    from_the_proxy = mock.Mock()
    from_the_proxy.get_extra_info.return_value = ("127.0.0.1", 51000)
    request = make_mocked_request(
        "GET",
        "/",
        headers={"X-Forwarded-For": "203.0.113.7"},
        app=create_app(settings),
        transport=from_the_proxy,
    )
    answer = mock.Mock(status=200, body_length=0)
    logger = logging.getLogger("test.access")
    with caplog.at_level(logging.INFO, logger="test.access"):
        AccessLogger(logger, "").log(request, answer, 0.001)
    assert caplog.records[0].getMessage().startswith("203.0.113.7 GET / 200")
