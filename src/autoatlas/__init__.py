"""AutoAtlas: the common database of overseas automotive markets."""

__all__ = ["__version__"]

__version__ = "0.1.0"
