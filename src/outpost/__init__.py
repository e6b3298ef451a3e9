"""Outpost: open early-warning and joint crisis-response platform."""

__version__ = "0.1.0"
