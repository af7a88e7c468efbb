"""Start the Rasa server as production runs it: ``python -m bot.serve [options]``.

The options are ``rasa run``'s (``--model``, ``--endpoints``, ``--port``...).
``python -m bot.serve shell [options]`` starts ``rasa shell`` the same way
(stores checked, apology installed, quiet), for talking to it in a terminal.
What a deployment decides comes from the environment only (.env.example):

- **HTTP API**: off unless ``RASA_API_TOKEN`` or ``RASA_JWT_SECRET`` is set;
  then on, and every API call must carry it (``?token=`` or a JWT).
  ``RASA_API=1`` without either refuses to start: the API is never open. The
  secret reaches Rasa inside this process, never on a command line, so
  ``ps`` does not show it; passing ``--auth-token`` and the like here is
  refused for the same reason.
- **CORS**: only the origins in ``CORS_ORIGINS`` (e.g. the site embedding
  the widget) may call the server from a browser; unset, only pages served
  by the server itself.
- **Workers**: one Rasa worker process per CPU core, or ``WORKERS``.
- **Stores**: the database (``DATABASE_URL``) and Redis (``REDIS_URL``) must
  answer before the model loads; otherwise one line names them (password
  hidden) and the exit code is 1.
- **Requests** over ``SANIC_REQUEST_MAX_SIZE`` (default 2 MiB) are refused
  before they are read, and error responses are JSON.
- **Custom actions** that fail get an apology (bot.processor).
- **Third-party warnings** (deprecations from Rasa's dependencies) never
  reach the console: they go to the file ``WARNINGS_LOG`` names, or nowhere.
  Sanic re-enables deprecation warnings when imported, so filters alone
  cannot keep them off the screen.
"""

from __future__ import annotations

import logging
import os
import re
import sys
from collections.abc import Mapping, Sequence

from bot.database import (
    StoreUnavailableError,
    check_database,
    check_redis,
    database_url,
)

# Only SQLAlchemy and redis until the checks pass: a bad setting gets its
# one line in a second or two, before Rasa's slow imports.
from bot.settings import SettingsError, numbers_line

# A guessable token would make the API's (and the clinic page's) protection
# nominal.
MIN_SECRET_CHARS = 16
CLINIC_TOKEN_VARIABLE = "CLINIC_TOKEN"
RASA_DEFAULT_PORT = 5005
REQUEST_MAX_SIZE = 2 * 1024 * 1024
# Options that would put a secret on the command line or bypass the checks.
ENVIRONMENT_ONLY = {
    "--auth-token": "RASA_API_TOKEN",
    "--jwt-secret": "RASA_JWT_SECRET",
    "--jwt-private-key": "RASA_JWT_SECRET",
    "--enable-api": "RASA_API_TOKEN or RASA_JWT_SECRET",
    "--cors": "CORS_ORIGINS",
}
ORIGIN = re.compile(r"^https?://[^/\s*]+$")


class ConfigError(ValueError):
    """A setting that would leave the server open or broken; one line."""


def api_arguments(env: Mapping[str, str]) -> list[str]:
    """`rasa run` options for the HTTP API: none (off) or on with its secret."""
    token = env.get("RASA_API_TOKEN", "").strip()
    jwt_secret = env.get("RASA_JWT_SECRET", "").strip()
    if not token and not jwt_secret:
        if env.get("RASA_API", "").strip() not in ("", "0", "false"):
            raise ConfigError(
                "RASA_API is set but neither RASA_API_TOKEN nor RASA_JWT_SECRET "
                "is: the HTTP API is only served with authentication"
            )
        return []
    for name, secret in (("RASA_API_TOKEN", token), ("RASA_JWT_SECRET", jwt_secret)):
        if secret and len(secret) < MIN_SECRET_CHARS:
            raise ConfigError(f"{name} must be at least {MIN_SECRET_CHARS} characters")
    arguments = ["--enable-api"]
    if token:
        arguments += ["--auth-token", token]
    if jwt_secret:
        method = env.get("RASA_JWT_METHOD", "").strip() or "HS256"
        arguments += ["--jwt-secret", jwt_secret, "--jwt-method", method]
    return arguments


def cors_arguments(env: Mapping[str, str]) -> list[str]:
    """`rasa run` options for CORS: the configured origins, or none."""
    origins = [o for o in re.split(r"[\s,]+", env.get("CORS_ORIGINS", "")) if o]
    for origin in origins:
        if not ORIGIN.match(origin):
            raise ConfigError(
                f"CORS_ORIGINS: {origin!r} is not an origin such as "
                "https://clinic.example (scheme and host, no path, no wildcard)"
            )
    return ["--cors", *origins] if origins else []


