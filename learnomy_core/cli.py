"""The ``learnomy`` command, in WP-CLI's spirit.

    learnomy serve [--host 127.0.0.1] [--port 8000]
    learnomy db upgrade
    learnomy routes
    learnomy audit [--manifest PATH] [--write]
    learnomy user create LOGIN EMAIL --role ROLE --password PASSWORD
    learnomy user set-role LOGIN ROLE
    learnomy user list
    learnomy plugins
    learnomy settings get GROUP[.KEY[.SUBKEY]]
    learnomy settings set GROUP.KEY[.SUBKEY] VALUE
    learnomy worker [--once] [--kind KIND ...]
    learnomy openapi [--namespace NS] [--server URL] > openapi.json
    learnomy webhooks work [--once]
    learnomy doctor [--fix] [--json]

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
from .audit import audit
from .errors import ApiError
from .plugins import CORE_PLUGIN, plugin_versions
from .settings import plugin_checks

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


def _sensitivity(declared: Any) -> str:
    """How a route is rate limited, as the routes table shows it."""
    if not declared:
        return ""
    if declared is True:
        return "per user"
    accounts = declared.get("accounts") or []
    return "per client" + (f" + {','.join(accounts)}" if accounts else "")


def cmd_routes(args: argparse.Namespace) -> int:
    rows = _app(args).registry.entries()
    header = ("METHODS", "ROUTE", "PERMISSION", "SENSITIVE", "PLUGIN")
    table = [header] + [
        (",".join(r["methods"]), f"/{r['namespace']}{r['route']}", r["permission"],
         _sensitivity(r["sensitive"]), r["plugin"])
        for r in rows
    ]
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    for row in table:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())
    return 0


def cmd_audit(args: argparse.Namespace) -> int:
    # Every installed plugin with every switch on, on a throwaway database: the
    # audit reads no data, and a manifest covers its plugins whatever a site switched.
    app = create_app(exclude=args.exclude or (), database_url="sqlite://", switches=True)
    paths = {CORE_PLUGIN: Path(args.manifest)} if args.manifest else None
    results = audit(app, write=args.write, paths=paths)
    if args.manifest:
        # One file named: the Free manifest alone, as before plugins shipped theirs.
        results = [(m, problems) for m, problems in results if m.owner == CORE_PLUGIN]
    failed = 0
    for manifest, problems in results:
        count = sum(1 for e in app.registry.entries() if e["plugin"] in manifest.plugins)
        if args.write:
            print(f"Wrote {count} entries to {manifest.path}.")
            continue
        for line in problems:
            print(line)
        if problems:
            failed += 1
            print(f"{len(problems)} difference(s) between the registry and {manifest.path}.", file=sys.stderr)
        else:
            print(f"The registry matches {manifest.path} ({count} entries).")
    return 1 if failed else 0


def _unknown_role(app: LearnomyApp, role: str) -> bool:
    """Whether ``role`` is unknown (and say so)."""
    if role in app.identity.roles.caps:
        return False
    print(f"Unknown role {role!r}; roles: {', '.join(app.identity.roles.caps)}", file=sys.stderr)
    return True


def cmd_user_create(args: argparse.Namespace) -> int:
    from .identity.names import check_new_user

    app = _app(args)
    store = app.identity.store
    try:
        check_new_user(args.login, args.email, login_param="login")
    except ApiError as exc:
        return _refused(exc)
    if _unknown_role(app, args.role):
        return 1
    try:
        with app.storage.engine.begin() as db:
            if store.exists(db, login=args.login, email=args.email):
                print(f"A user with login {args.login!r} or email {args.email!r} exists.", file=sys.stderr)
                return 1
            user_id = store.create(db, login=args.login, email=args.email, role=args.role,
                                   password_hash=app.identity.hash_new_password(db, args.password))
    except ApiError as exc:
        return _refused(exc)
    print(f"Created user {user_id} ({args.login}, {args.role}).")
    return 0


def _refused(exc: ApiError) -> int:
    """Say why, one line per problem (never a traceback)."""
    for detail in exc.details or [{"message": exc.message}]:
        param = detail.get("param")
        print(f"{param}: {detail['message']}" if param else detail["message"], file=sys.stderr)
    return 1


def cmd_user_set_role(args: argparse.Namespace) -> int:
    app = _app(args)
    store = app.identity.store
    if _unknown_role(app, args.role):
        return 1
    with app.storage.engine.begin() as db:
        row = store.find_login(db, args.login)
        if row is None:
            print(f"No user {args.login!r}.", file=sys.stderr)
            return 1
        store.set_role(db, int(row.ID), args.role)
    print(f"User {args.login} is now {args.role}.")
    return 0


def cmd_user_list(args: argparse.Namespace) -> int:
    app = _app(args)
    store = app.identity.store
    with app.storage.engine.connect() as db:
        rows = db.execute(store.select().order_by(store.users.c.ID)).all()
    print("ID  LOGIN  EMAIL  ROLES")
    for row in rows:
        user = store.from_row(row)
        print(f"{user.id}  {user.login}  {user.email}  {','.join(user.roles)}")
    return 0


def cmd_doctor(args: argparse.Namespace) -> int:
    from .doctor import diagnose, fix

    app = _app(args)
    done: list[str] = []
    if args.fix:
        with app.storage.engine.begin() as db:
            done = fix(app, db)
    with app.storage.engine.connect() as db:
        found = diagnose(app, db)
    if args.json:
        print(json.dumps({**found.as_dict(), "fixed": done}, indent=2))
        return 0
    for line in [*found.lines(), *(f"Fixed: {what}" for what in done)]:
        print(line)
    return 0


def cmd_plugins(args: argparse.Namespace) -> int:
    print(json.dumps(plugin_versions(_app(args, database_url="sqlite://").plugins), indent=2))
    return 0


def _setting_path(app: LearnomyApp, dotted: str) -> Optional[list[str]]:
    """``[group, key, subkey...]``; a group's name may hold dots (``pro.extensions.drip``)."""
    group = app.settings.group_of(dotted)
    if group is None:
        print(f"unknown settings group {dotted.split('.')[0]!r}; groups: {', '.join(sorted(app.settings.groups))}",
              file=sys.stderr)
        return None
    rest = dotted[len(group) + 1:]
    return [group, *(rest.split(".") if rest else [])]


