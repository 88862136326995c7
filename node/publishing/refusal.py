"""The one way a use case says no: :class:`Refused`, with a code and a French reason.

The command line prints the reason (status 1 or 2) and the admin area shows it next to the
form; neither writes the refusal a second time.
"""

from __future__ import annotations


class Refused(Exception):
    """A write the node will not make; nothing was written.

    ``code`` is machine-readable (``frozen-feed``, ``too-large``, ``own-node``,
    ``bad-follow``, ``unreachable``, ``not-a-node``, ``not-followed``, ``unknown-record``,
    ``already-withdrawn``; endorsements: ``bad-did``, ``unknown-scope``, ``bad-endorsement``,
    ``not-endorsed``; muting and blocklists: ``bad-did``, ``unknown-place``, ``bad-reason``,
    ``not-muted``, ``bad-list``, ``bad-list-name``, ``own-list``, ``not-replicated``,
    ``unknown-list``, ``not-listed``, ``not-applied``, ``too-many``, ``bad-blocklist``; for
    keys ``retired-key``, ``already-committed``, ``no-recovery-key``, ``not-recovery-key``,
    ``bad-after``, ``recovery-refused``); the message says why, in French, without a final
    stop.
    """

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
