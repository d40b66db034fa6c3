"""Reference data of the scale data set: establishments, people, and the ticket texts.

Establishments are collèges, lycées... named after the usual patrons, in real towns, with a
UAI-shaped code (three digits of the department, four of a serial, a check letter). Texts are
the shipped corpus (``classifiers/data/*.jsonl``) with the variations real tickets show:
greetings, signatures, "RE:" and "URGENT" titles, the budget year typed in the title.
"""

import html
import random
import re
from dataclasses import dataclass

from classifiers.corpus import load_corpus

TOWNS = {  # department -> towns
    2: ["Laon", "Soissons", "Saint-Quentin", "Château-Thierry", "Chauny", "Hirson"],
    6: ["Nice", "Cannes", "Antibes", "Grasse", "Menton"],
    13: ["Marseille", "Aix-en-Provence", "Arles", "Aubagne", "Salon-de-Provence", "Istres"],
    14: ["Caen", "Lisieux", "Bayeux", "Vire", "Honfleur"],
    21: ["Dijon", "Beaune", "Montbard", "Auxonne"],
    25: ["Besançon", "Montbéliard", "Pontarlier", "Morteau"],
    29: ["Brest", "Quimper", "Morlaix", "Landerneau", "Concarneau"],
    31: ["Toulouse", "Muret", "Saint-Gaudens", "Colomiers", "Blagnac"],
    33: ["Bordeaux", "Mérignac", "Pessac", "Libourne", "Arcachon", "Langon"],
    34: ["Montpellier", "Béziers", "Sète", "Lunel", "Agde"],
    35: ["Rennes", "Saint-Malo", "Fougères", "Vitré", "Redon"],
    38: ["Grenoble", "Vienne", "Voiron", "Bourgoin-Jallieu", "Échirolles"],
    44: ["Nantes", "Saint-Nazaire", "Rezé", "Ancenis", "Châteaubriant"],
    45: ["Orléans", "Montargis", "Gien", "Pithiviers"],
    49: ["Angers", "Cholet", "Saumur", "Segré"],
    51: ["Reims", "Châlons-en-Champagne", "Épernay", "Vitry-le-François"],
    54: ["Nancy", "Lunéville", "Toul", "Pont-à-Mousson", "Longwy"],
    57: ["Metz", "Thionville", "Forbach", "Sarreguemines", "Saint-Avold"],
    59: ["Lille", "Roubaix", "Tourcoing", "Dunkerque", "Valenciennes", "Douai", "Cambrai"],
    60: ["Beauvais", "Compiègne", "Creil", "Senlis", "Noyon", "Crépy-en-Valois"],
    62: ["Arras", "Lens", "Calais", "Boulogne-sur-Mer", "Béthune", "Saint-Omer"],
    63: ["Clermont-Ferrand", "Riom", "Thiers", "Issoire"],
    67: ["Strasbourg", "Haguenau", "Sélestat", "Saverne", "Molsheim"],
    68: ["Mulhouse", "Colmar", "Saint-Louis", "Guebwiller"],
    69: ["Lyon", "Villeurbanne", "Vénissieux", "Villefranche-sur-Saône", "Givors"],
    75: ["Paris"],
    76: ["Rouen", "Le Havre", "Dieppe", "Elbeuf", "Fécamp"],
    77: ["Melun", "Meaux", "Chelles", "Fontainebleau", "Provins"],
    78: ["Versailles", "Saint-Germain-en-Laye", "Mantes-la-Jolie", "Poissy", "Rambouillet"],
    80: ["Amiens", "Abbeville", "Péronne", "Montdidier", "Albert", "Doullens"],
    83: ["Toulon", "Fréjus", "Draguignan", "Hyères", "Brignoles"],
    86: ["Poitiers", "Châtellerault", "Loudun", "Montmorillon"],
    87: ["Limoges", "Saint-Junien", "Bellac"],
    92: ["Nanterre", "Boulogne-Billancourt", "Colombes", "Antony", "Clamart"],
    93: ["Bobigny", "Saint-Denis", "Montreuil", "Aubervilliers", "Aulnay-sous-Bois"],
    94: ["Créteil", "Vitry-sur-Seine", "Champigny-sur-Marne", "Ivry-sur-Seine"],
    95: ["Cergy", "Argenteuil", "Sarcelles", "Pontoise", "Garges-lès-Gonesse"],
    971: ["Pointe-à-Pitre", "Les Abymes", "Basse-Terre"],
    974: ["Saint-Denis", "Saint-Pierre", "Le Tampon", "Saint-Paul"],
}
PATRONS = (
    "Jules Verne", "Jean Moulin", "Victor Hugo", "Jean Jaurès", "Louise Michel", "Pasteur",
    "Jean Macé", "Paul Éluard", "Albert Camus", "Marie Curie", "Jacques Prévert",
    "Jean de La Fontaine", "Anatole France", "Condorcet", "Henri Matisse", "Camille Claudel",
    "Simone Veil", "Gérard Philipe", "Jules Ferry", "Émile Zola", "Voltaire", "Montesquieu",
    "Colette", "George Sand", "Françoise Dolto", "Pierre Mendès France", "Charles de Gaulle",
    "Léonard de Vinci", "Antoine de Saint-Exupéry", "Paul Langevin", "Romain Rolland",
    "Joliot-Curie", "Louis Pergaud", "Arthur Rimbaud", "Guy de Maupassant", "Molière",
    "Jean Rostand", "Paul Claudel", "Madeleine Michelis", "Louis Thuillier", "Pierre Méchain",
    "Félix Faure", "Jean Racine", "Blaise Pascal", "René Descartes", "Marcel Pagnol",
    "Olympe de Gouges", "Rosa Parks", "Nelson Mandela", "Aimé Césaire", "Lucie Aubrac",
    "Germaine Tillion", "Jean Monnet", "Robert Schuman", "Léon Blum", "Jean Zay",
    "Alexandre Dumas", "Stendhal", "Gustave Flaubert", "Honoré de Balzac", "Eugène Delacroix",
    "Claude Monet", "Auguste Renoir", "Paul Cézanne", "Hector Berlioz", "Claude Debussy",
    "Maurice Ravel", "Évariste Galois", "Sophie Germain", "Lavoisier", "Ampère", "Gay-Lussac",
    "Jean-Baptiste Corot", "Frédéric Mistral", "Jean Giono", "Jean Vilar", "Le Corbusier",
    "Auguste Rodin", "Pablo Picasso", "Les Tilleuls", "Les Châtaigniers", "Le Val de Saône",
    "La Hotoie", "Du Parc", "Des Flandres", "De la Côte d'Opale", "Du Vexin", "Des Hauts-de-Seine",
    "Saint-Exupéry", "Jean Bart", "Jeanne d'Arc", "Charlemagne", "Henri IV", "Louis Armand",
    "Gustave Eiffel", "Jean Perrin", "Irène Joliot-Curie", "Hélène Boucher", "Suzanne Lenglen",
)
KINDS = (  # kind, weight: collèges are most of the establishments
    ("Collège", 58), ("Lycée", 14), ("Lycée professionnel", 10), ("Lycée polyvalent", 7),
    ("Cité scolaire", 3), ("Lycée agricole", 3), ("EREA", 1), ("Agence comptable du lycée", 4),
)
FIRST = (
    "Marie", "Jean", "Sophie", "Luc", "Corinne", "Karim", "Isabelle", "Olivier", "Nathalie",
    "Hélène", "Mehdi", "Sylvie", "François", "Thierry", "Nadia", "Julien", "Catherine",
    "Philippe", "Sandrine", "Stéphane", "Valérie", "Christophe", "Laurence", "Nicolas",
    "Véronique", "Frédéric", "Céline", "David", "Aurélie", "Sébastien", "Émilie", "Patrick",
    "Fatima", "Yannick", "Agnès", "Bruno", "Delphine", "Éric", "Martine", "Pascal",
    "Samia", "Laurent", "Claire", "Vincent", "Anne", "Rachid", "Brigitte", "Guillaume",
)
LAST = (
    "Dupont", "Martin", "Bernard", "Fontaine", "Dufresne", "Benali", "Lemoine", "Garnier",
    "Caron", "Vasseur", "Haddad", "Lecomte", "Delattre", "Masson", "Roussel", "Lefebvre",
    "Carpentier", "Moreau", "Girard", "Petit", "Durand", "Leroy", "Simon", "Laurent",
    "Michel", "Garcia", "David", "Bertrand", "Roux", "Vincent", "Fournier", "Morel",
    "Girault", "André", "Mercier", "Blanc", "Guérin", "Boyer", "Chevalier", "Robin",
    "Perrin", "Morin", "Mathieu", "Clément", "Gauthier", "Dumont", "Lopez", "Nicolas",
    "Brunet", "Schmitt", "Meyer", "Faure", "Rousseau", "Lambert", "Bonnet", "Mahé",
)
ROLES = (
    "Adjointe gestionnaire", "Adjoint gestionnaire", "Agent comptable", "Secrétaire générale",
    "Gestionnaire matériel", "Fondée de pouvoir", "Principal adjoint", "Secrétaire d'intendance",
)
# the desk's people in iTop (the "agent" field) and their triage logins
DESK = {
    "SI2C": ("Paul Lefebvre", "Julie Roussel", "Aurélie Moreau", "Franck Dubois",
             "Elodie Marchand", "Samir Ouali", "Chantal Perrot", "Denis Riviere"),
    "DRASI": ("Claire Moreau", "Thomas Girard", "Kevin Leblanc", "Ines Cherif",
              "Romain Faure", "Lucie Barbier", "Marc Antoine", "Sarah Colin"),
    "NATIONAL": ("Nicolas Petit", "Anne Sauvage", "Hugo Lemaire", "Nora Benhamou"),
}
ITOP_TEAMS = {"SI2C": ("SI2C", 11), "DRASI": ("DRASI", 12), "NATIONAL": ("Niveau national", 13)}
SUBCATEGORIES = {
    "SI2C": ("Budget", "Budget", "Comptabilité", "Dépenses", "Recettes", "Clôture d'exercice"),
    "DRASI": ("Connexion / habilitations", "Connexion / habilitations", "Erreur technique",
              "Navigateur et poste", "Éditions et exports"),
}
OTHER_SERVICES = ("GFC", "Messagerie académique", "ENT")  # tickets that left Op@le in iTop
UAI_LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ"
_PREFIX = re.compile(r"^\s*[\[(]?\s*(si2c|drasi)\s*[\])]?\s*[-:–]*\s*", re.IGNORECASE)
_TAG = re.compile(r"<[^>]+>")


