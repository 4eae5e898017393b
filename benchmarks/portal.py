"""Server time of the status overviews and the contact's start page, at the scale of Flanders.

Every one of the 308 municipalities has a status with ten versions, one per half year, and
ten snapshots point at them. Measured in one process with Django's test client (so the time
is the server's: middleware, queries, templates; no network), DEBUG off, on PostgreSQL:

    .venv/bin/python benchmarks/portal.py [--requests 30]

Needs PostgreSQL on 127.0.0.1:5432 (user postgres, trust auth); uses its own database
``sdgpilot_bench_portal``, created afresh. Writes the "portal" section of docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

DB = "sdgpilot_bench_portal"
VERSIONS = 10
SNAPSHOTS = 10
MAP_LIMIT = 300 * 1024


def setup_django() -> None:
    os.environ.update(
        {
            "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{DB}",
            "SECRET_KEY": "benchmark-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz",
            "ALLOWED_HOSTS": "testserver",
            "DEBUG": "0",
            "AXES_ENABLED": "0",
            "SECURE_SSL_REDIRECT": "0",
            "SECURE_HSTS_SECONDS": "0",
            "SECURE_COOKIES": "0",
            "LOG_LEVEL": "WARNING",
            "DJANGO_SETTINGS_MODULE": "sdgpilot.settings",
        }
    )
    subprocess.run(["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", DB], check=True)
    subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", DB], check=True)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", "--no-input", verbosity=0)
    call_command("load_reference_data", verbosity=0)
    call_command("collectstatic", "--no-input", verbosity=0)


def build() -> dict:
    """308 municipalities x VERSIONS versions, SNAPSHOTS snapshots, a programme of 50."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from demo.status import _History
    from municipalities.enums import StatusPart
    from municipalities.models import (
        Municipality,
        MunicipalityContact,
        MunicipalityStatus,
        Snapshot,
        SnapshotEntry,
        StatusVersion,
    )
    from municipalities.status import Catalogue, scores, with_parts
    from selection.enums import CandidacyState, Outcome
    from selection.models import Candidacy, Programme

    rng = random.Random(308)
    users = get_user_model()
    staff = users.objects.create_user("staff@example.org", is_staff=True)
    municipalities = list(Municipality.objects.order_by("nis_code"))
    contact = users.objects.create_user("contact@example.org")
    MunicipalityContact.objects.create(user=contact, municipality=municipalities[0])
    programme = Programme.objects.create(
        name="Benchmark", starts_on=dt.date(2017, 5, 16), ends_on=dt.date(2019, 12, 31)
    )
    Candidacy.objects.bulk_create(
        Candidacy(
            programme=programme,
            municipality=m,
            state=CandidacyState.SUBMITTED,
            submitted_at=timezone.now(),
            outcome=Outcome.PILOT if i < 20 else Outcome.OUTREACH,
        )
        for i, m in enumerate(rng.sample(municipalities, 50))
    )
    history, catalogue = _History(rng), Catalogue.load()
    start = timezone.now() - dt.timedelta(days=183 * VERSIONS)
    versions = []
    for municipality in municipalities:
        document: dict = {}
        interest = {str(g): rng.uniform(0.4, 1.3) for g in rng.sample(range(1, 18), k=8)}
        progress = rng.uniform(0.0, 0.5)
        for number in range(1, VERSIONS + 1):
            progress = min(progress + rng.uniform(0.0, 0.1), 1.0)
            at = start + dt.timedelta(days=183 * (number - 1))
            values = {
                **history.assessment(progress),
                **history.goals(progress, interest, document.get("goals", {})),
                **history.milestones(progress, at, document.get("milestones", {})),
            }
            document = with_parts(document, values)
            result = scores(document, catalogue)
            versions.append(
                StatusVersion(
                    municipality=municipality,
                    number=number,
                    created_at=at,
                    author=staff,
                    part=StatusPart.ASSESSMENT,
                    document=document,
                    awareness_score=result.tracks["awareness"],
                    support_score=result.tracks["support"],
                    policy_score=result.tracks["policy"],
                    overall_score=result.overall,
                    overall_level=result.level,
                )
            )
    StatusVersion.objects.bulk_create(versions, batch_size=500)
    latest = {}
    for version in StatusVersion.objects.order_by("number").only("pk", "municipality_id"):
        latest[version.municipality_id] = version.pk
    MunicipalityStatus.objects.bulk_create(
        MunicipalityStatus(municipality_id=nis, current_id=pk) for nis, pk in latest.items()
    )
    by_number = {
        (v.municipality_id, v.number): v.pk
        for v in StatusVersion.objects.only("pk", "municipality_id", "number")
    }
    snapshots = []
    for number in range(1, SNAPSHOTS + 1):
        snapshot = Snapshot.objects.create(
            label=f"Snapshot {number}", taken_at=start + dt.timedelta(days=183 * number - 1)
        )
        snapshots.append(snapshot)
        SnapshotEntry.objects.bulk_create(
            SnapshotEntry(
                snapshot=snapshot,
                municipality_id=m.nis_code,
                version_id=by_number[(m.nis_code, min(number, VERSIONS))],
            )
            for m in municipalities
        )
    return {
        "staff": staff,
        "contact": contact,
        "home": municipalities[0].nis_code,
        "programme": programme.pk,
        "snapshots": (snapshots[0].pk, snapshots[-1].pk),
    }


