"""The app as gunicorn serves it in the HTTP measurement (configured by the environment)."""

from learnomy_core import create_app

from .data import FREE_PLUGINS

application = create_app(plugins=FREE_PLUGINS)
