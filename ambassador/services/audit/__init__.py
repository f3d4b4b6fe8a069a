"""The audit log (who did what, when and from where): recording events, reading them back, retention."""
