"""The imported policy as blocks of statements, each with the comments that explain it, rendered as text."""

from __future__ import annotations

import attrs

from mailpolicy.frozen import frozen
from mailpolicy.source import Span


@frozen
class Block:
    """Statements that belong together, the comment lines above them, and the main.cf lines they came from."""

    statements: tuple[str, ...]
    notes: tuple[str, ...] = ()
    origins: tuple[Span, ...] = ()

    def with_notes(self, *notes: str) -> Block:
        return attrs.evolve(self, notes=(*self.notes, *notes))


@frozen
class Section:
    """A titled group of blocks: identity, who may relay, who may send as whom, other parameters."""

    title: str
    blocks: tuple[Block, ...]


def render_policy(header: tuple[str, ...], sections: list[Section]) -> str:
    """Return the policy text: the header, then each non-empty section under its title."""
    lines = [f"# {line}" if line else "#" for line in header]
    for section in sections:
        if not section.blocks:
            continue
        lines += ["", f"# --- {section.title} ---"]
        for block in section.blocks:
            if block.notes and lines[-1] and not lines[-1].startswith("# ---"):
                lines.append("")
            lines += [f"# {note}" for note in block.notes]
            lines += list(block.statements)
    return "\n".join(lines) + "\n"
