"""Team memberships as iTop shows them: ``persons_list`` on a Team, ``team_list`` on a Person."""

from typing import Any


def refresh(teams: dict[int, dict], persons: dict[int, dict],
            pairs: list[tuple[str, str]]) -> None:
    """Rebuild both link lists from the (team id, person id) pairs, sorted as iTop sorts them."""
    for obj in teams.values():
        obj["persons_list"] = []
    for obj in persons.values():
        obj["team_list"] = []
    for team_id, person_id in pairs:
        team, person = teams.get(int(team_id)), persons.get(int(person_id))
        if team and person:
            link = f"{person['friendlyname']} / {team['name']}"
            team["persons_list"].append(_team_link(person, link))
            person["team_list"].append(_person_link(team, link))
    for obj in teams.values():
        obj["persons_list"].sort(key=lambda lnk: lnk["friendlyname"].casefold())
    for obj in persons.values():
        obj["team_list"].sort(key=lambda lnk: lnk["friendlyname"].casefold())


def memberships(seed: dict[str, Any]) -> list[tuple[str, str]]:
    """The seed's memberships, or (older seeds) those its teams' persons_list show."""
    if "memberships" in seed:
        return [(str(m["team_id"]), str(m["person_id"])) for m in seed["memberships"]]
    return [
        (str(team["id"]), str(link["person_id"]))
        for team in seed.get("teams", [])
        for link in team.get("persons_list", [])
    ]


def _team_link(person: dict[str, Any], link: str) -> dict[str, str]:
    return {
        "person_id": person["id"],
        "person_name": person.get("name", ""),
        "role_id": "0",
        "role_name": "",
        "friendlyname": link,
        "person_id_friendlyname": person["friendlyname"],
        "person_id_obsolescence_flag": "",
        "role_id_friendlyname": "",
    }


def _person_link(team: dict[str, Any], link: str) -> dict[str, str]:
    return {
        "team_id": team["id"],
        "team_name": team["name"],
        "role_id": "0",
        "role_name": "",
        "friendlyname": link,
        "team_id_friendlyname": team["friendlyname"],
        "team_id_obsolescence_flag": "",
        "role_id_friendlyname": "",
    }