def measure(client, url: str, requests: int) -> tuple[float, int, int]:
    from django.db import connection

    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    executed = []

    def count(execute, sql, params, many, context):
        executed.append(sql)
        return execute(sql, params, many, context)

    # Counted at the cursor: with DEBUG off Django keeps no query log of a request.
    with connection.execute_wrapper(count):
        client.get(url)
    times = []
    for _ in range(requests):
        began = time.perf_counter()
        client.get(url)
        times.append(time.perf_counter() - began)
    return statistics.median(times) * 1000, len(executed), len(response.content)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args()
    began = time.perf_counter()
    setup_django()
    from django.test import Client
    from django.urls import reverse

    world = build()
    staff, contact = Client(), Client()
    staff.force_login(world["staff"])
    contact.force_login(world["contact"])
    a, b = world["snapshots"]
    pages = [
        ("heatmap, the programme's 50 candidates", staff, reverse("portal:heatmap")),
        ("heatmap, all 308 municipalities", staff, reverse("portal:heatmap") + "?group=all"),
        ("map of Flanders, 308 municipalities", staff, reverse("portal:map")),
        ("snapshot comparison (308 x 2)", staff, reverse("portal:compare") + f"?a={a}&b={b}"),
        ("contact's start page", contact, reverse("portal:home", args=[world["home"]])),
    ]
    rows = []
    for name, client, url in pages:
        median, queries, size = measure(client, url, args.requests)
        rows.append((name, median, queries, size))
        print(f"{name}: {median:.1f} ms, {queries} queries, {size / 1024:.0f} kB")
    map_size = next(size for name, _m, _q, size in rows if name.startswith("map"))
    table = [
        "| page | server time, median (ms) | SQL queries | HTML (kB) |",
        "|---|---:|---:|---:|",
        *(
            f"| {name} | {median:.1f} | {queries} | {size / 1024:.0f} |"
            for name, median, queries, size in rows
        ),
    ]
    text = "\n".join(
        [
            "## Portal: status overviews and the contact's start page",
            "",
            f"Measured {dt.date.today().isoformat()} by `.venv/bin/python benchmarks/portal.py` "
            f"(whole run {time.perf_counter() - began:.0f} s): all 308 municipalities with "
            f"{VERSIONS} status versions each and {SNAPSHOTS} snapshots, a programme of 50 "
            f"candidates (20 pilots). Django's test client in one process, DEBUG off, "
            f"PostgreSQL; median of {args.requests} requests after one warm-up, on 2 shared "
            f"cores ({platform.python_implementation()} {platform.python_version()}).",
            "",
            *table,
            "",
            f"The map page is {map_size / 1024:.0f} kB of HTML, inline SVG included "
            f"(limit {MAP_LIMIT // 1024} kB: {'met' if map_size < MAP_LIMIT else 'NOT met'}). "
            "The query counts do not grow with the number of municipalities or versions: "
            "tests/portal check them with `django_assert_num_queries` at two sizes.",
        ]
    )
    print(text)
    if not args.no_write:
        from benchmarks.report import write_section

        write_section("portal", text)
        print("written to docs/benchmarks.md")


if __name__ == "__main__":
    main()
