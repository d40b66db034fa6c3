"""The logic of triage: views, CLI commands and jobs are thin doors into these functions."""
