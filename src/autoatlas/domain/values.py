"""Values of facts: checked against their property and brought to one canonical form.

The canonical form makes equal statements equal bytes: a tariff given as 0.17 `ratio` and as
17 `percent` becomes the same value, a temperature in °F is stored in the property's °C, and a
set is sorted. Re-importing a bundle therefore finds the facts it already holds.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import cache, lru_cache
from typing import TYPE_CHECKING, Any

import orjson
import pycountry

from autoatlas.vocabulary import Property, Qualifier

if TYPE_CHECKING:
    import pint

__all__ = [
    "CONTROL_CHARACTERS",
    "Normalised",
    "canonical_qualifiers",
    "normalise_qualifiers",
    "normalise_value",
    "parse_date",
    "unit_registry",
]

JSONValue = Any
_MAX_TEXT = 20_000
_CURRENCY = re.compile(r"^[A-Z]{3}$")
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # all but \t \n \r


@dataclass(frozen=True, slots=True)
class Normalised:
    value: JSONValue
    unit: str | None
    number: float | None  # a sortable magnitude, for maps and comparisons


@cache
def unit_registry() -> pint.UnitRegistry[float]:
    import pint  # on first use: slow to load (numpy), and most commands never convert

    registry: pint.UnitRegistry[float] = pint.UnitRegistry()
    registry.define("ratio = 1")  # a plain fraction: 0.17 ratio == 17 percent
    return registry


@cache
def _converter(source: str, target: str) -> tuple[float, float]:
    """Scale and offset that turn a magnitude in `source` into one in `target`.

    Cached per unit pair: pint is exact but slow, and a bundle uses a handful of units.
    """
    import pint

    registry = unit_registry()
    try:
        zero = registry.Quantity(0.0, source).to(target).magnitude
        one = registry.Quantity(1.0, source).to(target).magnitude
    except pint.errors.DimensionalityError as exc:
        raise ValueError(f"unit {source!r} cannot be converted to {target!r}") from exc
    except (pint.errors.UndefinedUnitError, AttributeError, TypeError, ValueError) as exc:
        raise ValueError(f"unknown unit {source!r}") from exc
    return float(one - zero), float(zero)


def _tidy(number: float) -> float | int:
    """Round away float noise of unit conversion (12 significant digits, 1e-9 absolute)."""
    tidy = float(f"{round(number, 9):.12g}") + 0.0  # + 0.0 turns -0.0 into 0.0
    return int(tidy) if tidy.is_integer() and abs(tidy) < 2**53 else tidy


def _number(raw: object, what: str = "value") -> float:
    if isinstance(raw, bool) or not isinstance(raw, (int, float, Decimal, str)):
        raise ValueError(f"{what} must be a number, got {type(raw).__name__} {raw!r}")
    if isinstance(raw, str):
        try:
            raw = float(raw.strip())
        except ValueError:
            raise ValueError(f"{what} must be a number, got {raw!r}") from None
    number = float(raw)
    if number != number or number in (float("inf"), float("-inf")):
        raise ValueError(f"{what} must be a finite number, got {raw!r}")
    return number


def _convert(number: float, unit: str | None, target: str | None, prop: Property) -> float:
    if unit is None or unit == target:
        return number
    if target is None:
        raise ValueError(f"property {prop.id} takes no unit, got {unit!r}")
    scale, offset = _converter(unit, target)
    return number * scale + offset


def parse_date(raw: object, what: str) -> date | None:
    if raw is None or raw == "":
        return None
    if isinstance(raw, date):
        return raw
    if isinstance(raw, str):
        parsed = _iso_date(raw.strip())
        if parsed is not None:
            return parsed
    raise ValueError(f"{what} must be an ISO date (YYYY-MM-DD), got {raw!r}")


@lru_cache(maxsize=65536)
def _iso_date(text: str) -> date | None:
    """Dates repeat across a bundle's rows: each distinct text is parsed once."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def _money(raw: object, unit: str | None) -> Normalised:
    if isinstance(raw, dict):
        amount, currency = raw.get("amount"), raw.get("currency")
        extra = set(raw) - {"amount", "currency"}
        if extra:
            raise ValueError(f"money takes only amount and currency, got {sorted(extra)}")
    else:
        amount, currency = raw, unit
    if not isinstance(currency, str) or not _CURRENCY.match(currency.strip().upper()):
        raise ValueError(f"money needs an ISO 4217 currency code, got {currency!r}")
    code = currency.strip().upper()
    if pycountry.currencies.get(alpha_3=code) is None:
        raise ValueError(f"unknown currency {code!r} (ISO 4217)")
    if isinstance(amount, bool) or not isinstance(amount, (int, float, str, Decimal)):
        raise ValueError(f"money amount must be a number, got {amount!r}")
    try:
        decimal = Decimal(str(amount).strip())
    except InvalidOperation:
        raise ValueError(f"money amount must be a number, got {amount!r}") from None
    if not decimal.is_finite():
        raise ValueError(f"money amount must be finite, got {amount!r}")
    text = format(decimal.normalize(), "f")
    return Normalised({"amount": text, "currency": code}, code, float(decimal))


