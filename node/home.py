"""A node's home directory: its key (the place's identity), settings file and store."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from node.settings import SETTINGS_FILE, Settings, SettingsError, render_settings_file
from node.store import Store, StoreError
from protocol.keys import KeyFileError, SigningKey, load_key, save_key


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

    Refuses a directory that already holds anything, so an identity is never overwritten.
    """
    if home.exists() and (not home.is_dir() or any(home.iterdir())):
        raise HomeError(
            f"{home} existe déjà et n'est pas vide : rien n'a été écrasé "
            "(la clé d'un lieu est son identité)"
        )
    try:
        home.mkdir(mode=0o700, parents=True, exist_ok=True)
        (home / SETTINGS_FILE).write_text(render_settings_file(name, public_url), "utf-8")
        settings = Settings.load(home)
        save_key(SigningKey.generate(), settings.key_path)
        key = load_key(settings.key_path)
        store = Store(settings.store_path)
    except (OSError, SettingsError, StoreError, KeyFileError) as exc:
        raise HomeError(f"impossible de créer le nœud dans {home} : {exc}") from None
    return Node(settings, key, store)


def open_home(home: Path, **overrides: Any) -> Node:
    """Open the node at ``home`` (settings file, then environment, then ``overrides``)."""
    try:
        settings = Settings.load(home, **overrides)
        key = load_key(settings.key_path)
        store = Store(settings.store_path)
    except (SettingsError, KeyFileError, StoreError) as exc:
        raise HomeError(str(exc)) from None
    return Node(settings, key, store)
