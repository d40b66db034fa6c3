"""``triage demo``: the whole service on SQLite with the bundled iTop sandbox.

A package of its own, beside the product: ``triage``, ``classifiers`` and ``connectors`` never
import it. It registers its command through the ``triage.commands`` entry point group, which
the ``triage`` command loads, and its local mail server needs the ``demo`` extra (aiosmtpd):
``pip install 'triage[demo]'`` (``make run`` installs it).
"""
