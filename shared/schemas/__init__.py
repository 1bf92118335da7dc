"""Field types shared by every request and answer: money, dates, months, names, ids, paging.

Money arrives as a JSON string or number (our JSON parser hands numbers over as Decimal, never
float) and leaves as a string with exactly two fraction digits.
"""
from __future__ import annotations

import datetime as dt
import re
from decimal import ROUND_HALF_EVEN, Context, Decimal, InvalidOperation
from functools import lru_cache
from typing import Annotated, Any, ClassVar, NamedTuple, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    Strict,
    StringConstraints,
    ValidationError,
    WithJsonSchema,
    create_model,
)

from shared.errors import Invalid

CENT = Decimal("0.01")
MAX_MONEY = Decimal("999999999999.99")
MAX_QUANTITY = Decimal("99999999999999999999.99999999")
# ASCII digits only: Python's \d and Decimal() also take "١٢" or "１２" (issue 15, item 9).
_DECIMAL_TEXT = re.compile(r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?$")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


# Figures derived from stored values (a quantity times a price, their sums) can need more digits than
# the default context's 28: quantizing them there raises InvalidOperation. 100 digits hold the largest
# quantity times the largest price (56 digits) summed many times over, exactly.
WIDE = Context(prec=100)


def to_money_string(value: Decimal) -> str:
    return format(Decimal(value).quantize(CENT, rounding=ROUND_HALF_EVEN, context=WIDE), "f")


def rounded_string(value: Decimal, unit: Decimal) -> str:
    """An answer's decimal with the digits of `unit`, rounded half-even, however large it is."""
    return format(Decimal(value).quantize(unit, rounding=ROUND_HALF_EVEN, context=WIDE), "f")


def _as_decimal(value: Any) -> Decimal:
    if isinstance(value, bool) or isinstance(value, float):
        raise ValueError("must be a decimal number (a JSON number or a numeric string)")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, str):
        text = value.strip()
        if len(text) > 64 or not _DECIMAL_TEXT.match(text):
            raise ValueError("must be a decimal number such as \"12.50\"")
        try:
            result = Decimal(text)
        except InvalidOperation:
            raise ValueError("must be a decimal number such as \"12.50\"") from None
    else:
        raise ValueError("must be a decimal number (a JSON number or a numeric string)")
    if not result.is_finite():
        raise ValueError("must be a finite number")
    return result


def _decimal_checks(places: int, low: Decimal | None, low_inclusive: bool, high: Decimal):
    unit = Decimal(1).scaleb(-places)

    def check(value: Decimal) -> Decimal:
        # The range first: quantizing a huge value needs more digits than the decimal context has
        # (decimal.InvalidOperation, a 500); within the range it always fits.
        if value > high or value < -high:
            raise ValueError(f"must be between {-high} and {high}")
        if value.as_tuple().exponent < -places and value != value.quantize(unit):
            raise ValueError(f"must have at most {places} digits after the decimal point")
        if low is not None:
            if low_inclusive and value < low:
                raise ValueError(f"must be at least {low}")
            if not low_inclusive and value <= low:
                raise ValueError(f"must be greater than {low}")
        return value.quantize(unit)
    return check


_MONEY_IN_SCHEMA = {"anyOf": [{"type": "string", "pattern": r"^-?\d{1,12}(\.\d{1,2})?$"}, {"type": "number"}],
                    "examples": ["1250.50"]}
_MONEY_OUT = PlainSerializer(to_money_string, return_type=str, when_used="always")
_MONEY_OUT_SCHEMA = WithJsonSchema({"type": "string", "pattern": r"^-?\d+\.\d{2}$", "examples": ["1250.50"]},
                                   mode="serialization")


def _money(low: Decimal | None, inclusive: bool):
    return Annotated[
        Decimal,
        BeforeValidator(_as_decimal),
        AfterValidator(_decimal_checks(2, low, inclusive, MAX_MONEY)),
        _MONEY_OUT,
        WithJsonSchema(_MONEY_IN_SCHEMA, mode="validation"),
        _MONEY_OUT_SCHEMA,
    ]


PositiveMoney = _money(Decimal(0), False)
NonNegativeMoney = _money(Decimal(0), True)
SignedMoney = _money(None, True)

# Answers only: any Decimal out as a two-digit string.
MoneyOut = Annotated[Decimal, _MONEY_OUT, WithJsonSchema({"type": "string", "pattern": r"^-?\d+\.\d{2}$",
                                                           "examples": ["1250.50"]})]
