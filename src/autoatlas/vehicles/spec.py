"""The vehicle specification that assessments read: strict, validated, unit-explicit.

Field names carry their unit (`_mm`, `_kg`, `_kw`, `_c`) so a spec file reads unambiguously.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal

import pycountry
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)
from pydantic import (
    ValidationError as PydanticError,
)

from autoatlas.errors import Issue, ValidationError

__all__ = ["CERTIFICATIONS", "Money", "VehicleSpec", "parse_spec"]

Powertrain = Literal["BEV", "PHEV", "EREV", "HEV", "ICE", "FCEV"]
DcConnector = Literal["CCS1", "CCS2", "CHAdeMO", "GB/T", "NACS", "ChaoJi", "Tesla"]
AcConnector = Literal["Type1", "Type2", "GB/T", "NACS", "Tesla"]
# Certifications an assessment knows how to read; UN regulations as "UN-R<number>".
CERTIFICATIONS = (
    "UN-R10",
    "UN-R13H",
    "UN-R79",
    "UN-R94",
    "UN-R95",
    "UN-R100",
    "UN-R138",
    "UN-R144",
    "UN-R152",
    "UN-R155",
    "UN-R156",
    "EU-WVTA",
    "FMVSS",
    "CMVSS",
    "ADR",
    "AIS-CMVR",
    "GSO",
    "TR-CU",
    "CCC",
    "GB",
    "INMETRO",
    "NOM",
    "KMVSS",
    "JIS-TRIAS",
    "battery-passport",
    "battery-carbon-footprint",
)
Text = Annotated[str, Field(min_length=1, max_length=200)]


class Money(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    amount: Decimal = Field(ge=0, max_digits=18, decimal_places=2)
    currency: str = Field(pattern=r"^[A-Z]{3}$")

    @field_validator("currency")
    @classmethod
    def _known(cls, code: str) -> str:
        if pycountry.currencies.get(alpha_3=code) is None:
            raise ValueError(f"unknown currency {code!r} (ISO 4217)")
        return code


class VehicleSpec(BaseModel):
    """One vehicle model as its maker describes it."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    id: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$")]
    name: Text
    maker: Text
    origin: Annotated[str, Field(pattern=r"^[A-Z]{2}$", description="country of final assembly")]
    powertrain: Powertrain
    vehicle_class: Literal["M1", "M2", "M3", "N1", "N2", "N3", "L"] = "M1"
    body_type: Literal[
        "sedan", "SUV", "hatchback", "pickup", "MPV", "wagon", "coupe", "convertible", "van"
    ]
    seats: Annotated[int, Field(ge=1, le=60)]
    battery_kwh: Annotated[float | None, Field(ge=0, le=300)] = None
    battery_chemistry: (
        Literal["LFP", "NMC", "NCA", "LMFP", "sodium-ion", "solid-state", "other"] | None
    ) = None
    range_km: Annotated[float | None, Field(ge=0, le=2000)] = None
    range_cycle: Literal["WLTP", "CLTC", "EPA", "NEDC", "ADR", "other"] | None = None
    dc_connectors: frozenset[DcConnector] = frozenset()
    ac_connectors: frozenset[AcConnector] = frozenset()
    dc_power_kw: Annotated[float | None, Field(ge=0, le=1500)] = None
    ac_power_kw: Annotated[float | None, Field(ge=0, le=50)] = None
    charger_voltage_min_v: Annotated[float | None, Field(ge=0, le=1000)] = None
    charger_voltage_max_v: Annotated[float | None, Field(ge=0, le=1000)] = None
    steering: Literal["LHD", "RHD"]
    length_mm: Annotated[int, Field(ge=1000, le=20000)]
    width_mm: Annotated[int, Field(ge=500, le=3000)]
    height_mm: Annotated[int, Field(ge=500, le=5000)]
    kerb_mass_kg: Annotated[int, Field(ge=100, le=40000)]
    ground_clearance_mm: Annotated[int, Field(ge=50, le=600)]
    operating_temp_min_c: Annotated[float, Field(ge=-60, le=20)]
    operating_temp_max_c: Annotated[float, Field(ge=20, le=70)]
    battery_thermal_management: Literal["none", "passive", "air", "liquid", "liquid-heat-pump"] = (
        "liquid"
    )
    certifications: frozenset[str] = frozenset()
    connected_services: bool = False
    data_processed_in: frozenset[str] = frozenset()
    documentation_languages: frozenset[str] = frozenset()
    co2_g_km: Annotated[float | None, Field(ge=0, le=1000)] = None
    price: Money
    price_basis: Literal["ex_works", "FOB", "CIF"] = "CIF"
    available_from: date | None = None

    @field_validator("origin")
    @classmethod
    def _country(cls, code: str) -> str:
        if pycountry.countries.get(alpha_2=code) is None:
            raise ValueError(f"{code!r} is not an ISO 3166-1 alpha-2 code")
        return code

    @field_validator("data_processed_in")
    @classmethod
    def _countries(cls, codes: frozenset[str]) -> frozenset[str]:
        for code in codes:
            if pycountry.countries.get(alpha_2=code) is None:
                raise ValueError(f"{code!r} is not an ISO 3166-1 alpha-2 code")
        return codes

    @field_validator("certifications")
    @classmethod
    def _certifications(cls, held: frozenset[str]) -> frozenset[str]:
        unknown = sorted(held - set(CERTIFICATIONS))
        if unknown:
            raise ValueError(
                f"unknown certification(s) {unknown}; known: {', '.join(CERTIFICATIONS)}"
            )
        return held

    @model_validator(mode="after")
    def _consistent(self) -> VehicleSpec:
        electric = self.powertrain in ("BEV", "PHEV", "EREV")
        if electric and not self.battery_kwh:
            raise ValueError(f"a {self.powertrain} needs battery_kwh")
        if self.powertrain == "BEV" and not (self.dc_connectors or self.ac_connectors):
            raise ValueError("a BEV needs at least one charging connector")
        if self.operating_temp_max_c <= self.operating_temp_min_c:
            raise ValueError("operating_temp_max_c must be above operating_temp_min_c")
        low, high = self.charger_voltage_min_v, self.charger_voltage_max_v
        if low is not None and high is not None and high < low:
            raise ValueError("charger_voltage_max_v is below charger_voltage_min_v")
        return self

    def with_changes(self, **changes: Any) -> VehicleSpec:
        """A variant ("what if we add a CCS2 port"), validated like the original."""
        return VehicleSpec.model_validate({**self.model_dump(), **changes})


def parse_spec(data: Any, where: str = "model") -> VehicleSpec:
    try:
        return VehicleSpec.model_validate(data)
    except PydanticError as exc:
        issues = [
            Issue(error["msg"], file=where, field=".".join(str(p) for p in error["loc"]) or None)
            for error in exc.errors()
        ]
        raise ValidationError(f"{len(issues)} error(s) in the vehicle model", issues) from None
