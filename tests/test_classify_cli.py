"""`triage classify`, `triage evaluate` and `triage train` on the command line."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

KEYS = {"id", "team", "confidence", "prefix", "requalify", "source", "suggestion", "needs_review"}


@pytest.fixture
def app_config(app_config, use_router):
    return use_router


LINES = [
    {"id": "a", "title": "SI2C - mandat rejeté", "description": "Le mandat est rejeté par l'AC."},
    {
        "id": 2,
        "title": "Connexion impossible",
        "description": "<p>Page de <b>login</b> en boucle</p>",
    },
    {"title": "DRASI budget", "description": "Comment saisir la DBM de recettes ?"},
    {"id": None, "title": "", "description": "Compte bloqué après trois essais."},
]


def _answers(output: str) -> list[dict]:
    return [json.loads(line) for line in output.splitlines()]


def _check_answer(answer: dict, sent: dict) -> None:
    assert set(answer) == KEYS
    assert answer["id"] == sent.get("id")
    assert answer["team"] in ("SI2C", "DRASI", None)
    assert 0.0 <= answer["confidence"] <= 1.0
    assert answer["prefix"] in ("SI2C", "DRASI", None)
    assert isinstance(answer["requalify"], bool)
    assert answer["source"] in ("prefix", "model", "prefix+model")


def test_classify_from_a_file_same_order(app, runner, tmp_path):
    path = tmp_path / "in.jsonl"
    path.write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in LINES) + "\n")
    result = runner.invoke(args=["classify", str(path)])
    assert result.exit_code == 0, result.output
    answers = _answers(result.output)
    assert len(answers) == len(LINES)
    for answer, sent in zip(answers, LINES, strict=True):
        _check_answer(answer, sent)
    assert answers[0]["prefix"] == "SI2C" and answers[2]["prefix"] == "DRASI"
    assert answers[1]["prefix"] is None and answers[1]["source"] == "model"


def test_malformed_lines_get_an_error_and_the_others_an_answer(app, runner):
    lines = [
        json.dumps(LINES[0]),
        "{not json",
        json.dumps(["a", "list"]),
        json.dumps({"id": 7, "title": 12, "description": "x"}),
        json.dumps({"id": 8}),
        "",
        json.dumps(LINES[1]),
    ]
    result = runner.invoke(args=["classify"], input="\n".join(lines) + "\n")
    assert result.exit_code == 0, result.output
    answers = _answers(result.output)
    assert len(answers) == 6  # the blank line is not a ticket
    _check_answer(answers[0], LINES[0])
    assert answers[1]["error"] == "invalid_json" and answers[1]["line"] == 2
    assert answers[2]["error"] == "invalid_ticket" and answers[2]["line"] == 3
    assert answers[3] == {
        "id": 7,
        "line": 4,
        "error": "invalid_ticket",
        "message": answers[3]["message"],
    }
    assert "title" in answers[3]["message"]
    assert answers[4]["error"] == "invalid_ticket" and answers[4]["id"] == 8
    _check_answer(answers[5], LINES[1])


def test_many_lines_come_back_in_order(app, runner):
    from triage.services import routing

    count = routing.BATCH + 7  # more than one batch
    lines = [
        json.dumps({"id": i, "title": "Compte bloqué" if i % 2 else "DBM refusée"})
        for i in range(count)
    ]
    lines[5] = "oops"
    result = runner.invoke(args=["classify"], input="\n".join(lines))
    answers = _answers(result.output)
    assert [a.get("id") for a in answers] == [None if i == 5 else i for i in range(count)]
    assert answers[5]["error"] == "invalid_json"


def test_console_script_reads_standard_input(app, app_config):
    env = dict(
        os.environ,
        TRIAGE_INSTANCE_PATH=app_config["INSTANCE_PATH"],
        TRIAGE_DATABASE_URL="sqlite:///" + str(Path(app_config["INSTANCE_PATH"]) / "x.db"),
    )
    script = Path(sys.executable).parent / "triage"
    done = subprocess.run(
        [str(script), "classify"],
        input=json.dumps(LINES[0]) + "\n",
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    _check_answer(json.loads(done.stdout), LINES[0])


def test_train_excluding_a_held_out_file_then_evaluate_it(app, runner, tmp_path, app_config):
    from classifiers.corpus import group_split, read_jsonl, write_jsonl

    records = list(read_jsonl(app_config["ROUTER_CORPUS_FILES"][0]))
    _, held = group_split(records)
    path = tmp_path / "held.jsonl"
    with open(path, "w", encoding="utf-8") as handle:
        write_jsonl(held, handle)
    result = runner.invoke(args=["train", "--quiet", "--exclude", str(path)])
    assert result.exit_code == 0, result.output
    assert f"{len(records) - len(held)} tickets" in result.output
    result = runner.invoke(args=["evaluate", str(path)])
    assert result.exit_code == 0, result.output
    assert "prefix only" in result.output and "may have seen" not in result.output
    assert f"prefixes read right: {len(held)}/{len(held)}" in result.output
    result = runner.invoke(args=["evaluate", "--json", str(path)])
    report = json.loads(result.output)
    assert report["held_out"] is True
    assert report["router"]["n"] == report["prefix_only"]["n"] == len(held)
    assert report["prefix_only"]["wrong_prefix"]["caught"] in (0.0, None)


def test_evaluate_reports_by_team_prefix_state_and_difficulty(app, runner):
    from classifiers.corpus import BLIND_DIR

    path = BLIND_DIR / "validation.jsonl"
    result = runner.invoke(args=["evaluate", str(path)])
    assert result.exit_code == 0, result.output
    for label in (
        "right when routed",
        "wrong prefixes caught",
        "DRASI right when routed",
        "by team",
        "by prefix",
        "by difficulty",
        "hard",
        "normal",
        "left to a human",
    ):
        assert label in result.output, label
    report = json.loads(runner.invoke(args=["evaluate", "--json", str(path)]).output)
    router = report["router"]
    assert set(router["by_team"]) == {"SI2C", "DRASI"}
    assert set(router["by_prefix"]) == {"none", "right", "wrong"}
    assert set(router["by_difficulty"]) == {"hard", "normal"}
    assert sum(g["n"] for g in router["by_prefix"].values()) == router["n"]
    wrong = router["wrong_prefix"]
    # caught = not sent to the prefixed team: rerouted right, or left to a human
    assert wrong["caught"] == pytest.approx(wrong["rerouted"] + wrong["left_to_human"], abs=1e-3)
    assert report["prefix_only"]["wrong_prefix"]["caught"] == 0.0
