"""``python -m connectors.itop.sandbox``: serve the sandbox until interrupted."""

import argparse
import logging

from connectors.itop.sandbox.data import synthetic_tickets
from connectors.itop.sandbox.server import REST_PATH, Sandbox
from connectors.itop.sandbox.store import SandboxStore


def main(argv: list[str] | None = None) -> None:
    """Parse the command line and serve until Ctrl-C."""
    parser = argparse.ArgumentParser(description="iTop REST/JSON sandbox")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--seed", help="seed JSON file (default: the recorded instance)")
    parser.add_argument("--generate", type=int, default=0, help="add N synthetic tickets")
    parser.add_argument(
        "--token-extension",
        action="store_true",
        help="accept Auth-Token / auth_token logins, as Combodo's authent-token extension",
    )
    parser.add_argument(
        "--updates-per-get", type=int, default=0, help="change N tickets after each core/get"
    )
    parser.add_argument(
        "--pace",
        type=float,
        default=0.0,
        help="answer no faster than S seconds a field of each object (a real iTop 3.2 "
        "answering a sync's pages: about 0.000024)",
    )
    parser.add_argument(
        "--activity", type=float, default=0.0, help="change R tickets a second in the background"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO)
    sandbox = Sandbox(
        SandboxStore(args.seed),
        host=args.host,
        port=args.port,
        token_extension=args.token_extension,
        updates_per_get=args.updates_per_get,
        pace=args.pace,
    )
    if args.generate:
        sandbox.store.bulk_load(synthetic_tickets(args.generate, now=sandbox.store.now()))
    if args.activity:
        sandbox.activity.start(args.activity)
    print(f"iTop sandbox on {sandbox.url}{REST_PATH} (login admin/admin)", flush=True)
    try:
        sandbox.server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        sandbox.activity.stop()
        sandbox.server.server_close()


if __name__ == "__main__":
    main()
