"""Reading records strictly: one generic ``from_dict`` for every dataclass in :mod:`annotate.records`.

Records cross stage boundaries as JSON (JSON Lines pipes, ``annotate build FILE.jsonl``), so a
record read back is checked against its dataclass instead of trusted: an unknown key (``"entites"``),
a value of the wrong type, or a value outside a closed set (``status: "compelted"``) raises
:class:`RecordError` naming the record type, the path to the field and what was expected. Silently
dropping such a key or value would lose annotations without a trace (an annotation whose status
is misspelt is not counted by MQM).

The checks are driven by ``dataclasses.fields()`` and ``typing.get_type_hints``; a field's type is
one of ``str``, ``int``, ``float`` (an int is accepted), ``bool`` (an int is not), ``Any``,
``Literal[...]`` (a closed set), ``X | None``, ``list[X]``, ``dict[str, X]`` or a nested record.
Missing keys take the dataclass defaults, so files written before an optional field existed still
load; fields without a default are required.

Why not pydantic (installed, through label-studio-sdk): its strict mode rejects a plain dict for a
nested stdlib dataclass in ``validate_python`` (it wants an instance), and its lax mode turns
``true`` into ``1`` and ``"3"`` into ``3``, which is the silent coercion this module exists to stop;
its messages would need rewriting anyway to name record types and known fields.
"""

from __future__ import annotations

import dataclasses
import difflib
import functools
import types
import typing
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")

# A checker validates one JSON value against a field type and returns the value to store (lists
# and dicts copied, nested records built). It raises _Mismatch, which collects the path on the
# way out, so the path is only built when something is wrong.
Checker = Callable[[Any], Any]


class RecordError(ValueError):
    """A record that does not match its dataclass. The message names the record type, the path to
    the field (``SegmentRating.errors[2].severity``) and what is wrong."""


class _Mismatch(Exception):
    """Raised inside the checkers; ``steps`` is the path from the failing value up, innermost first."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.steps: list[str] = []


def record_from_dict(cls: type[T], data: Any) -> T:
    """Build record ``cls`` from a JSON object, checking every key and value; raises RecordError."""
    try:
        return _record_checker(cls)(data)
    except _Mismatch as mismatch:
        path = cls.__name__ + "".join(reversed(mismatch.steps))
        raise RecordError(f"{path}: {mismatch.reason}") from None


def json_type_name(value: Any) -> str:
    """The JSON-ish name of a value's type, for messages: null, bool, int, float, str, list, object."""
    if value is None:
        return "null"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


# ── checkers, built once per type (resolving type hints is slow) ─────────────────────────────────


@functools.cache
def _record_checker(cls: type) -> Checker:
    """Checker for a record (top-level or nested): a JSON object with the dataclass's fields, no others."""
    hints = typing.get_type_hints(cls)
    fields = [f for f in dataclasses.fields(cls) if f.init]
    checkers = {f.name: _checker(hints[f.name], f"{cls.__name__}.{f.name}") for f in fields}
    required = [f.name for f in fields
                if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING]
    # Keys that ``to_dict`` adds for consumers (properties such as Article.text): accepted, and
    # checked against the value the record derives, so an edited copy is not silently ignored.
    derived: tuple[str, ...] = tuple(getattr(cls, "DERIVED_KEYS", ()))
    known = set(checkers) | set(derived)

    def check(data: Any) -> Any:
        if not isinstance(data, dict):
            raise _Mismatch(f"expected an object ({cls.__name__}), got {json_type_name(data)}")
        unknown = [key for key in data if key not in known]
        if unknown:
            raise _Mismatch(_unknown_fields_reason(cls.__name__, unknown, [*checkers, *derived]))
        missing = [name for name in required if name not in data]
        if missing:
            raise _Mismatch(f"missing required field{'s' if len(missing) > 1 else ''} "
                            f"{', '.join(map(repr, missing))}")
        kwargs = {}
        for name, value in data.items():
            if name in checkers:
                try:
                    kwargs[name] = checkers[name](value)
                except _Mismatch as mismatch:
                    mismatch.steps.append(f".{name}")
                    raise
        try:
            record = cls(**kwargs)
        except (TypeError, ValueError) as exc:  # __post_init__ checks
            raise _Mismatch(str(exc)) from None
        for name in derived:
            if name in data and data[name] != getattr(record, name):
                mismatch = _Mismatch("differs from the value derived from the other fields "
                                     "(it is written for readers; edit the fields it is made from)")
                mismatch.steps.append(f".{name}")
                raise mismatch
        return record

    return check


