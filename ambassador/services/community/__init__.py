"""The community and its rewards: ideas, polls, discussions and moderation; the points ledger, badges, the rewards
catalogue and redemptions."""
