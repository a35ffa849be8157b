"""What a bench starts from: its own database, recreated, with Django set up on it and migrated.

SQLite `var/<file>` unless DATABASE_URL names a PostgreSQL database (dropped and created again).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def prepare_database(url: str) -> None:
    """Remove the SQLite file, or drop and create the PostgreSQL database."""
    if url.startswith("sqlite"):
        path = Path(urlparse(url).path)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    admin = ["psql", "-h", parsed.hostname or "127.0.0.1", "-p", str(parsed.port or 5432)]
    admin += ["-U", parsed.username or "postgres"]
    subprocess.run([*admin, "-qc", f'DROP DATABASE IF EXISTS "{name}"'], check=True, capture_output=True)
    subprocess.run([*admin, "-qc", f'CREATE DATABASE "{name}"'], check=True, capture_output=True)


def environment(database_url: str) -> dict:
    """The portal's settings for a bench: production mode, nothing sent to Marketing Cloud."""
    return {
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "ottportal.settings",
        "DEBUG": "false",
        "SECRET_KEY": "bench-only",
        "ALLOWED_HOSTS": "testserver,localhost",
        "OTT_SANDBOX": "false",
        # Nothing is sent; start-up needs Marketing Cloud settings when the sandbox is off.
        "OTT_AUTH_URL": "http://127.0.0.1:9",
        "OTT_REST_URL": "http://127.0.0.1:9",
        "OTT_CLIENT_ID": "bench",
        "OTT_CLIENT_SECRET": "bench-secret",
        "SECURE_COOKIES": "false",
        "SECURE_SSL_REDIRECT": "false",
        "LOG_LEVEL": "ERROR",
        "STATIC_MANIFEST": "false",
    }


def database_url_for(sqlite_file: str) -> str:
    (ROOT / "var").mkdir(exist_ok=True)
    return os.environ.get("DATABASE_URL") or f"sqlite:///{ROOT / 'var' / sqlite_file}"


def fresh_django(sqlite_file: str) -> str:
    """Recreate the bench's database, set Django up on it and migrate; returns the database's URL."""
    database_url = database_url_for(sqlite_file)
    prepare_database(database_url)
    os.environ.update(environment(database_url))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return database_url
