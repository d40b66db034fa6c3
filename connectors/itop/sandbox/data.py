"""Synthetic tickets for the sandbox (tests, benchmarks): plausible Op@le requests, fast."""

import datetime as dt
import random
from typing import Any

_SUBJECTS = {
    "SI2C": [
        "erreur lors de la saisie du budget",
        "écart de solde sur le compte 4111",
        "export des mandats en échec",
        "clôture de l'exercice bloquée",
        "décision budgétaire modificative impossible à valider",
    ],
    "DRASI": [
        "impossible de se connecter",
        "compte bloqué après changement de mot de passe",
        "lenteurs sur le portail",
        "habilitation manquante pour un agent",
        "page blanche sous Firefox",
    ],
}
_TEAMS = {"SI2C": "SI2C", "DRASI": "DRASI", "NATIONAL": "Niveau national"}
_STATUSES = ["new", "assigned", "assigned", "pending", "resolved", "closed", "closed"]
_CALLERS = [
    "Marie Dupont",
    "Jean Martin",
    "Sophie Bernard",
    "Luc Fontaine",
    "Anne Leroy",
    "Karim Benali",
    "Isabelle Moreau",
    "Olivier Garnier",
]
_ORGS = [
    "Collège Jules Verne (0801745T)",
    "Lycée Louis Thuillier (0800007X)",
    "Collège Amiral Lejeune (0800020L)",
    "Lycée Madeleine Michelis (0800009Z)",
]


def synthetic_tickets(
    count: int, *, now: dt.datetime, seed: int = 0, days: int = 90, service: str = "Op@le"
) -> list[dict[str, Any]]:
    """``count`` ticket specs for ``SandboxStore.bulk_load``, created over the last ``days``.

    Each was last changed at ``now`` (as tickets just loaded into iTop are), so that an
    incremental poll sees them; their start and resolution dates are in the past.
    """
    rng = random.Random(seed)
    specs = []
    for n in range(count):
        queue = rng.choice(["SI2C", "DRASI", "DRASI"])
        prefix = rng.choice([queue, queue, queue.lower(), ""])
        title = rng.choice(_SUBJECTS[queue]) + f" (n° {n + 1})"
        start = now - dt.timedelta(seconds=rng.randint(7200, days * 86400))
        latest = now - dt.timedelta(hours=1)
        handled = min(latest, start + dt.timedelta(seconds=rng.randint(0, 20 * 86400)))
        status = rng.choice(_STATUSES)
        team = (
            None
            if status == "new" and rng.random() < 0.7
            else _TEAMS[rng.choice([queue] * 6 + ["NATIONAL"])]
        )
        specs.append(
            {
                "title": f"{prefix} - {title}" if prefix else title.capitalize(),
                "description": f"<p>Bonjour,</p><p>{title.capitalize()} dans Op@le.</p>"
                f"<p>Cordialement,<br>{_CALLERS[n % len(_CALLERS)]}</p>",
                "status": status,
                "team": team,
                "caller": _CALLERS[n % len(_CALLERS)],
                "org": _ORGS[n % len(_ORGS)],
                "service": service,
                "urgency": rng.choice("1234"),
                "origin": rng.choice(["mail", "phone", "portal"]),
                "start_date": start,
                "last_update": now,
                "resolution_date": handled if status in ("resolved", "closed") else "",
            }
        )
    return specs
