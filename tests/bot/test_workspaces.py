"""Workspaces in the config: today's file is one workspace, tables make more, mistakes are named."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.app import build_connectors, build_ledger, collection_name
from bot.cli.workspaces import hoist
from bot.clock import utcnow
from bot.errors import ConfigError
from bot.state.store import Store
from bot.workspaces import load_workspaces
from knowledge.store import COLLECTION

TWO_CREATORS = """
mode = "approve"
[llm]
base_url = "http://127.0.0.1:9/v1"
api_key = "sk-shared"
[guard]
banned = ["crypto"]
[connectors.youtube]
api_endpoint = "http://127.0.0.1:9/"
daily_quota = 8000

[workspaces.ana]
mode = "auto"
[workspaces.ana.persona]
name = "Ana Roasts"
[workspaces.ana.connectors.youtube]
enabled = true
channel_id = "UCanaMain"
token_file = "tokens/ana.json"
[workspaces.ana.connectors.youtube.accounts.espanol]
channel_id = "UCanaEspanol"
daily_quota = 5000

[workspaces.ben]
persona.name = "Ben Bakes"
llm.model = "ft:gpt-4o-mini:ben"
guard.banned = ["casino"]
[workspaces.ben.connectors.local]
enabled = true
"""


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("REPLYBOT_DATA_DIR", str(tmp_path / "data"))
    return tmp_path / "data"


def test_todays_config_is_one_default_workspace_in_todays_places(tmp_path: Path,
                                                                  data: Path) -> None:
    config = write(tmp_path / "replybot.toml", """
[persona]
name = "Lina Brews"
[connectors.youtube]
enabled = true
channel_id = "UClina"
""")
    found = load_workspaces(config)
    assert found.names == ["default"]
    lina = found.one()
    assert lina.workspace == "default" and lina.persona.name == "Lina Brews"
    assert lina.db_url == f"sqlite:///{data / 'replybot.db'}" and lina.db_schema is None
    assert lina.chroma_dir == data / "chroma" and collection_name(lina) == COLLECTION
    assert lina.youtube_token_file() == data / "youtube-token.json"
    assert list(lina.connectors.sources()) == ["youtube"]
    assert found.one("default") is lina


def test_a_workspace_is_the_top_level_with_its_table_over_it(tmp_path: Path,
                                                             data: Path) -> None:
    found = load_workspaces(write(tmp_path / "replybot.toml", TWO_CREATORS))
    assert found.names == ["ana", "ben"]
    ana, ben = found.get("ana"), found.get("ben")
    assert (ana.mode, ben.mode) == ("auto", "approve")
    assert (ana.persona.name, ben.persona.name) == ("Ana Roasts", "Ben Bakes")
    assert ana.llm.model == "gpt-4o-mini" and ben.llm.model == "ft:gpt-4o-mini:ben"
    assert ben.llm.api_key is not None and ben.llm.api_key.get_secret_value() == "sk-shared"
    assert ana.guard.banned == ["crypto"] and ben.guard.banned == ["casino"]  # lists replace
    assert ana.data_dir == data / "workspaces" / "ana"
    assert ana.db_url == f"sqlite:///{data / 'workspaces' / 'ana' / 'replybot.db'}"
    assert ana.db_schema == "replybot_ana" and collection_name(ana) == f"{COLLECTION}-ana"
    assert ana.local_inbox() != ben.local_inbox()


def test_each_youtube_account_has_its_channel_token_and_ledger(tmp_path: Path,
                                                               data: Path) -> None:
    ana = load_workspaces(write(tmp_path / "replybot.toml", TWO_CREATORS)).get("ana")
    main, espanol = ana.connectors.youtube, ana.connectors.youtube.accounts["espanol"]
    assert list(ana.connectors.sources()) == ["youtube", "youtube:espanol"]
    assert (main.channel_id, espanol.channel_id) == ("UCanaMain", "UCanaEspanol")
    assert espanol.enabled and espanol.api_endpoint == "http://127.0.0.1:9/"  # inherited
    assert (main.daily_quota, espanol.daily_quota) == (8000, 5000)
    assert ana.youtube_token_file() == tmp_path / "tokens" / "ana.json"
    assert ana.youtube_token_file("espanol") == ana.data_dir / "youtube-token-espanol.json"
    store = Store.open(ana.db_url)
    try:
        connectors = build_connectors(ana, store, utcnow)
        assert {n: c.name for n, c in connectors.items()} == {
            "youtube": "youtube", "youtube:espanol": "youtube:espanol"}
        ledgers = {s: build_ledger(ana, store, s, utcnow) for s in connectors}
        assert {s: (ledger.platform, ledger.daily_quota) for s, ledger in ledgers.items()
                if ledger} == {"youtube": ("youtube", 8000),
                               "youtube:espanol": ("youtube:espanol", 5000)}
    finally:
        store.close()


def test_policy_per_platform_applies_to_every_account(tmp_path: Path, data: Path) -> None:
    config = TWO_CREATORS + '[workspaces.ana.policy.platforms.youtube]\nfeedback = "queue"\n'
    ana = load_workspaces(write(tmp_path / "replybot.toml", config)).get("ana")
    assert ana.policy.action("youtube:espanol", "feedback") == (
        "queue", "policy.platforms.youtube.feedback")


def test_an_environment_variable_reaches_one_workspace(tmp_path: Path, data: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REPLYBOT_WORKSPACES__BEN__PERSONA__NAME", "Benedict")
    found = load_workspaces(write(tmp_path / "replybot.toml", TWO_CREATORS))
    assert found.get("ben").persona.name == "Benedict"
    assert found.get("ana").persona.name == "Ana Roasts"


@pytest.mark.parametrize(("extra", "message"), [
    ("[workspaces.Ana-2]\n", "workspace name 'Ana-2': use 1 to 24 lowercase letters"),
    ("[workspaces.cleo.persona]\nnmae = 'x'\n",
     "workspaces.cleo.persona.nmae: unknown key (set in"),
    ("[workspaces.cleo]\nmode = 'sometimes'\n", "workspaces.cleo.mode: Input should be"),
    ("[workspaces.cleo.metrics]\nport = 9\n",
     "workspaces.cleo.metrics belongs to the whole process"),
    ("[workspaces.cleo.connectors.youtube]\nenabled = true\nchannel_id = 'UCanaMain'\n",
     "the YouTube channel UCanaMain serves ana/youtube and cleo/youtube"),
    ("[workspaces.cleo.connectors.youtube]\nenabled = true\n",
     "workspaces.cleo.connectors.youtube.channel_id is required"),
    ("[workspaces.cleo.connectors.youtube.accounts.Second]\nchannel_id = 'UCx'\n",
     "account name 'Second'"),
    ("[workspaces.cleo.connectors.youtube.accounts.b]\nchannel_id = 'UCx'\n"
     "reply_reserve = 9000\n",
     "workspaces.cleo.connectors.youtube.accounts.b.reply_reserve must be smaller"),
])
def test_mistakes_in_workspace_tables_are_named(tmp_path: Path, data: Path, extra: str,
                                                message: str) -> None:
    with pytest.raises(ConfigError, match="invalid configuration") as caught:
        load_workspaces(write(tmp_path / "replybot.toml", TWO_CREATORS + extra))
    assert message in str(caught.value)


def test_a_channel_at_the_top_level_would_serve_every_creator(tmp_path: Path,
                                                              data: Path) -> None:
    config = write(tmp_path / "replybot.toml", """
