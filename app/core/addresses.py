"""Email addresses: when two are the same person."""


def email_key(address: str) -> str:
    """The one form of an address by which the service tells people apart, for one booking per person and for
    the limits on emails to one address: trimmed, lower case, and without a +tag (name+anything@ reaches
    the same mailbox as name@). migrations/versions/5e2b7c9a4d18 applied it to the stored keys."""
    local, at, domain = address.strip().lower().rpartition("@")
    if not at:
        return domain
    return f"{local.split('+', 1)[0] or local}@{domain}"
