"""``POST /inbox``: subscription requests and pushes of entries, rate-limited per address.

- ``Content-Type: application/json`` (or a form): a subscription request
  ``{"mode": "subscribe"|"unsubscribe", "callback": URL, "feeds": [did, …],
  "lease_seconds": N}``, answered 202 at once; the intent is checked afterwards
  (``node.federation.push_hub``). A callback the node may not reach (its own machine or
  networks, ``node.federation.callback_guard``) is refused with 403 ``callback-refused``, a
  subscriber beyond the caps with 429 ``too-many-subscriptions``.
- ``Content-Type: application/x-ndjson``: a push, one signed entry per line. Every line is
  verified; if one fails, nothing is kept (400). Entries of feeds this node holds are stored
  through the writer (202, and relayed to this node's own subscribers); a push holding none
  of them is refused (403) and nothing is kept. A feed this node hides (``node.hidden``)
  counts as one it does not hold: its entries are refused the same way.

``POST /inbox/callback/{token}`` takes pushes the same way, sent by a node this node
subscribed to (``node.federation.subscriptions``), and also the entries of a feed this node
wants but does not hold yet (``Subscriber.wanted``: in a network that starts cold, a two-hop
feed reaches the followed node after this node polled it). Such a feed is stored only from
its first entry (``Store.append``: a new feed starts at seq 1); a push that starts it later
makes the node fetch it from that node (``Replicator.check_source``). A stranger at
``/inbox`` still gets 403 for any feed not held, and no push makes the node store a feed it
does not want. A pushed entry at a seq held, but with
another id, proves a fork there and then; pushed entries that do not extend the head held
make the node ask that node for its entries from the head (``Replicator.check_source``):
another entry at the head is a fork too, the same one means pushes were missed.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import orjson
from aiohttp import web
from yarl import URL

from node.api_errors import ApiError, error_response, json_response, read_form
from node.appkeys import HIDDEN, KEY, SETTINGS, STORE, WRITER
from node.client_address import client_address
from node.federation import api_params, peers
from node.federation.push_hub import PUSHER, SubscriptionRequest
from node.federation.round_log import log_forks
from node.federation.subscriptions import SUBSCRIBER
from node.federation.sync import REPLICATOR
from node.hidden import NOTHING_HIDDEN
from node.store.database import AppendResult
from protocol.errors import ProtocolError
from protocol.verification import verify_lines

NDJSON = "application/x-ndjson"
FORMS = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})


class RateLimiter:
    """A token bucket per client address (behind a trusted proxy, the forwarded one):
    ``burst`` at once, ``per_minute`` sustained."""

    def __init__(self, per_minute: int, burst: int, max_addresses: int = 10_000) -> None:
        self.rate = per_minute / 60.0
        self.burst = float(burst)
        self.max_addresses = max_addresses
        self._buckets: dict[str, tuple[float, float]] = {}  # address → (tokens, at)

    def wait(self, address: str) -> float:
        """0 if a request from ``address`` may go now (and count it), else seconds to wait."""
        moment = time.monotonic()
        tokens, at = self._buckets.pop(address, (self.burst, moment))
        tokens = min(self.burst, tokens + (moment - at) * self.rate)
        if len(self._buckets) >= self.max_addresses:  # forget the least recently seen
            del self._buckets[next(iter(self._buckets))]
        if tokens < 1.0:
            self._buckets[address] = (tokens, moment)
            return (1.0 - tokens) / self.rate
        self._buckets[address] = (tokens - 1.0, moment)
        return 0.0


#: The rate limit of ``POST /inbox``, per remote address.
INBOX_LIMITER = web.AppKey("inbox_limiter", RateLimiter)


def setup(app: web.Application) -> None:
    settings = app[SETTINGS]
    app[INBOX_LIMITER] = RateLimiter(settings.inbox_per_minute, settings.inbox_burst)


def _limited(request: web.Request) -> web.Response | None:
    """A 429 answer (with Retry-After) when the caller's address is over its rate."""
    wait = request.app[INBOX_LIMITER].wait(client_address(request))
    if not wait:
        return None
    response = error_response(
        429, "too-many-requests", "Trop de requêtes sur /inbox ; ralentissez."
    )
    response.headers["Retry-After"] = str(max(1, int(wait + 0.999)))
    return response


