"""Challenges: time-boxed contests on shares, counted clicks, engagement, points or survey answers.

setup.py: creating, editing, publishing and listing them; scores.py: the live board (one grouped query over the
rollup cells); runs.py: the worker's start and end, winners, prizes and announcements.
(A package of its own rather than a module of services/community: it reads the analytics rollups, and
analytics already imports community, so community importing analytics would be a cycle.)
"""
