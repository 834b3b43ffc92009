"""Settings. Each one can be given as an environment variable of the same name."""

import os
import re
import secrets
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("INSTANCE_PATH", BASE_DIR / "instance"))

TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off", ""}


def normalise_database_url(url: str) -> str:
    """Name the psycopg 3 driver explicitly: SQLAlchemy 2.1 reads a bare postgresql:// otherwise."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


class Config:
    """Defaults that are safe in production and still work over plain HTTP on 127.0.0.1."""

    # When unset, a random key is made once and kept in instance/secret_key.
    SECRET_KEY: str | None = None
    DATABASE_URL = f"sqlite:///{INSTANCE_DIR / 'sos-training.sqlite3'}"
    # Seconds a SQLite writer waits for another writer before giving up.
    SQLITE_BUSY_TIMEOUT = 30

    SESSION_COOKIE_SECURE = True
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    PREFERRED_URL_SCHEME = "https"
    SERVER_NAME: str | None = None
    # How many proxies in front of the app set X-Forwarded-* headers (0: trust none).
    PROXY_FIX_HOPS = 0

    # Bigger request bodies get a plain "too large" page.
    MAX_CONTENT_LENGTH = 1024 * 1024
    MAX_FORM_MEMORY_SIZE = 64 * 1024

    WTF_CSRF_ENABLED = True
    WTF_CSRF_TIME_LIMIT = 8 * 3600

    TRAINING_TEAM_EMAIL = "SignsOfSafety@cumbria.gov.uk"
    # Who runs the service, named on the privacy notice and accessibility statement.
    DATA_CONTROLLER = "Cumberland Council and Westmorland and Furness Council"
    # The address for questions about personal data (the data protection officer). Unset: the training team.
    DATA_PROTECTION_CONTACT: str | None = None
    ACCESSIBILITY_STATEMENT_DATE = "1 December 2026"
    PARTNERSHIP_NAME = "Cumbria Safeguarding Children Partnership"

    LOG_LEVEL = "INFO"

    # The address people reach the service on, used for links in emails and calendar invites.
    BASE_URL = "http://127.0.0.1:5000"
    # The domain at the end of every calendar UID. When unset, the host of BASE_URL when the database was
    # first set up is kept and used for good, so moving the service keeps people's entries linked.
    CALENDAR_UID_DOMAIN: str | None = None

    # Email. With no MAIL_SERVER, messages are written as .eml files to MAIL_FILE_DIR instead.
    MAIL_SERVER: str | None = None
    MAIL_PORT = 25
    MAIL_USE_TLS = False
    MAIL_USE_SSL = False
    MAIL_USERNAME: str | None = None
    MAIL_PASSWORD: str | None = None
    MAIL_DEFAULT_SENDER = "Signs of Safety training <SignsOfSafety@cumbria.gov.uk>"
    # Seconds to wait for the mail server before giving up on an attempt.
    MAIL_TIMEOUT = 10
    # A CA certificate file to trust for the mail server's TLS, instead of the system's CA store.
    MAIL_CA_FILE: str | None = None
    MAIL_FILE_DIR = str(INSTANCE_DIR / "mail")
    MAIL_MAX_ATTEMPTS = 8
    MAIL_RETRY_BASE_SECONDS = 30
    MAIL_RETRY_MAX_SECONDS = 3600
    # A message a worker claimed but did not finish is picked up again after this many seconds.
    MAIL_LEASE_SECONDS = 120
    MAIL_POLL_SECONDS = 5
    # Days before the first day of a course when reminders go out.
    REMINDER_DAYS = "14,2"
    # Hours a booking made on the public form keeps its place for the person to confirm their email address
    # (by the link emailed to it); half the time left before the course when that is sooner.
    BOOKING_CONFIRM_HOURS = 24
    # Email the training team's mailbox at once when someone books with access needs or changes them.
    NEEDS_EMAILS = True
    # Needs given fewer than this many days before a course are marked urgent (an interpreter takes time).
    ACCESS_NEEDS_LEAD_DAYS = 10
    # Email a person's line manager (if they gave one) when they book, move or cancel. No access needs in it.
    MANAGER_EMAILS = True
    # On courses that need the manager's agreement: working days (Monday to Friday) the manager has to answer
    # before the place is released. They are reminded once, halfway.
    MANAGER_APPROVAL_WORKING_DAYS = 5
    # Hours before a course starts when the waiting list stops getting freed places by itself: after it, the
    # people waiting are told a place is free and the first to take it has it.
    WAITING_LIST_CUTOFF_HOURS = 24
    # Days before a course when trainers and admins are sent the summary of access requirements.
    ACCESS_SUMMARY_DAYS = 5
    # Days before a course when the training team is told that fewer people have a place than the date needs
    # (for dates with a minimum), in time to cancel it and move everyone to another date.
    MINIMUM_NUMBERS_DAYS = 21

    # Signing in (training staff only). A signed-in session ends after this many idle seconds.
    PERMANENT_SESSION_LIFETIME = 8 * 3600
    # A signed-in session ends this many seconds after signing in, however active it is.
    SESSION_ABSOLUTE_LIFETIME = 12 * 3600
    MIN_PASSWORD_LENGTH = 12
    # Signing in with the council's Microsoft account (OpenID Connect). OIDC_PROVIDERS names one provider or
    # more, comma-separated (for example "cumberland,westmorland" for two tenants). Each NAME needs
    # OIDC_<NAME>_ISSUER (https://login.microsoftonline.com/<tenant id>/v2.0), OIDC_<NAME>_CLIENT_ID,
    # OIDC_<NAME>_CLIENT_SECRET and OIDC_<NAME>_TENANTS (the tenant ids it lets in), and may have
    # OIDC_<NAME>_LABEL (the words on its button, "Cumberland Council"). The token's roles claim gives the role:
    OIDC_PROVIDERS: str | None = None
    OIDC_ADMIN_ROLES = "Admin"
    OIDC_TRAINER_ROLES = "Trainer"
    # Signing in with a password kept here: for small installs, and the break-glass admin when the provider is
    # down. With a provider set up, set false to allow only the provider.
    LOCAL_SIGN_IN = True
    # Limits on how often forms may be used, counted in RATELIMIT_STORAGE_URI. memory:// suits one
    # process; with several workers use Redis (for example redis://127.0.0.1:6379) so they share the counts.
    RATELIMIT_ENABLED = True
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_KEY_PREFIX = "sos"
    # If the store cannot be reached, let requests through (and log it) rather than fail them.
    RATELIMIT_SWALLOW_ERRORS = True
    # Failed sign-ins: from one network address for one account, from one address for any account, and
    # for one account from browsers that have not signed in to it before. Short windows: a wait, not a lockout.
    SIGN_IN_LIMIT_PER_ACCOUNT_AND_ADDRESS = "5 per 5 minutes"
    SIGN_IN_LIMIT_PER_ADDRESS = "20 per 5 minutes"
    SIGN_IN_LIMIT_PER_ACCOUNT = "50 per 5 minutes"
    # Wrong codes from an authenticator app, per account (a second factor, when the account has one).
    SECOND_FACTOR_LIMIT_PER_ACCOUNT = "5 per 5 minutes"
    # Wrong guesses at the current password when a signed-in member of staff changes theirs.
    PASSWORD_CHANGE_LIMIT_PER_ACCOUNT = "5 per 15 minutes"
    # Public forms, per network address. Raise BOOKING_LIMIT_PER_ADDRESS if many staff book from one
    # office address.
    BOOKING_LIMIT_PER_ADDRESS = "20 per hour"
    INTEREST_LIMIT_PER_ADDRESS = "10 per hour"
    WATCHED_LIMIT_PER_ADDRESS = "10 per hour"
    FIND_LIMIT_PER_ADDRESS = "10 per hour"
    # Changes of needs through one booking's link (each can email the training team's mailbox).
    NEEDS_CHANGE_LIMIT_PER_BOOKING = "5 per hour"
    # Emails the public forms may send to one address, whoever asks.
    EMAIL_LIMIT_PER_RECIPIENT = "5 per hour"

    # Data retention: access requirements and dietary needs are removed this many days after a
    # course ends; bookings are anonymised this many months after it ends (counts are kept).
    RETENTION_ACCESS_NEEDS_DAYS = 30
    RETENTION_ANONYMISE_MONTHS = 24
    # People who asked to hear about new dates are forgotten this many months after asking.
    RETENTION_INTEREST_MONTHS = 12

    # Feedback: asked this many days after the last day of a course, with one reminder this many days later.
    FEEDBACK_DELAY_DAYS = 1
    FEEDBACK_REMINDER_DAYS = 7
    # Certificates of attendance are given once the person has told us what they thought (true), or as
    # soon as the register shows they came to every day (false).
    CERTIFICATE_AFTER_FEEDBACK = True

    # The usual hours of a day of training, filled in for each day when staff add a date (as people write
    # times: 9:30am, 16:30).
    COURSE_DAY_STARTS = "9:30am"
    COURSE_DAY_ENDS = "4:30pm"

    # Briefings: where uploaded videos, captions, transcripts and posters are kept, and the largest upload.
    MEDIA_DIR = str(INSTANCE_DIR / "media")
    MEDIA_MAX_UPLOAD_BYTES = 2 * 1024 * 1024 * 1024
    # Seconds browsers and proxies may keep a media file before asking again (each upload gets a new address).
    MEDIA_CACHE_SECONDS = 24 * 3600
    # When set (for example /_media/), the app answers media requests with X-Accel-Redirect to this internal
    # nginx location and nginx sends the file, so no app worker is tied up streaming video.
    MEDIA_ACCEL_REDIRECT_PREFIX: str | None = None
    # How often one network address may look up a certificate by its reference.
    CERTIFICATE_CHECK_LIMIT_PER_ADDRESS = "30 per hour"
    # How often one address may count a play of a briefing.
    PLAY_COUNT_LIMIT = "30 per hour"


# Each provider's own settings, named after it: OIDC_CUMBERLAND_ISSUER and the rest (all but LABEL needed).
PROVIDER_SETTINGS = ("ISSUER", "CLIENT_ID", "CLIENT_SECRET", "TENANTS", "LABEL")
PROVIDER_SETTING = re.compile(rf"^OIDC_[A-Z][A-Z0-9]{{0,29}}_({'|'.join(PROVIDER_SETTINGS)})$")


def settings_from_environment(config: type = Config, environ=os.environ) -> dict:
    """Read every setting named in Config from the environment, typed like its default."""
    settings = {}
    for key, default in vars(config).items():
        if not key.isupper() or key not in environ:
            continue
        raw = environ[key].strip()
        if isinstance(default, bool):
            word = raw.lower()
            if word not in TRUE_WORDS | FALSE_WORDS:
                raise ValueError(f"{key} must be true or false, not {raw!r}")
            settings[key] = word in TRUE_WORDS
        elif isinstance(default, int):
            settings[key] = int(raw)
        else:
            settings[key] = raw or None
    for key, raw in environ.items():
        if PROVIDER_SETTING.match(key):
            settings[key] = raw.strip()
    if "SQLALCHEMY_DATABASE_URI" in environ:
        settings.setdefault("DATABASE_URL", environ["SQLALCHEMY_DATABASE_URI"])
    return settings


def instance_secret_key(instance_dir: Path = INSTANCE_DIR) -> str:
    """Return the key kept in instance/secret_key, making it on first use."""
    path = instance_dir / "secret_key"
    instance_dir.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(secrets.token_hex(32))
    return path.read_text().strip()