async def inbox(request: web.Request) -> web.Response:
    if limited := _limited(request):
        return limited
    if request.content_type == NDJSON:
        return await receive_push(request)
    if request.content_type == "application/json" or request.content_type in FORMS:
        wanted = await parse_subscription(request)
        await request.app[PUSHER].request(wanted)
        return json_response(
            {
                "mode": wanted.mode,
                "callback": wanted.callback,
                "feeds": list(wanted.feeds),
                "lease_seconds": wanted.lease_seconds,
                "status": "verification",
            },
            status=202,
        )
    raise ApiError(
        415,
        "unsupported-media-type",
        "Type de contenu non pris en charge : application/x-ndjson (entrées) ou "
        "application/json (abonnement).",
    )


async def callback_push(request: web.Request) -> web.Response:
    if limited := _limited(request):
        return limited
    token = request.match_info["token"]
    try:
        api_params.TOKEN.read(token)
    except ValueError:
        raise ApiError(400, "bad-token", "Jeton d'abonnement invalide.") from None
    if not request.app[SUBSCRIBER].knows(token):
        raise ApiError(404, "unknown-subscription", "Ce nœud n'a pas demandé cet abonnement.")
    if request.content_type != NDJSON:
        raise ApiError(415, "unsupported-media-type", "Seul application/x-ndjson est accepté.")
    source = request.app[SUBSCRIBER].tokens.get(request.match_info["token"])
    return await receive_push(request, source)


async def receive_push(request: web.Request, source: str | None = None) -> web.Response:
    """Verify and store a push; ``source``: the node that sent it, when known (a callback
    token names the node this node subscribed to)."""
    body = await request.read()  # at most client_max_size bytes, else 413
    lines = body.split(b"\n")
    if lines and not lines[-1]:
        lines.pop()
    if not lines:
        raise ApiError(400, "empty-push", "Aucune entrée reçue.")
    store = request.app[STORE]
    # Each line against the key in force of its feed as held (SPEC §10.4), not its author's.
    results = await asyncio.to_thread(verify_lines, lines, store.key_ring())
    for number, result in enumerate(results, 1):
        if isinstance(result, ProtocolError):
            raise ApiError(
                400,
                "invalid-entry",
                f"Ligne {number} refusée ({result.code}) : rien n'a été gardé.",
            )
    entries: list[Any] = results
    authors = {entry.author for entry in entries}
    hidden = request.app.get(
        HIDDEN, NOTHING_HIDDEN
    )  # a feed this node hides is refused as one it does not hold
    # Through a callback, a feed wanted but not held yet too (checked against hidden again:
    # the wanted set is the last round's).
    wanted = request.app[SUBSCRIBER].wanted if source is not None else frozenset()
    held = await asyncio.to_thread(
        lambda: {
            a for a in authors if not hidden.hides(a) and (a in wanted or store.feed(a) is not None)
        }
    )
    kept = [entry for entry in entries if entry.author in held]
    if not kept:
        raise ApiError(
            403,
            "feed-not-held",
            "Ce nœud ne réplique pas ce flux : entrées refusées, rien n'a été gardé.",
        )
    result = await request.app[WRITER].append(kept, peers.quota(request.app[SETTINGS]))
    replicator = request.app[REPLICATOR]
    if any(e.op == "put" and e.body is None for e in result.stored):
        replicator.kick(force=True)  # body pending: ask the sources now (SPEC §11.3)
    log_forks(result.forks, source or f"un envoi de {client_address(request)}")
    if source is not None:
        for did, upto in _unchained(result).items():
            replicator.check_source(source, did, upto)  # a fork, or missed pushes
    refused = [
        {"author": e.author, "seq": e.seq, "reason": reason} for e, reason in result.refused
    ] + [
        {"author": e.author, "seq": e.seq, "reason": "feed not held"}
        for e in entries
        if e.author not in held
    ]
    return json_response(
        {
            "stored": len(result.stored),
            "duplicates": result.duplicates,
            "forks": len(result.forks),
            "refused": refused[:100],
        },
        status=202,
    )


