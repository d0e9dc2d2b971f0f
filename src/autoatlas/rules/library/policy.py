"""Policy: purchase-incentive eligibility, local-production conditions, ICE phase-out."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal

from autoatlas.rules.engine import Context, Finding, Severity, rule


@rule(
    "policy.incentive_eligibility",
    reads=("policy.ev_incentive.amount", "policy.ev_incentive.price_cap"),
    description="Whether the model's price qualifies for the EV purchase incentive",
    description_zh="车型售价是否符合电动汽车购车补贴的条件",
    applies=lambda m: m.powertrain in ("BEV", "PHEV", "EREV", "FCEV"),
    uses=("powertrain", "price"),
)
def incentive_eligibility(ctx: Context) -> Iterator[Finding]:
    amount = ctx.fact("policy.ev_incentive.amount")
    if amount is None:
        yield ctx.unknown("policy.ev_incentive.amount")
        return
    cap = ctx.fact("policy.ev_incentive.price_cap")
    grant = f"{amount.value['amount']} {amount.value['currency']}"
    if cap is None:
        yield ctx.note(
            f"an EV incentive of {grant} exists (no price cap recorded)",
            f"有 {grant} 的电动车补贴（未记录车价上限）",
            amount,
        )
        return
    limit = Decimal(cap.value["amount"])
    currency = cap.value["currency"]
    # The price against the cap, not the price itself: the findings name the cap, so models
    # on the same side of it share them (the price is in the model's spec and cost lines).
    above = ctx.price_above(limit, currency)
    if above is None:
        yield ctx.note(
            f"an EV incentive of {grant} applies up to {limit} {currency}; "
            "no exchange rate to compare the price",
            f"车价不超过 {limit} {currency} 可获 {grant} 补贴；缺少汇率无法比较",
            amount,
            cap,
            severity=Severity.MINOR,
        )
    elif not above:
        yield ctx.ok(
            f"eligible for the {grant} EV incentive: the price is within its cap of "
            f"{limit} {currency}",
            f"符合 {grant} 电动车补贴条件：车价不超过上限 {limit} {currency}",
            amount,
            cap,
        )
    else:
        yield ctx.fail(
            Severity.MINOR,
            f"not eligible for the {grant} EV incentive: the price is above its cap of "
            f"{limit} {currency}",
            f"不符合 {grant} 补贴条件：车价高于上限 {limit} {currency}",
            amount,
            cap,
            fix=("offer a trim priced under the cap", "推出低于上限价格的配置"),
        )


@rule(
    "policy.local_production",
    reads=("policy.local_production.requirement",),
    description="Local-production or local-content conditions",
    description_zh="本地生产或本地化率要求",
    uses=(),
)
def local_production(ctx: Context) -> Iterator[Finding]:
    requirement = ctx.fact("policy.local_production.requirement")
    if requirement is None:
        return  # no condition recorded: coverage shows the hole, it is not a requirement
    yield ctx.note(
        f"local-production condition: {requirement.value}",
        f"本地生产条件：{requirement.value}",
        requirement,
        severity=Severity.MINOR,
    )


@rule(
    "policy.ice_phase_out",
    reads=("policy.ice_phase_out.date",),
    description="A ban on new combustion-engine sales",
    description_zh="新售燃油车禁售政策",
    applies=lambda m: m.powertrain in ("ICE", "HEV", "PHEV"),
    uses=("powertrain",),
)
def ice_phase_out(ctx: Context) -> Iterator[Finding]:
    phase_out = ctx.fact("policy.ice_phase_out.date")
    if phase_out is None:
        return
    day = date.fromisoformat(phase_out.value)
    if day <= ctx.on:
        yield ctx.fail(
            Severity.BLOCKER,
            f"new combustion-engine cars may not be sold since {day}",
            f"自 {day} 起禁止销售新的燃油车",
            phase_out,
            fix=("offer a battery-electric version", "推出纯电版本"),
        )
    elif (day - ctx.on).days < 5 * 365:
        yield ctx.note(
            f"new combustion-engine sales end on {day}",
            f"燃油新车销售将于 {day} 结束",
            phase_out,
            severity=Severity.MAJOR,
        )
    else:
        yield ctx.note(
            f"new combustion-engine sales end on {day}", f"燃油新车销售将于 {day} 结束", phase_out
        )
