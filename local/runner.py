"""`make run`: moto (DynamoDB + SQS + S3) + the HTTP API + the SQS pollers, all from template.yaml, no Docker.

python -m local.runner --host 127.0.0.1 --port 3000 --aws-port 5000 [--workers N] [--no-seed]

moto runs in a process of its own; this one serves HTTP (with the JWT authorizer) and polls SQS on
threads; `--workers N` worker processes run the handlers side by side, each an execution environment for
every function (`--workers 0`: here, one event at a time).
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import threading
from collections.abc import Mapping
from pathlib import Path
from types import FrameType

from local import moto_process
from local.http_adapter import LocalHttpServer
from local.jwt_issuer import JWKS_PATH, LocalIssuer, state_dir
from local.pollers import SqsPoller, start_pollers
from local.seed import seed_catalog
from local.stack import Invocable, aws_endpoint, load_functions, prepare, setup_logging
from local.template import DEFAULT_TEMPLATE, load_template
from local.workers import WorkerPool

logger = logging.getLogger("local.runner")


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m local.runner", description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1", help="HTTP API bind address")
    parser.add_argument("--port", type=int, default=3000, help="HTTP API port")
    parser.add_argument("--aws-port", type=int, default=5000, help="moto server port (127.0.0.1)")
    parser.add_argument("--template", type=Path, default=DEFAULT_TEMPLATE)
    parser.add_argument("--no-seed", action="store_true", help="leave the catalog empty (no demo tracks)")
    parser.add_argument(
        "--workers",
        type=int,
        default=3,
        help="worker processes running the handlers side by side (0: in this process, one at a time)",
    )
    return parser.parse_args(argv)


def _interrupt(_signum: int, _frame: FrameType | None) -> None:
    raise KeyboardInterrupt  # SIGTERM shuts down like Ctrl-C


def main(argv: list[str] | None = None) -> None:
    args = _parse_args(argv)
    setup_logging()
    signal.signal(signal.SIGTERM, _interrupt)
    template = load_template(args.template)
    moto_process.ensure_free(args.port, "PORT", args.host)  # both ports before anything starts
    moto_process.ensure_free(args.aws_port, "AWS_PORT")
    # Worker processes start importing while moto starts and the tables are made; they are handed the
    # functions' environment (table names, queue URLs) once those exist.
    logger.info("starting moto on port %d and %d execution environments", args.aws_port, args.workers)
    pool = WorkerPool(args.template, args.workers) if args.workers else None
    moto = moto_process.start(args.aws_port)
    stop = threading.Event()
    pollers: list[SqsPoller] = []
    httpd: LocalHttpServer | None = None
    try:
        issuer = LocalIssuer.start(args.port)
        stack = prepare(template, args.aws_port, create=True)
        functions: Mapping[str, Invocable]
        if pool is None:  # one execution environment per function, in this process
            functions = load_functions(template)
        else:
            logger.info("loading the functions in %d execution environments", pool.size)
            pool.load(dict(os.environ))
            functions = {function_id: pool.function(function_id) for function_id in template.functions}
        if not args.no_seed:
            seed_catalog(stack, functions, int(os.environ["EMBEDDING_DIM"]), issuer)
        pollers = start_pollers(stack, functions, stop)
        httpd = LocalHttpServer((args.host, args.port), template.routes, functions, issuer)
        for route in template.routes:
            guard = f"JWT {' | '.join(route.scopes) or '(any scope)'}" if route.authorizer else "public"
            logger.info("route %-45s -> %-22s %s", route.route_key, route.function_id, guard)
        logger.info(
            "JWT issuer %s (audience %s), JWKS %s, key in %s: `make token SUB=... SCOPES=...`",
            issuer.issuer,
            issuer.audience,
            issuer.issuer.removesuffix("/local-issuer") + JWKS_PATH,
            state_dir(),
        )
        for source in template.sqs_sources:
            logger.info("poller %s -> %s (batch %d)", source.queue_id, source.function_id, source.batch_size)
        logger.info(
            "Mixtape local stack ready: API http://%s:%d, AWS (moto) %s",
            args.host,
            args.port,
            aws_endpoint(args.aws_port),
        )
        httpd.serve_forever()
    except KeyboardInterrupt:
        logger.info("shutting down")
    finally:
        stop.set()
        for poller in pollers:
            poller.thread.join(timeout=10)
        if httpd is not None:
            httpd.server_close()
        if pool is not None:
            pool.close()
        moto_process.stop(moto)


if __name__ == "__main__":
    main()
