"""`mailpolicy.frozen` classes behave as the attrs classes they replace: repr, equality, hash, order."""

from __future__ import annotations

import pickle
import subprocess
import sys

import attrs
import pytest

from mailpolicy.frozen import Deferred, frozen, mutable


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


def test_a_deferred_class_is_made_on_its_first_read_as_frozen_makes_it() -> None:
    namespace = {"__name__": "planted"}
    later = Deferred(namespace)

    @later(order=True)
    class Point(Node):
        x: int
        y: int = 0

        def total(self) -> int:
            return self.x + self.y

    namespace["Point"] = Point  # what the class statement does in a module
    later.close()
    assert "Point" not in namespace and later.names() == ("Point",)
    assert not later.is_instance(Point, "Point") and "Point" not in namespace  # asking does not make it
    made = later.make("Point")
    assert namespace["Point"] is made is later.make("Point") and made is not Point
    at = Position("a", 1)
    assert attrs.has(made) and [f.name for f in attrs.fields(made)] == ["at", "x", "y"]
    assert made(at, 1) == made(at, 1, 0) < made(at, 2) and repr(made(at, 1)) == f"Point(at={at!r}, x=1, y=0)"
    assert made(at, 1, 2).total() == 3 and isinstance(made(at, 1), Node) and later.is_instance(made(at, 1), "Point")
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        made(at, 1).x = 2  # type: ignore[misc]
    assert not hasattr(made(at, 1), "__dict__")
    with pytest.raises(AttributeError, match="module 'planted' has no attribute 'Nothing'"):
        later.make("Nothing")


def test_statement_classes_are_made_when_first_read_and_stay_picklable() -> None:
    # In a fresh interpreter: importing the syntax tree makes no statement class; reading one makes
    # that one alone, and `is_a` tests a statement without making the class it names.
    script = ("import pickle, sys\nfrom mailpolicy.parse import statements as st\nfrom mailpolicy.source import Span\n"
              "made = lambda: sorted(n for n in st.later.names() if n in vars(st))\n"
              "before = made()\nspan = Span('p', 1, 1)\nhost = st.Hostname(span, st.Word('mx.example0.com', span))\n"
              "assert pickle.loads(pickle.dumps(host)) == host and st.is_a(host, 'Hostname')\n"
              "assert not st.is_a(host, 'Include') and 'Include' in dir(st)\n"
              "print(before, made())")
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["[]", "['Hostname']"]


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
