"""Form definitions edited by administrators, versioned."""
