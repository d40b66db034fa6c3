"""One ticket's life: who set its team and when, its escalation, its e-mail, its iTop status.

Paths, as on the desk: a team set in iTop by the dispatcher (40 %), the router deciding from
the prefix and the text (55 %; without a prefix it leaves one ticket in five to a human, who
then decides), no team ever (5 %: duplicates, rejected). Agents correct most of the router's
mistakes and confirm a few of its decisions; the dispatcher moves a few tickets in iTop;
tickets open past 15 days are escalated to NATIONAL, a tenth of them sent back to the team by
the national level. Reasons are the app's own words (classifiers/policy.py, services/escalation.py).
"""

import bisect
import datetime as dt
import os
import random
from dataclasses import dataclass

from scalebench import dataset

THRESHOLD_DAYS = 15
OTHER = {"SI2C": "DRASI", "DRASI": "SI2C"}
ESCALATION_TO = "assistance-nationale@opale.example"
AGENT_COMMENTS = (
    "", "", "", "", "relève de l'autre équipe", "question métier, pas technique",
    "problème d'habilitation, pas de comptabilité", "mauvais préfixe", "vu avec l'établissement",
)
SENT_BACK = "renvoyé à l'équipe par le niveau national"


def router_versions(first: dt.date, as_of: dt.datetime) -> list[tuple[dt.datetime, str]]:
    """One router model per month (the nightly retraining keeps the last of each month)."""
    versions, day = [], first.replace(day=1)
    while True:
        moment = dt.datetime.combine(day, dt.time(3, 10), tzinfo=dt.UTC)
        if moment > as_of:
            return versions
        versions.append((moment, moment.strftime("%Y%m%dT%H%M%S%fZ") + "-" + os.urandom(3).hex()))
        day = (day + dt.timedelta(days=32)).replace(day=1)


@dataclass
class Story:
    """What the life of one ticket adds to the tables."""

    ticket_fields: dict
    decisions: list[dict]
    escalation: dict | None
    outbox: dict | None


