"""Sources of tickets (no Flask, no triage import): the iTop REST client and its sandbox."""
