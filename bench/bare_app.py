"""The baseline for dates_throughput.py: a bare Flask app with one tiny endpoint.

Run by gunicorn the same way as the real app: `gunicorn --pythonpath bench bare_app:app`.
"""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def index() -> str:
    return "ok"
