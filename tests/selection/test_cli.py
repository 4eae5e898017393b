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


def test_solve_reads_standard_input():
    data = {
        "size": 1,
        "candidates": [
            {"id": "44021", "score": 4.0, "attributes": {"province": "Oost-Vlaanderen"}},
            {"id": "71016", "score": 3.0, "attributes": {"province": "Limburg"}},
        ],
        "quotas": [{"attribute": "province", "value": "Limburg", "min": 1, "max": None}],
    }
    done = _manage("selection_solve", "-", stdin=json.dumps(data))
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["selected"] == ["71016"]
    assert result["reasons"]["71016"] == "selected to meet the quota province = Limburg >= 1"


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