def login_of(name: str) -> str:
    """A desk member's triage login: ``p.lefebvre``."""
    first, last = name.split(" ", 1)
    plain = last.lower().replace(" ", "").replace("é", "e").replace("è", "e")
    return f"{first[0].lower()}.{plain}"


@dataclass(frozen=True)
class Establishment:
    """A school as tickets name it, and the people who write from it."""

    label: str  # "Collège Jules Verne, Amiens (0801745T)"
    uai: str
    staff: tuple[tuple[str, str], ...]  # (name, role)


def uai_code(department: int, serial: int) -> str:
    """A UAI-shaped code: department on three digits, a serial, a check letter."""
    digits = f"{department:03d}{serial:04d}"
    return digits + UAI_LETTERS[int(digits) % 23]


def establishments(count: int, rng: random.Random) -> list[Establishment]:
    """``count`` distinct establishments spread over the departments."""
    kinds, weights = zip(*KINDS, strict=True)
    places = [(dep, town) for dep, towns in TOWNS.items() for town in towns]
    seen: set[str] = set()
    serials: dict[int, int] = {}
    made: list[Establishment] = []
    while len(made) < count:
        department, town = rng.choice(places)
        kind = rng.choices(kinds, weights)[0]
        name = f"{kind} {rng.choice(PATRONS)}, {town}"
        if name in seen:
            name = f"{kind} {rng.choice(PATRONS)} - {rng.choice(PATRONS)}, {town}"
            if name in seen:
                continue
        seen.add(name)
        serials[department] = serials.get(department, rng.randrange(1, 400)) + rng.randrange(1, 9)
        uai = uai_code(department, serials[department] % 10_000)
        staff = tuple(
            (f"{rng.choice(FIRST)} {rng.choice(LAST)}", rng.choice(ROLES))
            for _ in range(rng.choice((1, 2, 2, 3)))
        )
        made.append(Establishment(label=f"{name} ({uai})", uai=uai, staff=staff))
    return made


