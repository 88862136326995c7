"""``deploy/`` and ``docs/deploiement.md``: what can be checked without Docker or a VPS.

The compose file, the Dockerfile, the systemd unit and the proxy configurations are checked
for what they promise (three nodes following one another, a non-root user, a healthcheck,
hardening, the same request size limit as the node); ``systemd-analyze verify`` and
``nginx -t`` run when those tools are installed. The entrypoint script runs for real with our
``maillage`` command, against a real node served on loopback. Every ``maillage`` command the
guide tells a volunteer to type must exist.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import re
import selectors
import shutil
import stat
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import pytest

from node.cli.main import build_parser
from node.settings import Settings
from node.store.database import Store
from protocol.keys import load_key

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
GUIDE = ROOT / "docs" / "deploiement.md"
ENTRYPOINT = DEPLOY / "docker-entrypoint.sh"
BIN = Path(sys.executable).parent
TIMEOUT = 60


def environment(**extra: str) -> dict[str, str]:
    """The caller's environment, without MAILLAGE_* settings, with our ``maillage`` first."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAILLAGE_")}
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env["PYTHONUNBUFFERED"] = "1"
    env.update(extra)
    return env


# -- docker-compose.yml ---------------------------------------------------------------------


def test_compose_runs_three_nodes_following_one_another():
    yaml = pytest.importorskip("yaml")
    compose = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text("utf-8"))
    services = compose["services"]
    assert sorted(services) == ["a", "b", "c"]
    urls, follows, volumes, ports = {}, {}, set(), set()
    for name, service in services.items():
        assert service["build"]["dockerfile"] == "deploy/Dockerfile"
        assert (DEPLOY / service["build"]["context"] / "deploy" / "Dockerfile").is_file()
        env = service["environment"]
        urls[name] = env["MAILLAGE_PUBLIC_URL"]
        assert urls[name] == f"http://{name}:8080"  # the service name: peers can push to it
        follows[name] = set(env["MAILLAGE_FOLLOW"].replace(",", " ").split())
        assert env["MAILLAGE_NAME"]
        (volume,) = service["volumes"]
        source, target = volume.split(":")
        assert target == "/data" and source in compose["volumes"]
        volumes.add(source)
        (port,) = service["ports"]
        assert port.startswith("127.0.0.1:")  # never open to the network past the firewall
        ports.add(port)
        assert service["init"] is True  # reaps the follow helper the entrypoint leaves behind
    assert len(volumes) == len(ports) == 3  # one key, one store per node
    for name in services:
        assert follows[name] == {urls[other] for other in services if other != name}


# -- Dockerfile, .dockerignore ----------------------------------------------------------------


def dockerfile_stages() -> list[list[str]]:
    """The instructions of each stage (continuation lines joined, comments dropped)."""
    text = (DEPLOY / "Dockerfile").read_text("utf-8")
    text = re.sub(r"\\\n", " ", "\n".join(ln for ln in text.splitlines() if not ln.startswith("#")))
    stages: list[list[str]] = []
    for line in text.splitlines():
        if line.startswith("FROM "):
            stages.append([])
        if line.strip() and stages:
            stages[-1].append(" ".join(line.split()))
    return stages


def test_dockerfile_slim_multi_stage_non_root_with_healthcheck():
    builder, final = dockerfile_stages()
    assert builder[0] == "FROM python:3.11-slim AS builder"
    assert final[0] == "FROM python:3.11-slim"
    assert any("gcc" in line for line in builder)  # the C validator is compiled here…
    assert not any("gcc" in line or "apt-get" in line for line in final)  # …and only here
    assert any('import protocol._jcs"' in line for line in builder)
    users = [line.split()[1] for line in final if line.startswith("USER ")]
    assert users and users[-1].split(":")[0] not in ("root", "0")
    assert "HEALTHCHECK" in " ".join(final) and "/.well-known/maillage" in " ".join(final)
    assert "curl" not in " ".join(final)
    assert "EXPOSE 8080" in final and 'VOLUME ["/data"]' in final
    assert 'ENTRYPOINT ["docker-entrypoint.sh"]' in final and 'CMD ["serve"]' in final
    env = " ".join(line for line in final if line.startswith("ENV "))
    assert "MAILLAGE_HOME=/data" in env and "MAILLAGE_HOST=0.0.0.0" in env
    for line in builder + final:  # every file copied from the build context exists
        if line.startswith("COPY ") and "--from=" not in line:
            for source in line.split()[1:-1]:
                if not source.startswith("--"):
                    assert (ROOT / source).exists(), source


