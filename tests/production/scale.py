"""Private PostgreSQL, Redis and nginx instances on loopback, for the scale-out test.

Each runs in the foreground from a temporary directory, on a free port bound
to 127.0.0.1, with its logs in results/server-logs/, and is stopped after the
test. The system services of the Debian packages are never used or started.
PostgreSQL refuses to run as root, so as root it runs as the ``postgres``
user that Debian's package creates.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from bot.database import check_database, check_redis
from tools.harness import LOG_DIR, free_port, start, stop

STARTUP_TIMEOUT_S = 60
NGINX = Path("/usr/sbin/nginx")


def postgres_binary(name: str) -> Path:
    """A PostgreSQL server binary from Debian's package (not on PATH)."""
    found = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"))
    if not found:
        raise RuntimeError("PostgreSQL is not installed: run `make scale-test`")
    return found[-1]


def as_postgres_user(args: list[str]) -> list[str]:
    """args, run as the postgres user when we are root."""
    if os.geteuid() != 0:
        return args
    return ["runuser", "-u", "postgres", "--", *args]


def private_dir(prefix: str, owner: str | None = None) -> Path:
    """A new temporary directory, owned by owner if given (we are root)."""
    path = Path(f"/tmp/{prefix}-{secrets.token_hex(6)}")
    path.mkdir(mode=0o700)
    if owner and os.geteuid() == 0:
        shutil.chown(path, owner, owner)
    return path


def wait_for_port(port: int, process: subprocess.Popen) -> None:
    """Wait until something accepts connections on 127.0.0.1:port."""
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"exited early (code {process.returncode})")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(f"nothing listens on port {port}")


@contextmanager
def postgres() -> Iterator[str]:
    """A PostgreSQL server with a mesoprep database; yields its URL."""
    base = private_dir("mesoprep-pg", owner="postgres")
    password, port = secrets.token_hex(12), free_port()
    (base / "pwfile").write_text(password)
    if os.geteuid() == 0:
        shutil.chown(base / "pwfile", "postgres", "postgres")
    initdb = [str(postgres_binary("initdb")), "-D", str(base / "data")]
    subprocess.run(
        as_postgres_user(
            [*initdb, "-U", "mesoprep", f"--pwfile={base / 'pwfile'}"]
            + ["-A", "scram-sha-256", "--no-sync", "-E", "UTF8", "--locale=C"]
        ),
        check=True,
        capture_output=True,
    )
    server = launch(
        "scale-postgres",
        as_postgres_user(
            [str(postgres_binary("postgres")), "-D", str(base / "data")]
            + ["-p", str(port), "-k", str(base), "-c", "listen_addresses=127.0.0.1"]
            + ["-c", "fsync=off", "-c", "synchronous_commit=off"]
        ),
        dict(os.environ),
    )
    admin = f"postgresql://mesoprep:{password}@127.0.0.1:{port}/postgres"
    try:
        check_database(admin, wait_s=STARTUP_TIMEOUT_S)
        engine = sa.create_engine(admin, isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            connection.execute(sa.text("CREATE DATABASE mesoprep"))
        engine.dispose()
        yield admin.removesuffix("/postgres") + "/mesoprep"
    finally:
        stop(server)
        shutil.rmtree(base, ignore_errors=True)


@contextmanager
def redis() -> Iterator[str]:
    """A Redis server with a password and no persistence; yields its URL."""
    base = private_dir("mesoprep-redis")
    password, port = secrets.token_hex(12), free_port()
    server = launch(
        "scale-redis",
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1"]
        + ["--requirepass", password, "--save", "", "--appendonly", "no"]
        + ["--dir", str(base)],
        dict(os.environ),
    )
    url = f"redis://:{password}@127.0.0.1:{port}/1"
    try:
        wait_for_port(port, server)
        check_redis(url)
        yield url
    finally:
        stop(server)
        shutil.rmtree(base, ignore_errors=True)


NGINX_CONF = """
{user}
worker_processes 1;
daemon off;
pid {base}/nginx.pid;
error_log {base}/error.log;
events {{ worker_connections 512; }}
http {{
    access_log off;
    client_body_temp_path {base}/client_body;
    proxy_temp_path {base}/proxy;
    fastcgi_temp_path {base}/fastcgi;
    uwsgi_temp_path {base}/uwsgi;
    scgi_temp_path {base}/scgi;
    # Round robin, the default: each request goes to the next server.
    upstream rasa {{
{servers}
    }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://rasa;
            proxy_read_timeout 120s;
            # Which server answered, for the test to check the alternation.
            add_header X-Upstream $upstream_addr always;
        }}
    }}
}}
"""


@contextmanager
def nginx(upstream_ports: list[int]) -> Iterator[str]:
    """nginx balancing round robin over the ports; yields its base URL."""
    base = private_dir("mesoprep-nginx")
    base.chmod(0o755)  # the worker (nobody, when we are root) reads below it
    port = free_port()
    config = NGINX_CONF.format(
        user="user nobody nogroup;" if os.geteuid() == 0 else "",
        base=base,
        port=port,
        servers="\n".join(f"        server 127.0.0.1:{p};" for p in upstream_ports),
    )
    (base / "nginx.conf").write_text(config)
    args = [str(NGINX), "-p", str(base), "-c", str(base / "nginx.conf")]
    server = launch("scale-nginx", [*args, "-e", str(base / "error.log")], {})
    try:
        wait_for_port(port, server)
        yield f"http://127.0.0.1:{port}"
    finally:
        stop(server)
        shutil.rmtree(base, ignore_errors=True)


def stored_events(url: str, sender: str) -> list[tuple[str, dict[str, Any]]]:
    """(type, event) rows in PostgreSQL for one conversation, in stored order."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                sa.text(
                    "SELECT type_name, data FROM events "
                    "WHERE sender_id = :sender ORDER BY id"
                ),
                {"sender": sender},
            ).fetchall()
    finally:
        engine.dispose()
    return [(type_name, json.loads(data)) for type_name, data in rows]


def launch(name: str, args: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    """Start a service, logging to results/server-logs/<name>.log."""
    return start(args, LOG_DIR / f"{name}.log", env)
