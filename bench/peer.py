"""The peer: the same two catalog reads written plainly in Flask, over the same
database and the same SQL, as a user would write them instead of using learnomy."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask import Flask, abort, jsonify, request


def _time(value: Any) -> Any:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ") if isinstance(value, datetime) else value


def make_peer(url: str, prefix: str = "wp_") -> Flask:
    engine = sa.create_engine(url, connect_args={"timeout": 30} if url.startswith("sqlite") else {})
    meta = sa.MetaData()
    courses = sa.Table(f"{prefix}lrn_courses", meta, autoload_with=engine)
    links = {name: sa.Table(f"{prefix}lrn_{name}", meta, autoload_with=engine) for name in (
        "course_instructors", "course_category_links", "course_tag_links", "course_prerequisites")}
    app = Flask("peer")

    def related(db: Any, ids: list[int]) -> dict[str, dict[int, list[int]]]:
        out: dict[str, dict[int, list[int]]] = {}
        for field, name, column in (("instructor_ids", "course_instructors", "user_id"),
                                    ("category_ids", "course_category_links", "category_id"),
                                    ("tag_ids", "course_tag_links", "tag_id"),
                                    ("prerequisite_ids", "course_prerequisites", "prerequisite_id")):
            table = links[name]
            found: dict[int, list[int]] = {i: [] for i in ids}
            for course_id, value in db.execute(sa.select(table.c.course_id, table.c[column])
                                               .where(table.c.course_id.in_(ids))):
                found[course_id].append(value)
            out[field] = found
        return out

    def render(row: Any, rel: dict[str, dict[int, list[int]]]) -> dict[str, Any]:
        data = {k: _time(v) for k, v in row._mapping.items()
                if k not in ("rating_sum", "rating_count", "rating_average")}
        data["rating"] = {"average": round(row.rating_average / 100, 2), "count": row.rating_count}
        for field, values in rel.items():
            data[field] = values[row.id]
        return data

    @app.get("/courses")
    def list_courses() -> Any:
        per_page = min(100, max(1, int(request.args.get("per_page", 20))))
        visible = courses.c.status == "publish"
        with engine.connect() as db:
            total = db.execute(sa.select(sa.func.count()).select_from(courses).where(visible)).scalar_one()
            rows = db.execute(sa.select(courses).where(visible)
                              .order_by(courses.c.created_at.desc(), courses.c.id.desc()).limit(per_page)).all()
            rel = related(db, [r.id for r in rows])
        return jsonify({"data": [render(r, rel) for r in rows], "meta": {"total": total}})

    @app.get("/courses/<int:course_id>")
    def get_course(course_id: int) -> Any:
        with engine.connect() as db:
            row = db.execute(sa.select(courses).where(courses.c.id == course_id)).first()
            if row is None or row.status != "publish":
                abort(404)
            rel = related(db, [row.id])
        return jsonify({"data": render(row, rel)})

    return app
