"""How a benchmark hands over its result: a table (or JSON) on stdout, and both files under `--out`; how a
long loop shows its progress meanwhile."""

import json
import sys
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from tqdm import tqdm


def progress[T](values: Iterable[T], label: str, total: int | None = None) -> Iterator[T]:
    """`values`, behind a progress bar on stderr when it is a terminal (never in logs or reports)."""
    yield from tqdm(values, desc=label, total=total, file=sys.stderr, disable=None, leave=False)


def emit(
    result: dict[str, Any],
    render: Callable[[dict[str, Any]], str],
    name: str,
    *,
    as_json: bool,
    out: Path | None,
) -> None:
    print(json.dumps(result, indent=1) if as_json else render(result))
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        (out / f"{name}.json").write_text(json.dumps(result, indent=1))
        (out / f"{name}.md").write_text(render(result) + "\n")
