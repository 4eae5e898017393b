"""Throughput and latency of the staff ranking page and a member's dossier page.

Production-like: gunicorn with 2 workers (DEBUG off) on PostgreSQL, the demo programme
being scored (50 candidacies, 12 board members, 3 judgement criteria) with every member's review
submitted, 8 concurrent keep-alive connections for 30 s after a 5 s warm-up, driven by wrk.

    .venv/bin/python benchmarks/pages.py [--duration 30] [--connections 8]

Needs PostgreSQL on 127.0.0.1:5432 (user postgres, trust auth) and wrk (installed from
Debian's packages when missing). Prints a Markdown table.
"""

import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.report import write_section  # noqa: E402

PY = str(ROOT / ".venv" / "bin" / "python")
DB = "sdgpilot_bench"
PORT = 8765
LUA = """
done = function(summary, latency, requests)
  io.write(string.format("RESULT %d %f %f %f\\n", summary.requests,
    summary.duration / 1e6, latency:percentile(50) / 1000, latency:percentile(95) / 1000))
  io.write(string.format("ERRORS %d %d\\n", summary.errors.status, summary.errors.timeout))
end
"""


def env() -> dict:
    return {
        **os.environ,
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{DB}",
        "SECRET_KEY": "benchmark-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_COOKIES": "0",
        "SECURE_SSL_REDIRECT": "0",
        "SECURE_HSTS_SECONDS": "0",
        "DEBUG": "0",
        "AXES_ENABLED": "0",
        "LOG_LEVEL": "WARNING",
    }


def run(*args: str, debug: bool = False, **kwargs) -> str:
    e = env()
    if debug:
        e["DEBUG"] = "1"
    return subprocess.run(
        [PY, "manage.py", *args],
        cwd=ROOT,
        env=e,
        check=True,
        capture_output=True,
        text=True,
        **kwargs,
    ).stdout


PREPARE = """
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.auth import get_user_model, SESSION_KEY, BACKEND_SESSION_KEY, HASH_SESSION_KEY
from selection.models import Programme, Candidacy, ConflictDeclaration, Review, Score, Criterion
from selection.enums import ConflictType, ReviewStatus, CriterionKind
from django.utils import timezone

# The demo programme being scored (2026-2028), with every member's review submitted.
programme = Programme.objects.get(phase="scoring")
criteria = list(programme.criteria.filter(kind=CriterionKind.JUDGEMENT))
for member in programme.board_members.all():
    for i, candidacy in enumerate(programme.candidacies.order_by("pk")):
        ConflictDeclaration.objects.update_or_create(
            member=member, candidacy=candidacy, defaults={"conflict_type": ConflictType.NONE})
        review, _ = Review.objects.update_or_create(member=member, candidacy=candidacy, defaults={
            "status": ReviewStatus.SUBMITTED, "submitted_at": timezone.now(), "version": 1})
        for criterion in criteria:
            value = 1 + (i + criterion.pk + member.pk) % 5
            Score.objects.update_or_create(
                review=review, criterion=criterion,
                defaults={"value": value, "not_applicable": False})

def session_for(email):
    user = get_user_model().objects.get(email=email)
    s = SessionStore()
    s[SESSION_KEY] = str(user.pk)
    s[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    s[HASH_SESSION_KEY] = user.get_session_auth_hash()
    s.create()
    return s.session_key

candidacy = programme.candidacies.order_by("municipality__name").first()
print("PROGRAMME", programme.pk)
print("CANDIDACY", candidacy.pk)
print("STAFF", session_for("staff@example.org"))
print("MEMBER", session_for("board01@example.org"))
"""


def prepare() -> dict:
    subprocess.run(["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", DB], check=True)
    subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", DB], check=True)
    run("migrate", "--no-input", "-v0")
    run("load_reference_data")
    run("seed_demo", debug=True)
    run("collectstatic", "--no-input", "-v0")
    out = run("shell", "-c", PREPARE)
    return dict(re.findall(r"^(\w+) (\S+)$", out, re.MULTILINE))


def wrk(url: str, cookie: str, seconds: int, connections: int) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(LUA)
    out = subprocess.run(
        [
            "wrk",
            "-t",
            "2",
            "-c",
            str(connections),
            "-d",
            f"{seconds}s",
            "-s",
            handle.name,
            "-H",
            f"Cookie: sessionid={cookie}",
            url,
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    requests, duration, p50, p95 = re.search(r"RESULT (\S+) (\S+) (\S+) (\S+)", out).groups()
    status_errors, timeouts = re.search(r"ERRORS (\S+) (\S+)", out).groups()
    return {
        "rps": int(requests) / float(duration),
        "p50": float(p50),
        "p95": float(p95),
        "errors": int(status_errors) + int(timeouts),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True)
    ids = prepare()
    server = subprocess.Popen(
        [
            str(ROOT / ".venv" / "bin" / "gunicorn"),
            "sdgpilot.wsgi:application",
            "--workers",
            "2",
            "--bind",
            f"127.0.0.1:{PORT}",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env(),
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{PORT}"
    pages = {
        "staff ranking": (f"{base}/staff/programmes/{ids['PROGRAMME']}/ranking/", ids["STAFF"]),
        "member dossier": (f"{base}/board/candidacies/{ids['CANDIDACY']}/", ids["MEMBER"]),
    }
    try:
        for _ in range(50):
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=2)
                break
            except OSError:
                time.sleep(0.2)
        rows = []
        for name, (url, cookie) in pages.items():
            request = urllib.request.Request(url, headers={"Cookie": f"sessionid={cookie}"})
            status = urllib.request.urlopen(request, timeout=10).status
            assert status == 200, (name, status)
            wrk(url, cookie, args.warmup, args.connections)
            result = wrk(url, cookie, args.duration, args.connections)
            rows.append((name, result))
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    lines = [
        "## Pages",
        "",
        f"Measured {time.strftime('%Y-%m-%d')} by `.venv/bin/python benchmarks/pages.py`: "
        "gunicorn with 2 workers (DEBUG off) on PostgreSQL, the demo programme with every "
        "member's review submitted (50 candidacies x 12 members x 3 judgement criteria), "
        f"{args.connections} concurrent keep-alive connections (wrk) for {args.duration} s "
        f"after a {args.warmup} s warm-up, on {os.cpu_count()} cores shared by server and "
        "load generator. One run; p50 and p95 are wrk's latency percentiles.",
        "",
        "| page | requests/s | p50 (ms) | p95 (ms) | errors | target |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    targets = {"staff ranking": ">= 30 req/s", "member dossier": ">= 85 req/s"}
    for name, r in rows:
        lines.append(
            f"| {name} | {r['rps']:.1f} | {r['p50']:.1f} | {r['p95']:.1f} | {r['errors']} "
            f"| {targets[name]} |"
        )
    text = "\n".join(lines)
    print(text)
    if not args.no_write:
        print(f"\nwritten to {write_section('pages', text).relative_to(ROOT)}")


if __name__ == "__main__":
    main()