FractionOut = Annotated[
    Decimal,
    PlainSerializer(lambda v: rounded_string(v, Decimal("0.0001")), return_type=str),
    WithJsonSchema({"type": "string", "pattern": r"^-?\d+\.\d{4}$", "examples": ["0.2500"]}),
]


def _eight_places(value: Decimal) -> str:
    return format(Decimal(value).quantize(Decimal("0.00000001"), context=WIDE).normalize(WIDE), "f")


_PRECISE_OUT = PlainSerializer(_eight_places, return_type=str)
PositivePrecise = Annotated[
    Decimal,
    BeforeValidator(_as_decimal),
    AfterValidator(_decimal_checks(8, Decimal(0), False, MAX_QUANTITY)),
    _PRECISE_OUT,
    WithJsonSchema({"anyOf": [{"type": "string", "pattern": r"^\d{1,20}(\.\d{1,8})?$"}, {"type": "number"}],
                    "examples": ["12.5"]}, mode="validation"),
    WithJsonSchema({"type": "string", "examples": ["12.5"]}, mode="serialization"),
]
PreciseOut = Annotated[Decimal, _PRECISE_OUT, WithJsonSchema({"type": "string"})]
Percent = Annotated[
    Decimal,
    BeforeValidator(_as_decimal),
    # Two fraction digits in, two out: a third digit would be stored but rounded away in answers.
    AfterValidator(_decimal_checks(2, Decimal(0), True, Decimal("999.99"))),
    PlainSerializer(lambda v: format(Decimal(v).quantize(Decimal("0.01")), "f"), return_type=str),
    WithJsonSchema({"anyOf": [{"type": "string"}, {"type": "number"}], "examples": ["19.99"]}, mode="validation"),
    WithJsonSchema({"type": "string", "examples": ["19.99"]}, mode="serialization"),
]


def _as_date(value: Any) -> dt.date:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if not isinstance(value, str) or not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
        raise ValueError("must be a date written YYYY-MM-DD")
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ValueError("is not a real calendar date") from None


Date = Annotated[dt.date, BeforeValidator(_as_date),
                 WithJsonSchema({"type": "string", "format": "date", "examples": ["2026-10-31"]})]


def _as_month(value: Any) -> str:
    if not isinstance(value, str) or not re.fullmatch(r"[0-9]{4}-[0-9]{2}", value):
        raise ValueError("must be a month written YYYY-MM")
    year, month = int(value[:4]), int(value[5:])
    if not 1 <= month <= 12 or year < 1:
        raise ValueError("is not a real month (01 to 12)")
    return value


Month = Annotated[str, BeforeValidator(_as_month),
                  WithJsonSchema({"type": "string", "pattern": r"^\d{4}-(0[1-9]|1[0-2])$", "examples": ["2026-10"]})]


def _clean_text(value: str) -> str:
    if _CONTROL.search(value):
        raise ValueError("must not contain control characters")
    return value


def Text(max_length: int, min_length: int = 1):  # noqa: N802 - reads like a type
    return Annotated[str, Strict(), StringConstraints(strip_whitespace=True, min_length=min_length,
                                                      max_length=max_length), AfterValidator(_clean_text)]


Name = Text(100)
Id = Annotated[int, Strict(), Field(gt=0, lt=2**31)]
DayOfMonth = Annotated[int, Strict(), Field(ge=1, le=31)]
_UTC = dt.timezone.utc


def utc_timestamp(value: dt.datetime) -> str:
    """A moment as RFC 3339 in UTC with a Z ("2026-11-25T18:00:00Z"); a naive value is taken as UTC."""
    if value.tzinfo is not _UTC:  # the database's values are already UTC (shared/data/types.py)
        value = (value if value.tzinfo else value.replace(tzinfo=_UTC)).astimezone(_UTC)
    return value.isoformat().replace("+00:00", "Z")


Timestamp = Annotated[dt.datetime, PlainSerializer(utc_timestamp, return_type=str),
    WithJsonSchema({"type": "string", "format": "date-time", "examples": ["2026-11-25T18:00:00Z"]})]


class Input(BaseModel):
    """A request body: unknown fields are refused, so nobody sets user_id, role, id or a computed field."""

    model_config = ConfigDict(extra="forbid", defer_build=True)


