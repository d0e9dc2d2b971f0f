"""The library's front door: one object that every interface (CLI, API, web) calls.

Each method is one unit of work: it opens its own read or write transaction through the
store and returns plain data. Nothing here prints, parses arguments or speaks HTTP.
"""

from __future__ import annotations

import getpass
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cached_property
from pathlib import Path

from sqlalchemy.engine import Connection, Engine

from autoatlas.auth.principal import Principal
from autoatlas.auth.service import cli_principal
from autoatlas.config import Settings
from autoatlas.domain.facts import Fact
from autoatlas.errors import ValidationError
from autoatlas.gcpause import cyclic_gc_paused
from autoatlas.ingest.export import render_bundle
from autoatlas.ingest.load import (
    ImportReport,
    Progress,
    check_files,
    plan_facts,
    read_bundles,
    report,
)
from autoatlas.review.changesets import bulk_load
from autoatlas.store import queries
from autoatlas.store.catalog import scope_versions, visible_scopes
from autoatlas.store.engine import WriteTx, connect, create_engine, migrate, write_tx
from autoatlas.store.queries import FactFilter, MarketRow
from autoatlas.store.reference import ensure_organization, organization_id, sync_markets
from autoatlas.vocabulary import Vocabulary, load_vocabulary
from autoatlas.vocabulary.markets import load_market_catalogue
from autoatlas.vocabulary.model import UnknownVocabularyIdError

__all__ = ["Atlas", "Coverage", "InitReport"]

OPERATOR_NAME = "AutoAtlas platform operator"


@dataclass(frozen=True, slots=True)
class ProfileSnapshot:
    """A profile and, from the same snapshot, what keeps a cached copy of it correct."""

    market: MarketRow
    facts: list[Fact]
    versions: tuple[datetime | None, datetime | None]  # public, the viewer's private scope
    breakpoints: tuple[date, ...] | None  # the days on which the profile can change


@dataclass(frozen=True, slots=True)
class InitReport:
    database: str
    markets_added: int
    memberships: int


@dataclass(frozen=True, slots=True)
class Coverage:
    """Markets × dimensions: how many properties have a current sourced value."""

    as_of: date
    dimensions: list[str]
    properties_per_dimension: dict[str, int]
    counts: dict[str, dict[str, int]]
    stale_share: dict[str, float]  # per market: share of its facts last checked over a year ago

    def as_dict(self) -> dict[str, object]:
        return {
            "as_of": self.as_of.isoformat(),
            "dimensions": self.dimensions,
            "properties_per_dimension": self.properties_per_dimension,
            "markets": {
                code: {"counts": counts, "stale_share": round(self.stale_share[code], 4)}
                for code, counts in self.counts.items()
            },
        }


