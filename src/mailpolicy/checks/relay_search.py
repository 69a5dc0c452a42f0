"""The open-relay search for an anonymous outside client, run once per simulator model.

The open-relay check (MP301) and the compile's stated-relay check (MP321, which speaks only when
MP301 found nothing) both need it; the search is most of a compile's time with large tables, so
its result is kept with the model and dropped when the model goes.
"""

from __future__ import annotations

import weakref

from mailpolicy.simulate import PostfixModel, prove_no_open_relay
from mailpolicy.simulate.proof import Counterexample, ProofTooLarge

_FOUND: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def anonymous_relays(model: PostfixModel) -> list[Counterexample]:
    """Return every way an anonymous outside client relays; raise ProofTooLarge as the search does."""
    found = _FOUND.get(model)
    if found is None:
        try:
            found = prove_no_open_relay(model)
        except ProofTooLarge as error:
            found = error
        _FOUND[model] = found
    if isinstance(found, ProofTooLarge):
        raise found
    return found
