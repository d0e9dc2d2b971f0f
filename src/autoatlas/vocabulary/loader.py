"""Load and check the controlled property vocabulary.

:func:`load_vocabulary` reads ``properties.yaml`` (the packaged file by default), checks all of
it and returns a :class:`~autoatlas.vocabulary.model.Vocabulary`. A broken file raises one
:class:`~autoatlas.vocabulary.model.VocabularyError` that lists every problem with its line and
the id it concerns, so a curator can fix them in one pass.
"""

from __future__ import annotations

import functools
import importlib.resources
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypeVar

import pint
import yaml

from autoatlas.vocabulary.model import (
    DIMENSION_IDS,
    Datatype,
    Dimension,
    Label,
    Property,
    Qualifier,
    QualifierDatatype,
    Vocabulary,
    VocabularyError,
)

__all__ = ["VOCABULARY_FILE", "load_vocabulary", "parse_vocabulary"]

_E = TypeVar("_E", Datatype, QualifierDatatype)

#: Name of the packaged vocabulary file inside ``autoatlas.vocabulary``.
VOCABULARY_FILE = "properties.yaml"

# libyaml when available: the same safe loader, several times faster.
_YAML_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_VERSION = re.compile(r"^\d{4}\.\d{1,2}\.\d+$")
_PROPERTY_ID = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9][a-z0-9_]*)+$")
_SIMPLE_ID = re.compile(r"^[a-z][a-z0-9_]*$")
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")

_TOP_KEYS = {"version", "qualifiers", "dimensions", "properties"}
_DIMENSION_KEYS = {"id", "label", "description"}
_QUALIFIER_KEYS = {"datatype", "values", "label", "description"}
_PROPERTY_KEYS = {
    "id",
    "dimension",
    "datatype",
    "unit",
    "qualifiers",
    "values",
    "value_labels",
    "label",
    "description",
    "statistic",
}
_UNITLESS = {
    Datatype.MONEY,
    Datatype.BOOL,
    Datatype.ENUM,
    Datatype.SET,
    Datatype.TEXT,
    Datatype.DATE,
}
_WITH_VALUES = {Datatype.ENUM, Datatype.SET}


def load_vocabulary(path: Path | None = None) -> Vocabulary:
    """Load and check the vocabulary at ``path``; the packaged file (cached) when ``None``.

    Raises :class:`VocabularyError` listing every problem when the file is invalid.
    """
    if path is None:
        return _load_packaged()
    path = Path(path)
    return parse_vocabulary(path.read_text(encoding="utf-8"), source=str(path))


@functools.cache
def _load_packaged() -> Vocabulary:
    resource = importlib.resources.files("autoatlas.vocabulary").joinpath(VOCABULARY_FILE)
    return parse_vocabulary(resource.read_text(encoding="utf-8"), source=VOCABULARY_FILE)


@functools.cache
def _unit_registry() -> pint.UnitRegistry[float]:
    return pint.UnitRegistry()


def parse_vocabulary(text: str, *, source: str = "<string>") -> Vocabulary:
    """Check the YAML ``text`` of a vocabulary and build it; ``source`` names it in errors."""
    loader = _YAML_LOADER(text)
    try:
        root = loader.get_single_node()
        data = loader.construct_document(root) if root is not None else None
    except yaml.YAMLError as exc:
        raise VocabularyError(source, [f"not valid YAML: {exc}"]) from exc
    finally:
        loader.dispose()
    return _Checker(source, _item_lines(root)).check(data)


def _item_lines(root: yaml.Node | None) -> dict[tuple[str, str | int], int]:
    """Line (1-based) of each item of the top-level sections: ("properties", 3) -> 120."""
    lines: dict[tuple[str, str | int], int] = {}
    if not isinstance(root, yaml.MappingNode):
        return lines
    for key_node, section in root.value:
        name = str(key_node.value)
        if isinstance(section, yaml.SequenceNode):
            for index, item in enumerate(section.value):
                lines[(name, index)] = item.start_mark.line + 1
        elif isinstance(section, yaml.MappingNode):
            for item_key, _item in section.value:
                lines[(name, str(item_key.value))] = item_key.start_mark.line + 1
    return lines


