"""Roads: which side the steering wheel is on, and whether the car clears the roads."""

from __future__ import annotations

from collections.abc import Iterator

from autoatlas.rules.engine import Context, Finding, Severity, rule

_EXPECTED = {"right": "LHD", "left": "RHD"}  # traffic on the right: driver sits on the left
_REGISTRATION = {"LHD": "regulation.lhd_registration", "RHD": "regulation.rhd_registration"}
_SEVERITY = {"banned": Severity.BLOCKER, "restricted": Severity.MAJOR, "allowed": Severity.MINOR}


@rule(
    "roads.steering_side",
    reads=("roads.driving_side", "regulation.lhd_registration", "regulation.rhd_registration"),
    description="Steering position against the driving side and the market's registration rule",
    description_zh="方向盘位置（左舵/右舵）是否符合行车方向及该市场的注册登记规定",
    uses=("steering",),
)
def steering_side(ctx: Context) -> Iterator[Finding]:
    side = ctx.fact("roads.driving_side")
    if side is None:
        yield ctx.unknown("roads.driving_side")
        return
    expected = _EXPECTED[side.value]
    steering = ctx.model.steering
    if steering == expected:
        yield ctx.ok(
            f"{steering} suits {side.value}-hand traffic",
            f"{steering} 适合靠{'右' if side.value == 'right' else '左'}行驶",
            side,
        )
        return
    registration = ctx.fact(_REGISTRATION[steering])
    fix = (f"build a {expected} version", f"开发 {expected} 版本")
    if registration is None:
        yield ctx.fail(
            Severity.MAJOR,
            f"{steering} in {side.value}-hand traffic; registration rule for "
            f"{steering} cars unknown",
            f"{steering} 车辆用于靠{'右' if side.value == 'right' else '左'}行驶市场；"
            f"{steering} 车辆注册规则未知",
            side,
            fix=fix,
        )
        return
    yield ctx.fail(
        _SEVERITY[registration.value],
        f"{steering} in {side.value}-hand traffic: registration of {steering} cars "
        f"is {registration.value}",
        f"{steering} 车辆用于靠{'右' if side.value == 'right' else '左'}行驶市场："
        f"{steering} 车辆注册为 {registration.value}",
        side,
        registration,
        fix=fix,
    )


@rule(
    "roads.ground_clearance",
    reads=("roads.paved_share",),
    description="Ground clearance against the share of paved roads",
    description_zh="最小离地间隙是否适应该市场的铺装道路比例",
    uses=("ground_clearance_mm",),
)
def ground_clearance(ctx: Context) -> Iterator[Finding]:
    paved = ctx.fact("roads.paved_share")
    if paved is None:
        yield ctx.unknown("roads.paved_share")
        return
    clearance = ctx.model.ground_clearance_mm
    # Below 160 mm a car scrapes on unpaved roads; it matters where most roads are unpaved.
    if paved.value < 50 and clearance < 160:
        yield ctx.fail(
            Severity.MAJOR,
            f"only {paved.value} % of roads are paved and ground clearance is {clearance} mm",
            f"仅 {paved.value}% 道路铺装，而离地间隙为 {clearance} 毫米",
            paved,
            fix=(
                "raise ground clearance to 180 mm or more (rough-road package)",
                "将离地间隙提高到 180 毫米以上（坏路套件）",
            ),
        )
    else:
        yield ctx.ok(
            f"{clearance} mm ground clearance for {paved.value} % paved roads",
            f"离地间隙 {clearance} 毫米，道路铺装率 {paved.value}%",
            paved,
        )
