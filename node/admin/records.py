"""The admin forms of the place's own records (``/admin/profil``, ``/admin/offres/…``,
``/admin/besoins/…``): publish the profile, add, edit and withdraw offers and needs.

A new offer or need gets its id from its title, as with ``maillage offer put``; editing
keeps the id and puts the record again; withdrawing asks first, then appends a deletion.
A form with mistakes comes back with every value kept and each problem next to its field.
"""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp import web

from node.admin import fields as admin_fields
from node.admin import forms as admin_forms
from node.admin.site import Admin, done, page
from node.appkeys import KEY, SETTINGS, SIGNER, STORE, WRITER
from node.display import record_text as views
from node.publishing import records
from node.publishing.kinds import KINDS, PROFILE, Kind
from node.publishing.refusal import Refused
from protocol.header import RID_RE


async def profile_form(request: web.Request, admin: Admin) -> web.Response:
    store, key, writer = request.app[STORE], request.app[KEY], request.app[WRITER]
    current = await asyncio.to_thread(store.record, key.did, "profile", "profile")
    base = current.body if current is not None else None
    problems: dict[str, str] = {}
    if admin.form is None:
        values = admin_forms.values_of("profile", base or {"name": request.app[SETTINGS].name})
    else:
        body, values, problems = admin_forms.parse("profile", admin.form, base)
        if body is not None and body == base:
            return done(request, admin, "Profil inchangé : rien n'a été enregistré.")
        if body is not None:
            try:
                outcome = await records.served(
                    writer, records.put, request.app[SIGNER], PROFILE, None, body
                )
            except Refused as exc:
                problems[""] = str(exc)
            else:
                if outcome.entry is None:
                    return done(request, admin, "Profil inchangé : rien n'a été enregistré.")
                return done(request, admin, f"Profil publié (entrée n° {outcome.entry.seq}).")
    context = {
        "title": "Profil du lieu",
        "section": "profil",
        "action": "/admin/profil",
        "submit": "Publier le profil",
        "cancel": "/admin",
        **_form_context("profile", values, problems),
    }
    return page(request, admin, "admin/form.html", context, 400 if problems else 200)


async def record_form(request: web.Request, admin: Admin) -> web.Response:
    """Add (no rid in the path) or edit an offer or a need."""
    kind = KINDS[request.match_info["kind"]]
    rid = request.match_info.get("rid")
    store, key, writer = request.app[STORE], request.app[KEY], request.app[WRITER]
    base = None
    if rid is not None:
        current = None
        if RID_RE.fullmatch(rid):
            current = await asyncio.to_thread(store.record, key.did, kind.col, rid)
        if current is None or current.body is None:
            return _not_found(request, admin, kind, rid)
        base = current.body
    problems: dict[str, str] = {}
    if admin.form is None:
        values = admin_forms.values_of(kind.col, base)
    else:
        body, values, problems = admin_forms.parse(kind.col, admin.form, base)
        named = f"{kind.noun[0].upper()}{kind.noun[1:]} « {body['title'] if body else ''} »"
        if body is not None and body == base:
            message = f"{named} {kind.agree('inchangé')} : rien n'a été enregistré."
            return done(request, admin, message, f"/admin#{kind.plural}")
        if body is not None:
            try:
                outcome = await records.served(
                    writer, records.put, request.app[SIGNER], kind, rid, body
                )
            except Refused as exc:
                problems[""] = str(exc)
            else:
                if outcome.entry is None:
                    message = f"{named} {kind.agree('inchangé')} : rien n'a été enregistré."
                else:
                    verb = kind.agree("mis") + " à jour" if rid else kind.agree("publié")
                    message = f"{named} {verb} (entrée n° {outcome.entry.seq})."
                return done(request, admin, message, f"/admin#{kind.plural}")
    new = rid is None
    path = f"/admin/{kind.plural}/" + ("ajouter" if new else f"{rid}/modifier")
    article = "une" if kind.feminine else "un"
    context = {
        "title": f"Ajouter {article} {kind.noun}" if new else f"Modifier {article} {kind.noun}",
        "section": kind.plural,
        "action": path,
        "submit": "Publier" if new else "Enregistrer les modifications",
        "cancel": f"/admin#{kind.plural}",
        **_form_context(kind.col, values, problems),
    }
    return page(request, admin, "admin/form.html", context, 400 if problems else 200)


async def remove(request: web.Request, admin: Admin) -> web.Response:
    """Ask to confirm (GET), then withdraw (POST) an offer or a need."""
    kind = KINDS[request.match_info["kind"]]
    rid = request.match_info["rid"]
    store, key = request.app[STORE], request.app[KEY]
    current = None
    if RID_RE.fullmatch(rid):
        current = await asyncio.to_thread(store.record, key.did, kind.col, rid)
    if current is None:
        return _not_found(request, admin, kind, rid)
    title = views.text((current.body or {}).get("title")) or rid
    named = f"{kind.noun[0].upper()}{kind.noun[1:]} « {title} »"
    if admin.form is None:
        context = {
            "title": f"Retirer {'cette' if kind.feminine else 'ce'} {kind.noun} ?",
            "section": kind.plural,
            "named": named,
            "action": f"/admin/{kind.plural}/{rid}/retirer",
            "cancel": f"/admin#{kind.plural}",
        }
        return page(request, admin, "admin/remove.html", context)
    try:
        outcome = await records.served(
            request.app[WRITER], records.withdraw, request.app[SIGNER], kind, rid
        )
    except Refused as exc:
        return done(request, admin, f"{named} : {exc}.", f"/admin#{kind.plural}")
    message = f"{named} {kind.agree('retiré')} (entrée n° {outcome.entry.seq})."
    return done(request, admin, message, f"/admin#{kind.plural}")


def _not_found(request: web.Request, admin: Admin, kind: Kind, rid: str) -> web.Response:
    context = {
        "title": f"{kind.noun[0].upper()}{kind.noun[1:]} introuvable",
        "message": f"Aucun{kind.agree('')} {kind.noun} publié{kind.agree('')} ne porte "
        f"l'identifiant « {rid} » : {'elle' if kind.feminine else 'il'} a peut-être déjà été "
        f"{kind.agree('retiré')}.",
        "section": kind.plural,
    }
    return page(request, admin, "admin/message.html", context, 404)


def _form_context(col: str, values: dict[str, Any], problems: dict[str, str]) -> dict[str, Any]:
    order = {field.path: rank for rank, field in enumerate(admin_fields.fields(col), 1)}
    summary = [
        (admin_fields.field_id(path) if path else "", admin_forms.label_of(col, path), message)
        for path, message in sorted(
            problems.items(), key=lambda item: (order.get(item[0], len(order) + 1), item[0])
        )
    ]
    return {
        "groups": admin_fields.FORMS[col],
        "values": values,
        "problems": problems,
        "summary": summary,
        "equipment_rows": admin_forms.equipment_rows(values) if col == "profile" else 0,
        "equipment_parts": admin_fields.EQUIPMENT_PARTS,
        "field_id": admin_fields.field_id,
    }
