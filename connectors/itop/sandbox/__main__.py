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
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO)
    sandbox = Sandbox(SandboxStore(args.seed), host=args.host, port=args.port)
    if args.generate:
        sandbox.store.bulk_load(synthetic_tickets(args.generate, now=sandbox.store.now()))
    print(f"iTop sandbox on {sandbox.url}{REST_PATH} (login admin/admin)", flush=True)
    try:
        sandbox.server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        sandbox.server.server_close()


if __name__ == "__main__":
    main()
