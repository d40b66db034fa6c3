"""The schools of the deployment: their CSV import, their tickets, their "suivi particulier".

A ticket belongs to a school when its iTop organisation is the school (its name, the iTop
name given in the file, or an organisation name holding its UAI, as "Collège X (0801745T)"),
or when its title or description quotes the school's UAI (7 digits and a letter).
"""

import csv
import io
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlmodel import Session, select

from triage.config import Settings
from triage.models import School, SchoolNote, Ticket, in_backlog, utcnow

UAI_RX = re.compile(r"\b(\d{7}[A-Za-z])\b")
UAI_FULL = re.compile(r"^\d{7}[A-Z]$")
WAVE_RX = re.compile(r"^V?(\d{1,2})$")
# the file's column names, read without case, accents or punctuation -> School attribute
HEADERS = {
    "uai": "uai", "rne": "uai", "code_uai": "uai",
    "nom": "name", "name": "name", "etablissement": "name",
    "vague": "wave", "wave": "wave",
    "kit": "kit_progress", "kit_progress": "kit_progress", "kit_de_bascule": "kit_progress",
    "avancement_kit": "kit_progress",
    "budget": "budget_integrated", "budget_integre": "budget_integrated",
    "budget_integrated": "budget_integrated",
    "commune": "town", "ville": "town", "town": "town",
    "organisation_itop": "itop_organization", "itop_organization": "itop_organization",
}  # fmt: skip
REQUIRED = {"uai": "UAI", "name": "nom", "wave": "vague", "kit_progress": "kit",
            "budget_integrated": "budget"}  # fmt: skip
YES = {"oui", "o", "yes", "y", "1", "vrai", "true", "x"}
NO = {"non", "n", "no", "0", "faux", "false", ""}


class SchoolImportError(Exception):
    """The file was refused as a whole; ``errors`` says why, line by line, in French."""

    def __init__(self, errors: list[str]):
        super().__init__("; ".join(errors))
        self.errors = errors


@dataclass
class ImportResult:
    """What an import did."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    uais: list[str] = field(default_factory=list)


def fold(text: str) -> str:
    """Lower case, no accents, words joined by ``_``: how names and headers are compared."""
    plain = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "_", plain.lower()).strip("_")


def _header_map(header: list[str]) -> tuple[dict[str, int], list[str]]:
    columns: dict[str, int] = {}
    for index, name in enumerate(header):
        attribute = HEADERS.get(fold(name))
        if attribute and attribute not in columns:
            columns[attribute] = index
    missing = [label for key, label in REQUIRED.items() if key not in columns]
    return columns, missing


def _percent(raw: str) -> float | None:
    text = raw.replace("%", "").replace(",", ".").strip()
    try:
        value = float(text)
    except ValueError:
        return None
    return value if 0 <= value <= 100 else None


def _parse_row(cells: dict[str, str]) -> tuple[dict, list[str]]:
    """One line's School values and what is wrong with it (French)."""
    problems = []
    uai = cells["uai"].strip().upper()
    if not UAI_FULL.match(uai):
        problems.append(f"UAI « {cells['uai']} » invalide (7 chiffres et une lettre attendus)")
    name = cells["name"].strip()
    if not name:
        problems.append("nom manquant")
    wave = WAVE_RX.match(cells["wave"].strip().upper())
    if wave is None:
        problems.append(f"vague « {cells['wave']} » invalide (V5, V6, V7… attendue)")
    kit = _percent(cells["kit_progress"])
    if kit is None:
        problems.append(f"kit « {cells['kit_progress']} » invalide (pourcentage de 0 à 100)")
    budget = cells["budget_integrated"].strip().lower()
    if budget not in YES | NO:
        problems.append(f"budget intégré « {cells['budget_integrated']} » invalide (oui ou non)")
    values = {
        "uai": uai,
        "name": name[:255],
        "wave": f"V{int(wave.group(1))}" if wave else "",
        "kit_progress": kit,
        "budget_integrated": budget in YES,
        "town": cells.get("town", "").strip()[:255],
        "itop_organization": cells.get("itop_organization", "").strip()[:255],
    }
    return values, problems


def decode_csv(raw: bytes) -> str:
    """A CSV file's text: UTF-8 (with or without BOM), else Windows-1252 as Excel writes it."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")


def parse_schools_csv(text: str) -> list[dict]:
    """The schools of a CSV text (``;`` or ``,``); raises SchoolImportError listing every bad
    line."""
    text = text.lstrip("\ufeff")
    if not text.strip():
        raise SchoolImportError(["le fichier est vide"])
    delimiter = ";" if text.splitlines()[0].count(";") >= text.splitlines()[0].count(",") else ","
    rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    columns, missing = _header_map(rows[0])
    if missing:
        raise SchoolImportError([f"ligne 1 : colonne(s) manquante(s) : {', '.join(missing)}"])
    errors, parsed, seen = [], [], {}
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue  # blank lines are no schools
        cells = {key: row[index] if index < len(row) else "" for key, index in columns.items()}
        values, problems = _parse_row(cells)
        if values["uai"] in seen:
            problems.append(f"UAI {values['uai']} déjà donné ligne {seen[values['uai']]}")
        seen.setdefault(values["uai"], number)
        errors.extend(f"ligne {number} : {problem}" for problem in problems)
        parsed.append(values)
    if errors:
        raise SchoolImportError(errors)
    if not parsed:
        raise SchoolImportError(["aucun établissement dans le fichier"])
    return parsed


def import_schools(*, session: Session, text: str) -> ImportResult:
    """Create or update the schools of a CSV text, all or nothing (one transaction)."""
    rows = parse_schools_csv(text)
    uais = [row["uai"] for row in rows]
    known = {s.uai: s for s in session.exec(select(School).where(School.uai.in_(uais)))}
    result = ImportResult()
    now = utcnow()
    for values in rows:
        school = known.get(values["uai"])
        result.uais.append(values["uai"])
        if school is None:
            session.add(School(**values, imported_at=now))
            result.created += 1
            continue
        changed = [k for k, v in values.items() if getattr(school, k) != v]
        for name in changed:
            setattr(school, name, values[name])
        school.imported_at = now
        if changed:
            result.updated += 1
        else:
            result.unchanged += 1
    session.commit()
    return result


def list_schools(*, session: Session, wave: str | None = None) -> list[School]:
    """The schools, by name; only one wave's when ``wave`` is given."""
    query = select(School).order_by(School.name)
    if wave:
        query = query.where(School.wave == wave)
    return list(session.exec(query))


