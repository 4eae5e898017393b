"""The auditors' command line: export a programme's input, solve it with the same engine."""

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from selection.services.proposal import selection_run
from tests.factories import UserFactory, scored_programme

ROOT = Path(__file__).resolve().parents[2]


def _export(programme_id, *args) -> str:
    out = io.StringIO()
    call_command("selection_export", str(programme_id), *args, stdout=out)
    return out.getvalue()


def _solve(path) -> dict:
    out = io.StringIO()
    call_command("selection_solve", str(path), stdout=out)
    return json.loads(out.getvalue())


def _manage(*args, stdin: str | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "DEBUG": "1"}
    return subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.django_db
def test_export_then_solve_reproduces_the_web_run(reference_data, tmp_path):
    staff = UserFactory(is_staff=True, password=None)
    programme = scored_programme()
    run = selection_run(programme=programme, actor=staff)
    exported = json.loads(_export(programme.pk))
    assert exported == run.input
    path = tmp_path / "input.json"
    path.write_text(json.dumps(exported), encoding="utf-8")
    result = _solve(path)
    assert result["status"] == "optimal"
    assert result["selected"] == run.result["selected"]
    assert result["objective"] == run.result["objective"]
    assert result["reasons"] == run.result["reasons"]
    # One shape: the command line prints exactly what the web run stores.
    assert result == run.result


@pytest.mark.django_db
def test_export_with_zscore_matches_a_zscore_run(reference_data):
    staff = UserFactory(is_staff=True, password=None)
    programme = scored_programme(per_province=4, size=8)
    run = selection_run(programme=programme, method="zscore", actor=staff)
    assert json.loads(_export(programme.pk, "--method", "zscore")) == run.input


@pytest.mark.django_db
def test_export_of_an_unknown_programme_exits_2():
    with pytest.raises(CommandError) as error:
        _export(999999)
    assert error.value.returncode == 2
    assert "999999" in str(error.value)


STDIN_INPUT = {
    "size": 1,
    "candidates": [
        {"id": "44021", "score": 4.0, "attributes": {"province": "Oost-Vlaanderen"}},
        {"id": "71016", "score": 3.0, "attributes": {"province": "Limburg"}},
    ],
    "quotas": [{"attribute": "province", "value": "Limburg", "min": 1, "max": None}],
}


def test_solve_reads_standard_input():
    done = _manage("selection_solve", "-", stdin=json.dumps(STDIN_INPUT))
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["selected"] == ["71016"]
    assert result["reasons"]["71016"] == {
        "kind": "quota_min",
        "attribute": "province",
        "value": "Limburg",
        "limit": 1,
    }


def test_solve_text_format_explains_in_english_whatever_the_default_language():
    # The site's default language is Dutch; the command line speaks English.
    done = _manage("selection_solve", "--format", "text", "-", stdin=json.dumps(STDIN_INPUT))
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "optimal"
    assert "- 71016 (3.00) — selected to meet the quota Province: Limburg ≥ 1" in lines
    assert (
        "- 44021 (4.00) — not selected: the places it could take are needed for minimum "
        "quotas or held by candidates included by hand" in lines
    )
    assert "Price of diversity: 1.00" in lines
    assert "- Province: Limburg ≥ 1 (price 1.00)" in lines
    assert "geselecteerd" not in done.stdout


def test_solve_text_format_explains_an_infeasible_input(tmp_path):
    data = {**STDIN_INPUT, "quotas": [{"attribute": "province", "value": "Limburg", "min": 2}]}
    path = tmp_path / "input.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    out = io.StringIO()
    call_command("selection_solve", str(path), "--format", "text", stdout=out)
    assert out.getvalue().splitlines() == [
        "infeasible",
        "The quotas cannot all hold",
        "- Province: Limburg at least 2 cannot hold: only 1 candidate has Province: Limburg",
        "The smallest change that makes a selection possible",
        "- lower the minimum of Province: Limburg from 2 to 1",
    ]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not valid JSON"),
        (
            json.dumps({"size": 1, "candidates": [], "colour": "blue"}),
            "unknown top-level field 'colour'",
        ),
        (
            json.dumps({"size": 1, "candidates": [{"id": "1", "score": 1, "rank": 2}]}),
            "unknown field 'rank'",
        ),
        (json.dumps([1, 2]), "expected a JSON object"),
    ],
)
def test_solve_bad_input_exits_2_with_a_message_and_no_traceback(tmp_path, content, message):
    path = tmp_path / "input.json"
    path.write_text(content, encoding="utf-8")
    done = _manage("selection_solve", str(path))
    assert done.returncode == 2
    assert message in done.stderr
    assert "Traceback" not in done.stderr
    assert done.stdout == ""
    assert len(done.stderr.strip().splitlines()) == 1


def test_solve_missing_file_exits_2(tmp_path):
    done = _manage("selection_solve", str(tmp_path / "missing.json"))
    assert done.returncode == 2
    assert "no such file" in done.stderr
    assert "Traceback" not in done.stderr


def test_solve_bad_input_in_process_raises_command_error_with_code_2(tmp_path):
    path = tmp_path / "input.json"
    path.write_text('{"size": 1, "candidates": [], "colour": 1}', encoding="utf-8")
    with pytest.raises(CommandError) as error:
        _solve(path)
    assert error.value.returncode == 2
