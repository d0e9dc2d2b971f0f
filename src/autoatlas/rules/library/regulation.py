"""Regulation: type approval, mandatory UN regulations, national schemes, fleet CO2,
connected vehicles and data, battery duties, documentation languages."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date

from autoatlas.rules.engine import Context, Finding, Severity, rule
from autoatlas.vehicles.spec import VehicleSpec

# The certificate that answers each national type-approval scheme.
_SCHEME_CERTIFICATE = {
    "EU-WVTA": "EU-WVTA",
    "FMVSS": "FMVSS",
    "CMVSS": "CMVSS",
    "ADR": "ADR",
    "AIS-CMVR": "AIS-CMVR",
    "GSO": "GSO",
    "TR-CU": "TR-CU",
    "JIS-TRIAS": "JIS-TRIAS",
    "KMVSS": "KMVSS",
    "CCC": "CCC",
    "INMETRO": "INMETRO",
    "NOM": "NOM",
}


def _electric(model: VehicleSpec) -> bool:
    return model.powertrain in ("BEV", "PHEV", "EREV", "FCEV")


@rule(
    "regulation.type_approval",
    reads=("regulation.type_approval.regime",),
    description="The market's type-approval scheme against the certificates held",
    description_zh="车型已获认证是否满足该市场的型式认证制度",
    uses=(("certifications", frozenset(_SCHEME_CERTIFICATE.values())),),
)
def type_approval(ctx: Context) -> Iterator[Finding]:
    regime = ctx.fact("regulation.type_approval.regime")
    if regime is None:
        yield ctx.unknown("regulation.type_approval.regime")
        return
    certificate = _SCHEME_CERTIFICATE.get(regime.value)
    if certificate is None:  # UNECE or a national scheme without a single certificate
        yield ctx.note(
            f"type approval under {regime.value}: the UN regulations the market "
            "applies are checked one by one",
            f"按 {regime.value} 型式认证：逐项核对该市场适用的联合国法规",
            regime,
        )
    elif certificate in ctx.model.certifications:
        yield ctx.ok(f"{certificate} approval held", f"已持有 {certificate} 认证", regime)
    else:
        yield ctx.fail(
            Severity.BLOCKER,
            f"{regime.value} type approval is required and not held",
            f"需要 {regime.value} 型式认证，尚未取得",
            regime,
            fix=(f"obtain {certificate} approval", f"取得 {certificate} 认证"),
        )


@dataclass(frozen=True, slots=True)
class _DatedDuty:
    """A requirement that applies from a date (a fact) unless the model holds a certificate:
    held is ok; not held is a blocker once the date has come, a major finding before it.
    Texts are (en, zh) templates over {day}."""

    prop: str
    certificate: str
    held: tuple[str, str]
    overdue: tuple[str, str]
    upcoming: tuple[str, str]
    fix_overdue: tuple[str, str]
    fix_upcoming: tuple[str, str]


def _dated_requirement(duty: _DatedDuty) -> Callable[[Context], Iterator[Finding]]:
    def check(ctx: Context) -> Iterator[Finding]:
        since = ctx.fact(duty.prop)
        if since is None:
            yield ctx.unknown(duty.prop)
            return
        day = date.fromisoformat(since.value)
        if duty.certificate in ctx.model.certifications:
            yield ctx.ok(*duty.held, since)
            return
        due = day <= ctx.on
        en, zh = duty.overdue if due else duty.upcoming
        fix_en, fix_zh = duty.fix_overdue if due else duty.fix_upcoming
        yield ctx.fail(
            Severity.BLOCKER if due else Severity.MAJOR,
            en.format(day=day),
            zh.format(day=day),
            since,
            fix=(fix_en.format(day=day), fix_zh.format(day=day)),
        )

    return check


def _un_regulation(prop: str, certificate: str, topic: str, topic_zh: str) -> _DatedDuty:
    return _DatedDuty(
        prop,
        certificate,
        held=(f"{certificate} ({topic}) held", f"已持有 {certificate}（{topic_zh}）"),
        overdue=(
            f"{certificate} ({topic}) is mandatory since {{day}} and not held",
            f"{certificate}（{topic_zh}）自 {{day}} 起强制，尚未取得",
        ),
        upcoming=(
            f"{certificate} ({topic}) becomes mandatory on {{day}}; not held",
            f"{certificate}（{topic_zh}）将于 {{day}} 起强制，尚未取得",
        ),
        fix_overdue=(f"certify to {certificate}", f"取得 {certificate} 认证"),
        fix_upcoming=(
            f"certify to {certificate} before {{day}}",
            f"在 {{day}} 前取得 {certificate} 认证",
        ),
    )


for _prop, _cert, _topic, _zh, _applies in (
    ("regulation.un_r155.mandatory_from", "UN-R155", "cybersecurity", "网络安全", None),
    ("regulation.un_r156.mandatory_from", "UN-R156", "software updates", "软件升级", None),
    ("regulation.un_r100.mandatory_from", "UN-R100", "electric safety", "电动车安全", _electric),
    (
        "regulation.un_r138.mandatory_from",
        "UN-R138",
        "quiet-vehicle sound",
        "低速提示音",
        _electric,
    ),
    ("regulation.un_r152.mandatory_from", "UN-R152", "emergency braking", "自动紧急制动", None),
    ("regulation.ecall.mandatory_from", "UN-R144", "eCall", "紧急呼叫", None),
):
    rule(
        f"regulation.{_cert.lower().replace('-', '_')}",
        reads=(_prop,),
        description=f"{_cert} ({_topic}) when and where it is mandatory",
        description_zh=f"{_cert}（{_zh}）法规强制实施时是否已获认证",
        applies=_applies,
        uses=(("certifications", frozenset([_cert])), *(("powertrain",) if _applies else ())),
    )(_dated_requirement(_un_regulation(_prop, _cert, _topic, _zh)))


@rule(
    "regulation.fleet_co2",
    reads=("regulation.fleet_co2.target",),
    description="Tailpipe CO2 against the market's fleet target (a cost, not a bar)",
    description_zh="尾气二氧化碳排放与该市场企业平均排放目标的差距（影响成本，不构成准入障碍）",
    uses=("powertrain", "co2_g_km"),
)
def fleet_co2(ctx: Context) -> Iterator[Finding]:
    target = ctx.fact("regulation.fleet_co2.target")
    if target is None:
        yield ctx.unknown("regulation.fleet_co2.target")
        return
    # The figure against the target, not the figure itself: the findings name the target,
    # so models on the same side of it share them (the figure is in the model's spec).
    bev = ctx.model.powertrain == "BEV"
    above = bool(target.value < 0.0) if bev else ctx.above("co2_g_km", target.value)
    if above is None:
        yield ctx.note(
            "the model gives no CO2 figure to set against the fleet target",
            "车型未给出 CO2 排放，无法与车队目标比较",
            target,
            severity=Severity.MINOR,
        )
    elif above:
        yield ctx.fail(
            Severity.MINOR,
            f"tailpipe CO2 above the {target.value} g/km fleet target",
            f"尾气 CO2 排放高于车队目标 {target.value} 克/公里",
            target,
            fix=("pool with zero-emission models or buy credits", "与零排放车型合并计算或购买积分"),
        )
    else:
        yield ctx.ok(
            f"tailpipe CO2 within the {target.value} g/km fleet target"
            + (" (battery-electric: none)" if bev else ""),
            f"尾气 CO2 排放不高于车队目标 {target.value} 克/公里"
            + ("（纯电动：零排放）" if bev else ""),
            target,
        )


@rule(
    "regulation.connected_vehicle_origin",
    reads=("regulation.connected_vehicle.origin_restriction",),
    description="Bans or restrictions on connected-vehicle systems from the vehicle's origin",
    description_zh="针对车辆原产国网联汽车系统的禁令或限制",
    applies=lambda m: m.connected_services,
    uses=("connected_services", "origin"),
)
def connected_vehicle_origin(ctx: Context) -> Iterator[Finding]:
    restriction = ctx.fact("regulation.connected_vehicle.origin_restriction")
    others = ctx.any("regulation.connected_vehicle.origin_restriction")
    if restriction is None and others:
        yield ctx.ok(
            f"the connected-vehicle restrictions do not cover origin {ctx.model.origin}",
            f"网联车辆限制不涉及原产地 {ctx.model.origin}",
            *others,
        )
    elif restriction is None:
        yield ctx.unknown("regulation.connected_vehicle.origin_restriction")
    elif restriction.qualifiers.get("origin") == ctx.model.origin:
        yield ctx.fail(
            Severity.BLOCKER,
            f"connected-vehicle systems from {ctx.model.origin} are restricted: "
            f"{restriction.value}",
            f"来自 {ctx.model.origin} 的网联系统受限：{restriction.value}",
            restriction,
            fix=(
                "source connectivity hardware and software outside the restricted origin",
                "在受限来源国以外采购网联软硬件",
            ),
        )
    else:
        yield ctx.note(
            f"connected-vehicle rule: {restriction.value}",
            f"网联车辆规定：{restriction.value}",
            restriction,
        )


@rule(
    "regulation.data_localisation",
    reads=("regulation.vehicle_data.localisation_required",),
    description="Vehicle data that must stay in the market",
    description_zh="须在该市场境内存储的车辆数据（数据本地化）",
    applies=lambda m: m.connected_services,
    uses=("connected_services", "data_processed_in"),
    uses_market=True,  # the data must stay in this market
)
def data_localisation(ctx: Context) -> Iterator[Finding]:
    required = ctx.fact("regulation.vehicle_data.localisation_required")
    if required is None:
        yield ctx.unknown("regulation.vehicle_data.localisation_required")
    elif required.value and ctx.market not in ctx.model.data_processed_in:
        yield ctx.fail(
            Severity.MAJOR,
            f"vehicle data must be kept in {ctx.market}",
            f"车辆数据须存储在 {ctx.market} 境内",
            required,
            fix=(
                f"process connected-service data in {ctx.market}",
                f"在 {ctx.market} 境内处理网联服务数据",
            ),
        )
    else:
        yield ctx.ok("data localisation rule met", "满足数据本地化要求", required)


def _battery_duty(prop: str, certificate: str, what: str, what_zh: str) -> _DatedDuty:
    due = (f"{what} required from {{day}}", f"自 {{day}} 起要求{what_zh}")
    fix = (f"prepare the {what}", f"准备{what_zh}")
    return _DatedDuty(prop, certificate, (f"{what} ready", f"{what_zh}已就绪"), due, due, fix, fix)


for _prop, _cert, _what, _zh in (
    (
        "regulation.battery.passport_required_from",
        "battery-passport",
        "battery passport",
        "电池护照",
    ),
    (
        "regulation.battery.carbon_footprint_declaration_from",
        "battery-carbon-footprint",
        "battery carbon-footprint declaration",
        "电池碳足迹声明",
    ),
):
    rule(
        f"regulation.{_cert.replace('-', '_')}",
        reads=(_prop,),
        description=f"{_what} duty of the battery regulation",
        description_zh=f"电池法规规定的{_zh}义务",
        applies=_electric,
        uses=(("certifications", frozenset([_cert])), "powertrain"),
    )(_dated_requirement(_battery_duty(_prop, _cert, _what, _zh)))


@rule(
    "regulation.battery_epr",
    reads=("regulation.battery.epr_required",),
    description="Producer responsibility for traction batteries",
    description_zh="动力电池的生产者责任延伸（回收）义务",
    applies=_electric,
    uses=("powertrain",),
)
def battery_epr(ctx: Context) -> Iterator[Finding]:
    required = ctx.fact("regulation.battery.epr_required")
    if required is None:
        yield ctx.unknown("regulation.battery.epr_required")
    elif required.value:
        yield ctx.note(
            "register with the battery producer-responsibility scheme before sale",
            "销售前须登记电池生产者责任制度",
            required,
            severity=Severity.MINOR,
        )
    else:
        yield ctx.ok(
            "no battery producer-responsibility registration", "无需电池生产者责任登记", required
        )


@rule(
    "regulation.documentation_languages",
    reads=("regulation.documentation.languages",),
    description="Languages of labels and manuals",
    description_zh="标签和用户手册的语言要求",
    uses=("documentation_languages",),
)
def documentation_languages(ctx: Context) -> Iterator[Finding]:
    required = ctx.fact("regulation.documentation.languages")
    if required is None:
        yield ctx.unknown("regulation.documentation.languages")
        return
    missing = sorted(set(required.value) - ctx.model.documentation_languages)
    if missing:
        yield ctx.fail(
            Severity.MINOR,
            f"labels and manuals needed in {', '.join(missing)}",
            f"标签和说明书需提供 {', '.join(missing)} 语言版本",
            required,
            fix=(
                f"translate labels and manuals into {', '.join(missing)}",
                f"将标签和说明书翻译为 {', '.join(missing)}",
            ),
        )
    else:
        yield ctx.ok(
            "labels and manuals in the required languages", "标签和说明书语言符合要求", required
        )
