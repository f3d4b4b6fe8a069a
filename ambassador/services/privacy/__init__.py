"""Members' own data (GDPR articles 15, 17 and 20): a member downloads what an organization holds about them,
an administrator erases a member. It reads and changes every domain's rows of one member, so it sits above
them (org, nps, publishing, audit) and none of them imports it. Respondents' export and erasure stay in
services/nps/respondent_privacy.py, which this package reuses."""
