"""URL parts: record ids and web address names. Anything else in their place is a 404, never a 500."""

from werkzeug.routing import BaseConverter, IntegerConverter, ValidationError

from app.catalogue.records import SLUG_MAX_LENGTH

# The largest id every database stores in an integer column.
MAX_ID = 2**31 - 1


class IdConverter(IntegerConverter):
    """A record id: a whole number from 1 to the largest id a database stores."""

    def __init__(self, url_map):
        super().__init__(url_map, min=1, max=MAX_ID)


class SlugConverter(BaseConverter):
    """A web address name: lower-case letters, numbers and single hyphens."""

    regex = r"[a-z0-9]+(?:-[a-z0-9]+)*"

    def to_python(self, value: str) -> str:
        if len(value) > SLUG_MAX_LENGTH:
            raise ValidationError()
        return value


def register(app) -> None:
    """Make <id:...> and <slug:...> available in every blueprint's routes."""
    app.url_map.converters["id"] = IdConverter
    app.url_map.converters["slug"] = SlugConverter
