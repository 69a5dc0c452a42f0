"""`mailpolicy.frozen` classes behave as the attrs classes they replace: repr, equality, hash, order."""

from __future__ import annotations

import pickle

import attrs
import pytest

from mailpolicy.frozen import frozen, mutable


@frozen(order=True)
class Position:
    path: str
    line: int
    column: int = 1
    end: int | None = None


@attrs.frozen(order=True)
class AttrsPosition:
    path: str
    line: int
    column: int = 1
    end: int | None = None


@frozen
class Node:
    at: Position


@frozen
class Leaf(Node):
    text: str = attrs.field(validator=attrs.validators.instance_of(str))
    hidden: int = attrs.field(default=0, repr=False, eq=False)


@frozen
class Named:
    name: str

    def __repr__(self) -> str:
        return f"<{self.name}>"


@frozen
class Problem(Exception):
    message: str


@frozen(eq=False)
class Rows:
    rows: list[int]


@mutable
class Counter:
    count: int = 0


POSITIONS = [("a", 1), ("a", 1, 2), ("a", 2), ("b", 1, 1, 4), ("a", 1, 1, None)]


@pytest.mark.parametrize("args", POSITIONS)
def test_repr_is_the_one_attrs_writes(args: tuple) -> None:
    assert repr(Position(*args)) == repr(AttrsPosition(*args)).replace("AttrsPosition", "Position")


def test_equality_hash_and_order_follow_the_fields_as_with_attrs() -> None:
    mine = [Position(*args) for args in POSITIONS]
    theirs = [AttrsPosition(*args) for args in POSITIONS]
    for a, x in zip(mine, theirs):
        for b, y in zip(mine, theirs):
            assert (a == b, a != b, a < b, a <= b, a > b, a >= b) == (x == y, x != y, x < y, x <= y, x > y, x >= y)
            if a == b:
                assert hash(a) == hash(b)
    assert sorted(mine, reverse=True) == [Position(*args) for args in sorted(POSITIONS, key=lambda p: AttrsPosition(*p),
                                                                              reverse=True)]
    assert len({*mine, *[Position(*args) for args in POSITIONS]}) == 4  # ("a", 1) and ("a", 1, 1, None) are one position


def test_other_classes_are_never_equal_and_do_not_order() -> None:
    position = Position("a", 1)
    assert position != AttrsPosition("a", 1)
    assert Node(position) != Leaf(position, "x")
    with pytest.raises(TypeError):
        _ = position < AttrsPosition("a", 1)


def test_fields_left_out_of_repr_and_eq_stay_out_and_subclasses_compare_their_own_fields() -> None:
    at = Position("a", 1)
    assert repr(Leaf(at, "x", hidden=3)) == "Leaf(at=Position(path='a', line=1, column=1, end=None), text='x')"
    assert Leaf(at, "x", hidden=3) == Leaf(at, "x")
    assert hash(Leaf(at, "x", hidden=3)) == hash(Leaf(at, "x"))
    assert Leaf(at, "x") != Leaf(at, "y")


def test_still_an_attrs_class_frozen_validated_evolvable_and_picklable() -> None:
    leaf = Leaf(Position("a", 1), "x")
    assert attrs.has(Leaf) and [f.name for f in attrs.fields(Leaf)] == ["at", "text", "hidden"]
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        leaf.text = "y"  # type: ignore[misc]
    with pytest.raises(TypeError):
        Leaf(Position("a", 1), 3)  # type: ignore[arg-type]
    assert attrs.evolve(leaf, text="y") == Leaf(Position("a", 1), "y")
    assert pickle.loads(pickle.dumps(leaf)) == leaf
    assert not hasattr(leaf, "__dict__")


def test_a_method_the_class_writes_is_kept() -> None:
    assert repr(Named("x")) == "<x>"
    assert Named("x") == Named("x")


def test_exceptions_keep_identity_equality_as_attrs_gives_them() -> None:
    first, second = Problem("m"), Problem("m")
    assert first != second and hash(first) != hash(second)
    assert repr(first) == "Problem(message='m')"


def test_eq_false_keeps_identity_equality_and_hash() -> None:
    rows = Rows([1])
    assert rows == rows and rows != Rows([1])
    assert {rows: 1}[rows] == 1  # a hash of the fields would fail: a list is unhashable
    assert repr(rows) == "Rows(rows=[1])"


def test_mutable_classes_compare_by_fields_and_are_unhashable() -> None:
    counter = Counter()
    counter.count += 1
    assert counter == Counter(1) and counter != Counter()
    assert repr(counter) == "Counter(count=1)"
    with pytest.raises(TypeError):
        hash(counter)


def test_field_options_the_shared_methods_do_not_know_are_refused() -> None:
    with pytest.raises(TypeError, match="needs attrs.frozen"):
        @frozen
        class Folded:
            name: str = attrs.field(eq=str.lower)


def test_the_package_declares_every_class_through_mailpolicy_frozen() -> None:
    # One class convention (issue 12): no module but frozen.py itself reaches for attrs' decorators.
    import re
    from pathlib import Path

    import mailpolicy

    package = Path(mailpolicy.__file__).parent
    direct = re.compile(r"^\s*@(attrs\.(frozen|define|mutable|s)|attr\.s|attr\.attrs|dataclass)\b", re.M)
    offenders = [str(path.relative_to(package)) for path in sorted(package.rglob("*.py"))
                 if path.name != "frozen.py" and direct.search(path.read_text(encoding="utf-8"))]
    assert offenders == []