def cmd_settings_get(args: argparse.Namespace) -> int:
    """Print a setting (JSON), secrets masked."""
    app = _app(args)
    path = _setting_path(app, args.key)
    if path is None:
        return 1
    with app.storage.engine.connect() as db:
        value: Any = app.settings.masked(path[0], app.settings.group(db, path[0]))
    for part in path[1:]:
        if not isinstance(value, dict) or part not in value:
            print(f"no setting {args.key!r}", file=sys.stderr)
            return 1
        value = value[part]
    print(json.dumps(value, indent=2, default=str))
    return 0


def cmd_settings_set(args: argparse.Namespace) -> int:
    """Set one value, validated by its group's schema and its plugin's checks
    (``learnomy_check_settings``) like the API's writes."""
    from .errors import ApiError

    app = _app(args)
    path = _setting_path(app, args.key)
    if path is None:
        return 1
    if len(path) < 2:
        print("name a key: GROUP.KEY", file=sys.stderr)
        return 1
    try:
        value = json.loads(args.value)
    except ValueError:
        value = args.value  # plain text needs no quotes
    with app.storage.engine.begin() as db:
        current: Any = app.settings.group(db, path[0])
        change: Any = value
        # A deeper key changes one member of an object setting, keeping the rest.
        for depth in range(len(path) - 1, 1, -1):
            parent: Any = current
            for part in path[1:depth]:
                parent = parent.get(part) if isinstance(parent, dict) else None
            change = {**(parent if isinstance(parent, dict) else {}), path[depth]: change}
        try:
            # The same checks as PATCH /admin/settings, with no request.
            app.settings.update(db, {path[0]: {path[1]: change}}, check=plugin_checks(app, db))
        except ApiError as exc:
            for detail in exc.details or [{"message": exc.message}]:
                print(f"{detail.get('param', args.key)}: {detail.get('message')}", file=sys.stderr)
            return 1
    print(f"{args.key} set")
    return 0


def cmd_worker(args: argparse.Namespace) -> int:
    import logging

    from .jobs import run_worker

    import signal

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    app = _app(args)
    stopping: list[int] = []
    # systemd stops with SIGTERM: finish the job in hand, then leave (a kill
    # mid-job is safe too: the job's lease runs out and another worker takes it).
    signal.signal(signal.SIGTERM, lambda signum, _frame: stopping.append(signum))
    ran = run_worker(app, once=args.once, kinds=args.kind or None, batch=args.batch,
                     idle_seconds=args.idle, should_stop=lambda: bool(stopping))
    print(f"Ran {ran} job(s).")
    return 0


