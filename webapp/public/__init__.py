"""The public complaint portal (/public/): no sign-in, phone-first; submit, track by code, add
information, rate the reply.
"""
