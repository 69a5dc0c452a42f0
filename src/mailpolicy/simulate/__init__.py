"""A model of Postfix 3.7's SMTP access decision (the simulator).

It reads main.cf-level parameters, so the same model decides for a compiled plan and for an
existing main.cf. `PostfixModel.decide(Request)` gives the verdict, the list and restriction
that decided, and the reply Postfix would send; `prove_no_open_relay` searches every class of
request an anonymous outside client could send for one that relays.
"""

from mailpolicy.simulate.config import Host
from mailpolicy.simulate.decide import PostfixModel
from mailpolicy.simulate.proof import Counterexample, prove_no_open_relay
from mailpolicy.simulate.request import Decision, Request, Verdict

__all__ = ["Counterexample", "Decision", "Host", "PostfixModel", "Request", "Verdict", "prove_no_open_relay"]
