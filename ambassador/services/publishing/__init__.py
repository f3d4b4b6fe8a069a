"""Getting a post out: share composition, intent shares, linked accounts and their OAuth, scheduling, auto-share,
the worker's dispatch and leases, tracked short links and their clicks."""
