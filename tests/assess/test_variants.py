"""Variants: changes are parsed with their field named, applied as an overlay, validated."""

from __future__ import annotations

from decimal import Decimal

import pytest
from scenario_gbt_bev import MODEL

from autoatlas.assess.variants import apply_changes, parse_changes
from autoatlas.errors import ValidationError
from autoatlas.vehicles.spec import VehicleSpec

SPEC = VehicleSpec.model_validate(MODEL)


def test_changes_add_remove_replace_and_reach_into_the_price() -> None:
    variant = apply_changes(
        SPEC,
        parse_changes(
            [
                "dc_connectors+=CCS2",
                "ac_connectors=Type2",
                "certifications-=GB",
                "origin=TH",
                "price.amount=21500.50",
                "seats=7",
            ]
        ),
    )
    assert variant.dc_connectors == {"GB/T", "CCS2"}
    assert variant.ac_connectors == {"Type2"}
    assert variant.certifications == {"CCC", "UN-R100"}
    assert (variant.origin, variant.seats) == ("TH", 7)
    assert variant.price.amount == Decimal("21500.50")
    assert SPEC.origin == "CN", "the model itself is untouched"


@pytest.mark.parametrize(
    ("pairs", "field"),
    [
        (["colour=red"], "colour"),
        (["seats+=2"], "seats"),
        (["price.tax=1"], "price.tax"),
        (["no operator"], "no operator"),
    ],
)
def test_bad_changes_name_the_field(pairs: list[str], field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_changes(pairs)
    assert caught.value.issues[0].field == field


def test_a_variant_is_validated_like_the_model() -> None:
    with pytest.raises(ValidationError) as caught:
        apply_changes(SPEC, parse_changes(["dc_connectors+=Schuko", "seats=0"]))
    assert {issue.field for issue in caught.value.issues} >= {"seats"}
    assert any((issue.field or "").startswith("dc_connectors") for issue in caught.value.issues)
