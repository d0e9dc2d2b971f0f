"""Trade: additional duties on the vehicle's origin and maker, bans, FTAs, quotas.

The duty rates themselves enter the landed cost; these rules say what stands out.
"""

from __future__ import annotations

from collections.abc import Iterator

from autoatlas.rules.engine import Context, Finding, Severity, rule

ADDITIONAL_DUTY = {
    "BEV": "trade.additional_duty.passenger_bev",
    "PHEV": "trade.additional_duty.passenger_phev",
}


def additional_duty_fact(ctx: Context):  # type: ignore[no-untyped-def]
    """The additional duty that applies: the powertrain's own, else the all-powertrain one."""
    own = ADDITIONAL_DUTY.get(ctx.model.powertrain)
    found = ctx.fact(own) if own else None
    return found or ctx.fact("trade.additional_duty.passenger_all")


@rule(
    "trade.additional_duty",
    reads=(*ADDITIONAL_DUTY.values(), "trade.additional_duty.passenger_all"),
    description="Additional (anti-subsidy, safeguard, retaliatory) duties on the origin and maker",
    description_zh="针对原产国和制造商加征的关税（反补贴税、保障措施关税、报复性关税）",
    uses=("powertrain",),
)
def additional_duty(ctx: Context) -> Iterator[Finding]:
    duty = additional_duty_fact(ctx)
    if duty is None:
        yield ctx.unknown("trade.additional_duty.*")
    elif duty.value > 0:
        who = ", ".join(f"{k}={v}" for k, v in duty.qualifiers.items()) or "all origins"
        yield ctx.note(
            f"additional duty of {duty.value} % applies ({who})",
            f"适用 {duty.value}% 的额外关税（{who}）",
            duty,
            severity=Severity.MAJOR,
        )
    else:
        yield ctx.ok("no additional duty", "无额外关税", duty)


@rule(
    "trade.import_ban",
    reads=("trade.import_ban.in_force",),
    description="Import bans on the vehicle's origin or powertrain",
    description_zh="针对车辆原产国或动力类型的进口禁令",
    uses=(),
)
def import_ban(ctx: Context) -> Iterator[Finding]:
    ban = ctx.fact("trade.import_ban.in_force")
    others = ctx.any("trade.import_ban.in_force")
    if ban is None and others:
        yield ctx.ok(
            "the import bans recorded do not cover this vehicle",
            "已记录的进口禁令不涉及该车辆",
            *others,
        )
    elif ban is None:
        yield ctx.unknown("trade.import_ban.in_force")
    elif ban.value:
        yield ctx.fail(
            Severity.BLOCKER,
            "imports of this vehicle are banned",
            "该车辆禁止进口",
            ban,
            fix=(
                "build in or ship from an origin the ban does not cover",
                "在禁令不涵盖的原产地生产或发运",
            ),
        )
    else:
        yield ctx.ok("no import ban", "无进口禁令", ban)


@rule(
    "trade.fta_china",
    reads=("trade.fta_china.in_force", "trade.fta_china.agreement"),
    description="A free-trade agreement with China that cuts the duty",
    description_zh="与中国签订、可降低关税的自由贸易协定",
    applies=lambda m: m.origin == "CN",
    uses=("origin",),
)
def fta_china(ctx: Context) -> Iterator[Finding]:
    in_force = ctx.fact("trade.fta_china.in_force")
    if in_force is None:
        yield ctx.unknown("trade.fta_china.in_force")
        return
    name = ctx.fact("trade.fta_china.agreement")
    facts = [f for f in (in_force, name) if f is not None]
    if in_force.value:
        label = name.value if name else "an FTA"
        yield ctx.note(
            f"China-origin vehicles may use {label} (rules of origin apply)",
            f"中国原产车辆可适用 {label}（须满足原产地规则）",
            *facts,
        )
    else:
        yield ctx.note(
            "no free-trade agreement with China in force", "与中国无生效的自由贸易协定", *facts
        )


@rule(
    "trade.import_quota",
    reads=("trade.import_quota.units",),
    description="Import quotas that cap the volume",
    description_zh="限制进口数量的进口配额",
    uses=(),
)
def import_quota(ctx: Context) -> Iterator[Finding]:
    quota = ctx.fact("trade.import_quota.units")
    if quota is None:
        return  # quotas are rare: no fact means none recorded, reported by coverage, not here
    yield ctx.note(
        f"an import quota of {quota.value} units applies",
        f"适用 {quota.value} 辆的进口配额",
        quota,
        severity=Severity.MINOR,
    )