def _members(raw: object, prop: Property) -> list[str]:
    if isinstance(raw, str):
        raw = [part.strip() for part in raw.split(",") if part.strip()]
    if not isinstance(raw, (list, tuple)) or not raw:
        raise ValueError(f"a set needs a non-empty list of values, got {raw!r}")
    members: set[str] = set()
    for item in raw:
        if isinstance(item, bool) or not isinstance(item, (str, int, float)):
            raise ValueError(f"set members must be text, got {item!r}")
        text = str(item).strip()
        if prop.values is not None and text not in prop.values:
            raise ValueError(f"{text!r} is not one of {', '.join(prop.values)}")
        members.add(text)
    return sorted(members)


def normalise_value(prop: Property, raw: object, unit: str | None = None) -> Normalised:
    """Check `raw` against the property and return its canonical form, or raise ValueError."""
    unit = unit.strip() or None if isinstance(unit, str) else unit
    kind = str(prop.datatype)
    if raw is None:
        raise ValueError("value is missing")
    if kind in ("number", "percent"):
        number = _convert(_number(raw), unit, prop.unit, prop)
        return Normalised(_tidy(number), prop.unit, number)
    if kind == "integer":
        number = _convert(_number(raw), unit, prop.unit, prop)
        if not float(number).is_integer():
            raise ValueError(f"value must be a whole number, got {raw!r}")
        return Normalised(int(number), prop.unit, number)
    if kind == "money":
        return _money(raw, unit)
    if unit is not None and kind != "range":
        raise ValueError(f"property {prop.id} ({kind}) takes no unit, got {unit!r}")
    if kind == "bool":
        if not isinstance(raw, bool):
            raise ValueError(f"value must be true or false, got {raw!r}")
        return Normalised(raw, None, None)
    if kind == "enum":
        text = str(raw).strip() if isinstance(raw, (str, int)) else None
        if text is None or prop.values is None or text not in prop.values:
            allowed = ", ".join(prop.values or ())
            raise ValueError(f"{raw!r} is not one of {allowed}")
        return Normalised(text, None, None)
    if kind == "set":
        return Normalised(_members(raw, prop), None, None)
    if kind == "text":
        if not isinstance(raw, str) or not raw.strip():
            raise ValueError(f"value must be non-empty text, got {raw!r}")
        if CONTROL_CHARACTERS.search(raw):
            raise ValueError("text holds a control character (only tab and line breaks allowed)")
        if len(raw) > _MAX_TEXT:
            raise ValueError(f"text is longer than {_MAX_TEXT} characters")
        return Normalised(raw.strip(), None, None)
    if kind == "date":
        day = parse_date(raw, "value")
        assert day is not None
        return Normalised(day.isoformat(), None, None)
    if kind == "range":
        if not isinstance(raw, dict) or set(raw) != {"min", "max"}:
            raise ValueError(f"a range needs exactly min and max, got {raw!r}")
        low = _convert(_number(raw["min"], "min"), unit, prop.unit, prop)
        high = _convert(_number(raw["max"], "max"), unit, prop.unit, prop)
        if high < low:
            raise ValueError(f"range max ({raw['max']}) is below min ({raw['min']})")
        return Normalised({"min": _tidy(low), "max": _tidy(high)}, prop.unit, low)
    raise ValueError(f"property {prop.id} has unknown datatype {kind!r}")


def normalise_qualifiers(
    prop: Property, raw: object, qualifiers: dict[str, Qualifier]
) -> dict[str, str]:
    """Check the qualifiers a fact narrows its statement with; returns them canonical."""
    if raw is None or raw == "" or raw == {}:
        return {}
    if not isinstance(raw, dict):
        raise ValueError(f"qualifiers must be a mapping of key to value, got {raw!r}")
    result: dict[str, str] = {}
    for key, value in raw.items():
        if key not in prop.qualifiers:
            allowed = ", ".join(prop.qualifiers) or "none"
            raise ValueError(f"qualifier {key!r} is not allowed on {prop.id} (allowed: {allowed})")
        if isinstance(value, bool) or not isinstance(value, (str, int)) or not str(value).strip():
            raise ValueError(f"qualifier {key} must be non-empty text, got {value!r}")
        text = str(value).strip()
        spec = qualifiers[key]
        kind = str(spec.datatype)
        if kind == "country":
            text = text.upper()
            if pycountry.countries.get(alpha_2=text) is None:
                raise ValueError(f"qualifier {key}: {text!r} is not an ISO 3166-1 alpha-2 code")
        elif kind == "enum" and spec.values is not None and text not in spec.values:
            raise ValueError(f"qualifier {key}: {text!r} is not one of {', '.join(spec.values)}")
        result[key] = text
    return dict(sorted(result.items()))


def canonical_qualifiers(qualifiers: dict[str, str]) -> str:
    """The qualifiers as one comparable key (sorted JSON), the empty string when none."""
    if not qualifiers:
        return ""
    return orjson.dumps(qualifiers, option=orjson.OPT_SORT_KEYS).decode()
