"""What managers and members read: leaderboards, the overview, a member's activity, reporting windows."""
