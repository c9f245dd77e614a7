"""The ``learnomy`` command, in WP-CLI's spirit.

    learnomy serve [--host 127.0.0.1] [--port 8000]
    learnomy db upgrade
    learnomy routes
    learnomy audit [--manifest audit/manifest.json] [--write]
    learnomy plugins

The database comes from ``LEARNOMY_DATABASE_URL`` (SQLite file by default).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any, Optional, Sequence

from .app import LearnomyApp, create_app
from .audit import compare, load_manifest, write_manifest
from .plugins import free_plugin_names, plugin_versions

__all__ = ["main"]


def _app(args: argparse.Namespace, **overrides: Any) -> LearnomyApp:
    return create_app(exclude=args.exclude or (), **overrides)


def cmd_serve(args: argparse.Namespace) -> int:
    from werkzeug.serving import run_simple

    overrides = {} if os.environ.get("LEARNOMY_ENVIRONMENT") else {"environment": "development"}
    app = _app(args, **overrides)
    if app.storage.is_sqlite:
        # The embedded database brings itself up to date.
        app.upgrade_database()
    run_simple(args.host, args.port, app, threaded=True, use_reloader=False)
    return 0


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    app = _app(args)
    app.upgrade_database()
    print(f"Database is up to date ({app.storage.url.render_as_string(hide_password=True)}).")
    return 0


def cmd_routes(args: argparse.Namespace) -> int:
    rows = _app(args).registry.entries()
    header = ("METHODS", "ROUTE", "PERMISSION", "SENSITIVE", "PLUGIN")
    table = [header] + [
        (",".join(r["methods"]), f"/{r['namespace']}{r['route']}", r["permission"],
         "yes" if r["sensitive"] else "", r["plugin"])
        for r in rows
    ]
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    for row in table:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())
    return 0


def cmd_audit(args: argparse.Namespace) -> int:
    # The Free plugins alone, on a throwaway database: the audit reads no data.
    app = create_app(plugins=free_plugin_names(), database_url="sqlite://")
    live = app.registry.entries()
    path = Path(args.manifest)
    if args.write:
        write_manifest(path, live)
        print(f"Wrote {len(live)} entries to {path}.")
        return 0
    if not path.exists():
        print(f"No manifest at {path}; run 'learnomy audit --write' to create it.", file=sys.stderr)
        return 1
    problems = compare(load_manifest(path), live)
    for line in problems:
        print(line)
    if problems:
        print(f"{len(problems)} difference(s) between the registry and {path}.", file=sys.stderr)
        return 1
    print(f"The registry matches {path} ({len(live)} entries).")
    return 0


def cmd_plugins(args: argparse.Namespace) -> int:
    print(json.dumps(plugin_versions(_app(args, database_url="sqlite://").plugins), indent=2))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="learnomy", description="The Learnomy REST API.")
    parser.add_argument("--exclude", action="append", metavar="PLUGIN",
                        help="leave a plugin out (repeatable)")
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="serve the API (development server)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.set_defaults(func=cmd_serve)

    db = commands.add_parser("db", help="database commands")
    db_commands = db.add_subparsers(dest="db_command", required=True)
    upgrade = db_commands.add_parser("upgrade", help="apply every plugin's migrations")
    upgrade.set_defaults(func=cmd_db_upgrade)

    routes = commands.add_parser("routes", help="the route registry as a table")
    routes.set_defaults(func=cmd_routes)

    audit = commands.add_parser("audit", help="compare the registry with the manifest")
    audit.add_argument("--manifest", default="audit/manifest.json")
    audit.add_argument("--write", action="store_true", help="rewrite the manifest from the registry")
    audit.set_defaults(func=cmd_audit)

    plugins = commands.add_parser("plugins", help="loaded plugins, their versions and hooks")
    plugins.set_defaults(func=cmd_plugins)
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run the command line; the exit status."""
    args = build_parser().parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