def refuse_command_line_secrets(args: Sequence[str]) -> None:
    """ConfigError if args set what must come from the environment."""
    for arg in args:
        option = arg.split("=", 1)[0]
        if option in ENVIRONMENT_ONLY:
            raise ConfigError(
                f"{option} is not accepted here: set {ENVIRONMENT_ONLY[option]} "
                "in the environment instead"
            )


def check_stores(env: Mapping[str, str]) -> None:
    """StoreUnavailableError unless the database (and Redis, if set) answer."""
    check_database(database_url(env))
    redis_url = env.get("REDIS_URL", "").strip()
    if redis_url:
        check_redis(redis_url)


def rasa_arguments(args: Sequence[str], env: Mapping[str, str]) -> list[str]:
    """The full `rasa run` command line, after every check has passed."""
    refuse_command_line_secrets(args)
    extra = api_arguments(env) + cors_arguments(env)
    check_stores(env)
    return ["rasa", "run", *args, *extra]


def worker_count(env: Mapping[str, str]) -> int:
    """Rasa worker processes: WORKERS if set, else one per CPU core.

    Several workers share the conversation locks through Redis (REDIS_URL) or,
    on one machine, a SQLite file (bot.stores.EnvLockStore).
    """
    value = env.get("WORKERS", "").strip()
    if not value:
        return os.cpu_count() or 1
    if not value.isdigit() or int(value) < 1:
        raise ConfigError(
            f"WORKERS must be a whole number of at least 1, not {value!r}"
        )
    return int(value)


def shell_arguments(args: Sequence[str], env: Mapping[str, str]) -> list[str]:
    """The `rasa shell` command line, after the checks that apply to it."""
    refuse_command_line_secrets(args)
    check_stores(env)
    return ["rasa", "shell", *args]


def listening_port(args: Sequence[str]) -> int:
    """The port `rasa run` will listen on, from its -p/--port option."""
    for index, arg in enumerate(args):
        if arg in ("-p", "--port") and index + 1 < len(args):
            return int(args[index + 1])
        if arg.startswith("--port="):
            return int(arg.split("=", 1)[1])
    return RASA_DEFAULT_PORT


def clinic_page_line(args: Sequence[str], env: Mapping[str, str]) -> str:
    """One start-up line: where the clinic page is, or why there is none."""
    token = env.get(CLINIC_TOKEN_VARIABLE, "")
    if not token:
        return "==> Clinic page: off (set CLINIC_TOKEN in .env to switch it on)"
    if len(token) < MIN_SECRET_CHARS:
        return (
            f"==> Clinic page: off, CLINIC_TOKEN is shorter than "
            f"{MIN_SECRET_CHARS} characters"
        )
    address = f"http://localhost:{listening_port(args)}/clinic/sign-in"
    return f"==> Clinic page: {address} (sign in with CLINIC_TOKEN)"


def send_warnings_to_log(path: str | None) -> None:
    """Route Python warnings to the file at `path` (or drop them), off screen."""
    logging.captureWarnings(True)
    captured = logging.getLogger("py.warnings")
    captured.propagate = False
    captured.addHandler(logging.FileHandler(path) if path else logging.NullHandler())


def main(argv: Sequence[str] | None = None) -> int:
    """Check the settings and stores, then run Rasa in this process."""
    args = list(sys.argv[1:] if argv is None else argv)
    shell = args[:1] == ["shell"]
    try:
        if shell:
            command = shell_arguments(args[1:], os.environ)
        else:
            command = rasa_arguments(args, os.environ)
            workers = worker_count(os.environ)
        numbers = numbers_line(os.environ)
    except (ConfigError, SettingsError, StoreUnavailableError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(numbers, flush=True)
    if not shell:
        os.environ["SANIC_WORKERS"] = str(workers)
        print(clinic_page_line(args, os.environ), flush=True)
    os.environ.setdefault("SANIC_REQUEST_MAX_SIZE", str(REQUEST_MAX_SIZE))
    os.environ.setdefault("SANIC_FALLBACK_ERROR_FORMAT", "json")
    send_warnings_to_log(os.environ.get("WARNINGS_LOG"))

    from rasa.__main__ import main as rasa_main

    from bot import action_validation, processor, shell_console

    processor.install()
    action_validation.install()
    if shell:
        shell_console.install()
    # Rasa parses sys.argv; changing it here does not change what `ps` shows.
    sys.argv = command
    rasa_main()
    return 0


if __name__ == "__main__":
    sys.exit(main())
