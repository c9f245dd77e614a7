"""A plugin whose hook name is misspelled: loading it must fail at start-up."""

from learnomy_core import hookimpl


@hookimpl
def learnomy_register_route(registry):  # missing "s"
    pass
