"""The demo organization (`flask ambassador demo`, run by `make run` on first start): people, content, a month of
history, an NPS survey and the community, built through the services."""
