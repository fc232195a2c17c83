"""`make experiment-report` on a small Last.fm-shaped slice: the service buckets the listeners, the
report scores each variant on its own listeners, and the plays echoed back with each list's
recommendation id come back per variant from the profile updater's EMF metrics."""

from pathlib import Path

from evaluation.experiment_report import report
from mixtape.config import Experiment
from tests.integration.test_eval_harness import write_dataset

EXPERIMENT = Experiment.model_validate(
    {
        "name": "ab",
        "variants": [
            {"name": "control", "share": 0.5},
            {"name": "no-genre", "share": 0.5, "ranking": {"genre": 0.0}},
        ],
    }
)


def test_every_listener_is_in_one_variant_and_shown_hits_are_attributed_to_it(tmp_path: Path) -> None:
    write_dataset(tmp_path)
    table = report(0, EXPERIMENT, str(tmp_path), None, log=lambda _: None)
    rows = {
        cells[0]: cells
        for line in table.splitlines()
        if line.startswith("| ")
        and (cells := [c.strip() for c in line.strip("|").split("|")])[0] in {"control", "no-genre"}
    }
    assert set(rows) == {"control", "no-genre"}
    listeners = {name: int(cells[2]) for name, cells in rows.items()}
    assert sum(listeners.values()) == 24
    assert all(listeners.values())  # 24 listeners, two halves: both variants get some
    for cells in rows.values():
        hr = float(cells[3])
        attributed = int(cells[6])
        # Two clean communities: nearly every listener is shown a held-out artist, and each one shown
        # was played back with the list's id and attributed to the listener's variant.
        assert hr >= 0.5
        assert attributed >= round(hr * int(cells[2]))