def waves(*, session: Session) -> list[str]:
    """The waves of the imported schools, oldest first (V5 before V10)."""
    found = session.exec(select(School.wave).distinct()).all()
    return sorted((w for w in found if w), key=lambda w: int(w[1:]) if w[1:].isdigit() else 0)


def get_school(*, session: Session, uai: str) -> School | None:
    """The school of that UAI."""
    return session.exec(select(School).where(School.uai == (uai or "").upper())).first()


def uais_in(text: str) -> set[str]:
    """The UAI codes quoted in a text."""
    return {code.upper() for code in UAI_RX.findall(text or "")}


def _organizations(session: Session, settings: Settings, keys: dict[str, str]) -> list[str]:
    """The iTop organisations of the backlog that are one of the schools (compared folded,
    in Python: SQLite's lower() leaves accented capitals alone)."""
    found = session.exec(
        select(Ticket.organization).where(in_backlog(settings.itop_service)).distinct()
    )
    return sorted(
        org for org in found if fold(org) in keys or any(code in keys for code in uais_in(org))
    )


def _ticket_filter(organizations: list[str], schools: list[School]) -> sa.ColumnElement[bool]:
    """A SQL pre-filter of the tickets that may belong to these schools (confirmed in Python)."""
    terms = [Ticket.organization.in_(organizations)] if organizations else []
    for school in schools:
        pattern = f"%{school.uai}%"
        terms += [Ticket.title.ilike(pattern), Ticket.description.ilike(pattern)]
    return sa.or_(*terms)


def match(ticket: Ticket, by_key: dict[str, str]) -> set[str]:
    """The UAIs of the schools a ticket belongs to (``by_key``: folded name or UAI -> UAI)."""
    found = set()
    organization = ticket.organization or ""
    if fold(organization) in by_key:
        found.add(by_key[fold(organization)])
    for code in uais_in(organization) | uais_in(f"{ticket.title}\n{ticket.description}"):
        if code in by_key:
            found.add(by_key[code])
    return found


def _keys(schools: Iterable[School]) -> dict[str, str]:
    keys = {}
    for school in schools:
        keys[school.uai] = school.uai
        keys[fold(school.name)] = school.uai
        if school.itop_organization:
            keys[fold(school.itop_organization)] = school.uai
    return keys


def tickets_by_school(
    *, session: Session, settings: Settings, schools: list[School]
) -> dict[str, list[Ticket]]:
    """Each school's tickets of the triaged service (newest first), by UAI."""
    grouped: dict[str, list[Ticket]] = {school.uai: [] for school in schools}
    if not schools:
        return grouped
    keys = _keys(schools)
    organizations = _organizations(session, settings, keys)
    query = (
        select(Ticket)
        .where(in_backlog(settings.itop_service), _ticket_filter(organizations, schools))
        .order_by(Ticket.created_at.desc(), Ticket.id.desc())
    )
    for ticket in session.exec(query):
        for uai in match(ticket, keys):
            grouped[uai].append(ticket)
    return grouped


class FollowUpError(ValueError):
    """A follow-up change refused (French message)."""


def set_follow_up(
    *, session: Session, school: School, follow_up: bool, note: str, actor: str
) -> SchoolNote:
    """Set or lift the school's "suivi particulier", with a note; audited in SchoolNote."""
    note = (note or "").strip()
    if follow_up and not note:
        raise FollowUpError("Une note est nécessaire pour le suivi particulier.")
    if len(note) > 2000:
        raise FollowUpError("La note est trop longue (2 000 caractères au plus).")
    now = utcnow()
    school.follow_up, school.follow_up_note = follow_up, note
    school.follow_up_by, school.follow_up_at = actor, now
    entry = SchoolNote(school_id=school.id, at=now, actor=actor, follow_up=follow_up, note=note)
    session.add(school)
    session.add(entry)
    session.commit()
    return entry


def follow_up_history(*, session: Session, school: School) -> list[SchoolNote]:
    """Every change of the school's follow-up, newest first."""
    return list(
        session.exec(
            select(SchoolNote)
            .where(SchoolNote.school_id == school.id)
            .order_by(SchoolNote.at.desc(), SchoolNote.id.desc())
        )
    )
