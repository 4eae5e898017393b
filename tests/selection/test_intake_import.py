"""Importing candidacies from CSV and XLSX: all or nothing, with row-numbered errors."""

import io
import re
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command, execute_from_command_line
from django.core.management.base import CommandError
from django.db import connections
from django.urls import reverse
from openpyxl import Workbook

from municipalities.enums import SdgStatusLevel
from selection.enums import CandidacyState
from selection.models import Candidacy
from selection.services.intake import ImportErrors, candidacies_import

pytestmark = pytest.mark.django_db

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "candidacies.csv"
MOTIVATION = "Voorbeeldmotivatie voor de test: de SDG's in het meerjarenplan. " * 4
HEADER = "nis_code,motivation,has_twinning,twinning_partner,flemish_gos_subsidy"


def csv_file(*lines: str, encoding: str = "utf-8") -> io.BytesIO:
    return io.BytesIO("\n".join(lines).encode(encoding))


def row(nis: str, motivation: str = MOTIVATION, twinning: str = "nee", partner: str = "") -> str:
    return f'{nis},"{motivation}",{twinning},{partner},ja'


def run_import(programme, data: io.BytesIO, filename: str = "kandidaturen.csv", actor=None):
    return candidacies_import(programme=programme, file=data, filename=filename, actor=actor)


def xlsx_file(rows: list[list]) -> io.BytesIO:
    workbook = Workbook()
    for values in rows:
        workbook.active.append(values)
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    return buffer


def test_import_example_csv_creates_every_row(programme, staff_user):
    with EXAMPLE.open("rb") as handle:
        result = run_import(programme, handle, EXAMPLE.name, actor=staff_user)
    assert (result.created, result.updated) == (5, 0)
    candidacies = {c.municipality_id: c for c in Candidacy.objects.filter(programme=programme)}
    assert set(candidacies) == {"44021", "23027", "71016", "24062", "13040"}  # Turnhout by name
    gent, genk = candidacies["44021"], candidacies["71016"]
    assert gent.state == CandidacyState.SUBMITTED
    assert gent.submitted_at is not None
    assert (gent.has_twinning, gent.flemish_gos_subsidy, gent.federal_subsidy) == (True,) * 3
    assert gent.sdg_status == SdgStatusLevel.ADVANCED
    assert gent.contact_email == "contact.gent@example.org"
    assert genk.sdg_status == SdgStatusLevel.ACTIVE  # "Volop bezig"
    assert (genk.has_contact_person, genk.has_twinning, genk.flemish_gos_subsidy) == (False,) * 3
    assert candidacies["13040"].flemish_gos_subsidy is True  # "1"
    assert gent.history.first().history_user == staff_user
    assert gent.history.first().history_change_reason == "import candidacies.csv"


def test_import_xlsx_with_dutch_headers(programme):
    data = xlsx_file(
        [
            [
                "NIS-code",
                "Motivatie",
                "Contactpersoon aanwezig",
                "Contactpersoon",
                "E-mail contactpersoon",
                "Stand van zaken",
                "Stedenband",
                "Partner stedenband",
                "Vlaamse impulssubsidie GOS",
                "Federale subsidie",
            ],
            [44021, MOTIVATION, "ja", "An", "an@example.org", "Gevorderd", "ja", "P", "nee", True],
            [None] * 10,
            ["Halle", MOTIVATION, "Nee", None, None, "verkennend", "onwaar", None, "waar", False],
        ]
    )
    result = run_import(programme, data, "Kandidaturen.XLSX")
    assert (result.created, result.updated) == (2, 0)
    gent = Candidacy.objects.get(programme=programme, municipality_id="44021")
    halle = Candidacy.objects.get(programme=programme, municipality_id="23027")
    assert (gent.has_contact_person, gent.contact_name, gent.sdg_status) == (True, "An", "advanced")
    assert (gent.has_twinning, gent.twinning_partner) == (True, "P")
    assert (gent.flemish_gos_subsidy, gent.federal_subsidy) == (False, True)
    assert (halle.has_contact_person, halle.has_twinning, halle.sdg_status) == (
        False,
        False,
        "exploring",
    )
    assert (halle.flemish_gos_subsidy, halle.federal_subsidy) == (True, False)