def to_html(text: str) -> str:
    """Plain text as iTop's editor stores it: paragraphs and <br>."""
    paragraphs = [p for p in re.split(r"\n\s*\n", text.strip()) if p.strip()]
    return "".join("<p>" + html.escape(p).replace("\n", "<br>") + "</p>" for p in paragraphs)


def plain_text(text: str) -> str:
    """A description without its HTML (the app's own reader when available)."""
    try:
        from classifiers.text import strip_html

        return strip_html(text)
    except Exception:  # noqa: BLE001 - the reader moved: a crude one is enough here
        return html.unescape(_TAG.sub(" ", text)).strip()


@dataclass(frozen=True)
class Text:
    """One corpus ticket, ready to vary."""

    team: str
    prefix: str | None  # the team the typed prefix means
    title: str  # as typed, prefix included
    bare_title: str  # without the prefix
    plain: str
    html: str | None  # the corpus's own HTML, when it has some
    mentions_budget: bool


def texts() -> list[Text]:
    """The shipped corpus as texts to draw from."""
    made = []
    for record in load_corpus():
        description = record.get("description") or ""
        is_html = "<" in description and ">" in description
        plain = plain_text(description) if is_html else description
        made.append(
            Text(
                team=record["team"],
                prefix=record.get("prefix"),
                title=record["title"],
                bare_title=_PREFIX.sub("", record["title"]).strip() or record["title"],
                plain=plain,
                html=description if is_html else None,
                mentions_budget="budget" in plain.lower(),
            )
        )
    return made


