"""Infrastructure the services stand on, with no business rules: secrets at rest, database helpers, email outbox,
uploads, bot detection, safe outgoing HTTP, absolute URLs, Open Graph fetch, the click buffer, throttles, tokens.

Infra imports models and providers at most; never services, web, forms or jobs."""
