"""Reference data generated from maintained packages (`autoatlas refdata build`).

The builders read the Unicode CLDR data of the npm package ``cldr-core``, the npm package
``@rapideditor/country-coder`` and the Python packages ``holidays``, ``fluids``,
``pyworldatlas`` and ``firmapanel-trade-country-data``; they cite each package and version as
a ``dataset`` source, apply the hand corrections of ``corrections.yaml`` and write one bundle
per package family under ``data/reference/`` (which package feeds which property, and under
which licence: ``data/README.md``). The running application reads only those bundles.
"""

from autoatlas.refdata.build import (
    BUNDLE_NAMES,
    GENERATED_PROPERTIES,
    BuildReport,
    build_reference,
    countries,
)
from autoatlas.refdata.corrections import apply_corrections, load_corrections
from autoatlas.refdata.model import CHECKED, RefBundle, RefError, RefFact, RefSource

__all__ = [
    "BUNDLE_NAMES",
    "CHECKED",
    "GENERATED_PROPERTIES",
    "BuildReport",
    "RefBundle",
    "RefError",
    "RefFact",
    "RefSource",
    "apply_corrections",
    "build_reference",
    "countries",
    "load_corrections",
]
