"""Pages for staff in the field: a grid officer's report from the phone (网格员上报)."""
