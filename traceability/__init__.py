"""Hà Giang smart-stamp traceability service."""

__version__ = "0.1.0"