def cmd_openapi(args: argparse.Namespace) -> int:
    from .openapi import build_document

    app = _app(args, database_url="sqlite://")
    if args.namespace not in app.registry.namespaces:
        print(f"No routes in namespace {args.namespace!r}; namespaces: {', '.join(app.registry.namespaces)}",
              file=sys.stderr)
        return 1
    server = args.server or f"{(app.config['site_url'] or '').rstrip('/')}{app.config['rest_root']}/{args.namespace}"
    print(json.dumps(build_document(app.registry, args.namespace, server=server), indent=2))
    return 0


def cmd_webhooks_work(args: argparse.Namespace) -> int:
    # The worker, for webhook deliveries alone (a host of its own may run them).
    args.kind = ["webhook.deliver"]
    return cmd_worker(args)


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

    auditing = commands.add_parser("audit", help="compare the registry with every plugin's manifest")
    auditing.add_argument("--manifest", help="check only the Free manifest, at this path (default: every "
                          "manifest the loaded plugins ship; Free's is audit/manifest.json in a checkout)")
    auditing.add_argument("--write", action="store_true", help="rewrite the manifests from the registry")
    auditing.set_defaults(func=cmd_audit)

    user = commands.add_parser("user", help="user commands")
    user_commands = user.add_subparsers(dest="user_command", required=True)
    create = user_commands.add_parser("create", help="create a user")
    create.add_argument("login")
    create.add_argument("email")
    create.add_argument("--role", default="lrn_student")
    create.add_argument("--password", required=True)
    create.set_defaults(func=cmd_user_create)
    set_role = user_commands.add_parser("set-role", help="replace a user's role")
    set_role.add_argument("login")
    set_role.add_argument("role")
    set_role.set_defaults(func=cmd_user_set_role)
    listing = user_commands.add_parser("list", help="list users")
    listing.set_defaults(func=cmd_user_list)

    doctor = commands.add_parser("doctor", help="what the database says about the WordPress beside us")
    doctor.add_argument("--fix", action="store_true", help="register roles, enable application passwords for "
                        "WordPress, delete sessions and tokens of deleted users")
    doctor.add_argument("--json", action="store_true", help="the report as JSON")
    doctor.set_defaults(func=cmd_doctor)

    plugins = commands.add_parser("plugins", help="loaded plugins, their versions and hooks")
    plugins.set_defaults(func=cmd_plugins)

    settings = commands.add_parser("settings", help="read or change a setting")
    settings_commands = settings.add_subparsers(dest="settings_command", required=True)
    get = settings_commands.add_parser("get", help="print a setting (secrets masked)")
    get.add_argument("key", metavar="GROUP[.KEY]")
    get.set_defaults(func=cmd_settings_get)
    put = settings_commands.add_parser("set", help="change a setting (validated)")
    put.add_argument("key", metavar="GROUP.KEY")
    put.add_argument("value", help="JSON (42, true, [1]) or plain text")
    put.set_defaults(func=cmd_settings_set)
    worker = commands.add_parser("worker", help="run background jobs (loop; --once: the due ones, then exit)")
    worker.add_argument("--once", action="store_true", help="run the jobs due now, then exit (cron)")
    worker.add_argument("--kind", action="append", metavar="KIND", help="only this job kind (repeatable)")
    worker.add_argument("--batch", type=int, default=50, help="jobs claimed at a time")
    worker.add_argument("--idle", type=float, default=2.0, help="seconds to sleep when nothing is due")
    worker.set_defaults(func=cmd_worker)
    openapi = commands.add_parser("openapi", help="a namespace's OpenAPI 3.1 document, on standard output")
    openapi.add_argument("--namespace", default="learnomy/v1")
    openapi.add_argument("--server", help="the namespace's base URL (default: site_url, rest_root and the namespace)")
    openapi.set_defaults(func=cmd_openapi)

    webhooks = commands.add_parser("webhooks", help="webhook commands")
    webhooks_commands = webhooks.add_subparsers(dest="webhooks_command", required=True)
    work = webhooks_commands.add_parser("work", help="deliver webhooks (the worker, for deliveries alone)")
    work.add_argument("--once", action="store_true", help="deliver what is due now, then exit")
    work.add_argument("--batch", type=int, default=50, help="jobs claimed at a time")
    work.add_argument("--idle", type=float, default=2.0, help="seconds to sleep when nothing is due")
    work.set_defaults(func=cmd_webhooks_work)
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run the command line; the exit status."""
    args = build_parser().parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