def _unknown_fields_reason(record_name: str, unknown: list[str], known: list[str]) -> str:
    """``unknown DocumentAnnotation field 'entites' (known: doc_id, …); did you mean 'entities'?``"""
    guesses = [match[0] for key in unknown
               if isinstance(key, str) and (match := difflib.get_close_matches(key, known, n=1, cutoff=0.8))]
    plural = "s" if len(unknown) > 1 else ""
    reason = f"unknown {record_name} field{plural} {', '.join(map(repr, unknown))} (known: {', '.join(known)})"
    return reason + (f"; did you mean {' and '.join(map(repr, guesses))}?" if guesses else "")


def _checker(hint: Any, where: str) -> Checker:
    """Checker for a field type; ``where`` names the field for an unsupported type (a programming
    error, raised as TypeError when the record type is first read)."""
    if hint is Any:
        return lambda value: value
    if hint is bool:
        return _scalar_checker(lambda v: isinstance(v, bool), "bool")
    if hint is int:
        return _scalar_checker(lambda v: isinstance(v, int) and not isinstance(v, bool), "int")
    if hint is float:
        is_number = _scalar_checker(lambda v: isinstance(v, (int, float)) and not isinstance(v, bool), "float")
        return lambda value: float(is_number(value))
    if hint is str:
        return _scalar_checker(lambda v: isinstance(v, str), "str")
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return _record_checker(hint)
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin is typing.Literal:
        return _choice_checker(args)
    if origin in (typing.Union, types.UnionType):
        members = [arg for arg in args if arg is not type(None)]
        if len(members) == 1 and len(args) == 2:
            check_member = _checker(members[0], where)
            return lambda value: None if value is None else check_member(value)
    if origin is list and len(args) == 1:
        return _list_checker(_checker(args[0], where))
    if origin is dict and len(args) == 2 and args[0] is str:
        return _dict_checker(_checker(args[1], where))
    raise TypeError(f"{where}: record fields of type {hint!r} are not supported by annotate.record_io")


def _scalar_checker(accepts: Callable[[Any], bool], expected: str) -> Checker:
    def check(value: Any) -> Any:
        if not accepts(value):
            raise _Mismatch(f"expected {expected}, got {json_type_name(value)}{_shown(value)}")
        return value

    return check


def _shown(value: Any) -> str:
    """`` (3)``: a short scalar worth showing next to its type (a wrong-typed value is often a typo)."""
    if isinstance(value, (bool, int, float, str)):
        text = repr(value)
        return f" ({text if len(text) <= 40 else text[:39] + '…'})"
    return ""


def _choice_checker(choices: tuple[Any, ...]) -> Checker:
    """A closed set (``Literal[...]``): the value must be one of ``choices``, of the same type."""
    choice_types = {type(choice) for choice in choices}
    listed = ", ".join(str(choice) if choice != "" else '"" (empty)' for choice in choices)

    def check(value: Any) -> Any:
        if type(value) not in choice_types:  # exact type: True is not the choice 1
            expected = " or ".join(sorted(t.__name__ for t in choice_types))
            raise _Mismatch(f"expected {expected}, got {json_type_name(value)}{_shown(value)}")
        if value not in choices:
            raise _Mismatch(f"{value!r} is not one of {listed}")
        return value

    return check


def _list_checker(check_item: Checker) -> Checker:
    def check(value: Any) -> list[Any]:
        if not isinstance(value, list):
            raise _Mismatch(f"expected list, got {json_type_name(value)}{_shown(value)}")
        items = []
        for index, item in enumerate(value):
            try:
                items.append(check_item(item))
            except _Mismatch as mismatch:
                mismatch.steps.append(f"[{index}]")
                raise
        return items

    return check


def _dict_checker(check_item: Checker) -> Checker:
    def check(value: Any) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise _Mismatch(f"expected object, got {json_type_name(value)}{_shown(value)}")
        items = {}
        for key, item in value.items():
            try:
                items[key] = check_item(item)
            except _Mismatch as mismatch:
                mismatch.steps.append(f"[{key!r}]")
                raise
        return items

    return check