class _Checker:
    """Collects every problem in one pass, then builds the vocabulary if there were none."""

    def __init__(self, source: str, lines: Mapping[tuple[str, str | int], int]) -> None:
        self.source = source
        self.lines = lines
        self.problems: list[str] = []

    def problem(self, where: tuple[str, str | int] | None, subject: str, message: str) -> None:
        line = self.lines.get(where) if where is not None else None
        prefix = f"line {line}: " if line is not None else ""
        self.problems.append(f"{prefix}{subject}: {message}")

    def check(self, data: object) -> Vocabulary:
        if not isinstance(data, dict):
            raise VocabularyError(
                self.source,
                [
                    "the file must be a mapping with the keys "
                    "version, qualifiers, dimensions, properties"
                ],
            )
        for key in sorted(set(data) - _TOP_KEYS, key=str):
            self.problem(None, "file", f"unknown top-level key {key!r}")
        version = self._version(data.get("version"))
        dimensions = self._dimensions(data.get("dimensions"))
        qualifiers = self._qualifiers(data.get("qualifiers"))
        properties = self._properties(data.get("properties"), dimensions, qualifiers)
        if self.problems:
            raise VocabularyError(self.source, self.problems)
        return Vocabulary(
            version=version, dimensions=dimensions, qualifiers=qualifiers, properties=properties
        )

    # -- sections -------------------------------------------------------------------------

    def _version(self, value: object) -> str:
        if not isinstance(value, str) or not _VERSION.match(value):
            self.problem(
                None, "version", f'must be a quoted string like "2026.11.1", got {value!r}'
            )
            return ""
        return value

    def _dimensions(self, items: object) -> dict[str, Dimension]:
        dimensions: dict[str, Dimension] = {}
        if not isinstance(items, list):
            self.problem(None, "dimensions", "must be a list")
            return dimensions
        for index, item in enumerate(items):
            where = ("dimensions", index)
            if not isinstance(item, dict) or not isinstance(item.get("id"), str):
                self.problem(where, f"dimension #{index + 1}", "must be a mapping with an id")
                continue
            subject = f"dimension {item['id']!r}"
            self.unknown_keys(where, subject, item, _DIMENSION_KEYS)
            label = self.label(where, subject, "label", item.get("label"))
            description = self.label(where, subject, "description", item.get("description"))
            if item["id"] in dimensions:
                self.problem(where, subject, "duplicate id")
            elif label and description:
                dimensions[item["id"]] = Dimension(item["id"], label, description)
        ids = tuple(str(item.get("id")) for item in items if isinstance(item, dict))
        if ids != DIMENSION_IDS:
            self.problem(
                None,
                "dimensions",
                f"must be exactly {', '.join(DIMENSION_IDS)} in this order, got {', '.join(ids)}",
            )
        return dimensions

    def _qualifiers(self, items: object) -> dict[str, Qualifier]:
        qualifiers: dict[str, Qualifier] = {}
        if not isinstance(items, dict):
            self.problem(None, "qualifiers", "must be a mapping of qualifier id to definition")
            return qualifiers
        for key, item in items.items():
            where = ("qualifiers", str(key))
            subject = f"qualifier {key!r}"
            if not isinstance(key, str) or not _SIMPLE_ID.match(key):
                self.problem(where, subject, "id must be lower_snake_case")
                continue
            if not isinstance(item, dict):
                self.problem(where, subject, "must be a mapping")
                continue
            self.unknown_keys(where, subject, item, _QUALIFIER_KEYS)
            datatype = self.choice(where, subject, item.get("datatype"), QualifierDatatype)
            values = self.values(
                where,
                subject,
                item,
                required=datatype is QualifierDatatype.ENUM,
                allowed=datatype is QualifierDatatype.ENUM,
            )
            label = self.label(where, subject, "label", item.get("label"))
            description = self.label(where, subject, "description", item.get("description"))
            if datatype is not None and label and description:
                qualifiers[key] = Qualifier(key, datatype, values, label, description)
        return qualifiers

    def _properties(
        self, items: object, dimensions: Mapping[str, Dimension], qualifiers: Mapping[str, Any]
    ) -> dict[str, Property]:
        properties: dict[str, Property] = {}
        seen: set[str] = set()
        if not isinstance(items, list):
            self.problem(None, "properties", "must be a list")
            return properties
        for index, item in enumerate(items):
            where = ("properties", index)
            if not isinstance(item, dict) or not isinstance(item.get("id"), str):
                self.problem(where, f"property #{index + 1}", "must be a mapping with an id")
                continue
            pid = item["id"]
            if pid in seen:
                self.problem(where, f"property {pid!r}", "duplicate id")
                continue
            seen.add(pid)
            prop = _PropertyChecker(self, where, pid).check(item, dimensions, qualifiers)
            if prop is not None:
                properties[pid] = prop
        return properties

    # -- shared checks --------------------------------------------------------------------

    def unknown_keys(
        self, where: tuple[str, str | int], subject: str, item: Mapping[Any, Any], known: set[str]
    ) -> None:
        for key in sorted(set(item) - known, key=str):
            self.problem(where, subject, f"unknown key {key!r} (known: {', '.join(sorted(known))})")

    def choice(
        self, where: tuple[str, str | int], subject: str, value: object, choices: type[_E]
    ) -> _E | None:
        known = [member.value for member in choices]
        if isinstance(value, str) and value in known:
            return choices(value)
        self.problem(where, subject, f"unknown datatype {value!r} (known: {', '.join(known)})")
        return None

    def label(
        self, where: tuple[str, str | int], subject: str, field: str, value: object
    ) -> Label | None:
        if not isinstance(value, dict):
            self.problem(where, subject, f"{field} must be a mapping with en and zh")
            return None
        ok = True
        for language in ("en", "zh"):
            text = value.get(language)
            if not isinstance(text, str) or not text.strip():
                self.problem(where, subject, f"{field} has no {language} text")
                ok = False
        zh = value.get("zh")
        if isinstance(zh, str) and zh.strip() and not _CJK.search(zh):
            self.problem(where, subject, f"{field}.zh has no Chinese characters: {zh!r}")
            ok = False
        for key in sorted(set(value) - {"en", "zh"}, key=str):
            self.problem(where, subject, f"{field} has unknown language {key!r} (use en, zh)")
        if not ok:
            return None
        return Label(en=" ".join(value["en"].split()), zh=value["zh"].strip())

    def values(
        self,
        where: tuple[str, str | int],
        subject: str,
        item: Mapping[str, Any],
        *,
        required: bool,
        allowed: bool,
    ) -> tuple[str, ...] | None:
        values = item.get("values")
        if values is None:
            if required:
                self.problem(where, subject, "enum needs a non-empty list of values")
            return None
        if not allowed:
            self.problem(where, subject, "values are only allowed for enum and set datatypes")
            return None
        if not isinstance(values, list) or not values:
            self.problem(where, subject, "values must be a non-empty list")
            return None
        for value in values:
            if not isinstance(value, str) or not value:
                self.problem(
                    where,
                    subject,
                    f"value {value!r} must be a non-empty string (quote numbers and yes/no)",
                )
        texts = [value for value in values if isinstance(value, str)]
        duplicates = sorted({v for v in texts if texts.count(v) > 1})
        if duplicates:
            self.problem(where, subject, f"duplicate values {duplicates!r}")
        return tuple(str(value) for value in values)


