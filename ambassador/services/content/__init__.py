"""What curators publish: campaigns, posts (link, preview, captions, window, audience, image) and their approval."""
