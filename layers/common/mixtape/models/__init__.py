"""Pydantic models: ids, events, catalog items, profiles and API shapes.

Models are declared with `defer_build=True`: pydantic builds a model's validator and serializer at its
first validation or serialization instead of when the class is created. A function imports most of the
shared models but uses few of them (the recommend function never validates an event); building all of
them at import cost every cold start ~25 ms (bench.cold_start, side by side). The first use pays for the
one model it needs, once per container.
"""
