"""``roads.driving_side`` and ``roads.speed_unit`` from the npm package @rapideditor/country-coder.

country-coder computes both values when it loads (a country made of several features takes
a value only when all its parts agree), so the build asks the package itself through Node.js
rather than re-implementing that rule. Countries whose parts disagree (CN with Hong Kong and
Macao, GB, US) get no value from it; their values are hand corrections.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator, Mapping
from typing import Any

from autoatlas.refdata.model import RefBundle, RefError, RefFact, RefSource
from autoatlas.refdata.packages import NpmPackages

__all__ = ["PACKAGE", "build_country_coder", "country_coder_values"]

PACKAGE = "@rapideditor/country-coder"

_SCRIPT = """
const cc = await import(process.argv[1]);
const out = {};
for (const f of cc.borders.features) {
  const p = f.properties;
  if (!p.iso1A2) continue;
  out[p.iso1A2] = {driveSide: p.driveSide ?? null, roadSpeedUnit: p.roadSpeedUnit ?? null};
}
process.stdout.write(JSON.stringify(out));
"""


def country_coder_values(npm: NpmPackages) -> dict[str, dict[str, Any]]:
    """{alpha-2: {driveSide, roadSpeedUnit}} as the package computes them (None when unset)."""
    module = npm.root(PACKAGE) / "dist" / "country-coder.mjs"
    node = shutil.which("node")
    if node is None:
        raise RefError("Node.js (`node`) is needed to read @rapideditor/country-coder")
    try:
        done = subprocess.run(
            [node, "--input-type=module", "-e", _SCRIPT, module.resolve().as_uri()],
            capture_output=True,
            check=True,
            text=True,
            timeout=120,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        raise RefError(f"country-coder could not be read with Node.js: {exc}") from None
    values: dict[str, dict[str, Any]] = json.loads(done.stdout)
    return values


def _facts(values: Mapping[str, Mapping[str, Any]], countries: frozenset[str]) -> Iterator[RefFact]:
    for code in sorted(countries & set(values)):
        side, unit = values[code]["driveSide"], values[code]["roadSpeedUnit"]
        if side in ("left", "right"):
            yield RefFact(code, "roads.driving_side", side, ("country-coder",))
        if unit in ("km/h", "mph"):
            yield RefFact(code, "roads.speed_unit", unit, ("country-coder",))


def build_country_coder(npm: NpmPackages, countries: frozenset[str]) -> RefBundle:
    version = npm.version(PACKAGE)
    source = RefSource(
        id="country-coder",
        kind="dataset",
        title=f"@rapideditor/country-coder {version}, borders.json driveSide and roadSpeedUnit",
        publisher="country-coder contributors (RapiD editor project)",
        url=f"https://www.npmjs.com/package/{PACKAGE}",
        language="en",
        locator="feature properties driveSide and roadSpeedUnit per ISO 3166-1 alpha-2 code",
    )
    bundle = RefBundle("country-coder")
    bundle.extend(source, _facts(country_coder_values(npm), countries))
    return bundle
