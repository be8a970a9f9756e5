"""The words of the text messages (短信). They go to phones, in Chinese: complainants are written
to in the language of the bureau, and staff read the same words as in their bell."""
from __future__ import annotations

# Placeholders: code (tracking code), link (the tracking page, where the complainant also rates).
SMS_TEXTS = {
    "acceptance": "您反映的环境问题已受理，查询码 %(code)s，可在 %(link)s 查询办理进度。",
    "reply": "您反映的环境问题已办结答复，请在 %(link)s 查看答复并评价。",
    "reply_no_link": "您反映的环境问题已办结答复，可凭查询码 %(code)s 查看答复并评价。",
    "acceptance_no_link": "您反映的环境问题已受理，查询码 %(code)s，可凭查询码查询办理进度。",
}
# Staff texts repeat a notification's title; the kinds of notification that are also texted.
SMS_STAFF_KINDS = {"warning": "预警", "escalation": "督办"}
SMS_KINDS = {"acceptance": "受理告知", "reply": "答复告知", "warning": "预警提醒", "escalation": "督办提醒"}
SMS_STATUSES = {"pending": "待发送", "sent": "已发送", "failed": "发送失败"}
