"""Mixtape: listening events in, taste profiles and explained recommendations out."""

__version__ = "1.0.0"
