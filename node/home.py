"""A node's home directory: its key (the place's identity), settings file and store.

After a key rotation or a recovery (``docs/cles.md``) the home also holds the place's did in
``identity.did`` (the key file then holds the key in force, which signs for that did), the
keys it retired as ``key.pem.retired-N``, and, between the two steps of a rotation, the next
key as ``key.pem.next``. ``recovery-key.pem`` is the recovery key ``maillage init`` makes:
to be copied offline, then deleted from the server.
"""

from __future__ import annotations

import logging
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from node.settings import SETTINGS_FILE, Settings, SettingsError
from node.store.database import Store, StoreError
from protocol.keys import KeyFileError, SigningKey, load_key, save_key

log = logging.getLogger("maillage.node")


class HomeError(Exception):
    """The home directory cannot be created or opened; the message says why, in French."""


def default_home() -> Path:
    """``$MAILLAGE_HOME``, else the per-user data directory."""
    if os.environ.get("MAILLAGE_HOME"):
        return Path(os.environ["MAILLAGE_HOME"])
    data = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data) / "maillage"


@dataclass
class Node:
    """An opened home: settings, identity key and store."""

    settings: Settings
    key: SigningKey
    store: Store

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> Node:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def create_home(home: Path, name: str, public_url: str | None = None) -> Node:
    """Create a new node at ``home``: key (mode 0600), documented settings, empty store.

    Refuses a directory that already holds anything, so an identity is never overwritten;
    if creation fails half-way, the files it created are removed again.
    """
    created: list[Path] = []
    try:
        if home.exists() and (not home.is_dir() or any(home.iterdir())):
            raise HomeError(
                f"{home} existe déjà et n'est pas vide : rien n'a été écrasé "
                "(la clé d'un lieu est son identité)"
            )
        if not home.is_dir():
            home.mkdir(mode=0o700, parents=True)
            created.append(home)
        with (home / SETTINGS_FILE).open("x", encoding="utf-8") as settings_file:
            created.insert(0, home / SETTINGS_FILE)
            settings_file.write(render_settings_file(name, public_url))
        settings = Settings.load(home)
        save_key(SigningKey.generate(), settings.key_path)  # O_EXCL: never overwrites
        created.insert(0, settings.key_path)
        key = load_key(settings.key_path)
        store_path = settings.store_path
        created[:0] = [store_path, Path(f"{store_path}-wal"), Path(f"{store_path}-shm")]
        store = Store(store_path, allow_read_only=False)
    except HomeError:
        raise
    except (OSError, SettingsError, StoreError, KeyFileError) as exc:
        _remove(created)
        raise HomeError(f"impossible de créer le nœud dans {home} : {exc}") from None
    return Node(settings, key, store)


def _key_problem(path: Path) -> str:
    """Why the key file at ``path`` cannot be used, in French."""
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        return f"clé du lieu {path} introuvable : restaurez-la depuis votre sauvegarde"
    except OSError as exc:
        return f"clé du lieu {path} illisible : {exc.strerror}"
    if mode & 0o077:
        return (
            f"la clé du lieu {path} est lisible par d'autres utilisateurs (mode {mode:04o}) ; "
            f"c'est l'identité du lieu : protégez-la avec « chmod 600 {path} »"
        )
    return f"{path} n'est pas une clé privée Ed25519 au format PEM"


def _remove(paths: list[Path]) -> None:
    """Undo a failed :func:`create_home`: files first, then the directory it made."""
    for path in paths:
        try:
            if path.is_dir():
                path.rmdir()
            else:
                path.unlink(missing_ok=True)
        except OSError:
            pass


IDENTITY_FILE = "identity.did"
RECOVERY_KEY_FILE = "recovery-key.pem"


def identity_path(settings: Settings) -> Path:
    return settings.home / IDENTITY_FILE


def recovery_key_path(settings: Settings) -> Path:
    return settings.home / RECOVERY_KEY_FILE


def next_key_path(settings: Settings) -> Path:
    return settings.key_path.with_name(settings.key_path.name + ".next")


def retired_key_paths(settings: Settings) -> list[Path]:
    return sorted(settings.home.glob(settings.key_path.name + ".retired-*"))


def prepare_next_key(node: Node, new_key: SigningKey) -> None:
    """First step of a rotation or a recovery: the next key saved beside the current one
    (mode 0600, never over a file) and the place's did written, before any entry names it."""
    settings = node.settings
    save_key(new_key, next_key_path(settings))
    identity = identity_path(settings)
    if not identity.exists():
        temporary = identity.with_name(identity.name + ".tmp")
        temporary.write_text(node.key.did + "\n", encoding="ascii")
        os.replace(temporary, identity)