class History:
    """Writes the life of each ticket (one instance for the whole data set)."""

    def __init__(self, rng: random.Random, as_of: dt.datetime, versions: list):
        self.rng, self.as_of, self.versions = rng, as_of, versions
        self.version_times = [moment for moment, _ in versions]

    def _version(self, at: dt.datetime) -> str | None:
        index = bisect.bisect_right(self.version_times, at) - 1
        return self.versions[index][1] if index >= 0 else None

    def _later(self, start: dt.datetime, low_s: float, high_s: float) -> dt.datetime:
        return start + dt.timedelta(seconds=self.rng.uniform(low_s, high_s))

    def _before(self, start, low_s, high_s, horizon, *, closed: bool) -> dt.datetime | None:
        """A moment after ``start``; squeezed before ``horizon`` when the ticket closed (or
        was escalated) sooner, None when it is open and the moment has not come yet."""
        at = self._later(start, low_s, high_s)
        if at < horizon:
            return at
        if not closed:
            return None
        return start + (horizon - start) * self.rng.uniform(0.1, 0.6)

    def story(self, row: dict, text: dataset.Text, span: float, closed) -> Story:
        """The decisions, fields, escalation and e-mail of one ticket."""
        rng, created = self.rng, row["created_at"]
        end = closed or self.as_of
        escalate_at = None
        if span > THRESHOLD_DAYS and created + dt.timedelta(days=THRESHOLD_DAYS, minutes=6) < end:
            escalate_at = self._later(created + dt.timedelta(days=THRESHOLD_DAYS), 20, 300)
        horizon = escalate_at or end  # what happens before the escalation
        state = {"team": "UNASSIGNED", "source": None, "prefix": None, "confidence": None,
                 "needs_review": False, "requalify": False, "routed_at": None}
        decisions: list[dict] = []

        def decide(at, actor, source, team, reason="", confidence=None, version=None):
            decisions.append({
                "ticket_id": row["id"], "at": at, "actor": actor, "source": source,
                "from_team": state["team"], "to_team": team, "confidence": confidence,
                "reason": reason, "model_version": version,
            })
            state["team"], state["source"] = team, source
            if source == "agent":  # the agent has decided: nothing left to review
                state["needs_review"] = state["requalify"] = False

        roll = rng.random()
        if roll < 0.40:
            at = self._before(created, 300, 4 * 3600, horizon, closed=horizon < self.as_of)
            if at is not None:
                team = text.team if rng.random() < 0.95 else OTHER[text.team]
                decide(at, "itop", "itop", team, f"équipe iTop : {dataset.ITOP_TEAMS[team][0]}")
        elif roll < 0.95:
            # without a prefix, the model is not sure enough for one ticket in five
            abstain = text.prefix is None and rng.random() < 0.2
            self._route(row, text, state, decide, horizon, abstain=abstain,
                        closed=horizon < self.as_of)
        if state["team"] in OTHER and rng.random() < 0.005:  # the dispatcher moves it in iTop
            at = self._later(decisions[-1]["at"], 3600, 5 * 86400)
            if at < horizon:
                team = OTHER[state["team"]]
                decide(at, "itop", "itop", team, f"équipe iTop : {dataset.ITOP_TEAMS[team][0]}")
        if escalate_at is not None:
            age = (escalate_at - created).total_seconds() / 86400
            team_before = state["team"]
            reason = f"ouverte depuis {age:.0f} jours (seuil {THRESHOLD_DAYS} jours, jours)"
            decide(escalate_at, "scheduler", "escalation", "NATIONAL", reason)
            back = self._later(escalate_at, 12 * 3600, 4 * 86400)
            if rng.random() < 0.1 and back < end:
                actor = dataset.login_of(rng.choice(dataset.DESK["NATIONAL"]))
                decide(back, actor, "agent", text.team, SENT_BACK)
        fields = self._fields(row, state, decisions, escalate_at, closed)
        escalation = outbox = None
        if escalate_at is not None:
            escalation = {
                "ticket_id": row["id"], "level": "national", "created_at": escalate_at,
                "team": team_before, "rule": "calendar", "threshold_days": THRESHOLD_DAYS,
                "age_days": round(age, 2),
            }
            outbox = self._mail(row, fields, decisions, escalate_at, age)
        return Story(fields, decisions, escalation, outbox)

    def _route(self, row, text, state, decide, horizon, *, abstain: bool, closed: bool) -> None:
        """The router's decision (or abstention), then an agent's when it abstained."""
        rng = self.rng
        at = self._before(row["created_at"], 40, 180, horizon, closed=closed)
        if at is None:
            return
        state["routed_at"], state["prefix"] = at, text.prefix
        version = self._version(at)
        if abstain:  # not sure enough: left to a human in "À trier"
            state["confidence"] = round(rng.uniform(0.5, 0.78), 4)
            state["needs_review"] = True
            agent_at = self._before(at, 600, 2 * 86400, horizon, closed=closed)
            if agent_at is not None:
                login = dataset.login_of(rng.choice(dataset.DESK[text.team]))
                decide(agent_at, login, "agent", text.team, rng.choice(AGENT_COMMENTS))
            return
        team, source, reason, confidence = self._policy(text)
        state["confidence"] = confidence
        state["needs_review"] = source == "prefix"
        state["requalify"] = text.prefix is not None and text.prefix != team or source == "prefix"
        decide(at, "router", source, team, reason, confidence, version)
        wrong = team != text.team
        review_at = self._later(at, 1800, 3 * 86400)
        if review_at < horizon and rng.random() < (0.8 if wrong else 0.012):
            login = dataset.login_of(rng.choice(dataset.DESK[text.team]))
            comment = rng.choice(AGENT_COMMENTS) if wrong else ""
            decide(review_at, login, "agent", text.team, comment)

    def _policy(self, text: dataset.Text) -> tuple[str, str, str, float]:
        """Team, source, reason and confidence as classifiers/policy.py would give them."""
        rng, prefix, true = self.rng, text.prefix, text.team
        if prefix is None:
            team = true if rng.random() < 0.96 else OTHER[true]
            return team, "model", "contenu du ticket", round(rng.uniform(0.8, 0.995), 4)
        if prefix == true:
            if rng.random() < 0.99:
                confidence = round(rng.uniform(0.9, 0.999), 4)
                return prefix, "prefix+model", "préfixe confirmé par le contenu", confidence
            reason = f"préfixe {prefix} contredit par le contenu"
            return OTHER[prefix], "model", reason, round(rng.uniform(0.85, 0.95), 4)
        if rng.random() < 0.65:  # wrong prefix, the model is very sure: it overrides
            reason = f"préfixe {prefix} contredit par le contenu"
            return true, "model", reason, round(rng.uniform(0.85, 0.99), 4)
        reason = f"préfixe {prefix} mis en doute par le contenu"
        return prefix, "prefix", reason, round(rng.uniform(0.5, 0.8), 4)

    def _fields(self, row, state, decisions, escalate_at, closed) -> dict:
        """The ticket's columns that follow from its history and its iTop status."""
        rng, team = self.rng, state["team"]
        status = self._status(team, row["created_at"], closed)
        last_event = max([d["at"] for d in decisions] + [row["created_at"]])
        if closed is not None:
            updated = closed if status == "resolved" else self._later(closed, 0, 7 * 86400)
        else:
            updated = self._later(last_event, 0, (self.as_of - last_event).total_seconds())
        updated = min(max(updated, last_event), self.as_of)
        itop_team, itop_team_id = dataset.ITOP_TEAMS.get(team, ("", None))
        return {
            "status": status, "is_open": closed is None, "team": team,
            "team_source": state["source"], "prefix": state["prefix"],
            "confidence": state["confidence"], "needs_review": state["needs_review"],
            "requalify_suggested": state["requalify"], "routed_at": state["routed_at"],
            "escalated_at": escalate_at, "warned_at": None, "updated_at": updated,
            "last_seen_at": min(self._later(updated, 5, 120), self.as_of),
            "itop_team": itop_team, "itop_team_id": itop_team_id,
            "agent": rng.choice(dataset.DESK[team]) if team in dataset.DESK
            and status != "new" else "",
        }

    def _status(self, team: str, created: dt.datetime, closed) -> str:
        rng = self.rng
        if closed is None:
            young = (self.as_of - created).total_seconds() < 43200
            if team == "UNASSIGNED" or (young and rng.random() < 0.4):
                return "new"
            if team == "NATIONAL":
                return rng.choice(("assigned", "assigned", "pending", "escalated_ttr"))
            return rng.choice(("assigned", "assigned", "assigned", "pending", "pending",
                               "waiting_for_approval" if rng.random() < 0.1 else "assigned"))
        if team == "UNASSIGNED":
            return rng.choice(("rejected", "closed"))
        if rng.random() < 0.02:
            return "rejected"
        recent = (self.as_of - closed).total_seconds() < 7 * 86400
        return rng.choice(("resolved", "resolved", "closed")) if recent else "closed"

    def _mail(self, row, fields, decisions, escalate_at, age) -> dict:
        """The sent escalation e-mail, written by the app's own mail builder when it can."""
        subject, text, html = _mail_parts(row, fields, decisions, escalate_at, age)
        claimed = self._later(escalate_at, 5, 60)
        return {
            "message_id": f"<escalation-national-{row['ref']}@triage>", "kind": "escalation",
            "ticket_id": row["id"], "to_addrs": ESCALATION_TO, "subject": subject,
            "body_text": text, "body_html": html, "status": "sent", "attempts": 1,
            "created_at": escalate_at, "next_attempt_at": escalate_at, "claimed_at": claimed,
            "claimed_by": f"triage-app-01:{4000 + row['id'] % 97}:a1b2c3",
            "sent_at": claimed + dt.timedelta(seconds=1), "last_error": None,
        }


def _mail_parts(row, fields, decisions, escalate_at, age) -> tuple[str, str, str]:
    before = [d for d in decisions if d["source"] != "escalation" and d["at"] <= escalate_at]
    try:
        from triage.config import Settings
        from triage.mail import TicketFacts, build_ticket_mail

        facts = TicketFacts(
            ref=row["ref"], itop_id=row["itop_id"], title=row["title"],
            organization=row["organization"], caller=row["caller"],
            team=before[-1]["to_team"] if before else "UNASSIGNED", status=fields["status"],
            created_at=row["created_at"], age_days=age, description=row["description"],
            history=before,
        )
        settings = Settings.from_mapping({"BASE_URL": "https://triage.opale.example"})
        mail = build_ticket_mail(level="national", facts=facts, days=THRESHOLD_DAYS,
                                 settings=settings)
        return mail.subject, mail.text, mail.html
    except Exception:  # noqa: BLE001 - the builder changed: a plain message will do
        subject = f"[triage] Escalade au niveau national : {row['ref']} - {row['title']}"[:250]
        body = (f"La demande {row['ref']} est ouverte depuis plus de {THRESHOLD_DAYS} jours "
                f"sans être résolue.\n\n{row['description']}\n")
        return subject, body, ""
