"""The inbox service the API and the web share: ranking, the unread count (capped), marking
one alert, replaying one dead letter; another organization's are never found."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from alerts_helpers import org_id, people

from autoatlas.alerts.channels import inbox, manage
from autoatlas.atlas import Atlas
from autoatlas.errors import NotFoundError
from autoatlas.store import alerts as store


def _alerts(atlas: Atlas, slug: str, severities: list[str]) -> list[int]:
    ids = []
    with atlas.write() as tx:
        for number, severity in enumerate(severities):
            found = store.insert_alert(
                tx,
                organization_id=org_id(atlas, slug),
                cause=f"{slug}:{number}",
                kind="change",
                severity=severity,
                rank=0,
                market="TH",
                property="trade.vat.rate",
                title=f"{severity} {number}",
                detail={},
                change_set_id=None,
            )
            assert found is not None
            ids.append(found)
    return ids


def test_ranked_reads_most_severe_first_then_newest(atlas: Atlas) -> None:
    who = people(atlas)
    ids = _alerts(atlas, "byd", ["minor", "blocker", "minor", "major", "blocker"])
    with atlas.read() as connection:
        order = [a.id for a in inbox.ranked(inbox.inbox(connection, who["admin@byd"]))]
    assert order == [ids[4], ids[1], ids[3], ids[2], ids[0]]


def test_unread_count_is_capped_and_follows_marking(atlas: Atlas) -> None:
    who = people(atlas)
    ids = _alerts(atlas, "byd", ["info"] * 5)
    _alerts(atlas, "geely", ["info"] * 2)
    byd = who["admin@byd"]
    with atlas.read() as connection:
        assert inbox.unread_count(connection, byd) == 5
        assert inbox.unread_count(connection, byd, cap=3) == 3
    with atlas.write() as tx:
        inbox.mark_alert(tx, byd, ids[0])
    with atlas.read() as connection:
        assert inbox.unread_count(connection, byd) == 4
        assert inbox.unread_count(connection, who["admin@geely"]) == 2
    with atlas.write() as tx:
        inbox.mark_alert(tx, byd, ids[0], read=False)
    with atlas.read() as connection:
        assert inbox.unread_count(connection, byd) == 5


def test_another_organizations_alert_or_dead_letter_is_not_found(atlas: Atlas) -> None:
    who = people(atlas)
    [theirs] = _alerts(atlas, "geely", ["major"])
    with pytest.raises(NotFoundError), atlas.write() as tx:
        inbox.mark_alert(tx, who["admin@byd"], theirs)
    with atlas.read() as connection:
        assert inbox.unread_count(connection, who["admin@geely"]) == 1
    now = datetime.now(UTC).replace(tzinfo=None)
    with pytest.raises(NotFoundError), atlas.write() as tx:
        manage.replay_dead_letter(tx, who["admin@byd"], now=now, delivery_id=999_999)
