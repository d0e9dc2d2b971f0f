"""docs/api.md stays true: every operation and every API setting is documented there."""

from __future__ import annotations

from pathlib import Path

from autoatlas.api import API_PREFIX, create_app
from autoatlas.api.ratelimit import TokenBuckets
from autoatlas.config import SETTINGS, Settings

DOCS = (Path(__file__).parents[2] / "docs" / "api.md").read_text(encoding="utf-8")
API_SETTINGS = {
    "anonymous_read",
    "rate_limit_per_minute",
    "metering",
    "metering_cost",
    "max_body_bytes",
}


def test_every_operation_is_documented() -> None:
    paths = create_app(Settings(database_url="sqlite://")).openapi()["paths"]
    missing = [
        f"{method.upper()} {path.removeprefix(API_PREFIX)}"
        for path, item in paths.items()
        for method in item
        if f"`{method.upper()} {path.removeprefix(API_PREFIX)}`" not in DOCS
    ]
    assert not missing, f"add these to docs/api.md: {missing}"


def test_every_api_setting_is_documented() -> None:
    for setting in SETTINGS:
        if setting.name in API_SETTINGS:
            assert f"`{setting.env}`" in DOCS, setting.env
            assert f"`{setting.default}`" in DOCS, setting.default


def test_token_buckets_refill_and_say_how_long_to_wait() -> None:
    now = [0.0]
    buckets = TokenBuckets(60, clock=lambda: now[0])  # one a second, bursts of 60
    assert all(buckets.take("token:a", "address:x") == 0 for _ in range(60))
    assert buckets.take("token:a", "address:x") == 1
    assert buckets.take("token:b", "address:y") == 0  # other keys have their own buckets
    assert buckets.take("token:a", "address:y") == 1  # an empty token bucket refuses anywhere
    now[0] = 2.5
    assert buckets.take("token:a", "address:x") == 0
    assert buckets.take("token:a", "address:x") == 0
    assert buckets.take("token:a", "address:x") == 1
