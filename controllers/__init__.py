"""The Free controllers of Learnomy: one plugin module per resource group.

Installed as ``learnomy.controllers``; each module is listed in the
``learnomy.plugins`` entry point group of ``setup.cfg``, like any third-party
plugin.
"""