def install_next_key(settings: Settings) -> Path:
    """Last step: the current key file becomes ``key.pem.retired-N`` and the next one the
    key file; returns where the retired key went. Each rename is atomic."""
    retired = settings.key_path.with_name(
        f"{settings.key_path.name}.retired-{len(retired_key_paths(settings)) + 1}"
    )
    os.replace(settings.key_path, retired)
    os.replace(next_key_path(settings), settings.key_path)
    return retired


def load_identity(settings: Settings) -> SigningKey:
    """The key in force, signing for the place's did (``identity.did`` once rotated)."""
    key = load_key(settings.key_path)
    identity = identity_path(settings)
    if identity.is_file():
        did = identity.read_text(encoding="ascii").strip()
        if did != key.key_did:
            key = key.for_feed(did)
    return key


def finish_rotation(settings: Settings, key: SigningKey, store: Store) -> SigningKey:
    """A rotation stopped between its entry and its key files is finished (the entry names
    the next key: it is in force), one stopped before its entry is forgotten."""
    pending = next_key_path(settings)
    if not pending.is_file():
        return key
    in_force = store.key_state(key.did).current
    following = load_key(pending)
    if in_force == following.key_did:
        install_next_key(settings)
        return following.for_feed(key.did)
    if in_force == key.key_did:
        pending.unlink()  # never named by any entry: a key that signs nothing
    return key


class KeyInForce:
    """The key a serving node signs the place's entries with (the admin area's publications).

    ``maillage key rotate`` (or ``recover``) run beside a serving node installs a new key file
    and publishes the entry that names it. The node then reads its home again at its next
    publication, when the log names a key other than the one it holds, instead of refusing
    every publication until it is restarted. Used on the writer's thread only.
    """

    def __init__(self, settings: Settings, key: SigningKey) -> None:
        self._settings = settings
        self.key = key

    def current(self, store: Store) -> SigningKey:
        """The key the log says is in force, read again from the home when it changed;
        the key held when the home has no such key (the publication is then refused and
        says which key signs now)."""
        in_force = store.key_state(self.key.did).current
        if in_force == self.key.key_did:
            return self.key
        try:
            key = finish_rotation(self._settings, load_identity(self._settings), store)
        except (KeyFileError, OSError):
            return self.key
        if key.did == self.key.did and key.key_did == in_force:
            log.info("clé du lieu relue : la nouvelle clé %s signe désormais", key.key_did)
            self.key = key
        return self.key


def open_home(home: Path, **overrides: Any) -> Node:
    """Open the node at ``home`` (settings file, then environment, then ``overrides``)."""
    try:
        settings = Settings.load(home, **overrides)
        key = load_identity(settings)
        if not settings.store_path.is_file():
            # A new empty store would restart the place's log at seq 1: a fork, for good.
            raise HomeError(
                f"base de données {settings.store_path} absente : le journal du lieu ne peut "
                "pas repartir de zéro avec la même clé ; restaurez-la depuis une sauvegarde"
            )
        store = Store(settings.store_path)
        if not store.read_only:
            key = finish_rotation(settings, key, store)
    except KeyFileError:
        raise HomeError(_key_problem(settings.key_path)) from None
    except (SettingsError, StoreError) as exc:
        raise HomeError(str(exc)) from None
    except OSError as exc:
        raise HomeError(f"fichiers de clés de {home} inutilisables : {exc}") from None
    return Node(settings, key, store)


def render_settings_file(name: str, public_url: str | None) -> str:
    """The documented settings file written by ``maillage init``."""
    lines = [
        "# Réglages du nœud Maillage.",
        "# Chaque réglage peut aussi être donné par une variable d'environnement",
        "# MAILLAGE_<NOM> (par exemple MAILLAGE_PORT=8081), qui l'emporte sur ce fichier.",
        "",
    ]
    values: dict[str, Any] = {"name": name, "public_url": public_url}
    for field_name, field in Settings.model_fields.items():
        if field_name == "home":
            continue
        lines.append(f"# {field.description}")
        value = values.get(field_name, field.default)
        if value is None:
            lines.append(f'# {field_name} = ""')
        else:
            lines.append(f"{field_name} = {_toml_value(value)}")
        lines.append("")
    return "\n".join(lines)


def _toml_value(value: Any) -> str:
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(item) for item in value) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    text = str(value).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{text}"'
