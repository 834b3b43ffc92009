"""Email addresses: when two are the same person."""


def email_key(email: str) -> str:
    """The form of an email address used to tell people apart: trimmed, lower case."""
    return email.strip().lower()