class Atlas:
    def __init__(self, settings: Settings, *, engine: Engine | None = None) -> None:
        self.settings = settings
        self._engine = engine

    @cached_property
    def engine(self) -> Engine:
        return self._engine or create_engine(self.settings.database_url)

    @cached_property
    def vocabulary(self) -> Vocabulary:
        return load_vocabulary()

    @cached_property
    def statistics(self) -> frozenset[str]:
        """Properties describing a period: their latest figure stays shown after it."""
        return self.vocabulary.statistics()

    # -- set-up -------------------------------------------------------------------------
    def init(self) -> InitReport:
        """Create or upgrade the schema, load the market catalogue, create the operator."""
        migrate(self.engine)
        catalogue = load_market_catalogue()
        with write_tx(self.engine) as tx:
            added = sync_markets(tx, catalogue.markets.values(), catalogue.memberships)
            ensure_organization(tx, self.settings.default_org, OPERATOR_NAME, "operator")
        return InitReport(self.engine.url.render_as_string(), added, len(catalogue.memberships))

    # -- writes -------------------------------------------------------------------------
    @contextmanager
    def write(self) -> Iterator[WriteTx]:
        """One write unit of work for a service call: committed whole or not at all."""
        with write_tx(self.engine) as tx:
            yield tx

    @contextmanager
    def read(self) -> Iterator[Connection]:
        with connect(self.engine) as connection:
            yield connection

    def cli_principal(self, organization: str | None = None) -> Principal:
        """The CLI's identity: an operator administrator acting for `organization`."""
        slug = organization or self.settings.default_org
        with connect(self.engine) as connection:
            org_id = organization_id(connection, slug)
        return cli_principal(org_id, slug, getpass.getuser())

    def import_files(
        self,
        paths: Sequence[Path],
        *,
        organization: str | None = None,
        dry_run: bool = False,
        progress: Progress | None = None,
        principal: Principal | None = None,
    ) -> ImportReport:
        """Import bundle files whole, as a bulk change set approved in one step."""
        principal = principal or self.cli_principal(organization)
        files = check_files(paths)
        with cyclic_gc_paused():
            return self._import(files, principal, dry_run=dry_run, progress=progress)

    def _import(
        self,
        files: list[Path],
        principal: Principal,
        *,
        dry_run: bool,
        progress: Progress | None,
    ) -> ImportReport:
        with connect(self.engine) as connection:
            facts = read_bundles(connection, files, vocabulary=self.vocabulary, progress=progress)
            if dry_run:
                assert principal.organization_id is not None
                plan = plan_facts(connection, facts, principal.organization_id)
                return report(files, facts, plan, dry_run=True)
        with write_tx(self.engine) as tx:
            return bulk_load(tx, principal, files=files, facts=facts, progress=progress)

    # -- reads --------------------------------------------------------------------------
    def _viewer(self, connection: object, organization: str | None) -> int | None:
        return None if organization is None else organization_id(connection, organization)  # type: ignore[arg-type]

    def select_properties(
        self, dimension: str | None, properties: Sequence[str] | None
    ) -> list[str] | None:
        if dimension is not None and dimension not in self.vocabulary.dimensions:
            known = ", ".join(self.vocabulary.dimensions)
            raise ValidationError(f"unknown dimension {dimension!r} (one of {known})")
        chosen = list(properties or [])
        for prop in chosen:
            self._known_property(prop)
        if dimension is not None:
            chosen += [p.id for p in self.vocabulary.in_dimension(dimension) if p.id not in chosen]
        return chosen or None

    def _known_property(self, prop: str) -> None:
        try:
            self.vocabulary.property(prop)
        except UnknownVocabularyIdError as exc:
            raise ValidationError(str(exc)) from None

    def market(self, code: str) -> MarketRow:
        with connect(self.engine) as connection:
            return queries.get_market(connection, code.strip().upper())

    def profile(
        self,
        code: str,
        *,
        as_of: date | None = None,
        known_at: datetime | None = None,
        dimension: str | None = None,
        viewer: str | None = None,
    ) -> list[Fact]:
        with connect(self.engine) as connection:
            return queries.profile(
                connection,
                code.strip().upper(),
                as_of=as_of or _today(),
                known_at=known_at,
                viewer_org_id=self._viewer(connection, viewer),
                properties=self.select_properties(dimension, None),
                statistics=self.statistics,
            )

    def profile_snapshot(
        self,
        code: str,
        *,
        as_of: date,
        known_at: datetime | None = None,
        dimension: str | None = None,
        viewer: str | None = None,
        with_breakpoints: bool = True,
    ) -> ProfileSnapshot:
        """A profile with what a cache needs to keep it, all read in one snapshot: the
        versions of the viewer's scopes, and the days on which the profile can change."""
        code = code.strip().upper()
        with connect(self.engine) as connection:
            viewer_org_id = self._viewer(connection, viewer)
            scopes = visible_scopes(viewer_org_id)
            versions = scope_versions(connection, scopes)
            private = versions.get(scopes[1]) if len(scopes) > 1 else None
            facts = queries.profile(
                connection,
                code,
                as_of=as_of,
                known_at=known_at,
                viewer_org_id=viewer_org_id,
                properties=self.select_properties(dimension, None),
                statistics=self.statistics,
            )
            return ProfileSnapshot(
                market=queries.get_market(connection, code),
                facts=facts,
                versions=(versions.get("public"), private),
                breakpoints=queries.profile_breakpoints(
                    connection, code, known_at=known_at, viewer_org_id=viewer_org_id
                )
                if with_breakpoints
                else None,
            )

    def history(self, code: str, prop: str, *, viewer: str | None = None) -> list[Fact]:
        self._known_property(prop)
        with connect(self.engine) as connection:
            return queries.history(
                connection,
                code.strip().upper(),
                prop,
                viewer_org_id=self._viewer(connection, viewer),
            )

    def compare(
        self,
        codes: Sequence[str],
        *,
        dimension: str | None = None,
        properties: Sequence[str] | None = None,
        as_of: date | None = None,
        known_at: datetime | None = None,
        viewer: str | None = None,
    ) -> dict[str, list[Fact]]:
        if len(codes) < 2:
            raise ValidationError("compare needs at least two markets")
        chosen = self.select_properties(dimension, properties)
        if chosen is None:
            raise ValidationError("compare needs a dimension or one or more properties")
        with connect(self.engine) as connection:
            return queries.profiles(
                connection,
                [c.strip().upper() for c in codes],
                as_of=as_of or _today(),
                known_at=known_at,
                viewer_org_id=self._viewer(connection, viewer),
                properties=chosen,
                statistics=self.statistics,
            )

    def facts(self, where: FactFilter, *, viewer: str | None = None) -> list[Fact]:
        with connect(self.engine) as connection:
            return queries.facts(connection, where, viewer_org_id=self._viewer(connection, viewer))

    def export(self, where: FactFilter, fmt: str, *, viewer: str | None = None) -> str:
        return render_bundle(self.facts(where, viewer=viewer), fmt)

    def coverage(
        self, codes: Sequence[str] | None = None, *, as_of: date | None = None
    ) -> Coverage:
        day = as_of or _today()
        dimensions = list(self.vocabulary.dimensions)
        per_dimension = {d: len(self.vocabulary.in_dimension(d)) for d in dimensions}
        with connect(self.engine) as connection:
            markets = (
                [c.strip().upper() for c in codes]
                if codes
                else queries.markets_with_facts(connection)
            )
            found = queries.profiles(connection, markets, as_of=day, statistics=self.statistics)
        year_ago = day - timedelta(days=365)
        counts: dict[str, dict[str, int]] = {}
        stale: dict[str, float] = {}
        for code, facts in found.items():
            properties_by_dimension: dict[str, set[str]] = {d: set() for d in dimensions}
            for fact in facts:
                if fact.sources:
                    prop = self.vocabulary.properties.get(fact.property)
                    if prop is not None:
                        properties_by_dimension[prop.dimension].add(fact.property)
            counts[code] = {d: len(props) for d, props in properties_by_dimension.items()}
            checked = [_last_checked(fact) for fact in facts]
            stale[code] = sum(1 for c in checked if c < year_ago) / len(checked) if checked else 0.0
        return Coverage(day, dimensions, per_dimension, counts, stale)


def _last_checked(fact: Fact) -> date:
    if fact.checked is not None:
        return fact.checked
    accessed = [s.accessed for s in fact.sources if s.accessed is not None]
    return max(accessed) if accessed else fact.recorded_at.date()


def _today() -> date:
    return datetime.now(UTC).date()