def _unchained(result: AppendResult) -> dict[str, int]:
    """The feeds whose pushed entries did not extend the head held (neither frozen nor
    over their quota), with the highest seq pushed."""
    unchained: dict[str, int] = {}
    for entry, reason in result.refused:
        if "frozen" not in reason and entry.author not in result.over_quota:
            unchained[entry.author] = max(entry.seq, unchained.get(entry.author, 0))
    return unchained


async def parse_subscription(request: web.Request) -> SubscriptionRequest:
    """The subscription request in the body (JSON, or a form whose ``feeds`` field is repeated
    once per did); 400 if it is not one. The rules are ``api_params``' (the description's)."""
    if request.content_type == "application/json":
        try:
            data = orjson.loads(await request.read())
        except orjson.JSONDecodeError:
            raise ApiError(400, "bad-json", "Le corps n'est pas du JSON valide.") from None
        if not isinstance(data, dict):
            raise ApiError(400, "bad-subscription", "La demande doit être un objet JSON.")
        lease = _json_lease(data)
    else:
        form = await read_form(request, api_params.MAX_FORM_FIELDS)
        if unknown := set(form) - api_params.FORM_FIELDS:
            raise ApiError(
                400, "bad-form", f"Champ inconnu dans le formulaire : {sorted(unknown)[0]!r:.60}."
            )
        data = {name: form.get(name) for name in ("mode", "callback") if name in form}
        if "feeds" in form:
            data["feeds"] = [str(value) for value in form.getall("feeds")]
        lease = _form_lease(form.getall("lease_seconds", []))
    mode = data.get("mode")
    if not isinstance(mode, str) or mode not in api_params.MODES:
        raise ApiError(400, "bad-mode", f"{api_params.MODE.expected}.")
    return SubscriptionRequest(
        mode,
        check_callback(data.get("callback")),
        _feeds(data, () if mode == "unsubscribe" else (request.app[KEY].did,)),
        min(lease or LONGEST, request.app[SETTINGS].push_lease_seconds),
        client_address(request),
    )


#: Stands for « the longest lease the node grants » until it is clamped.
LONGEST = api_params.MAX_LEASE


def check_callback(callback: object) -> str:
    """An absolute http(s) URL with a host, no credentials, no fragment
    (``api_params.CALLBACK``)."""
    problem = ApiError(400, "bad-callback", f"{api_params.CALLBACK.expected}.")
    if not isinstance(callback, str):
        raise problem
    try:
        api_params.CALLBACK.read(callback)
        url = URL(callback)
    except ValueError:  # ParamError is one
        raise problem from None
    if url.scheme not in ("http", "https") or not url.host or url.user or url.fragment:
        raise problem
    return callback


def _feeds(data: dict[str, Any], default: tuple[str, ...]) -> tuple[str, ...]:
    """The feeds named; none: this node's own (subscribe) or every one (unsubscribe)."""
    if "feeds" not in data:
        return default
    feeds = data["feeds"]
    if not isinstance(feeds, list) or len(feeds) > api_params.MAX_FEEDS:
        raise ApiError(
            400, "bad-feeds", f"feeds doit être une liste d'au plus {api_params.MAX_FEEDS} did."
        )
    for did in feeds:
        try:
            if not isinstance(did, str):
                raise ValueError(did)
            api_params.DID.read(did)
        except ValueError:
            raise ApiError(
                400, "bad-feeds", f"identifiant de flux invalide : {did!r:.80}"
            ) from None
    return tuple(dict.fromkeys(feeds)) or default


def _json_lease(data: dict[str, Any]) -> int | None:
    """The lease asked in a JSON request: absent, or an integer in ``api_params.LEASE``'s
    range."""
    if "lease_seconds" not in data:
        return None
    value = data["lease_seconds"]
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**63:
        value = int(value)  # 60.0 is an integer in JSON Schema
    if isinstance(value, bool) or not isinstance(value, int):
        raise _bad_lease()
    try:
        return int(api_params.LEASE.read(str(value)))
    except ValueError:
        raise _bad_lease() from None


def _form_lease(values: list[Any]) -> int | None:
    if not values:
        return None
    try:
        return int(api_params.LEASE.read(str(values[0])))
    except ValueError:
        raise _bad_lease() from None


def _bad_lease() -> ApiError:
    return ApiError(400, "bad-lease", f"{api_params.LEASE.expected}.")
