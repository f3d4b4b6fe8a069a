"""Configuration, read from the environment (see README)."""
from __future__ import annotations

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = BASE_DIR / "instance"


def _bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _throttles(defaults: dict[str, tuple[int, int]]) -> dict[str, tuple[int, int]]:
    limits = dict(defaults)
    for name in defaults:
        value = os.environ.get(f"THROTTLE_{name.upper()}")
        if value:
            attempts, seconds = value.split("/")
            limits[name] = (int(attempts), int(seconds))
    return limits


def _database_url() -> str:
    url = os.environ.get("DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'ambassador.db'}")
    # Heroku-style URLs name the dialect "postgres"; SQLAlchemy wants psycopg 3.
    if url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url[len("postgres://"):]
    elif url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


class Config:
    ENV_NAME = "production"
    # A process refuses to start without these (ambassador/startup.py: one line, exit status 1).
    REQUIRED_SETTINGS = ("SECRET_KEY", "PUBLIC_BASE_URL", "TOKEN_KEYS")
    SECRET_KEY = os.environ.get("SECRET_KEY")
    SQLALCHEMY_DATABASE_URI = _database_url()
    # No pool_pre_ping by default: infra/database.py check_on_checkout() replaces dead connections without its
    # round trip per checkout; DATABASE_PING_EVERY_CHECKOUT=1 pings on every checkout instead.
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True} if _bool("DATABASE_PING_EVERY_CHECKOUT") else {}
    # Salt for visitor hashes on clicks; rotating it only resets dedupe windows.
    CLICK_SALT = os.environ.get("CLICK_SALT")

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", True)
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", True)
    # Sessions live server-side (user_session rows): logout, password change and reset revoke them.
    # "Remember me" lasts REMEMBER_DAYS, enforced on the server whatever the cookie's Expires says;
    # a session without it ends after SESSION_IDLE_HOURS without a request (and after REMEMBER_DAYS anyway).
    REMEMBER_DAYS = int(os.environ.get("REMEMBER_DAYS", "30"))
    REMEMBER_COOKIE_DURATION = 60 * 60 * 24 * REMEMBER_DAYS
    SESSION_IDLE_HOURS = int(os.environ.get("SESSION_IDLE_HOURS", "12"))
    # Secure cookies carry the __Host- prefix: the browser then only accepts them Secure, for
    # Path=/ and without a Domain, so no subdomain or plain-http page can set or replace them.
    # (Browsers drop a __Host- cookie that is not Secure, so over http the names stay plain.)
    SESSION_COOKIE_NAME = "__Host-session" if SESSION_COOKIE_SECURE else "session"
    REMEMBER_COOKIE_NAME = "__Host-remember" if REMEMBER_COOKIE_SECURE else "remember_token"
    SESSION_COOKIE_PATH = "/"
    REMEMBER_COOKIE_PATH = "/"
    # Sent on every response in production (HTTPS only); empty = not sent (development, tests over http).
    STRICT_TRANSPORT_SECURITY = os.environ.get("STRICT_TRANSPORT_SECURITY", "max-age=31536000; includeSubDomains")

    WTF_CSRF_TIME_LIMIT = None  # token lives as long as the session
    MAX_CONTENT_LENGTH = 8 * 1024 * 1024
    UPLOAD_FOLDER = os.environ.get("UPLOAD_FOLDER", str(INSTANCE_DIR / "uploads"))
    MAX_IMAGE_BYTES = 5 * 1024 * 1024

    BABEL_DEFAULT_LOCALE = "en"
    LANGUAGES = ["en", "nl", "fr"]
    BABEL_TRANSLATION_DIRECTORIES = str(BASE_DIR / "ambassador" / "translations")

    # Outgoing mail: SMTP when MAIL_SERVER is set, otherwise kept in the outbox.
    MAIL_SERVER = os.environ.get("MAIL_SERVER")
    # Without MAIL_SERVER, also print each email to the server's log (development: the terminal of
    # `make run`, so a sign-up confirmation or a reset link can be followed without SMTP).
    MAIL_TO_CONSOLE = _bool("MAIL_TO_CONSOLE", False)
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "587"))
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_USE_TLS = _bool("MAIL_USE_TLS", True)
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "Ambassador <no-reply@localhost>")
    # The address people reach the product at (e.g. https://amb.example.com): every absolute link
    # (short links in posts, emails, OAuth callbacks) is built over it (infra/urls.py), never
    # over a request's Host header. Required in production.
    PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "")

    # Fetch Open Graph tags of a post's link when the page is reachable.
    OPEN_GRAPH_FETCH = _bool("OPEN_GRAPH_FETCH", True)
    OPEN_GRAPH_TIMEOUT = float(os.environ.get("OPEN_GRAPH_TIMEOUT", "4"))

    # Login throttling (services/org/accounts.py): after this many failures for one account from one
    # address, that address waits before trying that account again: 1 s, 2 s, 4 s … up to the
    # maximum; the owner from another address is not affected. Per address across accounts, a
    # looser budget with the same growing waits. Failures are forgotten after the window without any.
    LOGIN_FAILURES_PER_ACCOUNT_ADDRESS = int(os.environ.get("LOGIN_FAILURES_PER_ACCOUNT_ADDRESS", "5"))
    LOGIN_FAILURES_PER_ADDRESS = int(os.environ.get("LOGIN_FAILURES_PER_ADDRESS", "20"))
    LOGIN_FIRST_DELAY_SECONDS = float(os.environ.get("LOGIN_FIRST_DELAY_SECONDS", "1"))
    LOGIN_MAX_DELAY_SECONDS = float(os.environ.get("LOGIN_MAX_DELAY_SECONDS", "300"))
    LOGIN_FAILURE_WINDOW_SECONDS = int(os.environ.get("LOGIN_FAILURE_WINDOW_SECONDS", str(15 * 60)))
    # Forms (POSTs only), per address unless named per email or per user: name → (attempts, seconds).
    # Override one with THROTTLE_<NAME>=attempts/seconds, e.g. THROTTLE_SIGNUP=20/3600.
    FORM_THROTTLES = _throttles({
        "signup": (10, 60 * 60),
        "password_reset": (10, 60 * 60),
        "password_reset_email": (3, 60 * 60),  # reset emails per target email
        "join": (10, 60 * 60),
        "invitation": (10, 60 * 60),
        "promoter_join": (10, 60 * 60),
        "survey_answer": (60, 60 * 60),  # the public survey's answer and details forms together
        "verification_email": (3, 60 * 60),  # confirmation links per address ("send again", log-in while unconfirmed)
        "known_address_email": (3, 60 * 60),  # "someone used your address" emails per target email (sign-up, joins)
        "password_check": (10, 60 * 60),  # current-password checks per signed-in user (change password)
        "sso_start": (30, 60 * 60),  # single sign-on starts per address (the company-account form, sign-in links)
        "data_export": (1, 5 * 60),  # "Download my data" per signed-in user: one ZIP every five minutes
    })

    # The JSON API's budget per token: (requests, seconds). Override with API_RATE_LIMIT=requests/seconds.
    API_RATE_LIMIT = tuple(int(n) for n in os.environ.get("API_RATE_LIMIT", "600/60").split("/", 1))

    INVITATION_TTL_DAYS = 14
    PASSWORD_RESET_TTL_SECONDS = 2 * 60 * 60
    EMAIL_VERIFICATION_TTL_SECONDS = 2 * 24 * 60 * 60

    # Clicks: the web process buffers them and appends each batch to the click inbox (one insert) every
    # CLICK_FLUSH_INTERVAL seconds; the worker's drain_clicks job counts the inbox every
    # CLICK_DRAIN_INTERVAL_SECONDS in batches of CLICK_DRAIN_BATCH (services/publishing/click_sink.py).
    CLICK_FLUSH_INTERVAL = float(os.environ.get("CLICK_FLUSH_INTERVAL", "1.0"))
    # The batch size only caps one statement: at a web process's rates the interval decides (a flush has a
    # fixed cost — a connection, a commit — that 500-click batches paid several times a second).
    CLICK_FLUSH_BATCH = int(os.environ.get("CLICK_FLUSH_BATCH", "5000"))
    CLICK_DRAIN_INTERVAL_SECONDS = float(os.environ.get("CLICK_DRAIN_INTERVAL_SECONDS", "2"))
    CLICK_DRAIN_BATCH = int(os.environ.get("CLICK_DRAIN_BATCH", "1000"))
    # A counted click's visitor hash serves the per-hour dedupe, the daily cap and a fresh look at bot traffic;
    # after this many days the worker drops it (the click still counts). Never below 2 days (the counting rules
    # look back one UTC day): services/publishing/click_retention.py.
    CLICK_VISITOR_HASH_RETENTION_DAYS = int(os.environ.get("CLICK_VISITOR_HASH_RETENTION_DAYS", "30"))
    CLICK_VISITOR_HASH_BATCH = int(os.environ.get("CLICK_VISITOR_HASH_BATCH", "5000"))
    CLICK_BUFFER_SYNC = False  # tests queue and count each click at once, in the request
    # A visitor (one address; IPv6: one /64) counts once per link per hour and at most this many
    # times per link per UTC day: a household or office behind one address may click a few times.
    CLICKS_PER_ADDRESS_PER_LINK_PER_DAY = int(os.environ.get("CLICKS_PER_ADDRESS_PER_LINK_PER_DAY", "3"))
    TRUSTED_PROXIES = int(os.environ.get("TRUSTED_PROXIES", "0"))  # reverse proxies in front (X-Forwarded-For hops)

    POSTS_PER_PAGE = 10

    # --- Linked accounts and publishing (issue: publishing pipeline) ---
    # Fernet keys, comma-separated, newest first (see infra/crypto.py). Required in production,
    # so token encryption never depends on the session-signing SECRET_KEY.
    TOKEN_KEYS = os.environ.get("TOKEN_KEYS", "")
    # Development and tests only: without TOKEN_KEYS, derive the token key from SECRET_KEY.
    TOKEN_KEYS_FROM_SECRET_KEY = False
    # Every network's base URLs come from here, defaulting to the real ones, so a stand-in
    # server can be used in tests and benchmarks.
    LINKEDIN_CLIENT_ID = os.environ.get("LINKEDIN_CLIENT_ID", "")
    LINKEDIN_CLIENT_SECRET = os.environ.get("LINKEDIN_CLIENT_SECRET", "")
    LINKEDIN_API_VERSION = os.environ.get("LINKEDIN_API_VERSION", "202610")  # YYYYMM, retired after ~1 year
    LINKEDIN_AUTH_URL = os.environ.get("LINKEDIN_AUTH_URL", "https://www.linkedin.com/oauth/v2/authorization")
    LINKEDIN_TOKEN_URL = os.environ.get("LINKEDIN_TOKEN_URL", "https://www.linkedin.com/oauth/v2/accessToken")
    LINKEDIN_API_URL = os.environ.get("LINKEDIN_API_URL", "https://api.linkedin.com")
    X_CLIENT_ID = os.environ.get("X_CLIENT_ID", "")
    X_CLIENT_SECRET = os.environ.get("X_CLIENT_SECRET", "")  # empty for a public (PKCE-only) client
    X_AUTH_URL = os.environ.get("X_AUTH_URL", "https://x.com/i/oauth2/authorize")
    X_TOKEN_URL = os.environ.get("X_TOKEN_URL", "https://api.x.com/2/oauth2/token")
    X_API_URL = os.environ.get("X_API_URL", "https://api.x.com")
    MASTODON_ENABLED = _bool("MASTODON_ENABLED", True)  # apps are registered per instance on first use
    BLUESKY_ENABLED = _bool("BLUESKY_ENABLED", True)  # handle + app password, no app credentials
    BLUESKY_DEFAULT_SERVICE = os.environ.get("BLUESKY_DEFAULT_SERVICE", "https://bsky.social")
    FACEBOOK_APP_ID = os.environ.get("FACEBOOK_APP_ID", "")
    FACEBOOK_APP_SECRET = os.environ.get("FACEBOOK_APP_SECRET", "")
    FACEBOOK_GRAPH_VERSION = os.environ.get("FACEBOOK_GRAPH_VERSION", "v23.0")
    FACEBOOK_AUTH_URL = os.environ.get("FACEBOOK_AUTH_URL", "https://www.facebook.com")
    FACEBOOK_GRAPH_URL = os.environ.get("FACEBOOK_GRAPH_URL", "https://graph.facebook.com")
    # PROVIDERS_ALLOW_HTTP=1 allows http:// and loopback addresses for the Mastodon instance /
    # Bluesky PDS a member names (a self-hosted server on this machine, stand-in servers in tests);
    # never private networks, never for Open Graph fetches. Off by default; production warns at start.
    PROVIDERS_ALLOW_HTTP = _bool("PROVIDERS_ALLOW_HTTP", False)
    PROVIDER_CONNECT_TIMEOUT = float(os.environ.get("PROVIDER_CONNECT_TIMEOUT", "5"))
    PROVIDER_READ_TIMEOUT = float(os.environ.get("PROVIDER_READ_TIMEOUT", "20"))

    # The worker: claims due shares with a lease (one per account, as its threads free up) and publishes
    # each in one of PUBLISH_THREADS threads, each with its own database connection: on PostgreSQL the
    # connection pool holds at least PUBLISH_THREADS + 1 (publishing_pool_options below).
    PUBLISH_LEASE_SECONDS = int(os.environ.get("PUBLISH_LEASE_SECONDS", "300"))
    PUBLISH_THREADS = int(os.environ.get("PUBLISH_THREADS", "8"))
    PUBLISH_MAX_ATTEMPTS = int(os.environ.get("PUBLISH_MAX_ATTEMPTS", "6"))
    PUBLISH_BACKOFF_SECONDS = float(os.environ.get("PUBLISH_BACKOFF_SECONDS", "30"))
    DISPATCH_INTERVAL_SECONDS = float(os.environ.get("DISPATCH_INTERVAL_SECONDS", "15"))
    # Email digests go out from this local hour on (each member's time zone); weekly ones on Mondays.
    DIGEST_LOCAL_HOUR = int(os.environ.get("DIGEST_LOCAL_HOUR", "8"))
    # Slack / Microsoft Teams incoming webhooks: the hosts an admin may enter ("*." = any subdomain).
    SLACK_WEBHOOK_HOSTS = os.environ.get("SLACK_WEBHOOK_HOSTS", "hooks.slack.com")
    TEAMS_WEBHOOK_HOSTS = os.environ.get(
        "TEAMS_WEBHOOK_HOSTS", "*.webhook.office.com,*.logic.azure.com,*.environment.api.powerplatform.com")
    # WEBHOOKS_ALLOW_HTTP=1 allows http:// and loopback webhook URLs (stand-in servers); off in production.
    WEBHOOKS_ALLOW_HTTP = _bool("WEBHOOKS_ALLOW_HTTP", False)
    # Single sign-on (services/org/sso_provider.py): an organization's OpenID Connect issuer is typed in by its
    # admin, so the product only calls public https addresses (pinned, infra/safe_http.py). SSO_ALLOW_LOOPBACK_ISSUERS=1
    # also allows http:// and loopback issuers: a provider on this machine (development, `make sso-demo`, the
    # test suite's oidc-provider); never private networks. Off by default; on in development.
    SSO_ALLOW_LOOPBACK_ISSUERS = _bool("SSO_ALLOW_LOOPBACK_ISSUERS", False)
    # Run the scheduler inside the web process (single-process demo only; never multi-worker gunicorn).
    SCHEDULER_IN_PROCESS = _bool("SCHEDULER_IN_PROCESS", False)


