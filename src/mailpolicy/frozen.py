"""Frozen attrs classes whose `__repr__`, `__eq__` and `__hash__` are shared, not generated per class.

attrs writes the source of each method of each class and compiles it when the module is
imported: for the ~60 classes `mailpolicy check` loads, that was a third of the time it spends
over `import lark, attrs, click` (repr, eq and hash about two thirds of that). Only
`__init__` gains from being generated (it runs once per object, validators and defaults
inline); the methods here read the same fields through one `operator.attrgetter` per class and
give what attrs would: `Name(field=value, ...)`, equality of same-class objects field by
field, a hash from the same fields, and with `order=True` ordering as tuples of the fields.
The classes stay attrs classes: `attrs.fields`, `attrs.evolve` and validators work unchanged.

This is the package's one class convention: every class of `mailpolicy` is declared with
`frozen` (or `mutable` for the few that change after they are made), whether or not `check`
imports it, so a class can move between modules without changing how it is declared
(`tests/perf/test_frozen.py` holds the package to it). A module with many classes of which a run
uses few (the statements of the language, `parse/statements.py`) declares them with a `Deferred`
instead, which makes each one with `frozen` when it is first read from the module.
"""

from __future__ import annotations

import operator
from typing import Any, Callable, TypeVar

import attrs

C = TypeVar("C", bound=type)


def frozen(maybe_cls: C | None = None, /, *, eq: bool = True, order: bool = False, **options: Any) -> Any:
    """Return `attrs.frozen(cls, **options)` with the shared methods; usable bare or with options.

    With `eq=False` objects keep identity equality and hash, as attrs leaves them.
    """

    def build(cls: C) -> C:
        made = attrs.frozen(cls, repr=False, eq=False, order=False, **options)
        _add_methods(made, eq=eq, hashable=True, order=order)
        return made

    return build if maybe_cls is None else build(maybe_cls)


def mutable(maybe_cls: C | None = None, /, **options: Any) -> Any:
    """Return `attrs.define(cls, **options)` with the shared `__repr__` and `__eq__` (unhashable, as attrs makes it)."""

    def build(cls: C) -> C:
        made = attrs.define(cls, repr=False, eq=False, order=False, **options)
        _add_methods(made, eq=True, hashable=False, order=False)
        return made

    return build if maybe_cls is None else build(maybe_cls)


class Deferred:
    """Classes of one module declared as usual but made `frozen` only when first read from the module.

    Making an attrs class costs about 0.3 ms (attrs writes and compiles its `__init__` and makes
    a slotted copy of the class); `check` on a typical policy uses about a third of the 29
    statement classes (docs/benchmarks.md). The module declares each class with `@later` (the
    options are `frozen`'s), calls `later.close()` after the last one and sets `__getattr__ =
    later.make`: the class is then made, exactly as `@frozen` would have made it at import, when
    something first reads it from the module (`module.Name`, `from module import Name`, pickle;
    PEP 562). Code inside the module itself reads them through `later.make(name)`, since a bare
    name does not go through `__getattr__`, and asks `later.is_instance` where a test of a class
    not made yet must not make it (no object of it can exist).
    """

    def __init__(self, namespace: dict[str, Any]) -> None:
        self._namespace = namespace
        self._declared: dict[str, tuple[type, dict[str, Any]]] = {}

    def __call__(self, maybe_cls: C | None = None, /, **options: Any) -> Any:
        def declare(cls: C) -> C:
            self._declared[cls.__name__] = (cls, options)
            return cls

        return declare if maybe_cls is None else declare(maybe_cls)

    def close(self) -> None:
        """Take the declared classes out of the module's names, so that reading one calls `make`."""
        for name in self._declared:
            del self._namespace[name]

    def make(self, name: str) -> type:
        """Return the declared class `name` made `frozen` (made once, then kept among the module's names)."""
        made = self._namespace.get(name)
        if made is not None:
            return made
        try:
            cls, options = self._declared[name]
        except KeyError:
            raise AttributeError(f"module {self._namespace['__name__']!r} has no attribute {name!r}") from None
        # setdefault: were two threads to make it at once, both return the one class kept.
        return self._namespace.setdefault(name, frozen(cls, **options))

    def is_instance(self, value: object, name: str) -> bool:
        """Tell whether `value` is an instance of the declared class `name`, without making the class."""
        made = self._namespace.get(name)
        return made is not None and isinstance(value, made)

    def names(self) -> tuple[str, ...]:
        """Return the declared classes' names, in the order of their declarations."""
        return tuple(self._declared)


def _add_methods(cls: type, *, eq: bool, hashable: bool, order: bool) -> None:
    fields = attrs.fields(cls)
    # A field's own hash setting is honoured when it agrees with its eq (the hash reads the eq fields).
    if any(f.eq_key or f.order_key or not isinstance(f.repr, bool) or f.hash not in (None, f.eq) for f in fields):
        raise TypeError(f"{cls.__qualname__}: a field with its own eq, order, hash or repr needs attrs.frozen")
    key = _key([f.name for f in fields if f.eq])
    shown = [f.name for f in fields if f.repr]
    own = vars(cls)

    def __repr__(self: Any) -> str:
        text = ", ".join(f"{n}={getattr(self, n, attrs.NOTHING)!r}" for n in shown)
        return f"{self.__class__.__qualname__.rsplit('>.', 1)[-1]}({text})"

    def __eq__(self: Any, other: Any) -> Any:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return key(self) == key(other)

    methods: dict[str, Callable[..., Any] | None] = {"__repr__": __repr__}
    # attrs leaves an exception class its identity equality and hash (auto_exc); so does this.
    if eq and not issubclass(cls, BaseException):
        methods["__eq__"] = __eq__
        methods["__hash__"] = (lambda self: hash(key(self))) if hashable else None
        if order:
            methods.update(_ordering(key))
    for method, function in methods.items():
        # A method the class body wrote itself wins, as with attrs' auto-detection.
        if method not in own:
            if function is not None:
                function.__qualname__ = f"{cls.__qualname__}.{method}"
            setattr(cls, method, function)


def _key(names: list[str]) -> Callable[[Any], Any]:
    # attrgetter of several names gives their tuple, of one name the bare value: equal, ordered
    # and hashed alike as attrs' 1-tuple of it, one allocation less.
    return operator.attrgetter(*names) if names else (lambda _: ())


def _ordering(key: Callable[[Any], Any]) -> dict[str, Callable[..., Any]]:
    def compare(test: Callable[[Any, Any], bool]) -> Callable[[Any, Any], Any]:
        def method(self: Any, other: Any) -> Any:
            if other.__class__ is not self.__class__:
                return NotImplemented
            return test(key(self), key(other))
        return method

    return {"__lt__": compare(operator.lt), "__le__": compare(operator.le),
            "__gt__": compare(operator.gt), "__ge__": compare(operator.ge)}
