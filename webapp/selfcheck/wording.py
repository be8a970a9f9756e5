"""The words of a self-inspection task's status on the staff and enterprise pages."""
from flask_babel import lazy_gettext as _l

STATUSES = {"waiting": _l("待企业填报"), "submitted": _l("已提交待审核"), "correcting": _l("退回补正中"),
            "accepted": _l("已通过")}
