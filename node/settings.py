"""The one settings model of a node: read from ``HOME/maillage.toml``, then the environment.

Every field is documented here; ``maillage init`` writes the same documentation into the
settings file a volunteer will open. An environment variable ``MAILLAGE_<FIELD>`` (for
example ``MAILLAGE_PORT=8081``) overrides the file.
"""

from __future__ import annotations

import re
import tomllib
from contextvars import ContextVar
from pathlib import Path
from typing import Any, Literal

from pydantic import AnyHttpUrl, Field, IPvAnyNetwork, ValidationError, field_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

SETTINGS_FILE = "maillage.toml"
KEY_FILE = "key.pem"
STORE_FILE = "store.sqlite3"


#: The values of the settings file being loaded (:meth:`Settings.load`), for
#: :class:`_SettingsFile`.
_FILE_VALUES: ContextVar[dict[str, Any] | None] = ContextVar("settings_file_values", default=None)


class _SettingsFile(PydanticBaseSettingsSource):
    """The settings file, as a source below the environment (which overrides it)."""

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        return (_FILE_VALUES.get() or {}).get(field_name), field_name, False

    def __call__(self) -> dict[str, Any]:
        return dict(_FILE_VALUES.get() or {})


class SettingsError(Exception):
    """The settings file or environment holds something unusable; the message says what."""


#: A tile server's URL: https (or http), a host (``{s}`` for a sub-domain), a path with
#: ``{z}``, ``{x}`` and ``{y}`` (checked by :meth:`Settings._tiles_url`), or "" (no tiles).
TILES_URL = re.compile(
    r"https?://(?:\{s\}\.)?[A-Za-z0-9.-]+(?::[0-9]{1,5})?/[A-Za-z0-9/{}._~%@-]*"
    r"(?:\?[A-Za-z0-9=&{}._~%-]*)?"
)


