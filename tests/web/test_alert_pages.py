"""The alert pages over HTTP: watchlists, the inbox and channels, in English and Chinese, each
private to the viewer's organization, with the API's permission checks and CSRF on every form
(SQLite, and PostgreSQL when AUTOATLAS_TEST_POSTGRES_URL is set)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from web_world import PASSWORD, csrf_of, web_app

# The alert tests' helpers (tests/ is on the path; tests/alerts is a namespace package)
from alerts.alerts_helpers import SPEC, FakeClock, down_url, fact, org_id, people, publish
from autoatlas.alerts.portfolio import StorePortfolio
from autoatlas.alerts.worker import Worker, WorkerConfig
from autoatlas.atlas import Atlas
from autoatlas.auth import service
from autoatlas.auth.principal import Principal
from autoatlas.store import vehicles

DUTY = "trade.import_duty.passenger_bev"
FROST = "climate.frost_days_per_year"  # read by no rule: an "info" change
WEB_USERS = {  # e-mail: (organization, role)
    "admin@byd.example": ("byd", "admin"),
    "viewer@byd.example": ("byd", "viewer"),
    "admin@geely.example": ("geely", "admin"),
}


@dataclass
class World:
    atlas: Atlas
    who: dict[str, Principal]

    def client(self, email: str | None = None) -> TestClient:
        client = TestClient(web_app(self.atlas))
        if email:
            token = csrf_of(client.get("/login").text)
            answer = client.post(
                "/login",
                data={"csrf_token": token, "email": email, "password": PASSWORD},
                follow_redirects=False,
            )
            assert answer.status_code == 303, answer.text
        return client

    def run_worker(self, clock: FakeClock | None = None) -> Worker:
        runner = Worker(
            self.atlas.engine,
            vocabulary=self.atlas.vocabulary,
            portfolio=StorePortfolio(),
            clock=clock,
            config=WorkerConfig(timeout=0.5, poll=0.02),
        )
        runner.run_once()
        return runner


@pytest.fixture
def world(atlas: Atlas) -> World:
    who = people(atlas)  # byd and geely, their contributors and reviewers, the operator
    with atlas.write() as tx:
        for email, (org, role) in WEB_USERS.items():
            service.create_user(
                tx,
                atlas.cli_principal(),
                email=email,
                name=email,
                organization=org,
                role=role,
                password=PASSWORD,
            )
    return World(atlas, who)


@pytest.fixture
def byd(world: World) -> Iterator[TestClient]:
    with world.client("admin@byd.example") as client:
        yield client


def create_watchlist(client: TestClient, **fields: Any) -> Any:
    form = {"name": "Thai duties", "markets": "TH", "min_severity": "info", **fields}
    form["csrf_token"] = csrf_of(client.get("/watchlists").text)
    return client.post("/watchlists", data=form, follow_redirects=False)


def test_watchlists_are_created_listed_and_deleted_in_the_organization(world: World) -> None:
    with world.client("admin@byd.example") as byd, world.client("admin@geely.example") as geely:
        page = byd.get("/watchlists?lang=zh")
        assert page.status_code == 200 and "关注列表" in page.text
        assert "原产国" in page.text and "贸易" in page.text  # vocabulary labels in Chinese
        created = create_watchlist(
            byd,
            markets="th, EU",
            dimensions=["trade"],
            properties=[DUTY],
            **{"qualifier.origin": "CN", "min_severity": "minor"},
        )
        assert created.status_code == 303 and created.headers["location"] == "/watchlists"
        [item] = byd.get("/watchlists?format=json").json()["watchlists"]
        assert item["markets"] == ["EU", "TH"] and item["dimensions"] == ["trade"]
        assert item["properties"] == [DUTY] and item["qualifiers"] == {"origin": "CN"}
        assert item["min_severity"] == "minor" and "organization_id" not in item
        english = byd.get("/watchlists?lang=en").text
        assert "Origin country: CN" in english and "Thai duties" in english

        assert geely.get("/watchlists?format=json").json()["watchlists"] == []
        assert "Thai duties" not in geely.get("/watchlists").text
        token = csrf_of(geely.get("/watchlists").text)
        stolen = geely.post(f"/watchlists/{item['id']}/delete", data={"csrf_token": token})
        assert stolen.status_code == 404  # another organization's watchlist does not exist
        assert len(byd.get("/watchlists?format=json").json()["watchlists"]) == 1

        token = csrf_of(byd.get("/watchlists").text)
        gone = byd.post(f"/watchlists/{item['id']}/delete", data={"csrf_token": token})
        assert gone.status_code == 200  # the redirect lands on the list
        assert byd.get("/watchlists?format=json").json()["watchlists"] == []


BAD_WATCHLISTS = [  # (form fields, the field the problem is shown at, words of the message)
    ({"markets": "TH, ZZ"}, "markets", "ZZ"),
    ({"properties": ["trade.no_such_thing"]}, "properties", "trade.no_such_thing"),
    ({"dimensions": ["weather"]}, "dimensions", "weather"),
    ({"qualifier.origin": "C<N>"}, "qualifiers", "CN"),
    ({"min_severity": "urgent"}, "min_severity", "urgent"),
    ({"name": "   "}, "name", "1-200"),
]


def test_a_bad_watchlist_is_shown_again_with_the_problem_at_its_field(
    world: World, byd: TestClient
) -> None:
    for fields, field, words in BAD_WATCHLISTS:
        answer = create_watchlist(byd, **fields)
        assert answer.status_code == 422, fields
        found = re.search(rf'data-field="{field}">([^<]*)<', answer.text)
        assert found and words in found.group(1), (fields, answer.text)
        assert field == "name" or 'value="Thai duties"' in answer.text  # the input is kept
    assert byd.get("/watchlists?format=json").json()["watchlists"] == []


def test_the_inbox_ranks_shows_before_and_after_and_toggles_read(world: World) -> None:
    atlas, who = world.atlas, world.who
    with world.client("admin@byd.example") as byd, world.client("admin@geely.example") as geely:
        assert create_watchlist(byd, markets="TH").status_code == 303
        assert create_watchlist(geely, markets="DE").status_code == 303
        publish(atlas, who, fact("TH", DUTY, 40, unit="percent", valid_from="2026-01-01"))
        change = publish(atlas, who, fact("TH", DUTY, 80, unit="percent", valid_from="2026-01-01"))
        publish(atlas, who, fact("TH", FROST, 12, unit="day"))  # newest, least severe
        world.run_worker().close()

        data = byd.get("/inbox?format=json").json()
        assert [a["severity"] for a in data["alerts"]] == ["major", "major", "info"]
        ids = [a["id"] for a in data["alerts"]]
        assert ids[0] > ids[1]  # same severity: newest first
        top = data["alerts"][0]
        assert [v["text"] for v in top["before"]] == ["40 %"]
        assert [v["text"] for v in top["after"]] == ["80 %"]
        assert top["change_set"]["id"] == change and "organization_id" not in top
        page = byd.get("/inbox?lang=en").text
        assert f"change set #{change}" in page and 'href="/markets/TH"' in page
        assert f'href="/markets/TH/history/{DUTY}"' in page
        assert "Import duty" in page or "import duty" in page.lower()
        chinese = byd.get("/inbox?lang=zh").text
        assert "收件箱" in chinese and "变更前" in chinese and "重大" in chinese

        assert geely.get("/inbox?format=json").json()["alerts"] == []  # DE: nothing for geely
        token = csrf_of(geely.get("/inbox").text)
        assert geely.post(f"/inbox/{top['id']}/read", data={"csrf_token": token}).status_code == 404

        assert byd.get("/inbox/unread?format=json").json()["unread"] == 3
        token = csrf_of(byd.get("/inbox").text)
        swapped = byd.post(
            f"/inbox/{top['id']}/read",
            data={"csrf_token": token, "read": "1"},
            headers={"HX-Request": "true"},
        )
        assert swapped.status_code == 200
        assert f'id="alert-{top["id"]}"' in swapped.text and 'data-read="true"' in swapped.text
        assert 'hx-swap-oob="true"' in swapped.text and ">2<" in swapped.text  # the badge
        unread = byd.get("/inbox?unread=1&format=json").json()["alerts"]
        assert top["id"] not in [a["id"] for a in unread] and len(unread) == 2
        plain = byd.post(
            f"/inbox/{top['id']}/read",
            data={"csrf_token": token, "read": "0", "back": "/inbox?unread=1"},
            follow_redirects=False,
        )
        assert plain.status_code == 303 and plain.headers["location"] == "/inbox?unread=1"
        assert byd.get("/inbox/unread?format=json").json()["unread"] == 3


def test_portfolio_alerts_show_model_market_findings_and_landed_price(world: World) -> None:
    atlas, who = world.atlas, world.who
    with atlas.write() as tx:
        model_id = vehicles.insert_model(
            tx, organization_id=org_id(atlas, "byd"), slug="seal", spec=SPEC
        )
        vehicles.insert_portfolio_entry(
            tx,
            organization_id=org_id(atlas, "byd"),
            model_id=model_id,
            market="TH",
            status="sold",
            valid_from=None,
            valid_to=None,
        )
    publish(atlas, who, fact("TH", DUTY, 40, unit="percent", valid_from="2020-01-01"))
    world.run_worker().close()
    publish(atlas, who, fact("TH", DUTY, 80, unit="percent", valid_from="2020-01-01"))
    world.run_worker().close()
    with world.client("viewer@byd.example") as viewer:  # any member reads the inbox
        alerts = viewer.get("/inbox?format=json").json()["alerts"]
        [alert] = [a for a in alerts if a["kind"] == "assessment"][-1:]
        assert alert["model"] and alert["market"] == "TH"
        assert alert["before"]["rates"] != alert["after"]["rates"]
        page = viewer.get("/inbox?lang=en").text
        print(page[page.index('<ul class="changes">') :][:3000])
        assert "Landed price" in page and "80" in page
        assert f"the assessment of {alert['model']} in TH changed" in page
        assert f'href="/assessment?model={alert["model"]}&amp;market=TH"' in page
        assert viewer.get(f"/models/{alert['model']}").status_code == 200  # the link opens
    with world.client("admin@geely.example") as geely:
        assert geely.get("/inbox?format=json").json()["alerts"] == []


def webhook_deliveries(client: TestClient, channel_id: int) -> list[dict[str, Any]]:
    """The channels page's recent deliveries of one channel (its JSON twin)."""
    rows = client.get("/channels?format=json").json()["deliveries"]
    return [d for d in rows if d["channel_id"] == channel_id]


