"""How a benchmark hands over its result: a table (or JSON) on stdout, and both files under `--out`."""

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any


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
