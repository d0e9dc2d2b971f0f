"""From a published change set to alerts: watchlists, blocs, the tenant rule, inbox,
signed webhooks, rejected change sets, deadlines and the Atom feed."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from xml.etree import ElementTree as ET

import orjson
import pytest
from alerts_helpers import FakeClock, Receiver, fact, org_id, people, publish, receiving

from autoatlas.alerts.channels import atom, inbox, manage
from autoatlas.alerts.watchlists import create_watchlist, list_watchlists, remove_watchlist
from autoatlas.alerts.worker import Worker, WorkerConfig
from autoatlas.atlas import Atlas
from autoatlas.auth.principal import Principal
from autoatlas.errors import NotFoundError, ValidationError
from autoatlas.review import changesets
from autoatlas.store import alerts as store
from factories import SOURCE

DUTY = "trade.import_duty.passenger_bev"


def worker(atlas: Atlas, clock: FakeClock | None = None, **kwargs: object) -> Worker:
    config = WorkerConfig(timeout=2.0, poll=0.05, **kwargs)  # type: ignore[arg-type]
    return Worker(atlas.engine, vocabulary=atlas.vocabulary, clock=clock, config=config)


def watch(atlas: Atlas, who: Principal, **criteria: Any) -> int:
    with atlas.write() as tx:
        row = create_watchlist(tx, who, vocabulary=atlas.vocabulary, name="w", **criteria)
    return row.id


def titles(atlas: Atlas, who: Principal) -> list[str]:
    with atlas.read() as connection:
        return [a.title for a in inbox.inbox(connection, who)]


def test_a_published_change_reaches_the_inbox_and_a_signed_webhook(atlas: Atlas) -> None:
    who = people(atlas)
    byd, geely = who["admin@byd"], who["admin@geely"]
    watch(atlas, byd, markets=["TH"], dimensions=["trade"], qualifiers={"origin": "CN"})
    watch(atlas, byd, markets=["TH"], properties=[DUTY])  # the same org twice: one alert
    watch(atlas, geely, markets=["DE"])
    with receiving(Receiver()) as receiver, atlas.write() as tx:
        channel, secret = manage.add_channel(tx, byd, kind="webhook", target=receiver.url)
    assert secret is not None
    receiver.secret = secret
    with receiving(receiver):
        with atlas.write() as tx:
            manage.remove_channel(tx, byd, channel.id)
            channel, _ = manage.add_channel(
                tx, byd, kind="webhook", target=receiver.url, secret=secret
            )
        change_set_id = publish(
            atlas, who, fact("TH", DUTY, 40, unit="percent", qualifiers={"origin": "CN"})
        )
        runner = worker(atlas)
        report = runner.run_once()
        runner.close()
    assert report.alerts == 1 and report.delivered == 1
    assert titles(atlas, byd) == [f"TH: {DUTY} added"]
    assert titles(atlas, geely) == []
    [request] = receiver.requests
    assert request.signed
    body = orjson.loads(request.body)
    assert body["alert"]["detail"]["change_set"]["id"] == change_set_id
    assert body["alert"]["detail"]["after"][0]["value"] == 40
    assert body["alert"]["severity"] == "major"  # a rule reads the duty
    with atlas.write() as tx:
        assert inbox.mark_read(tx, byd, None) == 1
    with atlas.read() as connection:
        assert inbox.inbox(connection, byd, unread_only=True) == []


def test_a_superseding_change_is_one_alert_with_before_and_after(atlas: Atlas) -> None:
    who = people(atlas)
    watch(atlas, who["admin@byd"], markets=["TH"])
    publish(atlas, who, fact("TH", DUTY, 40, unit="percent", valid_from="2026-01-01"))
    publish(atlas, who, fact("TH", DUTY, 80, unit="percent", valid_from="2026-01-01"))
    worker(atlas).run_once()
    with atlas.read() as connection:
        alerts = store.list_alerts(connection, organization_id=org_id(atlas, "byd"))
    assert [a.title for a in alerts] == [f"TH: {DUTY} added", f"TH: {DUTY} added/superseded"]
    detail = alerts[1].detail
    assert [v["value"] for v in detail["before"]] == [40]
    assert [v["value"] for v in detail["after"]] == [80]


def test_a_bloc_entry_matches_the_bloc_and_its_members(atlas: Atlas) -> None:
    who = people(atlas)
    watch(atlas, who["admin@byd"], markets=["EU"], dimensions=["trade"])
    publish(
        atlas,
        who,
        fact("DE", "trade.vat.rate", 19, unit="percent"),
        fact("EU", "trade.import_duty.passenger_bev", 10, unit="percent"),
        fact("TH", "trade.vat.rate", 7, unit="percent"),
        fact("DE", "climate.temp_min_c", -20, unit="degC"),
    )
    worker(atlas).run_once()
    assert sorted(titles(atlas, who["admin@byd"])) == [
        "DE: trade.vat.rate added",
        f"EU: {DUTY} added",
    ]


def test_private_facts_only_alert_their_own_organization(atlas: Atlas) -> None:
    who = people(atlas)
    watch(atlas, who["admin@geely"])  # everything, everywhere
    watch(atlas, who["admin@byd"], markets=["TH"])
    publish(
        atlas,
        who,
        fact("TH", "trade.vat.rate", 9, unit="percent", visibility="private"),
        private=True,
    )
    worker(atlas).run_once()
    assert titles(atlas, who["admin@byd"]) == ["TH: trade.vat.rate added"]
    assert titles(atlas, who["admin@geely"]) == []


def test_minimum_severity_and_qualifiers_filter(atlas: Atlas) -> None:
    who = people(atlas)
    watch(atlas, who["admin@byd"], markets=["TH"], min_severity="major")
    watch(atlas, who["admin@geely"], markets=["TH"], qualifiers={"origin": "JP"})
    publish(
        atlas,
        who,
        fact("TH", "culture.official_languages", ["th"]),  # info
        fact("TH", DUTY, 40, unit="percent", qualifiers={"origin": "CN"}),  # major, CN only
    )
    worker(atlas).run_once()
    assert titles(atlas, who["admin@byd"]) == [f"TH: {DUTY} added"]
    assert titles(atlas, who["admin@geely"]) == ["TH: culture.official_languages added"]


def test_rejected_change_sets_emit_nothing(atlas: Atlas) -> None:
    who = people(atlas)
    watch(atlas, who["admin@byd"])
    bundle = {"sources": [SOURCE], "facts": [fact("TH", DUTY, 40, unit="percent")]}
    with atlas.write() as tx:
        row = changesets.submit(
            tx, who["c@byd.example"], bundle=bundle, title="t", vocabulary=atlas.vocabulary
        )
    with pytest.raises(RuntimeError), atlas.write() as tx:  # an approval rolled back
        changesets.approve(
            tx, who["r@op.example"], row.id, comment=None, grade=0, vocabulary=atlas.vocabulary
        )
        raise RuntimeError("rolled back after the events were written")
    with atlas.write() as tx:
        changesets.reject(tx, who["r@op.example"], row.id, comment="no")
    report = worker(atlas).run_once()
    assert report.events == 0 and report.alerts == 0
    assert titles(atlas, who["admin@byd"]) == []


def test_watchlists_are_validated_and_scoped(atlas: Atlas) -> None:
    who = people(atlas)
    with atlas.write() as tx, pytest.raises(ValidationError, match="unknown market"):
        create_watchlist(
            tx, who["admin@byd"], vocabulary=atlas.vocabulary, name="x", markets=["XX"]
        )
    with atlas.write() as tx, pytest.raises(ValidationError, match="min_severity"):
        create_watchlist(
            tx, who["admin@byd"], vocabulary=atlas.vocabulary, name="x", min_severity="urgent"
        )
    mine = watch(atlas, who["admin@byd"], markets=["th"])
    with atlas.write() as tx, pytest.raises(NotFoundError):
        remove_watchlist(tx, who["admin@geely"], mine)
    with atlas.read() as connection:
        assert [w.markets for w in list_watchlists(connection, who["admin@byd"])] == [["TH"]]
        assert list_watchlists(connection, who["admin@geely"]) == []


def test_deadlines_are_emitted_once_per_horizon(atlas: Atlas) -> None:
    who = people(atlas)
    watch(atlas, who["admin@byd"], markets=["TH"])
    start = date(2030, 1, 1)
    publish(atlas, who, fact("TH", "trade.vat.rate", 10, unit="percent", valid_from="2030-03-02"))
    day = {"today": start}
    clock = FakeClock()
    runner = Worker(
        atlas.engine,
        vocabulary=atlas.vocabulary,
        clock=clock,
        config=WorkerConfig(deadline_every=timedelta(0)),
        today=lambda: day["today"],
    )
    seen = []
    for offset in (0, 1, 36, 37, 54, 55, 60, 61, 62):
        day["today"] = start + timedelta(days=offset)
        runner.run_once()
        with atlas.read() as connection:
            seen = [
                a.detail.get("horizon_days")
                for a in store.list_alerts(connection, organization_id=org_id(atlas, "byd"))
                if a.kind == "deadline"
            ]
    assert seen == [90, 30, 7]  # 60 days out, then 24, then 6; each once; none once past


def test_the_atom_feed_opens_with_a_revocable_token(atlas: Atlas) -> None:
    who = people(atlas)
    watch(atlas, who["admin@byd"])
    publish(atlas, who, fact("TH", DUTY, 40, unit="percent"))
    worker(atlas).run_once()
    with atlas.write() as tx:
        token, token_id = atom.issue_feed_token(tx, who["admin@byd"])
    with atlas.read() as connection:
        xml = atom.feed_for_token(connection, token, feed_url="https://x/feed/" + token)
        with pytest.raises(NotFoundError):
            atom.feed_for_token(connection, "aaf_wrong", feed_url="x")
    root = ET.fromstring(xml)
    ns = {"a": "http://www.w3.org/2005/Atom"}
    assert [e.findtext("a:title", namespaces=ns) for e in root.findall("a:entry", ns)] == [
        f"[major] TH: {DUTY} added"
    ]
    with atlas.write() as tx:
        atom.revoke_feed_token(tx, who["admin@byd"], token_id)
    with atlas.read() as connection, pytest.raises(NotFoundError):
        atom.feed_for_token(connection, token, feed_url="x")
