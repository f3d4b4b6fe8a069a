"""The business logic, one module per concept (DESIGN.md "Layout"); a regular package so the import checks see it."""
