"""Experiment bucketing: which variant of each configured experiment a listener is in.

A listener's bucket in an experiment is sha256("<experiment>:<listener>") read as a number in [0, 1):
stable across containers and deployments, independent between experiments (the experiment's name is
hashed in), and no assignment is stored. Variants take consecutive ranges of [0, 1) by their shares, in
configuration order, so changing one variant's share moves only listeners at the boundaries.
"""

import hashlib

from mixtape.config import Experiment, Variant
from mixtape.models.experiment import Assignment

_SPAN = float(2**64)


def bucket(experiment: str, user_id: str) -> float:
    """The listener's position in [0, 1) for one experiment."""
    digest = hashlib.sha256(f"{experiment}:{user_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / _SPAN


def variant_of(experiment: Experiment, user_id: str) -> Variant:
    point = bucket(experiment.name, user_id)
    upper = 0.0
    for variant in experiment.variants:
        upper += variant.share
        if point < upper:
            return variant
    return experiment.variants[-1]  # shares add up to 1 up to rounding


def assign(experiments: tuple[Experiment, ...], user_id: str) -> list[tuple[Assignment, Variant]]:
    """The listener's variant of every experiment, in configuration order."""
    found = []
    for experiment in experiments:
        variant = variant_of(experiment, user_id)
        found.append((Assignment(experiment=experiment.name, variant=variant.name), variant))
    return found