def test_import_semicolon_csv_with_bom_in_windows_encoding(programme):
    data = csv_file(
        "nis_code;motivation;twinning_partner;has_twinning",
        f"71016;{MOTIVATION};Voorbeeldstad Müllerdorf;ja",
        encoding="cp1252",
    )
    run_import(programme, data)
    assert Candidacy.objects.get(programme=programme).twinning_partner == (
        "Voorbeeldstad Müllerdorf"
    )
    data = io.BytesIO(b"\xef\xbb\xbf" + b"nis_code;motivation\n71016;Nieuw " + b"x" * 200)
    assert run_import(programme, data).updated == 1


def test_import_updates_municipality_already_in_programme(programme, contact):
    result = run_import(programme, csv_file(HEADER, row("44021"), row("71016")))
    assert (result.created, result.updated) == (1, 1)
    assert Candidacy.objects.filter(programme=programme, municipality_id="44021").count() == 1
    assert Candidacy.objects.get(municipality_id="44021").motivation == MOTIVATION.strip()


def test_import_keeps_fields_of_missing_columns(programme, contact):
    Candidacy.objects.filter(municipality_id="44021").update(
        motivation=MOTIVATION,
        has_twinning=True,
        twinning_partner="Bestaande partner",
        federal_subsidy=True,
    )
    run_import(programme, csv_file("nis_code,flemish_gos_subsidy", "44021,ja"))
    gent = Candidacy.objects.get(municipality_id="44021")
    assert (gent.has_twinning, gent.twinning_partner) == (True, "Bestaande partner")
    assert (gent.federal_subsidy, gent.flemish_gos_subsidy) == (True, True)


def test_import_bad_rows_lists_every_error_and_writes_nothing(programme, contact):
    before = Candidacy.objects.get(municipality_id="44021").motivation
    data = csv_file(
        HEADER,
        row("71016"),  # 2: fine, but must not be saved
        row("99999"),  # 3: unknown NIS code
        "",  # 4: empty, skipped but counted
        row("24062", twinning="misschien"),  # 5: not a boolean
        row("34022", motivation="Te kort"),  # 6: motivation too short
        row("12025", twinning="ja"),  # 7: twinning without partner
        row("44021", motivation=""),  # 8: would empty Gent's submitted motivation
    )
    with pytest.raises(ImportErrors) as failure:
        run_import(programme, data)
    rows = [number for number, _message in failure.value.errors]
    assert rows == [3, 5, 6, 7, 8]
    messages = dict(failure.value.errors)
    assert "99999" in messages[3]
    assert "misschien" in messages[5]
    assert messages[6].startswith("motivation: ")
    assert messages[7].startswith("twinning_partner: ")
    assert set(Candidacy.objects.values_list("municipality", flat=True)) == {"44021"}
    assert Candidacy.objects.get(municipality_id="44021").motivation == before


def test_import_duplicate_municipality_in_one_file_is_an_error(programme):
    data = csv_file(HEADER, row("44021"), row("71016"), row("Gent"))
    with pytest.raises(ImportErrors) as failure:
        run_import(programme, data)
    assert [number for number, _message in failure.value.errors] == [4]
    assert "44021" in failure.value.errors[0][1]
    assert not Candidacy.objects.exists()


def test_import_unknown_and_missing_columns_are_header_errors(programme):
    with pytest.raises(ImportErrors) as failure:
        run_import(programme, csv_file("gemeentenaam,motivatie,kleur", row("44021")))
    assert [number for number, _message in failure.value.errors] == [1, 1, 1]
    assert not Candidacy.objects.exists()


