"""Signed event webhooks (Standard Webhooks): endpoints, `emit` (the one call every domain makes when an event
happens) and delivery. Imports only the audit log below it, so any domain may call `emit` without a cycle."""
