"""What a leader's record or a flag can be refused for: one code per problem and field, each with
its Chinese and English message (the web app shows its own translation of the code)."""
from __future__ import annotations

from engine.core.errors import GreenloopError

MESSAGES = {
    "required": "必填 (required)",
    "too_long": "内容过长 (too long)",
    "bad_date": "日期格式应为 YYYY-MM-DD (a date is YYYY-MM-DD)",
    "in_future": "不能晚于今天 (cannot be after today)",
    "before_case": "不能早于案件登记日期 (cannot be before the case was registered)",
    "not_after_today": "下次调度日期须晚于今天 (the next check must be after today)",
    "too_far": "下次调度日期不能超过一年以后 (the next check must be within a year)",
    "unknown_person": "人员不存在或已停用 (no such active staff member)",
    "too_many": "条目过多 (too many entries)",
    "unknown_department": "部门不存在 (no such department)",
    "not_in_department": "该人员不是该部门的承办人 (this person is not a handler of that department)",
    "bad_days": "期限应为 1–60 个工作日 (the deadline is 1–60 working days)",
    "unknown_flag": "标记无效 (no such flag)",
    "already_flagged": "案件已有此标记 (the case already carries this flag)",
    "not_flagged": "案件没有此标记 (the case does not carry this flag)",
    "not_owned": "该案件尚未由局领导包案 (no leader owns this case)",
}


class RecordInvalid(GreenloopError):
    """The input was refused; ``problems`` maps a field ("" for the whole) to problem codes."""

    def __init__(self, problems: dict[str, list[str]]):
        self.problems = {name: codes for name, codes in problems.items() if codes}
        super().__init__("; ".join(f"{name or '*'}: {', '.join(MESSAGES.get(c, c) for c in codes)}"
                                   for name, codes in self.problems.items()))

    def codes(self, name: str) -> list[str]:
        return self.problems.get(name, [])


class Problems(dict):
    """Collects problems per field, then raises them together."""

    def add(self, name: str, code: str) -> None:
        self.setdefault(name, []).append(code)

    def raise_any(self) -> None:
        if self:
            raise RecordInvalid(dict(self))
