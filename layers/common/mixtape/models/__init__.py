"""Pydantic models: ids, events, catalog items, profiles and API shapes.

Models are declared with `defer_build=True`: pydantic builds a model's validator and serializer at its
first validation or serialization instead of when the class is created. A function imports most of the
shared models but uses few of them (the recommend function never validates an event), so its cold start
builds only those it uses. The first use pays for the model it needs, once per container.
"""
