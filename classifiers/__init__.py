"""Routing brains without Flask: prefix reader, text model, decision policy, evaluation."""
