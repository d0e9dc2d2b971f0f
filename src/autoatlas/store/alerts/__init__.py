"""SQL of the alerts, by what it stores: watchlists; the events the producer reads and its
watermarks; alerts (the inbox); channels; the delivery queue; feed tokens; and what matching
reads of the markets. Every public name is re-exported here (`from autoatlas.store import
alerts as store` then `store.list_alerts(...)`)."""

from __future__ import annotations

from autoatlas.store.alerts.channels import (
    ChannelRow,
    disable_channel,
    insert_channel,
    list_channels,
    set_digest_position,
)
from autoatlas.store.alerts.deliveries import (
    ClaimedDelivery,
    DeliveryRow,
    RecentDeliveryRow,
    claim_deliveries,
    delivery_due,
    enqueue_deliveries,
    enqueue_delivery,
    list_deliveries,
    recent_deliveries,
    record_delivered,
    record_delivered_many,
    record_failure,
    replay_dead,
    worker_engine,
)
from autoatlas.store.alerts.events import (
    EventRow,
    advance_cursor,
    change_events_after,
    deadline_events_after,
    events_waiting,
    get_cursor,
    insert_deadline_events,
    upcoming_facts,
)
from autoatlas.store.alerts.feeds import find_feed_token, insert_feed_token, revoke_feed_token
from autoatlas.store.alerts.inbox import (
    AlertRow,
    alerts_after,
    count_unread,
    insert_alert,
    insert_alerts,
    list_alerts,
    mark_read,
)
from autoatlas.store.alerts.markets import fact_values, known_markets, market_members
from autoatlas.store.alerts.watchlists import (
    WatchlistRow,
    delete_watchlist,
    insert_watchlist,
    list_watchlists,
    watchlist_version,
)

__all__ = [
    "AlertRow",
    "ChannelRow",
    "ClaimedDelivery",
    "DeliveryRow",
    "EventRow",
    "RecentDeliveryRow",
    "WatchlistRow",
    "advance_cursor",
    "alerts_after",
    "change_events_after",
    "claim_deliveries",
    "count_unread",
    "deadline_events_after",
    "delete_watchlist",
    "delivery_due",
    "disable_channel",
    "enqueue_deliveries",
    "enqueue_delivery",
    "events_waiting",
    "fact_values",
    "find_feed_token",
    "get_cursor",
    "insert_alert",
    "insert_alerts",
    "insert_channel",
    "insert_deadline_events",
    "insert_feed_token",
    "insert_watchlist",
    "known_markets",
    "list_alerts",
    "list_channels",
    "list_deliveries",
    "list_watchlists",
    "mark_read",
    "market_members",
    "recent_deliveries",
    "record_delivered",
    "record_delivered_many",
    "record_failure",
    "replay_dead",
    "revoke_feed_token",
    "set_digest_position",
    "upcoming_facts",
    "watchlist_version",
    "worker_engine",
]
