"""Warn about restriction classes that reach themselves (MP340), in each smtpd service's configuration."""

from __future__ import annotations

from typing import Iterator

from mailpolicy.analyze.class_loops import HINT, class_loop_message
from mailpolicy.audit.context import AuditContext
from mailpolicy.audit.effective import ServiceView
from mailpolicy.audit.simulation import entry_span, fallback_span, model_for
from mailpolicy.diagnostics import Diagnostic
from mailpolicy.diagnostics import catalogue as cat
from mailpolicy.simulate.class_loops import class_loops


def check_class_loops(ctx: AuditContext) -> Iterator[Diagnostic]:
    """Report each restriction class that reaches itself, where its looping entry is written."""
    return ctx.per_service(lambda view: _loops(ctx, view))


def _loops(ctx: AuditContext, view: ServiceView) -> Iterator[Diagnostic]:
    for loop in class_loops(model_for(ctx, view)):
        span = entry_span(ctx, view, loop.name, loop.position) or fallback_span(ctx, view)
        yield cat.CLASS_LOOP.at(span, class_loop_message(loop), hint=HINT)
