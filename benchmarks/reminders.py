"""10,000 reminders planned, dispatched and sent by one Celery worker to a loopback SMTP sink.

What production does, on one machine: PostgreSQL holds the deliveries, Redis is the broker,
one real Celery worker (`celery worker`, as scripts/run and docker-compose.yml start it:
prefork, settings.CELERY_WORKER_CONCURRENCY processes) runs the send tasks, and an SMTP server on
127.0.0.1 (aiosmtpd, in this process) accepts the mails and counts them by their
X-SDGPilot-Delivery header. This process plans the reminders of two
pilot group meetings with 2,500 invitees each way (two reminders per invitee: 10,000 rows),
then calls `dispatch_due` back to back, as beat would every minute, until nothing is due,
and waits until every row is sent. Then it queues every send task a second time (a broker
delivering twice) and checks that no mail goes out again.

    .venv/bin/python benchmarks/reminders.py [--invitees 2500] [--passes 3]

Needs PostgreSQL on 127.0.0.1:5432 (user postgres, trust auth) and Redis on 127.0.0.1:6379;
uses its own database ``sdgpilot_bench_reminders`` (created afresh) and Redis database 11
(flushed). Writes the "reminders" section of docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import re
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

DB = "sdgpilot_bench_reminders"
REDIS = "redis://127.0.0.1:6379/11"
TARGET_S = 60
HEADER = re.compile(rb"^X-SDGPilot-Delivery: (\d+)\r?$", re.MULTILINE)

# The worker process: the project's Celery app as `celery worker` starts it, with the pool
# and concurrency of scripts/run (prefork, settings.CELERY_WORKER_CONCURRENCY) unless told
# otherwise.
WORKER = """
import django
django.setup()
from sdgpilot.celery import app
app.worker_main(["worker", "--pool={pool}", "--concurrency={concurrency}", "--loglevel=WARNING",
                 "--without-gossip", "--without-mingle", "--without-heartbeat"])
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Sink:
    """Counts the accepted mails per delivery id."""

    def __init__(self):
        self.counts: Counter = Counter()
        self.total = 0
        self.lock = threading.Lock()

    def reset(self) -> None:
        with self.lock:
            self.counts.clear()
            self.total = 0

    async def handle_DATA(self, server, session, envelope):
        match = HEADER.search(envelope.original_content or envelope.content)
        with self.lock:
            self.total += 1
            if match:
                self.counts[int(match.group(1))] += 1
        return "250 OK"


def environment(smtp_port: int) -> dict:
    return {
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{DB}",
        "REDIS_URL": REDIS,
        "SECRET_KEY": "benchmark-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz",
        "ALLOWED_HOSTS": "testserver",
        "DEBUG": "0",
        "SECURE_SSL_REDIRECT": "0",
        "SECURE_COOKIES": "0",
        "LOG_LEVEL": "WARNING",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp_port),
        "EMAIL_USE_TLS": "0",
        "DJANGO_SETTINGS_MODULE": "sdgpilot.settings",
    }


def setup_django(smtp_port: int) -> None:
    os.environ.update(environment(smtp_port))
    subprocess.run(["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", DB], check=True)
    subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", DB], check=True)
    subprocess.run(["redis-cli", "-u", REDIS, "flushdb"], check=True, capture_output=True)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", "--no-input", verbosity=0)
    call_command("load_reference_data", verbosity=0)


