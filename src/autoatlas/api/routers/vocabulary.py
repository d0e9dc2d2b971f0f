"""The vocabulary: dimensions and properties (ids, datatypes, units, labels in en and zh)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path

from autoatlas.api.dependencies import AtlasDep, ReadPrincipal
from autoatlas.api.problems import problems
from autoatlas.api.reading import DimensionParam
from autoatlas.api.schemas import DimensionPublic, PropertyPublic
from autoatlas.errors import NotFoundError, ValidationError
from autoatlas.vocabulary.model import Label, Property, UnknownVocabularyIdError

__all__ = ["router"]

router = APIRouter(tags=["vocabulary"])


def _label(label: Label) -> dict[str, str]:
    return {"en": label.en, "zh": label.zh}


def _property(prop: Property) -> dict[str, Any]:
    return {
        "id": prop.id,
        "dimension": prop.dimension,
        "datatype": str(prop.datatype),
        "unit": prop.unit,
        "qualifiers": list(prop.qualifiers),
        "values": list(prop.values) if prop.values is not None else None,
        "label": _label(prop.label),
        "description": _label(prop.description),
    }


@router.get("/properties", response_model=list[PropertyPublic], responses=problems(401, 403, 422))
def list_properties(
    atlas: AtlasDep, principal: ReadPrincipal, dimension: DimensionParam = None
) -> list[dict[str, Any]]:
    """Every property of the vocabulary, or those of one dimension, in vocabulary order."""
    vocabulary = atlas.vocabulary
    if dimension is None:
        chosen = list(vocabulary.properties.values())
    else:
        try:
            chosen = vocabulary.in_dimension(dimension)
        except UnknownVocabularyIdError as exc:
            raise ValidationError(str(exc)) from None
    return [_property(prop) for prop in chosen]


@router.get("/properties/{id}", response_model=PropertyPublic, responses=problems(401, 403, 404))
def get_property(
    atlas: AtlasDep,
    principal: ReadPrincipal,
    id: Annotated[str, Path(min_length=1, max_length=128)],
) -> dict[str, Any]:
    try:
        return _property(atlas.vocabulary.property(id))
    except UnknownVocabularyIdError as exc:
        raise NotFoundError(str(exc)) from None


@router.get("/dimensions", response_model=list[DimensionPublic], responses=problems(401, 403))
def list_dimensions(atlas: AtlasDep, principal: ReadPrincipal) -> list[dict[str, Any]]:
    vocabulary = atlas.vocabulary
    return [
        {
            "id": dimension.id,
            "label": _label(dimension.label),
            "description": _label(dimension.description),
            "properties": len(vocabulary.in_dimension(dimension.id)),
        }
        for dimension in vocabulary.dimensions.values()
    ]
