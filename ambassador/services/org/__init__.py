"""Organizations and their people: members, teams, invitations, CSV imports, settings, user accounts, passwords,
sign-up, email verification and sessions."""