class Settings(BaseSettings):
    """Everything a node can be told. Paths derive from ``home``."""

    model_config = SettingsConfigDict(env_prefix="MAILLAGE_", extra="forbid")

    home: Path = Field(description="Dossier du nœud : clé, réglages, base de données.")
    name: str = Field(
        "Tiers-lieu",
        min_length=1,
        max_length=200,
        description="Nom du lieu, affiché sur la page du nœud.",
    )
    public_url: AnyHttpUrl | None = Field(
        None,
        description="Adresse publique du nœud (https://…), annoncée aux autres nœuds. "
        "Vide tant que le nœud n'est joignable qu'en local.",
    )
    host: str = Field("127.0.0.1", description="Adresse d'écoute du serveur HTTP.")
    port: int = Field(
        8080, ge=0, le=65535, description="Port d'écoute (0 : choisi par le système)."
    )
    poll_seconds: int = Field(
        300,
        ge=1,
        le=86400,
        description="Intervalle, en secondes, entre deux interrogations d'un pair suivi.",
    )
    polling: bool = Field(
        True,
        description="Interroger périodiquement les pairs (false : seulement avec "
        "« maillage sync » et les notifications reçues).",
    )
    max_hops: int = Field(
        2,
        ge=1,
        le=4,
        description="Distance de suivi copiée : 1 = les lieux suivis, 2 = aussi les lieux "
        "qu'ils suivent.",
    )
    quota_entries_per_day: int = Field(
        5000,
        ge=1,
        description="Entrées copiées au plus par flux et par jour (UTC) ; au-delà, le nœud "
        "cesse de prendre ce flux jusqu'au lendemain et continue de servir.",
    )
    quota_bytes_per_day: int = Field(
        50 * 1024 * 1024,
        ge=64 * 1024,
        description="Octets copiés au plus par flux et par jour (UTC), mêmes effets.",
    )
    max_feeds_via_peer: int = Field(
        200,
        ge=0,
        description="Flux copiés au plus à travers un même lieu suivi (ceux qu'il suit, à "
        "deux pas ou plus) ; les autres sont signalés, pas copiés.",
    )
    sync_concurrency: int = Field(
        4, ge=1, le=64, description="Nombre maximal de requêtes simultanées vers les pairs."
    )
    sync_connect_seconds: float = Field(
        5.0, gt=0, le=120, description="Délai maximal de connexion à un pair, en secondes."
    )
    sync_total_seconds: float = Field(
        30.0,
        gt=0,
        le=600,
        description="Durée maximale d'une requête vers un pair (réponse comprise), en secondes.",
    )
    max_response_bytes: int = Field(
        8 * 1024 * 1024,
        ge=128 * 1024,
        description="Taille maximale lue d'une réponse d'un pair, en octets (au-delà, la "
        "lecture s'arrête).",
    )
    backoff_max_seconds: int = Field(
        3600,
        ge=1,
        le=86400,
        description="Attente maximale, en secondes, avant de réessayer un pair en échec "
        "(l'attente double à chaque échec).",
    )
    log_level: Literal["debug", "info", "warning", "error"] = Field(
        "info", description="Niveau de détail du journal."
    )
    access_log: bool = Field(
        True,
        description="Écrire dans le journal une ligne par requête reçue (adresse, chemin, "
        "statut, durée) ; false : seulement les messages du nœud.",
    )
    page_default: int = Field(
        500, ge=1, le=1000, description="Nombre d'entrées par page quand ?limit= est absent."
    )
    page_max: int = Field(1000, ge=1, le=10000, description="Nombre maximal d'entrées par page.")
    page_max_bytes: int = Field(
        1024 * 1024,
        ge=64 * 1024,
        le=64 * 1024 * 1024,
        description="Taille maximale d'une page servie, en octets (lignes comprises) : la page "
        "s'arrête avant, mais garde toujours au moins une entrée ; son en-tête Link dit où "
        "reprendre.",
    )
    page_reads: int = Field(
        4,
        ge=1,
        le=64,
        description="Pages d'entrées envoyées en même temps au plus ; les autres demandes "
        "attendent leur tour.",
    )
    page_reads_waiting: int = Field(
        16,
        ge=0,
        le=1000,
        description="Demandes de pages qui peuvent attendre leur tour ; au-delà, le nœud répond "
        "503 (occupé, réessayer après Retry-After secondes).",
    )
    # Search and pages under load (node.web.admission, node.web.answer_cache).
    search_concurrency: int = Field(
        4,
        ge=1,
        le=64,
        description="Recherches et pages publiques préparées en même temps au plus ; les "
        "suivantes attendent leur tour (les flux et la boîte de réception n'attendent pas).",
    )
    search_queue_seconds: float = Field(
        1.0,
        gt=0,
        le=60,
        description="Attente maximale, en secondes, d'une recherche avant son tour ; au-delà "
        "(ou si la file est trop longue pour ce délai), le nœud répond aussitôt 503 (occupé, "
        "réessayer après Retry-After secondes).",
    )
    answer_cache_bytes: int = Field(
        16 * 1024 * 1024,
        ge=0,
        le=4 * 1024 * 1024 * 1024,
        description="Taille maximale, en octets, des réponses de recherche et de pages gardées "
        "en mémoire (elles sont oubliées dès que l'index change) ; 0 : aucune.",
    )
    answer_cache_seconds: float = Field(
        30.0,
        ge=0,
        le=3600,
        description="Durée maximale, en secondes, pendant laquelle une réponse gardée est "
        "resservie telle quelle (un lieu devenu silencieux, une offre échue).",
    )
    max_request_bytes: int = Field(
        1024 * 1024,
        ge=1024,
        description="Taille maximale d'une requête reçue, en octets (au-delà : 413).",
    )
    push_lease_seconds: int = Field(
        864000,
        ge=60,
        le=864000,
        description="Durée, en secondes, d'un abonnement push : la plus longue accordée à un "
        "abonné et celle demandée aux nœuds suivis (10 jours au plus, renouvelé à mi-course).",
    )
    push_retries: int = Field(
        3,
        ge=0,
        le=10,
        description="Nouvelles tentatives d'envoi d'un push en échec (l'attente double à "
        "chaque fois) ; ensuite les entrées arriveront par l'interrogation périodique.",
    )
    push_timeout_seconds: int = Field(
        10,
        ge=1,
        le=120,
        description="Durée maximale, en secondes, d'un envoi push ou d'une vérification "
        "d'abonnement.",
    )
    inbox_per_minute: int = Field(
        120,
        ge=1,
        le=100000,
        description="Requêtes acceptées par minute sur /inbox depuis une même adresse "
        "(au-delà : 429).",
    )
    inbox_burst: int = Field(
        30,
        ge=1,
        le=100000,
        description="Rafale de requêtes acceptée d'un coup sur /inbox depuis une même adresse.",
    )
    push_max_subscribers: int = Field(
        2000,
        ge=1,
        le=1_000_000,
        description="Abonnés push acceptés au plus (adresses de rappel distinctes, demandes en "
        "cours de vérification comprises) ; au-delà, un nouvel abonnement reçoit 429 "
        "(too-many-subscriptions) et les abonnés déjà là restent servis.",
    )
    push_max_subscribers_per_address: int = Field(
        20,
        ge=1,
        le=1_000_000,
        description="Abonnés push acceptés au plus depuis une même adresse (en IPv6, un même "
        "réseau /64) ; au-delà : 429. Derrière un mandataire, réglez trusted_proxies, sinon "
        "tous les abonnés ont son adresse.",
    )

    trusted_proxies: list[IPvAnyNetwork] = Field(
        [],
        description="Mandataires (Caddy, nginx) dont le nœud croit l'en-tête X-Forwarded-For, "
        'en réseaux : ["127.0.0.1/32", "::1/128"] quand le mandataire tourne sur la même '
        "machine. Sans cela, derrière un mandataire, tous les visiteurs ont son adresse : la "
        "limite de /inbox par adresse les compte ensemble et le journal ne nomme que lui.",
    )

    admin_session_hours: int = Field(
        12,
        ge=1,
        le=720,
        description="Durée, en heures, d'une connexion à la page d'administration (/admin) "
        "ouverte par un lien de « maillage admin-link » ; ensuite, il faut un nouveau lien.",
    )
    index_wait_seconds: float = Field(
        10.0,
        ge=0,
        le=3600,
        description="Au démarrage, attente maximale de l'index de recherche, en secondes, "
        "avant de servir quand même : s'il doit être reconstruit (grande base, mise à jour), "
        "le nœud sert ses flux pendant ce temps et la recherche répond dès qu'il est prêt.",
    )
    index_batch: int = Field(
        1000,
        ge=1,
        le=100_000,
        description="Entrées indexées par écriture quand l'index de recherche rattrape la base "
        "(au démarrage, après un arrêt brutal) : chaque lot est acquis, l'arrêt du nœud attend "
        "au plus la fin d'un lot et le démarrage suivant reprend là où il en était.",
    )
    index_apart_entries: int = Field(
        5000,
        ge=0,
        le=100_000_000,
        description="Entrées en retard à partir desquelles l'index de recherche rattrape la base "
        "dans un processus à part, sur un autre cœur que la copie des flux (un nœud qui se "
        "remplit) ; 0 : jamais, tout dans le nœud.",
    )

    header_timeout_seconds: float = Field(
        10.0,
        gt=0,
        le=300,
        description="Délai maximal, en secondes, pour recevoir les en-têtes d'une requête "
        "(depuis l'ouverture de la connexion, ou depuis le premier octet de la requête "
        "suivante) ; au-delà, la connexion est fermée.",
    )
    keepalive_seconds: float = Field(
        75.0,
        gt=0,
        le=3600,
        description="Durée, en secondes, pendant laquelle une connexion inactive reste "
        "ouverte entre deux requêtes ; gardez-la plus longue que celle du mandataire vers "
        "le nœud (nginx : 60 s).",
    )
    body_timeout_seconds: float = Field(
        60.0,
        gt=0,
        le=3600,
        description="Délai maximal, en secondes, pour recevoir le corps d'une requête une fois "
        "ses en-têtes arrivés (au-delà : 408 et la connexion est fermée).",
    )
    max_connections_per_address: int = Field(
        64,
        ge=1,
        le=100000,
        description="Connexions ouvertes en même temps depuis une même adresse (un réseau "
        "IPv6 /64 compte pour une adresse) ; au-delà, la suivante reçoit 503 et est fermée. "
        "Les mandataires de trusted_proxies n'y sont pas soumis : limitez-les chez eux.",
    )
    max_connections: int = Field(
        1000,
        ge=1,
        le=1000000,
        description="Connexions ouvertes en même temps en tout ; au-delà, la suivante reçoit "
        "503 et est fermée. Le nœud l'abaisse de lui-même sous sa limite de fichiers "
        "ouverts (LimitNOFILE), pour garder de quoi servir.",
    )
    sitemap_page_size: int = Field(
        10_000,
        ge=1,
        le=50_000,
        description="Adresses par fichier du plan du site (sitemap-….xml) ; au plus 50 000, "
        "la limite de sitemaps.org.",
    )
    map_tiles_url: str = Field(
        "",
        max_length=500,
        description="Serveur de tuiles du fond de carte (/carte), par exemple "
        "https://tuiles.exemple.fr/{z}/{x}/{y}.png ({s} pour un sous-domaine). Vide : le "
        "fond est la carte des départements fournie avec le nœud, sans aucune requête vers "
        "un autre serveur. Rempli : les navigateurs des visiteurs demandent les tuiles à ce "
        "serveur (qui voit leur adresse) ; la politique de sécurité des pages de carte "
        "l'autorise, lui seul.",
    )
    map_tiles_attribution: str = Field(
        "",
        max_length=300,
        description="Mention des sources des tuiles, affichée sous la carte (texte seul), par "
        "exemple « © les contributeurs d'OpenStreetMap » : la licence des tuiles l'exige "
        "en général.",
    )

    @field_validator("map_tiles_url")
    @classmethod
    def _tiles_url(cls, value: str) -> str:
        if value and not (
            TILES_URL.fullmatch(value) and all(part in value for part in ("{z}", "{x}", "{y}"))
        ):
            raise ValueError(
                "adresse de tuiles attendue en http(s), avec {z}, {x} et {y}, par exemple "
                "https://tuiles.exemple.fr/{z}/{x}/{y}.png"
            )
        return value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # The constructor's values (the home opened, command-line options) win over the
        # environment, which wins over the settings file.
        return init_settings, env_settings, _SettingsFile(settings_cls)

    @property
    def key_path(self) -> Path:
        return self.home / KEY_FILE

    @property
    def store_path(self) -> Path:
        return self.home / STORE_FILE

    @property
    def settings_path(self) -> Path:
        return self.home / SETTINGS_FILE

    @classmethod
    def load(cls, home: Path, **overrides: Any) -> Settings:
        """The settings of the node at ``home``: file, then environment, then ``overrides``."""
        path = home / SETTINGS_FILE
        try:
            values = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise SettingsError(
                f"{home} n'est pas un dossier de nœud Maillage ({SETTINGS_FILE} absent) ; "
                f"créez-le avec « maillage init --home {home} --name NOM »"
            ) from None
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise SettingsError(f"fichier de réglages {path} illisible : {exc}") from None
        # $MAILLAGE_HOME only chooses the default home (node.home.default_home): the home
        # opened always wins, so the settings of one node never point at another's folder.
        token = _FILE_VALUES.set(values)
        try:
            settings = cls(**overrides, home=home)
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(map(str, e['loc'])) or 'réglages'} : {e['msg']}" for e in exc.errors()
            )
            raise SettingsError(f"réglages invalides ({path}) : {problems}") from None
        finally:
            _FILE_VALUES.reset(token)
        return settings