class Patch(Input):
    """A partial update: only the fields sent are applied; `null` clears an optional field only."""

    required_fields: ClassVar[frozenset[str]] = frozenset()

    def changes(self) -> dict[str, Any]:
        nulls = sorted(n for n in self.model_fields_set if n in self.required_fields and getattr(self, n) is None)
        if nulls:
            raise Invalid("Some fields cannot be cleared: " + ", ".join(nulls) + ".",
                          errors=[{"field": n, "message": "cannot be null"} for n in nulls])
        return {name: getattr(self, name) for name in self.model_fields_set}


def patch_of(model: type[Input]) -> type[Patch]:
    """The PATCH body of a resource, derived from its create body: every field optional, the same
    validation, and `null` refused for the fields that cannot be empty. One declaration per resource."""
    import typing

    fields: dict[str, Any] = {}
    required: set[str] = set()
    for name, info in model.model_fields.items():
        annotation = info.rebuild_annotation()
        if type(None) not in typing.get_args(info.annotation):
            required.add(name)
        fields[name] = (annotation | None, Field(default=None, description=info.description,
                                                 examples=info.examples))
    patch_name = model.__name__.removesuffix("In") + "Patch"
    created = create_model(patch_name, __base__=Patch, __module__=model.__module__, **fields)
    created.required_fields = frozenset(required)
    created.__doc__ = f"Change some fields of a {patch_name.removesuffix('Patch')}; fields not sent stay as they are."
    return created


class Output(BaseModel):
    model_config = ConfigDict(from_attributes=True, defer_build=True)


class Resource(Output):
    id: int
    created_at: Timestamp
    updated_at: Timestamp


class Query(BaseModel):
    """Query-string parameters (always text on the wire): unknown ones are refused too."""

    model_config = ConfigDict(extra="forbid", defer_build=True)


class PageQuery(Query):
    page: Annotated[int, Field(ge=1, le=10_000_000)] = 1
    page_size: Annotated[int, Field(ge=1, le=100)] = 50


class OneOf(NamedTuple):
    """A declared answer that is one of several models, chosen by the request (for the OpenAPI document)."""

    models: tuple[type[Output], ...]


# --- validation: pydantic's errors in the domain's words -------------------------------------

M = TypeVar("M", bound=BaseModel)


# What to send instead, for the patterns a field declares (a raw regular expression helps no one).
PATTERN_HINTS = {
    r"^[A-Za-z0-9_.\-]+$": "must use only letters, digits, '_', '.' and '-'",
    r"^\d{4}$": "must be exactly four digits, like \"4242\"",
    r"^#[0-9A-Fa-f]{6}$": "must be a colour written as # and six hex digits, like \"#1976D2\"",
}


def _expected_list(expected: str) -> str:
    return expected.replace("'", "").replace(" or ", ", or ")


def _sentence_for(err: dict[str, Any], field: str) -> str:
    """Pydantic's error as a sentence that names the field and says what to send instead."""
    kind, ctx = err.get("type", ""), err.get("ctx") or {}
    message = err.get("msg", "is not valid").removeprefix("Value error, ")
    simple = {
        "missing": "is required; send it",
        "extra_forbidden": "is not a field here; leave it out (check its spelling)",
        "int_parsing": "must be a whole number, like 42",
        "int_type": "must be a whole number, like 42",
        "int_from_float": "must be a whole number, like 42",
        "bool_parsing": "must be true or false",
        "bool_type": "must be true or false",
        "string_type": "must be a text string",
        "date_from_datetime_parsing": "must be a date written YYYY-MM-DD, like 2026-11-29",
        "date_parsing": "must be a date written YYYY-MM-DD, like 2026-11-29",
        "date_type": "must be a date written YYYY-MM-DD, like 2026-11-29",
        "list_type": "must be a JSON array",
        "dict_type": "must be a JSON object",
        "model_type": "must be a JSON object",
        "decimal_parsing": "must be a number, like 12.50",
        "decimal_type": "must be a number, like 12.50",
    }
    if kind in simple:
        text = simple[kind]
    elif kind == "literal_error":
        text = f"must be one of {_expected_list(str(ctx.get('expected', '')))}"
    elif kind == "enum":
        text = f"must be one of {_expected_list(str(ctx.get('expected', '')))}"
    elif kind == "string_too_short":
        least = ctx.get("min_length")
        text = "must not be empty" if least == 1 else f"must be at least {least} characters long"
    elif kind == "string_too_long":
        text = f"must be at most {ctx.get('max_length')} characters long"
    elif kind == "too_short":
        text = f"must have at least {ctx.get('min_length')} items"
    elif kind == "too_long":
        text = f"must have at most {ctx.get('max_length')} items"
    elif kind == "string_pattern_mismatch":
        text = PATTERN_HINTS.get(str(ctx.get("pattern")), "has characters that are not allowed here")
    elif kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        words = {"greater_than": "more than", "greater_than_equal": "at least", "less_than": "less than",
                 "less_than_equal": "at most"}[kind]
        bound = next(iter(ctx.values()), "")
        text = f"must be {words} {bound}"
    else:
        text = message[0].lower() + message[1:] if message[:1].isupper() and not message[:2].isupper() else message
    return text if text.startswith(field) else f"{field} {text}" if field != "body" else f"the body {text}"


