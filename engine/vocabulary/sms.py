"""The words of the text messages (短信). They go to phones, in Chinese: complainants are written
to in the language of the bureau, and staff read the same words as in their bell."""
from __future__ import annotations

from engine.vocabulary.words import N_

# Placeholders: code (tracking code), link (the tracking page, where the complainant also rates).
SMS_TEXTS = {
    "acceptance": "您反映的环境问题已受理，查询码 %(code)s，可在 %(link)s 查询办理进度。",
    "reply": "您反映的环境问题已办结答复，请在 %(link)s 查看答复并评价。",
    "reply_no_link": "您反映的环境问题已办结答复，可凭查询码 %(code)s 查看答复并评价。",
    "acceptance_no_link": "您反映的环境问题已受理，查询码 %(code)s，可凭查询码查询办理进度。",
}
# Staff texts repeat a notification's title; the kinds of notification that are also texted.
SMS_STAFF_KINDS = ("warning", "escalation")
# The words of the administrator's outbox list (webapp/admin/sms.py).
SMS_KINDS = {"acceptance": N_("受理告知"), "reply": N_("答复告知"), "warning": N_("预警提醒"), "escalation": N_("督办提醒"),
             "selfcheck": N_("企业自查通知")}
SMS_STATUSES = {"pending": N_("待发送"), "sent": N_("已发送"), "failed": N_("发送失败")}
