"""French for argparse's own messages (usage, errors, help), which a volunteer reads.

argparse looks its messages up through ``gettext`` at the moment it prints them; no French
catalogue ships with Python, so this module supplies the few messages it can print.
"""

from __future__ import annotations

import argparse

FRENCH = {
    "usage: ": "utilisation : ",
    "positional arguments": "arguments",
    "options": "options",
    "optional arguments": "options",
    "show this help message and exit": "afficher cette aide et quitter",
    "the following arguments are required: %s": "arguments obligatoires manquants : %s",
    "unrecognized arguments: %s": "arguments non reconnus : %s",
    "invalid choice: %(value)r (choose from %(choices)s)": (
        "choix invalide : %(value)r (possibles : %(choices)s)"
    ),
    "argument %(argument_name)s: %(message)s": "argument %(argument_name)s : %(message)s",
    "%(prog)s: error: %(message)s\n": "%(prog)s : erreur : %(message)s\n",
    "expected one argument": "une valeur est attendue",
    "invalid %(type)s value: %(value)r": "valeur invalide : %(value)r",
    "ambiguous option: %(option)s could match %(matches)s": (
        "option ambiguë : %(option)s peut désigner %(matches)s"
    ),
    "not allowed with argument %s": "incompatible avec l'argument %s",
    "ignored explicit argument %r": "argument explicite ignoré : %r",
}


def _translate(message: str) -> str:
    return FRENCH.get(message, message)


def _ntranslate(singular: str, plural: str, n: int) -> str:
    return _translate(singular if n == 1 else plural)


def install() -> None:
    """Make argparse speak French from now on (idempotent)."""
    argparse._ = _translate  # type: ignore[attr-defined]
    argparse.ngettext = _ntranslate  # type: ignore[attr-defined]