class _PropertyChecker:
    """The checks of one property entry; reports through the shared :class:`_Checker`."""

    def __init__(self, checker: _Checker, where: tuple[str, str | int], pid: str) -> None:
        self.checker = checker
        self.where = where
        self.pid = pid
        self.subject = f"property {pid!r}"
        self.before = len(checker.problems)

    def problem(self, message: str) -> None:
        self.checker.problem(self.where, self.subject, message)

    def check(
        self,
        item: Mapping[str, Any],
        dimensions: Mapping[str, Dimension],
        qualifiers: Mapping[str, Any],
    ) -> Property | None:
        c = self.checker
        c.unknown_keys(self.where, self.subject, item, _PROPERTY_KEYS)
        dimension = self._dimension(item.get("dimension"), dimensions)
        datatype = c.choice(self.where, self.subject, item.get("datatype"), Datatype)
        unit = self._unit(item.get("unit"), datatype)
        keys = self._qualifier_keys(item.get("qualifiers", []), qualifiers)
        values = c.values(
            self.where,
            self.subject,
            item,
            required=datatype is Datatype.ENUM,
            allowed=datatype in _WITH_VALUES,
        )
        value_labels = self._value_labels(item.get("value_labels"), values)
        label = c.label(self.where, self.subject, "label", item.get("label"))
        description = c.label(self.where, self.subject, "description", item.get("description"))
        if len(c.problems) > self.before or datatype is None or not label or not description:
            return None
        return Property(
            id=self.pid,
            dimension=str(dimension),
            datatype=datatype,
            unit=unit,
            qualifiers=keys,
            values=values,
            value_labels=value_labels,
            label=label,
            description=description,
            statistic=self._statistic(item.get("statistic", False)),
        )

    def _statistic(self, value: object) -> bool:
        if not isinstance(value, bool):
            self.problem(f"statistic must be true or false, got {value!r}")
            return False
        return value

    def _dimension(self, value: object, dimensions: Mapping[str, Dimension]) -> str | None:
        if not _PROPERTY_ID.match(self.pid):
            self.problem(
                "id must be lower_snake_case segments joined by dots, "
                "starting with the dimension (trade.import_duty.passenger_bev)"
            )
        if not isinstance(value, str) or value not in DIMENSION_IDS:
            self.problem(f"unknown dimension {value!r} (known: {', '.join(DIMENSION_IDS)})")
            return None
        if not self.pid.startswith(f"{value}."):
            self.problem(f"id must start with its dimension {value + '.'!r}")
        if dimensions and value not in dimensions:
            self.problem(f"dimension {value!r} is not declared under dimensions")
        return value

    def _unit(self, value: object, datatype: Datatype | None) -> str | None:
        if value is None:
            if datatype is Datatype.PERCENT:
                self.problem("a percent property needs unit: percent")
            return None
        if not isinstance(value, str) or not value.strip():
            self.problem(f"unit must be a non-empty string, got {value!r}")
            return None
        if datatype in _UNITLESS:
            self.problem(f"a {datatype} property takes no unit (got {value!r})")
            return None
        if datatype is Datatype.PERCENT and value != "percent":
            self.problem(f"a percent property must have unit: percent (got {value!r})")
            return None
        try:
            _unit_registry().parse_units(value)
        except (pint.errors.PintError, ValueError, AttributeError, TypeError) as exc:
            self.problem(f"unit {value!r} is not a unit pint can parse ({exc})")
            return None
        return value

    def _qualifier_keys(self, value: object, qualifiers: Mapping[str, Any]) -> tuple[str, ...]:
        if not isinstance(value, list):
            self.problem(f"qualifiers must be a list of qualifier keys, got {value!r}")
            return ()
        for key in value:
            if not isinstance(key, str) or key not in qualifiers:
                self.problem(
                    f"qualifier {key!r} is not declared under qualifiers "
                    f"(known: {', '.join(qualifiers)})"
                )
        keys = [key for key in value if isinstance(key, str)]
        duplicates = sorted({k for k in keys if keys.count(k) > 1})
        if duplicates:
            self.problem(f"duplicate qualifiers {duplicates!r}")
        return tuple(str(key) for key in value)

    def _value_labels(self, value: object, values: tuple[str, ...] | None) -> dict[str, Label]:
        if value is None:
            return {}
        if not isinstance(value, dict):
            self.problem("value_labels must be a mapping of value to {en, zh}")
            return {}
        if values is None:
            self.problem("value_labels need a closed list of values")
            return {}
        labels: dict[str, Label] = {}
        for key, text in value.items():
            if key not in values:
                self.problem(f"value_labels names {key!r}, which is not one of the values")
                continue
            label = self.checker.label(self.where, self.subject, f"value_labels.{key}", text)
            if label is not None:
                labels[key] = label
        return labels
