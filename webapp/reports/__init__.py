"""The periodic reports (统计报告: 日报/周报/月报) for the bureau's leaders, the supervision section
and administrators: the list of issued reports and their downloads (PDF, and the four-colour
ledger when it was written). The administrator's schedule page is webapp/admin/report_schedule.py.
"""
