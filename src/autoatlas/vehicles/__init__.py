"""Vehicle models: an organization's private description of a vehicle, validated."""

from autoatlas.vehicles.spec import Money, VehicleSpec, load_spec

__all__ = ["Money", "VehicleSpec", "load_spec"]
