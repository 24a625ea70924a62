"""The deployment files: a systemd unit that verifies, a Dockerfile that lints, compose."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

DEPLOY = Path(__file__).parents[2] / "deploy"
BIN = Path(sys.executable).parent


def unit() -> dict[str, list[str]]:
    values: dict[str, list[str]] = {}
    for line in (DEPLOY / "replybot.service").read_text().splitlines():
        if "=" in line and not line.startswith("#"):
            key, _, value = line.partition("=")
            values.setdefault(key, []).append(value)
    return values


def test_the_unit_passes_systemd_analyze_verify(tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    assert analyze, "systemd-analyze is needed (make test installs systemd when missing)"
    # verify checks that ExecStart exists, so point it at this checkout's executable
    text = (DEPLOY / "replybot.service").read_text()
    rendered = tmp_path / "replybot.service"
    rendered.write_text(text.replace("/opt/replybot/bin/replybot", str(BIN / "replybot")))
    result = subprocess.run([analyze, "verify", str(rendered)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip() == ""


def test_the_unit_runs_as_a_dedicated_user_with_hardening() -> None:
    u = unit()
    assert u["User"] == ["replybot"] and u["Restart"] == ["on-failure"]
    assert u["EnvironmentFile"] == ["/etc/replybot/replybot.env"]
    assert u["StateDirectory"] == ["replybot"]
    assert "REPLYBOT_DATA_DIR=/var/lib/replybot" in u["Environment"]
    assert u["KillSignal"] == ["SIGTERM"]
    for key in ("NoNewPrivileges", "ProtectHome", "PrivateTmp", "PrivateDevices"):
        assert u[key] == ["yes"], key
    assert u["ProtectSystem"] == ["strict"]
    assert u["ExecStart"] == ["/opt/replybot/bin/replybot run"]


def test_the_dockerfile_passes_hadolint() -> None:
    result = subprocess.run([str(BIN / "hadolint"), str(DEPLOY / "Dockerfile")],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_dockerfile_follows_the_rules_of_the_service() -> None:
    lines = [line.strip() for line in (DEPLOY / "Dockerfile").read_text().splitlines()]
    instructions = [line.split()[0] for line in lines if line and not line.startswith("#")
                    and re.match(r"^[A-Z]+\s", line)]
    froms = [line for line in lines if line.startswith("FROM ")]
    assert len(froms) >= 2 and "AS build" in froms[0]  # multi-stage
    assert all("slim" in line for line in froms)
    final = lines[lines.index(froms[-1]):]
    user = next(line for line in final if line.startswith("USER "))
    assert user.split()[1].split(":")[0] not in ("root", "0")
    assert any(line.startswith("COPY --from=build") for line in final)
    assert any(line.startswith('VOLUME ["/data"]') for line in final)
    assert 'CMD ["replybot", "health"]' in "\n".join(final)
    assert "STOPSIGNAL SIGTERM" in final and "HEALTHCHECK" in instructions
    assert not any("build-essential" in line for line in final)  # compilers stay behind


def test_compose_has_the_bot_and_optional_servers() -> None:
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    services = compose["services"]
    bot = services["replybot"]
    assert "profiles" not in bot and bot["build"]["dockerfile"] == "deploy/Dockerfile"
    assert "replybot-data:/data" in bot["volumes"] and bot["stop_signal"] == "SIGTERM"
    assert services["chroma"]["profiles"] == ["chroma"]
    assert services["ollama"]["profiles"] == ["ollama"]
    assert services["vllm"]["profiles"] == ["vllm"]
    assert set(compose["volumes"]) >= {"replybot-data", "chroma-data"}
    env = (DEPLOY / "replybot.env.example").read_text()
    assert "REPLYBOT_KNOWLEDGE__CHROMA_URL=http://chroma:8000" in env
    assert "REPLYBOT_LLM__BASE_URL=http://ollama:11434/v1" in env


def test_the_postgres_profile_adds_a_database_and_two_more_workers() -> None:
    services = yaml.safe_load((DEPLOY / "compose.yaml").read_text())["services"]
    bot, worker, postgres = services["replybot"], services["worker"], services["postgres"]
    assert worker["profiles"] == postgres["profiles"] == ["postgres"]
    assert worker["image"] == bot["image"] and worker["volumes"] == bot["volumes"]
    assert worker["deploy"]["replicas"] == 2 and "ports" not in worker  # replicas share no port
    db = postgres["environment"]
    url = (f"REPLYBOT_DATABASE_URL=postgresql+psycopg://{db['POSTGRES_USER']}:"
           f"{db['POSTGRES_PASSWORD']}@postgres:5432/{db['POSTGRES_DB']}")
    assert url in (DEPLOY / "replybot.env.example").read_text()


def test_the_example_configuration_loads(monkeypatch: pytest.MonkeyPatch,
                                         tmp_path: Path) -> None:
    from bot.config import load_settings

    monkeypatch.setenv("REPLYBOT_DATA_DIR", str(tmp_path))
    settings = load_settings(DEPLOY / "replybot.example.toml")
    assert settings.mode == "approve" and settings.metrics.port == 0


def test_the_example_two_creator_setup_loads_once_uncommented(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from bot.workspaces import load_workspaces

    text = (DEPLOY / "replybot.example.toml").read_text(encoding="utf-8")
    start, end = "# --- two creators", "# --- end of two creators ---"
    head, _, rest = text.partition(start)
    block, _, tail = rest.partition(end)
    lines = block.splitlines()[1:]  # the marker line itself stays out
    config = tmp_path / "replybot.toml"
    config.write_text(head + "\n".join(line.removeprefix("# ").removeprefix("#")
                                        for line in lines) + tail, encoding="utf-8")
    monkeypatch.setenv("REPLYBOT_DATA_DIR", str(tmp_path / "data"))
    found = load_workspaces(config)
    assert found.names == ["ana", "ben"]
    ana = found.get("ana")
    assert list(ana.connectors.sources()) == ["youtube", "youtube:espanol"]
    assert ana.mode == "auto" and found.get("ben").mode == "approve"
    assert found.get("ben").persona.name == "Ben"
