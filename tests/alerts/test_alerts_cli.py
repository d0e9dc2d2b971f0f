"""`autoatlas watch`, `autoatlas alerts` and `autoatlas worker --once`: thin commands over the
services (the app is assembled here as cli/main.py registers it)."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
import typer
from alerts_helpers import fact, people, publish
from typer.testing import CliRunner

from autoatlas.atlas import Atlas
from autoatlas.cli.commands import alerts

app = typer.Typer()
app.add_typer(alerts.watch_app, name="watch")
app.add_typer(alerts.alerts_app, name="alerts")
app.command("worker")(alerts.worker)


@pytest.fixture
def run(atlas: Atlas, database_url: str, monkeypatch: pytest.MonkeyPatch) -> Callable[..., str]:
    monkeypatch.setenv("AUTOATLAS_DATABASE_URL", database_url)
    runner = CliRunner()

    def invoke(*args: str) -> str:
        result = runner.invoke(app, list(args), catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return result.output

    return invoke


def test_watch_then_work_then_read_the_inbox(atlas: Atlas, run: Callable[..., str]) -> None:
    invoke = run
    who = people(atlas)
    added = json.loads(
        invoke(
            "watch",
            "add",
            "TH trade",
            "--org",
            "byd",
            "--market",
            "TH",
            "--dimension",
            "trade",
            "--qualifier",
            "origin=CN",
            "--json",
        )
    )
    assert added["markets"] == ["TH"] and added["qualifiers"] == {"origin": "CN"}
    listed = json.loads(invoke("watch", "list", "--org", "byd", "--json"))
    assert [w["id"] for w in listed] == [added["id"]]
    channel = json.loads(
        invoke(
            "alerts",
            "channel-add",
            "email",
            "ops@byd.example",
            "--org",
            "byd",
            "--cadence",
            "weekly",
            "--json",
        )
    )
    assert channel["cadence"] == "weekly" and channel["secret"] is None
    publish(atlas, who, fact("TH", "trade.vat.rate", 7, unit="percent"))
    report = json.loads(invoke("worker", "--once", "--json"))
    assert report["events"] == 1 and report["alerts"] == 1
    inbox = json.loads(invoke("alerts", "inbox", "--org", "byd", "--mark-read", "--json"))
    assert [a["title"] for a in inbox] == ["TH: trade.vat.rate added"]
    assert json.loads(invoke("alerts", "inbox", "--org", "byd", "--unread", "--json")) == []
    assert json.loads(invoke("alerts", "dead", "--json")) == []
    invoke("watch", "remove", str(added["id"]), "--org", "byd")
    assert json.loads(invoke("watch", "list", "--org", "byd", "--json")) == []
