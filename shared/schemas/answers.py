"""Answers serialised straight from rows: for an answer model whose fields are plain values (ids,
text, dates, money with its serializer), a function row -> JSON-ready dict that does what pydantic's
`model_validate(row).model_dump(mode="json")` does for it, without validating again what the
database just gave us. A model with anything else (nested models, validators, aliases, computed
fields) gets no such function: its rows go through pydantic as before.
"""
from __future__ import annotations

import datetime as dt
import types
import typing
from collections.abc import Callable
from functools import cache
from typing import Any, Literal, Union

from pydantic import BaseModel, PlainSerializer

Converter = Callable[[Any], Any]
_PLAIN = (int, str, bool)
_VALIDATORS = ("BeforeValidator", "AfterValidator", "WrapValidator", "PlainValidator")


def _identity(value: Any) -> Any:
    return value


def iso_date(value: dt.date) -> str:
    return value.isoformat()


def _converter(annotation: Any, metadata: list[Any]) -> Converter | None:
    """How one field's value leaves as JSON, or None when only pydantic knows."""
    if any(type(m).__name__ in _VALIDATORS for m in metadata):
        return None
    serializer = next((m for m in metadata if isinstance(m, PlainSerializer)), None)
    if serializer is not None:
        return serializer.func if serializer.when_used == "always" else None
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        base, *extra = typing.get_args(annotation)
        return _converter(base, list(extra))
    if origin in (Union, types.UnionType):
        members = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(members) != 1:
            return _identity if all(m in _PLAIN for m in members) else None
        inner = _converter(members[0], [])
        if inner is None or inner is _identity:
            return inner
        def optional(value: Any) -> Any:
            return None if value is None else inner(value)
        optional.skips_none = inner  # type: ignore[attr-defined]  # what it does to a value (answer_rows.py)
        return optional
    if origin is Literal or annotation in _PLAIN:
        return _identity
    if origin is list and all(a in _PLAIN for a in typing.get_args(annotation)):
        return list  # a list of plain values (tag names): a copy, as pydantic answers one
    if annotation is dt.date:
        return iso_date
    return None


@cache
def _plan(model: type[BaseModel], supplied: frozenset[str]) -> tuple[list[str], list[tuple[str, Converter]]] | None:
    """(the answer's field names in order, the (name, converter) of those not sent as they are), or
    None when the model needs pydantic."""
    decorators = model.__pydantic_decorators__
    if (decorators.validators or decorators.field_validators or decorators.root_validators
            or decorators.field_serializers or decorators.model_serializers or decorators.model_validators
            or decorators.computed_fields or model.model_config.get("extra") == "allow"):
        return None
    fields: list[tuple[str, Converter]] = []
    for name, info in model.model_fields.items():
        if info.alias or info.serialization_alias or info.exclude:
            return None
        if name in supplied:
            fields.append((name, _identity))
            continue
        convert = _converter(info.annotation, list(info.metadata))
        if convert is None:
            return None
        fields.append((name, convert))
    return [name for name, _ in fields], [(name, convert) for name, convert in fields if convert is not _identity]


def answer_plan(model: type[BaseModel], supplied: frozenset[str] = frozenset()
                ) -> tuple[list[str], dict[str, Converter]] | None:
    """(the answer's field names in order, {name: converter} of the fields not sent as they are), or
    None when the model needs pydantic: what the serializers below do, for code that fuses each
    converter with the step before it (shared/services/answer_rows.py)."""
    plan = _plan(model, supplied)
    return None if plan is None else (plan[0], dict(plan[1]))


@cache
def row_serializer(model: type[BaseModel], supplied: frozenset[str] = frozenset()
                   ) -> Callable[[Any], dict[str, Any]] | None:
    """row -> the dict pydantic would answer for `model`, or None when the model needs pydantic.

    `supplied`: fields the row does not carry (a transaction's tags live in their own table); the
    answer has them in their place as None, for the caller to fill in."""
    plan = _plan(model, supplied)
    if plan is None:
        return None
    names, converted = plan
    read = [(name, name not in supplied) for name in names]

    def serialize(row: Any) -> dict[str, Any]:
        out = {name: getattr(row, name) if on_row else None for name, on_row in read}
        for name, convert in converted:
            value = out[name]
            if value is not None:
                out[name] = convert(value)
        return out

    return serialize


@cache
def values_serializer(model: type[BaseModel], supplied: frozenset[str] = frozenset()
                      ) -> tuple[list[str], Callable[[Any], dict[str, Any]]] | None:
    """(field names, values -> answer dict) for rows selected as exactly those fields in that order
    (a plain tuple or Row; None in the place of a `supplied` field): no attribute look-up per field."""
    plan = _plan(model, supplied)
    if plan is None:
        return None
    names, converted = plan
    return names, answer_from_values(names, converted)


def answer_from_values(names: list[str], steps: list[tuple[str, Converter]]) -> Callable[[Any], dict[str, Any]]:
    """values in `names`' order -> the answer dict, each (name, step) applied to that field's value
    when it is not None."""
    def serialize(values: Any) -> dict[str, Any]:
        out = dict(zip(names, values, strict=True))
        for name, step in steps:
            value = out[name]
            if value is not None:
                out[name] = step(value)
        return out

    return serialize
