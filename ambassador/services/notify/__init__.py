"""Notifications: email digests (digests.py, digest_content.py) and Slack/Teams incoming webhooks
(webhooks.py: endpoints and `notify`; webhook_delivery.py: payloads, sending, retries)."""
