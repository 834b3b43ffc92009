"""The one exception every rule raises when it says no."""


class Refused(Exception):
    """A rule said no. The message is written for the person who asked, in plain words."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class NotFound(Refused):
    """The thing asked for is not there (or not for this person)."""
