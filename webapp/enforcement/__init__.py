"""执法办案 pages: the enforcement cases a person may read and one case's facts, documents and open
step. The steps themselves are tasks worked on the task pages (webapp/work/tasks.py); the rules
are engine/enforcement's, who sees what engine/org/scopes.py's (as the complaint case)."""
