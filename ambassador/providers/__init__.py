"""Social network adapters behind one interface (base.SocialProvider) and their registry."""
