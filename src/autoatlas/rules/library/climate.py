"""Climate: the coldest and hottest months of the market's main cities against the model's
operating range and battery thermal management."""

from __future__ import annotations

from collections.abc import Iterator

from autoatlas.rules.engine import Context, Finding, Severity, rule


@rule(
    "climate.cold",
    reads=("climate.temp_min_c",),
    description="Coldest monthly mean of the main cities against the operating range",
    description_zh="主要城市最冷月平均气温是否在车辆工作温度范围内",
    uses=("operating_temp_min_c", "powertrain", "battery_thermal_management"),
    uses_market=True,  # names the market where a city is not given
)
def cold(ctx: Context) -> Iterator[Finding]:
    cities = ctx.all("climate.temp_min_c")
    if not cities:
        yield ctx.unknown("climate.temp_min_c")
        return
    coldest = min(cities, key=lambda f: f.value)
    where = coldest.qualifiers.get("city", ctx.market)
    limit = ctx.model.operating_temp_min_c
    if coldest.value < limit:
        yield ctx.fail(
            Severity.BLOCKER,
            f"{where}'s coldest month averages {coldest.value} °C, below the model's "
            f"{limit} °C operating limit",
            f"{where}最冷月平均 {coldest.value}°C，低于车型工作下限 {limit}°C",
            coldest,
            fix=(
                "validate cold-climate operation; add battery heating",
                "完成寒区验证，加装电池加热",
            ),
        )
    elif (
        coldest.value < 0
        and ctx.model.powertrain == "BEV"
        and ctx.model.battery_thermal_management in ("none", "passive", "air")
    ):
        yield ctx.fail(
            Severity.MAJOR,
            f"{where}'s coldest month averages {coldest.value} °C and the battery has "
            f"{ctx.model.battery_thermal_management} thermal management",
            f"{where}最冷月平均 {coldest.value}°C，电池热管理为 "
            f"{ctx.model.battery_thermal_management}",
            coldest,
            fix=("fit liquid thermal management or a heat pump", "采用液冷或热泵热管理"),
        )
    else:
        yield ctx.ok(
            f"coldest month {coldest.value} °C ({where}) is within the operating range",
            f"最冷月 {coldest.value}°C（{where}）在工作范围内",
            coldest,
        )


@rule(
    "climate.heat",
    reads=("climate.temp_max_c",),
    description="Hottest monthly mean of the main cities against the operating range",
    description_zh="主要城市最热月平均气温是否在车辆工作温度范围内",
    uses=("operating_temp_max_c", "battery_thermal_management"),
    uses_market=True,  # names the market where a city is not given
)
def heat(ctx: Context) -> Iterator[Finding]:
    cities = ctx.all("climate.temp_max_c")
    if not cities:
        yield ctx.unknown("climate.temp_max_c")
        return
    hottest = max(cities, key=lambda f: f.value)
    where = hottest.qualifiers.get("city", ctx.market)
    limit = ctx.model.operating_temp_max_c
    if hottest.value > limit:
        yield ctx.fail(
            Severity.BLOCKER,
            f"{where}'s hottest month averages {hottest.value} °C, above the model's "
            f"{limit} °C operating limit",
            f"{where}最热月平均 {hottest.value}°C，高于车型工作上限 {limit}°C",
            hottest,
            fix=(
                "validate hot-climate operation; upgrade battery cooling",
                "完成热区验证，升级电池冷却",
            ),
        )
    elif hottest.value >= 30 and ctx.model.battery_thermal_management in ("none", "passive"):
        yield ctx.fail(
            Severity.MAJOR,
            f"{where}'s hottest month averages {hottest.value} °C and the battery has "
            f"no active cooling",
            f"{where}最热月平均 {hottest.value}°C，电池无主动冷却",
            hottest,
            fix=("fit active battery cooling", "加装电池主动冷却"),
        )
    else:
        yield ctx.ok(
            f"hottest month {hottest.value} °C ({where}) is within the operating range",
            f"最热月 {hottest.value}°C（{where}）在工作范围内",
            hottest,
        )
