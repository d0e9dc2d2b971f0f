"""Household plugs, mains voltage and frequency from the ``fluids`` package.

``fluids.pump.residential_power`` maps lower-case alpha-2 codes to ``CountryPower`` records
(plug letters, one voltage, one frequency), compiled by fluids' author from Wikipedia in 2017:
the table is therefore Wikipedia-derived (CC BY-SA) and kept in its own bundle, ``fluids.yaml``.
It holds one voltage and one frequency per country, which is wrong for Japan (50 and 60 Hz)
and Brazil (127 and 220 V); those two values are hand corrections.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from autoatlas.refdata.model import RefBundle, RefFact, RefSource
from autoatlas.refdata.packages import python_package, python_version

__all__ = ["build_fluids", "residential_power"]

PLUG_LETTERS = frozenset("ABCDEFGHIJKLMNO")


def residential_power() -> Mapping[str, Any]:
    """fluids' table, keyed by upper-case alpha-2 code."""
    module = python_package("fluids.pump", "fluids")
    table: Mapping[str, Any] = module.residential_power
    return {code.upper(): record for code, record in table.items()}


def _facts(table: Mapping[str, Any], countries: frozenset[str]) -> Iterator[RefFact]:
    src = ("fluids-residential-power",)
    for code in sorted(countries & set(table)):
        record = table[code]
        plugs = sorted({p for p in record.plugs or () if p in PLUG_LETTERS})
        if plugs:
            yield RefFact(code, "charging.plug_types", plugs, src)
        if isinstance(record.voltage, (int, float)) and record.voltage > 0:
            yield RefFact(code, "charging.mains_voltage", int(record.voltage), src, unit="V")
        if record.freq in (50, 60):
            yield RefFact(code, "charging.mains_frequency", [str(int(record.freq))], src)


def build_fluids(countries: frozenset[str]) -> RefBundle:
    version = python_version("fluids")
    source = RefSource(
        id="fluids-residential-power",
        kind="dataset",
        title=f"fluids {version}, fluids.pump.residential_power plug and voltage table",
        publisher="Caleb Bell and the fluids contributors (Chemical Engineering Design Library)",
        url="https://pypi.org/project/fluids/",
        language="en",
        locator="residential_power: CountryPower(plugs, voltage, freq); data from Wikipedia, 2017",
    )
    bundle = RefBundle("fluids")
    bundle.extend(source, _facts(residential_power(), countries))
    return bundle
