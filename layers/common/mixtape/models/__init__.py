"""Pydantic models: ids, events, catalog items, profiles and API shapes.

Models are declared with `defer_build=True`: pydantic builds a model's validator and serializer at its
first validation or serialization instead of when the class is created. A function imports most of the
shared models but uses few of them (the recommend function never validates an event). The recommend
function's init built 38 models (~32 ms by a timer around each build; ~10 ms less cold start in
bench.cold_start, side by side); now it builds 7. The first use pays for the model it needs, once per
container.
"""
