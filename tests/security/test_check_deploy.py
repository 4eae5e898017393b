"""`manage.py check --deploy` with the production environment finds nothing to warn about."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PRODUCTION = {
    "SECRET_KEY": "k3y-" + "x9Qw7Lm2" * 8,
    "ALLOWED_HOSTS": "sdg.example.org",
    "CSRF_TRUSTED_ORIGINS": "https://sdg.example.org",
    "DATABASE_URL": "sqlite://:memory:",
}


def manage(*args, var_dir, **env):
    clean = {
        k: v
        for k, v in os.environ.items()
        # The browser tests allow async-unsafe ORM calls in the test process; a deployment
        # never has that.
        if k not in {"DEBUG", "SECRET_KEY", "DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"}
        and not k.startswith(("SECURE_", "AXES_", "TRUSTED_PROXY"))
    }
    clean.update(env, SDGPILOT_VAR_DIR=str(var_dir))
    return subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_check_deploy_with_production_settings_reports_nothing(tmp_path):
    result = manage("check", "--deploy", "--fail-level", "WARNING", var_dir=tmp_path, **PRODUCTION)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "WARNING" not in output and "ERROR" not in output, output
    assert "System check identified no issues" in output, output


def test_production_defaults_are_https_only(tmp_path):
    code = (
        "from django.conf import settings as s; "
        "print(s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS, "
        "s.SECURE_HSTS_PRELOAD, s.SECURE_PROXY_SSL_HEADER, s.SECURE_REDIRECT_EXEMPT)"
    )
    result = manage("shell", "--no-imports", "-c", code, var_dir=tmp_path, **PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[0] == (
        "True 31536000 True True ('HTTP_X_FORWARDED_PROTO', 'https') ['^healthz$']"
    )


def test_https_settings_follow_the_environment(tmp_path):
    code = (
        "from django.conf import settings as s; "
        "print(s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS, "
        "s.SECURE_HSTS_PRELOAD, s.SECURE_PROXY_SSL_HEADER, s.TRUSTED_PROXY_COUNT)"
    )
    result = manage(
        "shell",
        "--no-imports",
        "-c",
        code,
        var_dir=tmp_path,
        **PRODUCTION,
        SECURE_SSL_REDIRECT="0",
        SECURE_HSTS_SECONDS="0",
        SECURE_HSTS_INCLUDE_SUBDOMAINS="0",
        SECURE_HSTS_PRELOAD="0",
        SECURE_PROXY_SSL_HEADER="",
        TRUSTED_PROXY_COUNT="1",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[0] == "False 0 False False None 1"


def test_health_check_stays_reachable_over_plain_http_inside_the_network(tmp_path):
    """The compose health check calls http://127.0.0.1:8000/healthz: no redirect there."""
    code = (
        "from django.test import Client; "
        "print(Client().get('/healthz', HTTP_HOST='127.0.0.1').status_code, "
        "Client().get('/accounts/login/', HTTP_HOST='sdg.example.org').status_code)"
    )
    hosts = "sdg.example.org,127.0.0.1"
    env = {**PRODUCTION, "ALLOWED_HOSTS": hosts}
    result = manage("shell", "--no-imports", "-c", code, var_dir=tmp_path, **env)
    assert result.returncode == 0, result.stderr
    codes = result.stdout.split("\n")[0].split()
    assert codes[0] in {"200", "503"}
    assert codes[1] == "301"
