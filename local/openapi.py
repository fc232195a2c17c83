"""Generate the API's one OpenAPI document from the three functions' resolvers (never written by hand).

`python -m local.openapi --write` refreshes layers/common/mixtape/api/openapi.json, which RecommendFunction
serves at GET /v1/openapi.json; `--check` fails when the committed file is out of date.
"""

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from local.stack import function_module, load_function, mount_layers
from local.template import load_template

OUTPUT = Path(__file__).resolve().parent.parent / "layers" / "common" / "mixtape" / "api" / "openapi.json"


def generate() -> str:
    template = load_template()
    mount_layers(template)
    from mixtape.api.resolver import openapi_document

    apps: list[Any] = []
    for function in template.functions.values():
        load_function(function)
        module = function_module(function.logical_id)
        if hasattr(module, "app"):  # functions without HTTP routes (the trainer) have no resolver
            apps.append(module.app)
    # The deployment's embedding length as template.yaml configures it by default (its EmbeddingDim);
    # RecommendFunction serves the document with its own (mixtape.api.resolver.with_embedding_dim).
    embedding_dim = int(template.parameter_defaults["EmbeddingDim"])
    return json.dumps(openapi_document(apps, embedding_dim), indent=2, sort_keys=False) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--write", action="store_true")
    mode.add_argument("--check", action="store_true")
    args = parser.parse_args()
    document = generate()
    if args.write:
        OUTPUT.write_text(document)
        print(f"wrote {OUTPUT.relative_to(Path.cwd())}")
        return 0
    if not OUTPUT.exists() or OUTPUT.read_text() != document:
        print("openapi.json is out of date: run `make openapi`", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
