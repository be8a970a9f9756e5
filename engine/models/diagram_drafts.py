"""Unsaved diagram/DMN drafts an administrator is editing."""