def vary_title(text: Text, rng: random.Random, year: int) -> str:
    """The title as this ticket's author typed it."""
    title = text.title
    if text.mentions_budget and "budget" not in title.lower() and rng.random() < 0.5:
        # business tickets about the budget often say so first
        head = title[: len(title) - len(text.bare_title)]
        title = f"{head}Budget {rng.choice((year, year + 1))} : {text.bare_title}"
    roll = rng.random()
    if roll < 0.04:
        title = "RE: " + title
    elif roll < 0.06:
        title = "URGENT - " + title
    elif roll < 0.08:
        title = "Relance : " + title
    elif roll < 0.10:
        title = title.lower()
    return title[:250]


def vary_description(
    text: Text, rng: random.Random, caller: tuple[str, str], organization: str
) -> tuple[str, str]:
    """(plain text, HTML) with this ticket's greeting and signature."""
    name, role = caller
    school = organization.rsplit(" (", 1)[0]
    head = "" if text.plain.lower().startswith("bonjour") or rng.random() < 0.5 else "Bonjour,\n"
    roll = rng.random()
    if roll < 0.55:
        tail = f"\n\nCordialement,\n{name}\n{role} - {school}"
    elif roll < 0.75:
        tail = f"\n\nMerci d'avance.\n{name}"
    else:
        tail = ""
    plain = head + text.plain + tail
    if text.html is None:
        return plain, to_html(plain)
    extra = to_html(tail) if tail else ""
    return plain, ("<p>Bonjour,</p>" if head else "") + text.html + extra
