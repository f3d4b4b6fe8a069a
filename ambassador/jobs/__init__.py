"""Periodic jobs: their list (definitions), the functions (tasks) and the scheduler runner (worker)."""
