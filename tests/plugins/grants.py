"""Grants an extra capability to instructors through the hook."""

from learnomy_core import hookimpl

PLUGIN_NAME = "grants"


@hookimpl
def learnomy_role_capabilities():
    return {"lrn_instructor": ["acme_manage_widgets"], "acme_reviewer": ["read", "acme_review"]}
