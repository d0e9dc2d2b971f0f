from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autoatlas.domain.values import normalise_qualifiers, normalise_value
from autoatlas.vocabulary import load_vocabulary

VOCABULARY = load_vocabulary()


def prop(pid: str):  # type: ignore[no-untyped-def]
    return VOCABULARY.property(pid)


def test_a_ratio_and_a_percent_are_the_same_value() -> None:
    duty = prop("trade.additional_duty.passenger_bev")
    assert normalise_value(duty, 0.17, "ratio") == normalise_value(duty, 17, "percent")
    assert normalise_value(duty, 17, None).value == 17


@given(st.floats(min_value=-1000, max_value=1000, allow_nan=False))
def test_percent_given_as_ratio_converts_exactly(x: float) -> None:
    duty = prop("trade.import_duty.passenger_bev")
    as_ratio = normalise_value(duty, x / 100, "ratio").value
    as_percent = normalise_value(duty, x, "percent").value
    assert as_ratio == pytest.approx(as_percent, rel=1e-9, abs=1e-9)


def test_temperature_in_fahrenheit_is_stored_in_celsius() -> None:
    assert normalise_value(prop("climate.temp_min_c"), 32, "degF").value == 0
    assert normalise_value(prop("climate.temp_min_c"), -40, "degF").value == -40


def test_wrong_unit_dimension_is_refused() -> None:
    with pytest.raises(ValueError, match="cannot be converted"):
        normalise_value(prop("climate.temp_min_c"), 3, "km")
    with pytest.raises(ValueError, match="unknown unit"):
        normalise_value(prop("climate.temp_min_c"), 3, "bogus-unit")


def test_money_carries_its_currency() -> None:
    amount = prop("policy.ev_incentive.amount")
    given_dict = normalise_value(amount, {"amount": 5000, "currency": "eur"})
    given_unit = normalise_value(amount, "5000.00", "EUR")
    assert given_dict == given_unit
    assert given_dict.value == {"amount": "5000", "currency": "EUR"}
    with pytest.raises(ValueError, match="currency"):
        normalise_value(amount, 5000)
    with pytest.raises(ValueError, match="unknown currency"):
        normalise_value(amount, 5000, "XYZ")


def test_enum_and_set_values_are_checked() -> None:
    side = prop("roads.driving_side")
    with pytest.raises(ValueError, match="is not one of left, right"):
        normalise_value(side, "middle")
    dc = prop("charging.dc_connector")
    assert normalise_value(dc, ["GB/T", "CCS2", "CCS2"]).value == ["CCS2", "GB/T"]
    with pytest.raises(ValueError, match="'CCS9' is not one of"):
        normalise_value(dc, ["CCS9"])


def test_bool_is_strict() -> None:
    with pytest.raises(ValueError, match="true or false"):
        normalise_value(prop("regulation.unece_1958_party"), "yes")


def test_qualifiers_are_checked_and_sorted() -> None:
    duty = prop("trade.additional_duty.passenger_bev")
    got = normalise_qualifiers(duty, {"origin": "cn", "maker": "BYD"}, VOCABULARY.qualifiers)
    assert list(got.items()) == [("maker", "BYD"), ("origin", "CN")]
    with pytest.raises(ValueError, match="not an ISO 3166-1"):
        normalise_qualifiers(duty, {"origin": "XX"}, VOCABULARY.qualifiers)
    with pytest.raises(ValueError, match="qualifier 'city' is not allowed"):
        normalise_qualifiers(duty, {"city": "Bangkok"}, VOCABULARY.qualifiers)
