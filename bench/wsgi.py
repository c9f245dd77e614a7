"""The app as gunicorn serves it in the HTTP measurement (configured by the environment)."""

from learnomy_core import create_app

application = create_app(exclude=["pro"])
