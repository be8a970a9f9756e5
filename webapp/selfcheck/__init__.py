"""企业自查 pages: the supervision section's checklist templates, issuing a campaign, the tasks
and the completion rate (``pages``); the enterprise's own page, opened by the link's token with
no account (``enterprise``)."""