def delivery_row(page: str, delivery_id: int) -> str:
    """One row of the channels page's table of recent deliveries."""
    found = re.search(rf'<tr id="delivery-{delivery_id}"[^>]*>.*?</tr>', page, re.S)
    assert found, f"no row for delivery {delivery_id}"
    return found.group(0)


def test_channels_secret_shown_once_disable_dead_letters_and_replay(world: World) -> None:
    atlas = world.atlas
    with world.client("admin@byd.example") as byd, world.client("admin@geely.example") as geely:
        token = csrf_of(byd.get("/channels").text)
        target = down_url()
        added = byd.post(
            "/channels", data={"csrf_token": token, "kind": "webhook", "target": target}
        )
        secret = re.search(r'id="new-secret">([0-9a-f]{64})<', added.text)
        assert added.status_code == 200 and secret
        page = byd.get("/channels?lang=en")
        assert target in page.text and secret.group(1) not in page.text  # shown only once
        email = byd.post(
            "/channels",
            data={
                "csrf_token": token,
                "kind": "email",
                "target": "alerts@byd.example",
                "cadence": "daily",
                "min_severity": "major",
            },
        )
        assert email.status_code == 200 and 'id="new-secret"' not in email.text
        bad = byd.post(
            "/channels", data={"csrf_token": token, "kind": "email", "target": "not an address"}
        )
        assert bad.status_code == 422
        assert re.search(r'data-field="target">[^<]*e-mail address', bad.text)
        channels = byd.get("/channels?format=json").json()["channels"]
        assert [c["kind"] for c in channels] == ["webhook", "email"]
        assert all("secret" not in c for c in channels)
        assert "每日摘要" in byd.get("/channels?lang=zh").text

        assert geely.get("/channels?format=json").json()["channels"] == []
        g_token = csrf_of(geely.get("/channels").text)
        webhook_id = channels[0]["id"]
        refused = geely.post(f"/channels/{webhook_id}/disable", data={"csrf_token": g_token})
        assert refused.status_code == 404

        # The webhook's receiver is down for a whole day: its delivery becomes a dead letter.
        assert create_watchlist(byd, markets="TH").status_code == 303
        publish(atlas, world.who, fact("TH", DUTY, 40, unit="percent"))
        clock = FakeClock()
        runner = world.run_worker(clock)
        # Its recent deliveries show it retrying, with the next attempt and the last error.
        [retrying] = webhook_deliveries(byd, webhook_id)
        assert retrying["state"] == "retrying" and retrying["attempts"] == 1
        assert retrying["last_error"] and retrying["next_attempt_at"]
        assert retrying["channel_target"] == target and "TH" in retrying["alert_title"]
        row = delivery_row(byd.get("/channels?lang=en").text, retrying["id"])
        assert 'data-state="retrying"' in row and ">retrying<" in row
        assert retrying["last_error"] in row and target in row and retrying["alert_title"] in row
        assert retrying["next_attempt_at"][:16].replace("T", " ") in row
        chinese = delivery_row(byd.get("/channels?lang=zh").text, retrying["id"])
        assert "重试中" in chinese and "最近的投递" in byd.get("/channels?lang=zh").text
        assert geely.get("/channels?format=json").json()["deliveries"] == []
        assert f'id="delivery-{retrying["id"]}"' not in geely.get("/channels").text
        for _ in range(40):
            if byd.get("/channels?format=json").json()["dead_letters"]:
                break
            clock.advance(timedelta(hours=7))
            runner.deliver()
        runner.close()
        [dead] = byd.get("/channels?format=json").json()["dead_letters"]
        assert dead["channel_id"] == webhook_id and dead["attempts"] >= 5
        [shown] = webhook_deliveries(byd, webhook_id)
        assert shown["id"] == dead["id"] and shown["state"] == "dead"
        assert shown["next_attempt_at"] is None and shown["last_error"] == dead["last_error"]
        assert ">dead letter<" in delivery_row(byd.get("/channels?lang=en").text, dead["id"])
        assert geely.get("/channels?format=json").json()["dead_letters"] == []
        assert (
            geely.post(
                f"/channels/dead-letters/{dead['id']}/replay", data={"csrf_token": g_token}
            ).status_code
            == 404
        )
        replayed = byd.post(
            f"/channels/dead-letters/{dead['id']}/replay", data={"csrf_token": token}
        )
        assert replayed.status_code == 200
        assert byd.get("/channels?format=json").json()["dead_letters"] == []
        [queued] = webhook_deliveries(byd, webhook_id)  # replayed: queued afresh
        assert queued["state"] == "pending" and queued["attempts"] == 0

        disabled = byd.post(f"/channels/{webhook_id}/disable", data={"csrf_token": token})
        assert disabled.status_code == 200
        left = byd.get("/channels?format=json").json()["channels"]
        assert [c["kind"] for c in left] == ["email"]


