"""Vehicle models: an organization's private description of a vehicle, validated."""

from autoatlas.vehicles.spec import Money, VehicleSpec, parse_spec

__all__ = ["Money", "VehicleSpec", "parse_spec"]
