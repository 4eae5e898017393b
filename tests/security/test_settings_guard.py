import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_setup(**env):
    clean = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY"}}
    clean.update(env)
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); print('started')"],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "sdgpilot.settings"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_settings_refuse_to_start_without_secret_key_when_debug_off():
    result = run_setup()
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr
    assert "started" not in result.stdout


def test_settings_start_with_secret_key_and_debug_off():
    result = run_setup(SECRET_KEY="x" * 50, ALLOWED_HOSTS="sdg.example.org")
    assert result.returncode == 0, result.stderr
    assert "started" in result.stdout


def test_settings_debug_is_off_unless_exactly_one():
    code = "import django; django.setup(); from django.conf import settings; print(settings.DEBUG)"
    for value, expected in [("1", "True"), ("true", "False"), ("0", "False")]:
        env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY"}}
        env.update(DEBUG=value, SECRET_KEY="x" * 50, DJANGO_SETTINGS_MODULE="sdgpilot.settings")
        result = subprocess.run(  # noqa: S603
            [sys.executable, "-c", code],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert result.stdout.strip() == expected, (value, result.stderr)


def test_demo_seed_refuses_with_debug_off():
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG"}}
    env.update(SECRET_KEY="x" * 50, DATABASE_URL="sqlite://:memory:")
    result = subprocess.run(
        [sys.executable, "manage.py", "seed_demo"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0
    assert "DEBUG" in result.stderr