def build(invitees: int) -> list:
    """Two published pilot group meetings, a month ahead, with `invitees` people each."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from meetings.enums import MeetingKind, MeetingStatus
    from meetings.models import Invitation, Meeting
    from selection.models import Programme

    users = get_user_model()
    staff = users.objects.create_user("staff@example.org", is_staff=True)
    password = make_password(None)
    people = users.objects.bulk_create(
        users(
            email=f"person{n:05d}@example.org",
            first_name="Persoon",
            last_name=str(n),
            password=password,
            language="en" if n % 4 == 0 else "nl",
        )
        for n in range(invitees)
    )
    programme = Programme.objects.create(
        name="Benchmark", starts_on=dt.date(2017, 5, 16), ends_on=dt.date(2019, 12, 31)
    )
    zone = timezone.get_default_timezone()
    day = (timezone.now() + dt.timedelta(days=30)).astimezone(zone).date()
    meetings = []
    for number, hour in ((1, 10), (2, 14)):
        starts = dt.datetime(day.year, day.month, day.day, hour, tzinfo=zone)
        meeting = Meeting.objects.create(
            programme=programme,
            kind=MeetingKind.PILOT_MEETING,
            title=f"Bijeenkomst pilootgroep {number}",
            starts_at=starts,
            ends_at=starts + dt.timedelta(hours=2),
            location="VVSG, Bischoffsheimlaan 1-8, Brussel",
            status=MeetingStatus.PUBLISHED,
            published_at=timezone.now(),
            organiser=staff,
        )
        Invitation.objects.bulk_create(
            Invitation(meeting=meeting, user=person) for person in people
        )
        meetings.append(meeting)
    return meetings


def start_worker(smtp_port: int, options: dict) -> subprocess.Popen:
    if options.get("concurrency") is None:
        from django.conf import settings

        options["concurrency"] = settings.CELERY_WORKER_CONCURRENCY
    return subprocess.Popen(
        [sys.executable, "-c", WORKER.format(**options)],
        cwd=ROOT,
        env={**os.environ, **environment(smtp_port)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


TICK_S = 1 / os.sysconf("SC_CLK_TCK")


def _process_cpu_s(pid: int) -> float:
    """User + system CPU seconds of one process (Linux /proc); 0 once it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) * TICK_S


def _children(pid: int) -> list[int]:
    try:
        return [
            int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        ]
    except OSError:
        return []