def test_import_rejects_other_file_types_and_empty_files(programme):
    with pytest.raises(ImportErrors) as failure:
        run_import(programme, csv_file(HEADER), "kandidaturen.xls")
    assert failure.value.errors[0][0] is None
    with pytest.raises(ImportErrors):
        run_import(programme, csv_file(HEADER), "kandidaturen.csv")
    with pytest.raises(ImportErrors):
        run_import(programme, io.BytesIO(b"not a zip"), "kandidaturen.xlsx")


def test_import_refused_to_non_staff(programme, board_member):
    with pytest.raises(PermissionDenied):
        run_import(programme, csv_file(HEADER, row("44021")), actor=board_member.user)
    assert not Candidacy.objects.exists()


# --- The web page ------------------------------------------------------------------------


def import_url(programme):
    return reverse("selection:import_candidacies", args=[programme.pk])


def upload(content: bytes, name: str = "kandidaturen.csv"):
    return {"file": SimpleUploadedFile(name, content, content_type="text/csv")}


def test_import_page_staff_happy_path(client, programme, staff_user):
    client.force_login(staff_user)
    assert client.get(import_url(programme)).status_code == 200
    response = client.post(import_url(programme), upload(EXAMPLE.read_bytes()), follow=True)
    assert response.redirect_chain[-1][0] == import_url(programme)
    assert Candidacy.objects.filter(programme=programme).count() == 5
    assert len(list(response.context["messages"])) == 1


def test_import_page_lists_errors_and_writes_nothing(client, programme, staff_user):
    client.force_login(staff_user)
    content = "\n".join([HEADER, row("71016"), row("99999"), row("88888")]).encode()
    response = client.post(import_url(programme), upload(content))
    assert response.status_code == 200
    assert len(response.context["errors"]) == 2
    body = response.content.decode()
    assert "99999" in body
    assert "88888" in body
    assert not Candidacy.objects.exists()


def test_import_page_unknown_programme_is_404(client, staff_user):
    client.force_login(staff_user)
    assert client.get(reverse("selection:import_candidacies", args=[999999])).status_code == 404


@pytest.mark.parametrize("role", ["contact", "board_member"])
def test_import_page_forbidden_to_non_staff(client, programme, role, request):
    user = request.getfixturevalue(role).user
    client.force_login(user)
    assert client.get(import_url(programme)).status_code == 403
    response = client.post(import_url(programme), upload(b"nis_code\n71016\n"))
    assert response.status_code == 403
    assert not Candidacy.objects.filter(municipality_id="71016").exists()


# --- The command -------------------------------------------------------------------------


def test_import_command_creates_and_reports(programme, staff_user):
    out = io.StringIO()
    call_command(
        "import_candidacies", programme.pk, str(EXAMPLE), user=staff_user.email, stdout=out
    )
    assert Candidacy.objects.filter(programme=programme).count() == 5
    assert re.search(r"\b5\b", out.getvalue())
    gent = Candidacy.objects.get(municipality_id="44021")
    assert gent.history.first().history_user == staff_user


def test_import_command_bad_file_exits_2_with_row_errors(programme, tmp_path, capsys, monkeypatch):
    # run_from_argv closes every connection when it ends; the test's own must stay open.
    monkeypatch.setattr(connections, "close_all", lambda: None)
    bad = tmp_path / "fout.csv"
    bad.write_text("\n".join([HEADER, row("71016"), row("99999"), row("24062", twinning="?")]))
    with pytest.raises(SystemExit) as exit_info:
        execute_from_command_line(["manage.py", "import_candidacies", str(programme.pk), str(bad)])
    assert exit_info.value.code == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert re.match(r"^\w+ 3: .*99999", lines[0])
    assert re.match(r"^\w+ 4: ", lines[1])
    assert "fout.csv" in lines[2]
    assert not Candidacy.objects.exists()


def test_import_command_unknown_programme_exits_2(tmp_path):
    with pytest.raises(CommandError) as failure:
        call_command("import_candidacies", 999999, str(EXAMPLE))
    assert failure.value.returncode == 2