def test_channels_are_for_admins_and_the_pages_for_members(world: World) -> None:
    with world.client("viewer@byd.example") as viewer:
        assert viewer.get("/channels").status_code == 403
        assert viewer.get("/inbox").status_code == 200
        assert viewer.get("/watchlists").status_code == 200
        home = viewer.get("/?lang=en").text
        assert 'id="nav-inbox"' in home and 'id="nav-channels"' not in home
    with world.client("admin@byd.example") as admin:
        assert 'id="nav-channels"' in admin.get("/").text
    with world.client() as anonymous:
        answer = anonymous.get("/inbox", follow_redirects=False)
        assert answer.status_code == 303 and answer.headers["location"] == "/login?next=/inbox"
        assert anonymous.get("/watchlists?format=json").status_code == 401
        assert 'id="nav-inbox"' not in anonymous.get("/").text


def test_feed_token_is_shown_once_opens_the_feed_and_can_be_revoked(world: World) -> None:
    atlas, who = world.atlas, world.who
    with world.client("admin@byd.example") as byd:
        assert create_watchlist(byd, markets="TH").status_code == 303
        publish(atlas, who, fact("TH", DUTY, 40, unit="percent"))
        world.run_worker().close()
        token = csrf_of(byd.get("/channels").text)
        issued = byd.post("/channels/feed-tokens", data={"csrf_token": token})
        url = re.search(r'id="new-feed-url" href="([^"]+)"', issued.text)
        assert issued.status_code == 200 and url
        assert url.group(1).startswith("http://testserver/api/v1/feeds/aaf_")
        path = url.group(1).removeprefix("http://testserver")
        feed = byd.get(path)
        assert feed.status_code == 200 and f"TH: {DUTY} added" in feed.text
        assert path not in byd.get("/channels").text  # the token is not shown again
        action = re.search(r'action="(/channels/feed-tokens/\d+/revoke)"', issued.text)
        assert action
        [listed] = byd.get("/channels?format=json").json()["feed"]["tokens"]
        assert listed["prefix"] == path.removeprefix("/api/v1/feeds/")[:8]
        assert listed["revoked_at"] is None and "hash" not in str(listed)
        with world.client("admin@geely.example") as geely:
            assert geely.get("/channels?format=json").json()["feed"]["tokens"] == []
            stolen = geely.post(
                action.group(1), data={"csrf_token": csrf_of(geely.get("/channels").text)}
            )
            assert stolen.status_code == 404
        assert byd.get(path).status_code == 200
        assert byd.post(action.group(1), data={"csrf_token": token}).status_code == 200
        assert byd.get(path).status_code == 404
        [revoked] = byd.get("/channels?format=json").json()["feed"]["tokens"]
        assert revoked["revoked_at"] is not None
        assert "revoked" in byd.get("/channels?lang=en").text


def test_every_alert_form_refuses_a_post_without_its_csrf_token(world: World) -> None:
    with world.client("admin@byd.example") as byd:
        byd.get("/watchlists")
        posts = [
            ("/watchlists", {"name": "w", "markets": "TH"}),
            ("/watchlists/1/delete", {}),
            ("/inbox/1/read", {}),
            ("/channels", {"kind": "email", "target": "a@b.example"}),
            ("/channels/1/disable", {}),
            ("/channels/dead-letters/1/replay", {}),
            ("/channels/feed-tokens", {}),
            ("/channels/feed-tokens/1/revoke", {}),
        ]
        for path, form in posts:
            assert byd.post(path, data=form).status_code == 403, path
            wrong = byd.post(path, data={**form, "csrf_token": "forged"})
            assert wrong.status_code == 403, path
        assert byd.get("/watchlists?format=json").json()["watchlists"] == []
        assert byd.get("/channels?format=json").json()["channels"] == []
