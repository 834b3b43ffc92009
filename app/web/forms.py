"""Form pieces every part uses: a confirm button, and the hidden key that makes a second submit harmless."""

import re
import secrets

from flask_wtf import FlaskForm
from wtforms import HiddenField
from wtforms.utils import unset_value

SUBMISSION_KEY = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


class ConfirmForm(FlaskForm):
    """A button with the security token."""


class SubmissionKeyField(HiddenField):
    """A hidden key, new for each form shown. Sending the same form twice sends the same key,
    so the operation can find what the first submit made instead of making it again."""

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        if not SUBMISSION_KEY.match(self.data or ""):
            self.data = None

    def process(self, formdata, data=unset_value, extra_filters=None):
        super().process(formdata, data, extra_filters)
        if not self.data:
            self.data = secrets.token_urlsafe(24)
