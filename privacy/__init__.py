"""Anonymisation, pseudonymous ids, users/roles/centres, audit trail, opposition, small-count rules."""