[connectors.youtube]
enabled = true
channel_id = "UCshared"
[workspaces.ana]
[workspaces.ben]
""")
    with pytest.raises(ConfigError, match="UCshared serves ana/youtube and ben/youtube"):
        load_workspaces(config)


def test_one_sqlite_file_cannot_hold_several_workspaces(tmp_path: Path, data: Path) -> None:
    config = write(tmp_path / "replybot.toml",
                   f'database_url = "sqlite:///{tmp_path}/one.db"\n' + TWO_CREATORS)
    with pytest.raises(ConfigError, match="leave database_url out"):
        load_workspaces(config)


def test_choosing_a_workspace(tmp_path: Path, data: Path) -> None:
    found = load_workspaces(write(tmp_path / "replybot.toml", TWO_CREATORS))
    with pytest.raises(ConfigError, match=r"^unknown workspace 'zed': the workspaces are "
                       r"ana, ben$"):
        found.get("zed")
    with pytest.raises(ConfigError, match=r"several workspaces \(ana, ben\): name one with "
                       "--workspace NAME"):
        found.one()
    assert [s.workspace for s in found.select([])] == ["ana", "ben"]
    assert [s.workspace for s in found.select(["ben", "ben"])] == ["ben"]
    named = write(tmp_path / "named.toml", TWO_CREATORS + "[workspaces.default]\n")
    assert load_workspaces(named).one().data_dir == data  # "default" keeps today's data


def test_workspace_option_is_read_wherever_it_is_written() -> None:
    assert hoist(["queue", "list", "--workspace", "ana", "--json"]) == \
        ["--workspace", "ana", "queue", "list", "--json"]
    assert hoist(["run", "--workspace=ana", "--once", "--workspace", "ben"]) == \
        ["--workspace=ana", "--workspace", "ben", "run", "--once"]
    assert hoist(["kb", "search", "--", "--workspace", "x"]) == \
        ["kb", "search", "--", "--workspace", "x"]
