"""Charging: connectors against the market's standards, on-board charger against mains."""

from __future__ import annotations

from collections.abc import Iterator

from autoatlas.rules.engine import Context, Finding, Severity, rule
from autoatlas.vehicles.spec import VehicleSpec


def _plug_in(model: VehicleSpec) -> bool:
    return model.powertrain in ("BEV", "PHEV", "EREV")


def _connectors(
    ctx: Context, prop: str, held: frozenset[str], kind: str, kind_zh: str, severity: Severity
) -> Iterator[Finding]:
    standard = ctx.fact(prop)
    if standard is None:
        yield ctx.unknown(prop)
        return
    wanted = set(standard.value)
    shared = sorted(held & wanted)
    if shared:
        yield ctx.ok(
            f"{kind} connector {', '.join(shared)} matches the market",
            f"{kind_zh}接口 {', '.join(shared)} 符合市场标准",
            standard,
        )
        return
    have = ", ".join(sorted(held)) or "none"
    yield ctx.fail(
        severity,
        f"{kind} connector {have} does not match the market's {', '.join(sorted(wanted))}",
        f"{kind_zh}接口 {have} 与市场标准 {', '.join(sorted(wanted))} 不符",
        standard,
        fix=(f"fit a {sorted(wanted)[0]} {kind} inlet", f"改装 {sorted(wanted)[0]} {kind_zh}接口"),
    )


@rule(
    "charging.dc_connector",
    reads=("charging.dc_connector",),
    description="DC fast-charging inlet against the market's DC standards",
    description_zh="直流快充接口是否符合该市场的直流充电标准",
    applies=lambda m: m.powertrain == "BEV",
    uses=("powertrain", "dc_connectors"),
)
def dc_connector(ctx: Context) -> Iterator[Finding]:
    yield from _connectors(
        ctx, "charging.dc_connector", ctx.model.dc_connectors, "DC", "直流", Severity.BLOCKER
    )


@rule(
    "charging.ac_connector",
    reads=("charging.ac_connector",),
    description="AC charging inlet against the market's AC standards",
    description_zh="交流充电接口是否符合该市场的交流充电标准",
    applies=_plug_in,
    uses=("powertrain", "ac_connectors"),
)
def ac_connector(ctx: Context) -> Iterator[Finding]:
    yield from _connectors(
        ctx, "charging.ac_connector", ctx.model.ac_connectors, "AC", "交流", Severity.MAJOR
    )


@rule(
    "charging.mains_voltage",
    reads=("charging.mains_voltage",),
    description="On-board charger input range against the mains voltage",
    description_zh="车载充电机的输入电压范围是否适配当地电网电压",
    applies=_plug_in,
    uses=("powertrain", "charger_voltage_min_v", "charger_voltage_max_v"),
)
def mains_voltage(ctx: Context) -> Iterator[Finding]:
    mains = ctx.fact("charging.mains_voltage")
    low, high = ctx.model.charger_voltage_min_v, ctx.model.charger_voltage_max_v
    if mains is None:
        yield ctx.unknown("charging.mains_voltage")
        return
    if low is None or high is None:
        yield ctx.note(
            "the model gives no on-board charger input range to check against "
            f"{mains.value} V mains",
            f"车型未给出车载充电机输入电压范围，无法与 {mains.value} V 电网核对",
            mains,
            severity=Severity.MINOR,
        )
        return
    if low <= mains.value <= high:
        yield ctx.ok(
            f"on-board charger {low:g}–{high:g} V accepts {mains.value} V mains",
            f"车载充电机 {low:g}–{high:g} V 适配 {mains.value} V 电网",
            mains,
        )
    else:
        yield ctx.fail(
            Severity.MAJOR,
            f"on-board charger {low:g}–{high:g} V does not accept {mains.value} V mains",
            f"车载充电机 {low:g}–{high:g} V 不适配 {mains.value} V 电网",
            mains,
            fix=(
                "fit a wide-range (100–240 V) on-board charger",
                "改用宽电压（100–240 V）车载充电机",
            ),
        )
