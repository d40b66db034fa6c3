"""gunicorn's settings, read from the working directory by ``gunicorn wsgi:app``.

Threads (``gthread``): a worker busy with a heavy page (the dashboard, a report) still
answers the queue and the API on its other threads; the database does the heavy work, so
the GIL is mostly free. Command-line options (``-w 2``, ``--timeout``) win over this file.
See docs/architecture.md ("Scale").
"""

worker_class = "gthread"
threads = 4  # per worker: requests served at once while one waits on the database
timeout = 60  # a request silent this long is a stuck worker: gunicorn restarts it
graceful_timeout = 30  # on SIGTERM, the requests in flight get this long to finish
keepalive = 5
