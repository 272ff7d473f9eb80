import os
import subprocess
import sys

from django.conf import settings
from django.core.management import call_command
from django_q.models import Schedule

from shopops.management.commands import setup_schedules

PRODUCTION_ENV = {
    "DJANGO_ENV": "production",
    "DJANGO_SECRET_KEY": "x" * 20 + "production-secret-key-with-enough-entropy-0123456789",
    "FIELD_ENCRYPTION_KEYS": "q2HgmXTAGa1NxHTsW7o8j0bQkOwmiLBgU4G4x7u0qFM=",
    "DJANGO_ALLOWED_HOSTS": "shopops.example.com",
    "DATABASE_URL": "sqlite:////tmp/shopops-deploy-check.sqlite3",
}


def _manage(*args, env):
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_") and k != "DATABASE_URL"}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_local_defaults():
    assert settings.TIME_ZONE == "Asia/Shanghai"
    assert settings.USE_TZ is True
    assert settings.LANGUAGE_CODE == "zh-hans"
    assert [code for code, _ in settings.LANGUAGES] == ["zh-hans", "en"]
    assert settings.SESSION_COOKIE_AGE == 12 * 3600
    assert settings.SESSION_IDLE_TIMEOUT == 30 * 60
    assert settings.AXES_FAILURE_LIMIT == 5


def test_sqlite_is_set_up_for_a_web_server_and_a_worker_sharing_the_file():
    database = settings.DATABASES["default"]
    if database["ENGINE"] != "django.db.backends.sqlite3":
        return
    assert database["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert "journal_mode=WAL" in database["OPTIONS"]["init_command"]


def test_task_queue_settings_are_safe():
    q = settings.Q_CLUSTER
    assert q["retry"] > q["timeout"], "a task must time out before it is handed out again"
    assert q["max_attempts"] == 5
    assert q["catch_up"] is False
    if settings.REDIS_URL:
        assert q["redis"] == settings.REDIS_URL and "orm" not in q
    else:
        assert q["orm"] == "default" and "redis" not in q


def test_deploy_check_passes_with_production_variables():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "DJANGO_SECRET_KEY"}
    result = _manage("check", env=env)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_setup_schedules_is_idempotent(db, monkeypatch):
    monkeypatch.setattr(
        setup_schedules,
        "SCHEDULES",
        {"shopops:example": {"func": "math.floor", "args": "1", "schedule_type": Schedule.MINUTES, "minutes": 5}},
    )
    Schedule.objects.create(name="shopops:retired", func="math.ceil", schedule_type=Schedule.HOURLY)
    Schedule.objects.create(name="someone-elses", func="math.ceil", schedule_type=Schedule.HOURLY)

    call_command("setup_schedules")
    first = list(Schedule.objects.order_by("name").values_list("name", "func", "minutes"))
    call_command("setup_schedules")
    second = list(Schedule.objects.order_by("name").values_list("name", "func", "minutes"))

    assert first == second == [("shopops:example", "math.floor", 5), ("someone-elses", "math.ceil", None)]
