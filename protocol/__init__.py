"""Maillage wire format, version 1: canonical JSON, keys, signed entries, chains, state.

Everything here is pure and synchronous; the normative description is ``protocol/SPEC.md``.
"""