class DevelopmentConfig(Config):
    ENV_NAME = "development"
    REQUIRED_SETTINGS = ("SECRET_KEY", "PUBLIC_BASE_URL")
    TOKEN_KEYS_FROM_SECRET_KEY = True
    SECRET_KEY = os.environ.get("SECRET_KEY", "dev-not-secret-change-me")
    CLICK_SALT = os.environ.get("CLICK_SALT", "dev-click-salt")
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", False)
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    SESSION_COOKIE_NAME = "__Host-session" if SESSION_COOKIE_SECURE else "session"
    REMEMBER_COOKIE_NAME = "__Host-remember" if REMEMBER_COOKIE_SECURE else "remember_token"
    STRICT_TRANSPORT_SECURITY = ""  # served over http
    PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:5000")  # `make run` sets its PORT
    MAIL_TO_CONSOLE = _bool("MAIL_TO_CONSOLE", True)
    SSO_ALLOW_LOOPBACK_ISSUERS = _bool("SSO_ALLOW_LOOPBACK_ISSUERS", True)


class TestConfig(Config):
    ENV_NAME = "test"
    # Like production, no PUBLIC_BASE_URL: the tests set it where they build links, as an operator must.
    REQUIRED_SETTINGS = ("SECRET_KEY", "TOKEN_KEYS")
    TESTING = True
    SECRET_KEY = "test-secret"
    # A real Fernet key, as production requires: tokens are encrypted on production's path.
    TOKEN_KEYS = "YW1iYXNzYWRvci10ZXN0LXRva2VuLWtleS0wMDAwMDA="
    CLICK_SALT = "test-salt"
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL", "sqlite://")
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_SECURE = False
    SESSION_COOKIE_NAME = "session"  # over http, like development
    REMEMBER_COOKIE_NAME = "remember_token"
    STRICT_TRANSPORT_SECURITY = ""
    WTF_CSRF_ENABLED = False
    MAIL_SERVER = None
    OPEN_GRAPH_FETCH = False
    CLICK_BUFFER_SYNC = True
    PUBLIC_BASE_URL = ""  # not inherited from the environment of the machine running the tests
    PROVIDERS_ALLOW_HTTP = False  # as production: tests with http stand-ins turn it on in their own fixture
    WEBHOOKS_ALLOW_HTTP = False  # likewise
    SSO_ALLOW_LOOPBACK_ISSUERS = False  # likewise: the tests of the local oidc-provider set it as an operator would


CONFIGS = {
    "production": Config,
    "development": DevelopmentConfig,
    "test": TestConfig,
}


def publishing_pool_options(config) -> dict:
    """SQLALCHEMY_ENGINE_OPTIONS with a PostgreSQL pool that holds a connection for each publishing thread
    and the thread that claims (pool_size = max(the given pool_size or SQLAlchemy's 5, PUBLISH_THREADS + 1),
    max_overflow as given, else 10). SQLite keeps its own pool."""
    options = dict(config["SQLALCHEMY_ENGINE_OPTIONS"])
    if str(config["SQLALCHEMY_DATABASE_URI"]).startswith("postgresql"):
        options["pool_size"] = max(int(options.get("pool_size", 5)), int(config["PUBLISH_THREADS"]) + 1)
        options.setdefault("max_overflow", 10)
    return options


def config_for(name: str | None = None) -> type[Config]:
    name = name or os.environ.get("AMBASSADOR_ENV") or os.environ.get("FLASK_ENV") or "production"
    return CONFIGS.get(name, Config)
