"""Staff working tasks: the inbox, the task page with its form, the lead's approvals, the
supervisors' board, and the notification bell.
"""
