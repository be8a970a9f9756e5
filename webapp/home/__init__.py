"""Where each person lands (intake and handlers on their inbox, leads on their approvals,
supervisors and bureau leaders on their dashboard) and the supervisors' dashboard itself.
"""
