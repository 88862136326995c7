"""Claims: when a place's own signed profile supersedes a listing published about it.

A listing (``col`` ``listing``, imported from a census by some node) describes a place that
runs no node. Once the place publishes its own profile, search shows the profile and hides
the listing. A profile claims a listing when

* both name the same website: the same host without ``www.`` (a sub-domain of a hosting
  service such as Wix or Blogspot is a site of its own); on shared hosts (Facebook,
  LinkedIn, Google Sites…) the same page: host and first path segment, or the next one
  after a container such as ``/site/`` or ``/company/``; link shorteners never match.
  When several listings share that website (a chain of coworkings), the name must also
  be the same, or the two within 200 m;
* or both have the same name (accents, case and punctuation aside) and lie within 200 m.

The rule is computed by each node over what it holds (``search.engine.View``): nothing is
published, so a mistaken match is undone as soon as either record changes.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from search.query import haversine_km

CLAIM_RADIUS_KM = 0.2
#: Hosts where a website is a page of the host: its first path segment is the place's.
SHARED_HOSTS = frozenset({
    "facebook.com", "fb.com", "instagram.com", "linkedin.com", "twitter.com", "x.com",
    "youtube.com", "sites.google.com", "helloasso.com", "linktr.ee", "meetup.com",
    "google.com", "fr-fr.facebook.com", "pagesjaunes.fr",
})  # fmt: skip
#: First path segments on a shared host that hold pages: the next segment names the page
#: (sites.google.com/site/X, linkedin.com/company/X, helloasso.com/associations/X…).
CONTAINER_SEGMENTS = frozenset({
    "site", "view", "company", "school", "showcase", "in", "associations", "channel", "c",
    "user", "pros",
})  # fmt: skip
#: First path segments on a shared host that name no one place's page.
NO_PAGE_SEGMENTS = frozenset({
    "pages", "groups", "profile.php", "p", "watch", "maps", "search", "url", "sharer",
    "sharer.php", "share", "events", "hashtag", "explore",
})  # fmt: skip
# Hosting sub-domains (x.wixsite.com, x.blogspot.com…) need no list: a host is kept whole.
SHORTENERS = frozenset({"goo.gl", "bit.ly", "tinyurl.com", "t.co", "ow.ly", "urlz.fr"})
_NOT_ALNUM = re.compile(r"[^0-9a-z]+")
#: Letters that no decomposition turns into plain letters (after ``str.casefold``).
_LIGATURES = str.maketrans({"œ": "oe", "æ": "ae", "ø": "o", "ł": "l", "đ": "d", "ð": "d",
                            "þ": "th"})  # fmt: skip
SEPARATOR = "\t"


def website_key(url: Any) -> str:
    """What identifies a website for a claim ("" when nothing usable)."""
    if not isinstance(url, str) or not url.strip():
        return ""
    text = url.strip()
    if "://" not in text:
        text = "http://" + text
    try:
        parts = urlsplit(text)
        host = (parts.hostname or "").lower().rstrip(".")
    except ValueError:
        return ""
    for prefix in ("www.", "m.", "fr-fr."):
        host = host.removeprefix(prefix)
    if "." not in host or host in SHORTENERS:
        return ""
    if host not in SHARED_HOSTS:  # fr.linkedin.com, web.facebook.com… are their platform
        host = max((h for h in SHARED_HOSTS if host.endswith("." + h)), key=len, default=host)
    if host in SHARED_HOSTS:
        segments = [s for s in parts.path.lower().split("/") if s]
        if segments[:1] == ["pg"]:  # facebook.com/pg/X is the page facebook.com/X
            segments = segments[1:]
        if segments and segments[0] in CONTAINER_SEGMENTS:
            segments = ["/".join(segments[:2])] if len(segments) > 1 else []
        if not segments or segments[0] in NO_PAGE_SEGMENTS:
            return ""
        return f"{host}/{segments[0]}"
    return host


def name_key(name: Any) -> str:
    """A name without accents, case or punctuation ("" when none)."""
    if not isinstance(name, str):
        return ""
    folded = unicodedata.normalize("NFKD", name).casefold().translate(_LIGATURES)
    folded = unicodedata.normalize("NFKD", folded)
    folded = "".join(c for c in folded if not unicodedata.combining(c))
    return _NOT_ALNUM.sub(" ", folded).strip()


def claim_value(author: str, body: dict[str, Any]) -> str:
    """The column value of a profile or listing document: website, name, author."""
    return SEPARATOR.join((website_key(body.get("website")), name_key(body.get("name")), author))


@dataclass(frozen=True, slots=True)
class Place:
    doc: int
    website: str
    name: str
    author: str
    point: tuple[float, float] | None


def parse(doc: int, value: str | None, point: tuple[float, float] | None) -> Place | None:
    parts = (value or "").split(SEPARATOR)
    if len(parts) != 3:
        return None
    return Place(doc, parts[0], parts[1], parts[2], point)


def _near(a: Place, b: Place) -> bool:
    if a.point is None or b.point is None:
        return False
    return haversine_km(*a.point, *b.point) <= CLAIM_RADIUS_KM


def find_claims(profiles: Iterable[Place], listings: Iterable[Place]) -> dict[int, Place]:
    """For each claimed listing's document, the profile that claims it."""
    listings = list(listings)
    by_website: dict[str, list[Place]] = {}
    by_name: dict[str, list[Place]] = {}
    for profile in profiles:
        if profile.website:
            by_website.setdefault(profile.website, []).append(profile)
        if profile.name:
            by_name.setdefault(profile.name, []).append(profile)
    sharing: dict[str, int] = {}
    for listing in listings:
        if listing.website:
            sharing[listing.website] = sharing.get(listing.website, 0) + 1
    claims: dict[int, Place] = {}
    for listing in listings:
        for profile in by_website.get(listing.website, ()) if listing.website else ():
            alone = sharing[listing.website] == 1
            same_name = bool(listing.name) and profile.name == listing.name
            if alone or same_name or _near(profile, listing):
                claims[listing.doc] = profile
                break
        else:
            for profile in by_name.get(listing.name, ()) if listing.name else ():
                if _near(profile, listing):
                    claims[listing.doc] = profile
                    break
    return claims