def machine_busy_s() -> float:
    """CPU seconds the whole machine spent busy (all cores, /proc/stat), for the shares."""
    values = [int(value) for value in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    return (sum(values[:8]) - idle) * TICK_S


def cpu_sample(worker: subprocess.Popen) -> dict:
    """Where the CPU went so far: the worker's main process (it takes tasks from Redis and
    hands them to its pool), its pool processes (the send tasks), this process (the
    dispatch calls, the SMTP sink and the polling) and the machine as a whole."""
    return {
        "machine": machine_busy_s(),
        "worker_main": _process_cpu_s(worker.pid),
        "worker_pool": sum(_process_cpu_s(child) for child in _children(worker.pid)),
        "benchmark": time.process_time(),
    }


def wait(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise SystemExit(f"{what}: not within {timeout} s")
        time.sleep(0.05)


def every_second(slow, fast):
    """A predicate for `wait`: `fast` at every poll, `slow` at most once a second."""
    last = [0.0]

    def predicate() -> bool:
        if fast():
            return True
        if time.monotonic() - last[0] >= 1:
            last[0] = time.monotonic()
            return slow()
        return False

    return predicate


def run(invitees: int, options: dict, passes: int) -> dict:
    from aiosmtpd.controller import Controller

    sink = Sink()
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        setup_django(port)
        return measure(invitees, sink, port, options, passes)
    finally:
        controller.stop()


def measure(invitees: int, sink: Sink, port: int, options: dict, passes: int) -> dict:
    """Build the meetings once and start one worker, then run `passes` passes (each plans
    the 10,000 rows afresh, dispatches and sends them, and queues them all again); the
    result is the median pass by wall clock, with every pass's time and the duplicates of
    all passes."""
    from django.db import connection

    from core.models import Heartbeat
    from core.tasks import record_heartbeat

    meetings = build(invitees)
    worker = start_worker(port, options)
    try:
        # The worker is up once it has run a first task.
        record_heartbeat.delay()
        wait(lambda: Heartbeat.objects.exists(), 60, "the worker starting")
        results = [one_pass(meetings, sink, worker) for _ in range(passes)]
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
    median = sorted(results, key=lambda r: r["total_s"])[(len(results) - 1) // 2]
    return {
        **median,
        "invitees": invitees,
        "meetings": len(meetings),
        "passes": [r["total_s"] for r in results],
        "all_duplicates": sum(r["duplicates"] for r in results),
        "all_missing": sum(r["missing"] for r in results),
        "postgres": connection.cursor().connection.server_version,
    }


def one_pass(meetings: list, sink: Sink, worker: subprocess.Popen) -> dict:
    from core.models import Heartbeat
    from core.tasks import record_heartbeat
    from meetings.enums import DeliveryKind, DeliveryStatus
    from meetings.models import Delivery
    from meetings.reminders import dispatch_due, reminders_plan
    from meetings.tasks import queue_sends

    Delivery.objects.all().delete()
    sink.reset()
    started = time.perf_counter()
    planned = sum(reminders_plan(meeting=meeting) for meeting in meetings)
    plan_s = time.perf_counter() - started
    reminders = Delivery.objects.filter(kind=DeliveryKind.REMINDER, rule__target="invitees")
    expected = reminders.count()
    # Dispatch at the moment both reminders are due (the later one, a day before).
    now = max(reminders.values_list("due_at", flat=True)) + dt.timedelta(seconds=1)
    cpu_before = cpu_sample(worker)
    started = time.perf_counter()
    dispatched, calls = 0, 0
    while True:
        claimed = dispatch_due(now=now, limit=500)
        calls += 1
        dispatched += claimed
        if not claimed:
            break
    dispatch_s = time.perf_counter() - started
    sent = reminders.filter(status=DeliveryStatus.SENT)
    done = reminders.filter(status__in=[DeliveryStatus.SENT, DeliveryStatus.FAILED])
    # The sink's own count says when the mails are in, without loading the database
    # (a count every 50 ms costs PostgreSQL more than a percent of the run); the rows
    # are then checked, and checked once a second meanwhile in case some fail.
    wait(
        every_second(lambda: done.count() >= expected, lambda: sink.total >= expected),
        600,
        "every mail received",
    )
    wait(lambda: done.count() >= expected, 60, "every reminder marked sent")
    total_s = time.perf_counter() - started
    cpu_after = cpu_sample(worker)
    failed = reminders.filter(status=DeliveryStatus.FAILED).count()
    first_pass = Counter(sink.counts)
    # Every task once more, as a broker delivering twice would: nothing may go out.
    # Queued as a dispatch queues them (one producer), so the time is the worker's.
    ids = list(reminders.values_list("pk", flat=True))
    Heartbeat.objects.all().delete()
    started = time.perf_counter()
    queue_sends(ids)
    record_heartbeat.delay()
    wait(lambda: Heartbeat.objects.exists(), 600, "the second pass")
    second_s = time.perf_counter() - started
    received = set(sink.counts)
    return {
        "planned": planned,
        "expected": expected,
        "plan_s": plan_s,
        "dispatched": dispatched,
        "dispatch_calls": calls,
        "dispatch_s": dispatch_s,
        "total_s": total_s,
        "sent": sent.count(),
        "failed": failed,
        "mails": sink.total,
        "duplicates": sum(n - 1 for n in sink.counts.values()),
        "first_pass_duplicates": sum(n - 1 for n in first_pass.values()),
        "missing": len(set(ids) - received),
        "second_s": second_s,
        "cpu": {key: cpu_after[key] - cpu_before[key] for key in cpu_before},
    }


def report(result: dict) -> str:
    import celery
    import django

    r = result
    ok = r["all_duplicates"] == 0 and r["all_missing"] == 0 and r["total_s"] < TARGET_S
    rate = r["sent"] / r["total_s"] if r["total_s"] else 0
    pg = r["postgres"]
    rows = [
        ("reminders planned", f"{r['planned']:,} rows in {r['plan_s']:.2f} s"),
        (
            "dispatched",
            f"{r['dispatched']:,} rows in {r['dispatch_calls']} calls, {r['dispatch_s']:.2f} s",
        ),
        (
            "dispatched and sent, wall clock",
            f"**{r['total_s']:.1f} s** ({rate:.0f} mails/s; target < {TARGET_S} s)",
        ),
        (
            f"every pass ({len(r['passes'])}), wall clock",
            ", ".join(f"{seconds:.1f} s" for seconds in r["passes"])
            + f"; duplicates in all passes: {r['all_duplicates']}, "
            f"rows never received: {r['all_missing']}",
        ),
        ("sent / failed", f"{r['sent']:,} / {r['failed']}"),
        ("mails the server accepted", f"{r['mails']:,}"),
        ("duplicates", f"**{r['duplicates']}** (target 0)"),
        ("rows never received", str(r["missing"])),
        (
            "every task queued again",
            f"{r['expected']:,} no-ops in {r['second_s']:.1f} s, "
            f"{r['duplicates'] - r['first_pass_duplicates']} new mails",
        ),
    ]
    cpu, per_mail = r["cpu"], 1000 / max(r["sent"], 1)
    rest = cpu["machine"] - cpu["worker_main"] - cpu["worker_pool"] - cpu["benchmark"]
    rows += [
        (
            "CPU while dispatching and sending (all cores)",
            f"{cpu['machine']:.1f} s busy of {os.cpu_count() * r['total_s']:.1f} s "
            f"({cpu['machine'] / (os.cpu_count() * r['total_s']):.0%}), "
            f"{cpu['machine'] * per_mail:.1f} ms per mail",
        ),
        (
            "worker pool processes (the send tasks)",
            f"{cpu['worker_pool'] * per_mail:.1f} ms per mail",
        ),
        (
            "worker main process (takes tasks from Redis, hands them to the pool)",
            f"{cpu['worker_main'] * per_mail:.1f} ms per mail",
        ),
        (
            "benchmark process (dispatch calls, SMTP sink, polling)",
            f"{cpu['benchmark'] * per_mail:.1f} ms per mail",
        ),
        ("the rest (PostgreSQL, Redis, the machine)", f"{rest * per_mail:.1f} ms per mail"),
    ]
    table = "\n".join(f"| {name} | {value} |" for name, value in rows)
    return f"""## Reminders

Measured {dt.date.today().isoformat()} by `.venv/bin/python benchmarks/reminders.py --invitees \
{r["invitees"]} --passes {len(r["passes"])}`. Machine: {os.cpu_count()} cores, shared and \
noisy; Python \
{platform.python_version()}, Django {django.get_version()}, Celery {celery.__version__}, \
PostgreSQL {pg // 10000}.{pg % 100}, Redis as the broker.

**Method.** {len(r["passes"])} passes on one worker; the table shows the median pass. \
{r["meetings"]} published pilot group meetings with {r["invitees"]:,} invitees \
each; `reminders_plan` plans the default policy (7 days and 1 day before) for each: \
{r["expected"]:,} reminder rows. Then `dispatch_due(limit=500)` is called back to back (beat \
calls it once a minute) until nothing is due, and one real Celery worker, in its own process \
with the {r["pool"]} pool and {r["concurrency"]} processes (`celery worker \
--pool={r["pool"]} --concurrency={r["concurrency"]}`; the project starts it with \
settings.CELERY_WORKER_CONCURRENCY, twice the cores), runs the send \
tasks, one task per row: lock and re-check the row, compose the mail (Dutch or English, \
text and HTML, the ICS entry, the opt-out link), send it over the worker's kept-open SMTP \
session to an aiosmtpd server on 127.0.0.1, mark it sent. The server counts what it \
accepts by the X-SDGPilot-Delivery header. Then every send task is queued a second time, \
as a broker delivering twice would.

| | |
|---|---|
{table}

{"Target met." if ok else "Target NOT met."}"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--invitees", type=int, default=2500)
    parser.add_argument(
        "--pool", default="prefork", help="the worker's pool: prefork, solo, threads"
    )
    parser.add_argument(
        "--concurrency",
        type=int,
        default=None,
        help="the worker's processes (default: settings.CELERY_WORKER_CONCURRENCY)",
    )
    parser.add_argument(
        "--passes", type=int, default=3, help="passes on one worker; the median is reported"
    )
    parser.add_argument("--no-write", action="store_true", help="print, do not write the doc")
    args = parser.parse_args()
    options = {"pool": args.pool, "concurrency": args.concurrency}
    result = run(args.invitees, options, max(args.passes, 1))
    result.update(options)
    text = report(result)
    print(text)
    if args.no_write:
        return
    from benchmarks.report import write_section

    print(f"written to {write_section('reminders', text)}")


if __name__ == "__main__":
    main()
