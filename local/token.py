"""`make token`: print an access token signed by the running stack's local issuer.

python -m local.token --sub alice --scopes "recommendations:read profiles:read" [--ttl 3600]
python -m local.token --service     # every scope + listeners:any, as the local tools use
"""

from __future__ import annotations

import argparse
import sys

from local.jwt_issuer import DEFAULT_TTL_S, LISTENER_SCOPES, SERVICE_SUBJECT, LocalIssuer, NoLocalIssuerError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m local.token", description=__doc__.splitlines()[0])
    parser.add_argument("--sub", help="the listener id (or a service's client id)")
    parser.add_argument(
        "--scopes",
        default=" ".join(LISTENER_SCOPES),
        help="space-separated scopes (default: every listener scope)",
    )
    parser.add_argument("--service", action="store_true", help="a service token: every scope + listeners:any")
    parser.add_argument("--ttl", type=int, default=DEFAULT_TTL_S, help="seconds until it expires")
    args = parser.parse_args(argv)
    try:
        issuer = LocalIssuer.of_running_stack()
    except NoLocalIssuerError as exc:
        print(exc, file=sys.stderr)
        return 1
    if args.service:
        token = issuer.service_token(args.sub or SERVICE_SUBJECT, args.ttl)
    elif not args.sub:
        parser.error("--sub is required (or --service)")
    else:
        token = issuer.sign(args.sub, args.scopes.split(), args.ttl)
    print(token)
    return 0


if __name__ == "__main__":
    sys.exit(main())
