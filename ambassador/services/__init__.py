"""The business logic, one sub-package per domain (DESIGN.md "Layout"): org, content, publishing, analytics, nps,
community. Services take typed keyword arguments, never read the request and never commit: the caller does."""
