"""Online-monitoring alarms (在线监测报警) registered as cases: what is kept and the case title."""
from __future__ import annotations

import math

KIND_NAMES = {"exceedance": "超标", "equipment_fault": "设备故障", "data_missing": "数据缺失"}


def _number(value: float) -> str:
    return f"{value:g}"


def alarm_details(alarm: dict) -> dict:
    """The alarm as stored in Case.details["monitoring"] (JSON: times as ISO text), with the
    exceedance multiple (超标倍数 = (measured − limit) ÷ limit) that enforcement reports quote."""
    details = {key: (value.isoformat() if hasattr(value, "isoformat") else value) for key, value in alarm.items()}
    if alarm.get("kind", "exceedance") == "exceedance" and alarm["limit_value"] > 0:
        multiple = (alarm["measured_value"] - alarm["limit_value"]) / alarm["limit_value"]
        if math.isfinite(multiple):  # JSON (and PostgreSQL) have no infinity
            details["exceedance_multiple"] = round(multiple, 3)
    return details


def alarm_title(alarm: dict) -> str:
    station = alarm.get("station_name") or alarm["station_code"]
    kind = KIND_NAMES.get(alarm.get("kind", "exceedance"), "报警")
    unit = alarm.get("unit") or ""
    if alarm.get("kind", "exceedance") != "exceedance":
        return f"{station} {alarm['pollutant']} {kind}"[:300]
    return (f"{station} {alarm['pollutant']} {kind}：{_number(alarm['measured_value'])}{unit}"
            f"（限值 {_number(alarm['limit_value'])}{unit}）")[:300]