@lru_cache(maxsize=256)
def _field_schemas(model: type[BaseModel]) -> dict[str, Any]:
    try:
        schema = model.model_json_schema(mode="validation")
    except Exception:  # a model that cannot render a schema still gets the plain message
        return {}
    return {name: _without_null_option(prop) for name, prop in schema.get("properties", {}).items()}


def _without_null_option(prop: dict[str, Any]) -> dict[str, Any]:
    options = [o for o in prop.get("anyOf", ()) if o.get("type") != "null"]
    return options[0] if len(options) == 1 else prop


def _what_to_send(prop: dict[str, Any]) -> str:
    """'one of a, b', 'a date written YYYY-MM-DD', 'an amount, like 12.50'... for a missing field."""
    if "enum" in prop or "const" in prop:
        return "one of " + ", ".join(str(v) for v in prop.get("enum", [prop.get("const")]))
    kinds = {o.get("type") for o in prop.get("anyOf", [prop])}
    example = next(iter(prop.get("examples") or ()), None)
    if prop.get("format") == "date":
        return "a date written YYYY-MM-DD, like 2026-11-29"
    if kinds >= {"string", "number"}:
        return f"a number, like {example or '12.50'}"
    if kinds == {"string"}:
        return f'text, like "{example}"' if example is not None else "text"
    return {"integer": "a whole number, like 42", "boolean": "true or false", "array": "a JSON array",
            "object": "a JSON object", "number": "a number, like 12.50"}.get(next(iter(kinds), ""), "a value")


def validation_errors(exc: ValidationError, location: str = "body",
                      model: type[BaseModel] | None = None) -> list[dict[str, str]]:
    """Field errors as the problem body lists them: the field (dotted path), a sentence, and where
    the field was sent (`body` or `query`). With the model, a missing field says what to send."""
    out = []
    fields = _field_schemas(model) if model is not None else {}
    for err in exc.errors(include_url=False, include_input=False):
        loc = ".".join(str(p) for p in err.get("loc", ()) if p != "__root__") or "body"
        if loc == "body" and fields:
            # A rule across fields ("date_from must be on or before date_to") names its first field.
            first_word = str(err.get("msg", "")).removeprefix("Value error, ").split(" ", 1)[0]
            loc = first_word if first_word in fields else loc
        message = _sentence_for(err, loc)
        if err.get("type") == "missing" and loc in fields:
            message = f"{loc} is required; send {_what_to_send(fields[loc])}"
        out.append({"field": loc, "message": message, "in": location})
    return out


def validate(model: type[M], data: Any, *, location: str = "body") -> M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        errors = validation_errors(exc, location, model)
        raise Invalid("The request is not valid: " + "; ".join(e["message"] for e in errors) + ".",
                      errors=errors) from None


MAX_BULK_ITEMS = 1000


def validate_list(model: type[M], items: list[Any]) -> list[M]:
    if not items:
        raise Invalid("The array is empty.", errors=[{"field": "body", "message": "must not be empty"}])
    if len(items) > MAX_BULK_ITEMS:
        raise Invalid(f"At most {MAX_BULK_ITEMS} items per request.",
                       errors=[{"field": "body", "message": f"at most {MAX_BULK_ITEMS} items"}])
    out, errors = [], []
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            errors.append({"field": f"{index}", "message": "must be a JSON object"})
            continue
        try:
            out.append(model.model_validate(item))
        except ValidationError as exc:
            errors.extend({"field": f"{index}.{e['field']}", "message": f"item {index}: {e['message']}", "in": "body"}
                          for e in validation_errors(exc, model=model))
    if errors:
        raise Invalid("Some items are invalid.", errors=errors)
    return out
