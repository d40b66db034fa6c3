"""The logic of triage: views, CLI commands and jobs are thin doors into these functions."""

# Every process that writes tickets goes through this package: the tickets' version is
# moved by each transaction that changes them, whichever process commits it.
from triage.services import ticket_changes  # noqa: F401  (its session listeners)
