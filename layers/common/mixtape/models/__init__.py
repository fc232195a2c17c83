"""Pydantic models: ids, events, catalog items, profiles and API shapes."""
