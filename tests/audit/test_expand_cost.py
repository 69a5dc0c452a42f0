"""Expansion cost is bounded: work counted (not timed) for chains, billion laughs and wide lists."""

from __future__ import annotations

import pytest

from mailpolicy.postfix.expand import MAX_EXPANDED_CHARS, Expander, ExpansionError


def _chain(length: int) -> dict[str, str]:
    # Postfix allows 100 nested calls; a longer chain is the nesting error, a shorter one expands.
    values = {f"p{i}": f"$p{i + 1} x{i}" for i in range(length)}
    values[f"p{length}"] = "end"
    return values


def test_a_1000_long_chain_is_refused_after_bounded_work() -> None:
    expander = Expander(_chain(1000).get)
    with pytest.raises(ExpansionError, match="unreasonable macro call nesting"):
        expander.expand("$p0")
    assert expander.steps < 5_000


@pytest.mark.parametrize("width", [10, 100, 1000])
def test_many_values_referring_to_one_chain_cost_work_linear_in_their_number(width: int) -> None:
    values = _chain(60)
    expander = Expander(values.get)
    for i in range(width):
        expander.expand(f"$p{i % 60} y")
    # Each name is expanded once and remembered: work grows with `width`, not width x chain length.
    assert expander.steps < 500 + 5 * width


@pytest.mark.parametrize("depth", [10, 20, 40])
def test_billion_laughs_is_linear_work_then_refused_by_size(depth: int) -> None:
    values = {f"lol{i}": f"$lol{i + 1}$lol{i + 1}" for i in range(depth)}
    values[f"lol{depth}"] = "lol"
    expander = Expander(values.get)
    if 3 * 2 ** depth > MAX_EXPANDED_CHARS:
        with pytest.raises(ExpansionError, match="characters"):
            expander.expand("$lol0")
    else:
        assert len(expander.expand("$lol0")) == 3 * 2 ** depth
    assert expander.steps < 20 * depth


def test_a_10000_entry_list_is_one_pass() -> None:
    value = ", ".join(f"$d{i % 10}.example{i}" for i in range(10_000))
    expander = Expander({f"d{i}": f"host{i}" for i in range(10)}.get)
    assert expander.expand(value).count("host") == 10_000
    assert expander.steps < 30_000