def test_dockerignore_keeps_secrets_out_and_sources_in():
    patterns = [
        line.strip()
        for line in (ROOT / ".dockerignore").read_text("utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    for secret in ("**/key.pem", "**/*.sqlite3", ".venv", ".git"):
        assert secret in patterns
    for needed in ("pyproject.toml", "setup.py", "README.md", "protocol", "node", "search"):
        assert needed not in patterns
    assert "deploy" not in patterns  # the entrypoint script is copied from there


def healthcheck_command() -> list[str]:
    (line,) = [x for x in dockerfile_stages()[1] if x.startswith("HEALTHCHECK")]
    return json.loads(line[line.index("CMD ") + 4 :])


# -- a real node on loopback, for the healthcheck and the entrypoint ---------------------


class Served:
    """``maillage serve --port 0`` in a child process; its URL once it listens."""

    def __init__(self, home: Path) -> None:
        self.process = subprocess.Popen(
            [str(BIN / "maillage"), "serve", "--home", str(home), "--port", "0"],
            env=environment(),
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        line = self._first_line(time.monotonic() + TIMEOUT)
        found = re.search(r"http://127\.0\.0\.1:([0-9]+)/", line)
        assert found, line
        self.port = int(found.group(1))
        self.url = f"http://127.0.0.1:{self.port}"

    def _first_line(self, deadline: float) -> str:
        assert self.process.stdout is not None
        buffer = b""
        with selectors.DefaultSelector() as selector:
            selector.register(self.process.stdout, selectors.EVENT_READ)
            while b"\n" not in buffer:
                remaining = deadline - time.monotonic()
                assert remaining > 0, f"the node printed no address: {buffer!r}"
                if selector.select(remaining):
                    chunk = os.read(self.process.stdout.fileno(), 4096)
                    assert chunk, f"the node exited ({self.process.poll()}): {buffer!r}"
                    buffer += chunk
        return buffer.split(b"\n", 1)[0].decode("utf-8")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        if self.process.stdout is not None:
            self.process.stdout.close()


def maillage(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / "maillage"), *map(str, args)],
        env=environment(),
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )


@pytest.fixture
def neighbour(tmp_path: Path):
    """A node with a profile, served on loopback."""
    if not (BIN / "maillage").exists():
        pytest.skip("the maillage command is not installed beside this Python")
    home = tmp_path / "voisin"
    assert maillage("init", "--home", home, "--name", "Le Voisin").returncode == 0
    profile = tmp_path / "profil.json"
    profile.write_text('{"name": "Le Voisin", "department": "24"}', "utf-8")
    assert maillage("profile", "put", "--home", home, profile).returncode == 0
    served = Served(home)
    yield served, load_key(home / "key.pem").did
    served.stop()


def test_the_healthcheck_asks_the_node_who_it_is(neighbour):
    served, _ = neighbour
    command = healthcheck_command()
    assert command[0] == "python"
    command[0] = sys.executable
    run = subprocess.run(command, env=environment(MAILLAGE_PORT=str(served.port)), timeout=30)
    assert run.returncode == 0
    closed = subprocess.run(
        command, env=environment(MAILLAGE_PORT="1"), capture_output=True, timeout=30
    )
    assert closed.returncode != 0


# -- the entrypoint script ---------------------------------------------------------------------


def entrypoint(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["sh", str(ENTRYPOINT), *args],
        env=environment(**env),
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )


def test_entrypoint_syntax_and_mode():
    assert subprocess.run(["sh", "-n", str(ENTRYPOINT)], timeout=30).returncode == 0
    assert ENTRYPOINT.stat().st_mode & stat.S_IXUSR
    assert ENTRYPOINT.read_text("utf-8").startswith("#!/bin/sh\n")


def test_entrypoint_creates_the_node_once_and_passes_other_commands(tmp_path):
    if not (BIN / "maillage").exists():
        pytest.skip("the maillage command is not installed beside this Python")
    home = tmp_path / "data"
    home.mkdir(mode=0o700)  # the image's empty volume
    env = {
        "MAILLAGE_HOME": str(home),
        "MAILLAGE_NAME": "La Fabrique",
        "MAILLAGE_PUBLIC_URL": "https://fabrique.exemple.fr",
    }
    first = entrypoint("prepare", **env)
    assert first.returncode == 0, first.stderr
    assert "premier démarrage" in first.stderr and "SAUVEGARDEZ" in first.stderr
    assert stat.S_IMODE((home / "key.pem").stat().st_mode) == 0o600
    did = load_key(home / "key.pem").did
    settings = tomllib.loads((home / "maillage.toml").read_text("utf-8"))
    assert settings["name"] == "La Fabrique"
    assert settings["public_url"] == "https://fabrique.exemple.fr/"
    again = entrypoint("prepare", **{**env, "MAILLAGE_NAME": "Autre nom"})
    assert again.returncode == 0 and "premier démarrage" not in again.stderr
    assert load_key(home / "key.pem").did == did  # never a second identity
    peers = entrypoint("peers", **env)  # any other command goes to maillage
    assert peers.returncode == 0 and "aucun lieu suivi" in peers.stdout
    wrong = entrypoint("nimporte", **env)
    assert wrong.returncode == 2 and "choix invalide" in wrong.stderr


def test_entrypoint_refuses_a_folder_with_a_key_but_no_settings(tmp_path):
    home = tmp_path / "data"
    home.mkdir()
    (home / "key.pem").write_text("une clé restaurée à moitié", "utf-8")
    result = entrypoint("prepare", MAILLAGE_HOME=str(home))
    assert result.returncode == 2
    assert "rien n'a été écrasé" in result.stderr
    assert (home / "key.pem").read_text("utf-8") == "une clé restaurée à moitié"


def test_entrypoint_follows_its_peers_and_copies_them(tmp_path, neighbour):
    served, did = neighbour
    home = tmp_path / "data"
    follow = f"{served.url}, http://127.0.0.1:1"  # the second one never answers
    result = entrypoint(
        "prepare",
        MAILLAGE_HOME=str(home),
        MAILLAGE_FOLLOW=follow,
        MAILLAGE_FOLLOW_TRIES="2",
        MAILLAGE_FOLLOW_WAIT="0.1",
    )
    assert result.returncode == 0, result.stderr
    assert "vous suivez maintenant « Le Voisin »" in result.stderr
    assert "abandon après 2 essais" in result.stderr
    assert "maillage follow http://127.0.0.1:1" in result.stderr
    store = Store(home / "store.sqlite3")
    try:
        me = load_key(home / "key.pem").did
        assert store.record(me, "follow", did) is not None
        profile = store.record(did, "profile", "profile")  # copied by the first sync
        assert profile is not None and profile.body["name"] == "Le Voisin"
    finally:
        store.close()
    again = entrypoint("prepare", MAILLAGE_HOME=str(home), MAILLAGE_FOLLOW=served.url)
    assert again.returncode == 0 and "vous suivez déjà" in again.stderr


# -- systemd unit ----------------------------------------------------------------------------


def unit_settings() -> dict[str, list[str]]:
    settings: dict[str, list[str]] = {}
    for line in (DEPLOY / "maillage.service").read_text("utf-8").splitlines():
        if "=" in line and not line.startswith(("#", ";")):
            name, value = line.split("=", 1)
            settings.setdefault(name, []).append(value)
    return settings


def test_systemd_unit_is_hardened():
    unit = unit_settings()
    assert unit["User"] == ["maillage"]
    for name, value in {
        "NoNewPrivileges": "yes",
        "ProtectSystem": "strict",
        "ReadWritePaths": "/var/lib/maillage",
        "ProtectHome": "yes",
        "PrivateTmp": "yes",
        "PrivateDevices": "yes",
        "Restart": "on-failure",
        "RestrictAddressFamilies": "AF_INET AF_INET6 AF_UNIX",
        "CapabilityBoundingSet": "",
        "StateDirectoryMode": "0700",
    }.items():
        assert unit[name] == [value], name
    assert "@system-service" in unit["SystemCallFilter"]
    assert unit["MemoryMax"] and unit["ExecStart"][0].endswith(
        "maillage serve --home /var/lib/maillage"
    )


def test_systemd_analyze_verify(tmp_path):
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze is not installed")
    text = (DEPLOY / "maillage.service").read_text("utf-8")
    text = text.replace("/opt/maillage/venv/bin/maillage", str(BIN / "maillage"))
    unit = tmp_path / "maillage.service"
    unit.write_text(text, "utf-8")
    result = subprocess.run(
        ["systemd-analyze", "verify", str(unit)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert "maillage.service" not in result.stderr, result.stderr  # no warning about it


# -- Caddy and nginx ---------------------------------------------------------------------------


def test_proxies_limit_requests_like_the_node():
    limit = Settings.model_fields["max_request_bytes"].default
    assert limit == 1024 * 1024
    nginx = (DEPLOY / "nginx.conf").read_text("utf-8")
    assert "client_max_body_size 1m;" in nginx
    caddy = (DEPLOY / "Caddyfile").read_text("utf-8")
    assert re.search(r"max_size 1MiB\b", caddy)
    for text in (nginx, caddy):
        assert "Strict-Transport-Security" in text and "127.0.0.1:8080" in text
    assert "return 301 https://" in nginx and "ssl_protocols TLSv1.2 TLSv1.3;" in nginx
    assert "X-Forwarded-Proto" in nginx


def self_signed(folder: Path) -> None:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "fabrique.exemple.fr")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    (folder / "fullchain.pem").write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    (folder / "privkey.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )


def test_nginx_accepts_the_site(tmp_path):
    nginx = shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/sbin/nginx") if os.access(p, os.X_OK)), None
    )
    if nginx is None:
        pytest.skip("nginx is not installed")
    self_signed(tmp_path)
    site = (DEPLOY / "nginx.conf").read_text("utf-8")
    site = site.replace("/etc/letsencrypt/live/fabrique.exemple.fr", str(tmp_path))
    (tmp_path / "site.conf").write_text(site, "utf-8")
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
        f"http {{\n    access_log off;\n    include {tmp_path}/site.conf;\n}}\n",
        "utf-8",
    )
    result = subprocess.run(
        [nginx, "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "test is successful" in result.stderr


# -- maillage.toml.example ---------------------------------------------------------------------


def test_settings_example_documents_every_setting_and_is_valid(tmp_path):
    text = (DEPLOY / "maillage.toml.example").read_text("utf-8")
    assignment = re.compile(r"^(?:# )?([a-z_]+) = (.+)$")
    lines = [m for line in text.splitlines() if (m := assignment.match(line))]
    keys = [m.group(1) for m in lines]
    fields = set(Settings.model_fields) - {"home"}
    assert sorted(keys) == sorted(fields)  # each setting once, and nothing unknown
    for match in lines:  # a commented value is the default
        if match.group(0).startswith("# "):
            value = tomllib.loads(f"v = {match.group(2)}")["v"]
            assert value == Settings.model_fields[match.group(1)].default, match.group(1)
    home = tmp_path / "lieu"
    home.mkdir()
    (home / "maillage.toml").write_text(
        "\n".join(m.group(0).removeprefix("# ") for m in lines), "utf-8"
    )
    settings = Settings.load(home)
    assert settings.name == "La Fabrique du Périgord"


# -- the guide -----------------------------------------------------------------------------


def subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def invocations(text: str) -> list[tuple[str, str]]:
    """``(command, next word)`` of each ``maillage COMMAND`` in the code of a Markdown text:
    fenced blocks and `inline code` (``sudo -u maillage`` names a user, ``~/maillage`` a folder)."""
    code = re.findall(r"```[^\n]*\n(.*?)```", text, flags=re.S)
    code += re.findall(r"`([^`\n]+)`", re.sub(r"```.*?```", "", text, flags=re.S))
    found = []
    for block in code:
        for match in re.finditer(
            r"(?<![-\w])(?<!-u )(?<!~/)maillage[ \t]+([a-z][a-z0-9-]*)(?:[ \t]+([a-z][a-z0-9-]*))?",
            block,
        ):
            found.append((match.group(1), match.group(2) or ""))
    return found


def test_every_command_of_the_guide_exists():
    commands = subcommands(build_parser())
    texts = [GUIDE.read_text("utf-8"), (ROOT / "README.md").read_text("utf-8")]
    texts += ["```\n" + p.read_text("utf-8") + "\n```" for p in sorted(DEPLOY.iterdir())]
    seen = set()
    for text in texts:
        for command, word in invocations(text):
            assert command in commands, f"maillage {command} is not a command"
            actions = subcommands(commands[command])
            if actions and word:
                assert word in actions, f"maillage {command} {word} is not a command"
            seen.add(command)
    assert {"init", "serve", "follow", "sync", "peers", "export", "reindex"} <= seen


def test_the_guide_covers_what_a_volunteer_needs():
    guide = GUIDE.read_text("utf-8")
    for topic in (
        "Raspberry Pi OS 64 bits",
        "Debian 12",
        "Caddy",
        "nginx",
        "ufw",
        ".backup",
        "key.pem",
        "journalctl -u maillage",
        "docker logs",
        "Restaurer",
        "Mettre à jour",
    ):
        assert topic in guide, topic
    for path in re.findall(r"`(deploy/[^`]+|docs/[^`]+)`", guide):
        assert (ROOT / path).exists(), path
