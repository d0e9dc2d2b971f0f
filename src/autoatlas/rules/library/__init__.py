"""The rule library, one module per dimension; importing it registers every rule."""

from autoatlas.rules.library import charging, climate, policy, regulation, roads, trade

__all__ = ["charging", "climate", "policy", "regulation", "roads", "trade"]
