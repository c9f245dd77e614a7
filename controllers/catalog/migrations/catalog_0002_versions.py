"""Catalog: row versions for cheap revalidation.

``lrn_courses.version`` and ``lrn_enrollments.version`` rise by one on every
change of what a course's or a student's progress representation shows, kept by
triggers so that every writer keeps them (other plugins, WordPress, SQL by hand):
an UPDATE of the row itself, an instructor, category, tag or prerequisite link
added or removed, a lesson added or removed (a course's number of required items);
a completion recorded or removed (the enrollment of that student and course).
The routes' validators read them in one indexed query (see ``validator`` in
``docs/plugins.md``). Enrollments get an index on (user, course): the triggers'
updates (and a student's progress reads) then lock and read that student's rows
of that course only, not every enrollment of the course (which made concurrent
students of one course deadlock on MariaDB).

Revision ID: catalog_0002
Revises: catalog_0001
Create Date: 2026-11-27
"""
from alembic import op

from learnomy_core.migrations import add_version, bump_version_on, drop_version_triggers, table

revision = "catalog_0002"
down_revision = "catalog_0001"
branch_labels = None
depends_on = None

COURSE_LINKS = ("lrn_course_instructors", "lrn_course_category_links", "lrn_course_tag_links",
                "lrn_course_prerequisites")
COURSE = "id = {row}.course_id"
ENROLLMENT = "user_id = {row}.user_id AND course_id = {row}.course_id"


def upgrade() -> None:
    op.create_index(f"{table('lrn_enrollments')}_user_course", table("lrn_enrollments"), ["user_id", "course_id"])
    add_version("lrn_courses")
    add_version("lrn_enrollments")
    for name in COURSE_LINKS:
        bump_version_on(name, "lrn_courses", COURSE)
    bump_version_on("lrn_lessons", "lrn_courses", COURSE, events=("INSERT", "DELETE"))
    bump_version_on("lrn_completions", "lrn_enrollments", ENROLLMENT)


def downgrade() -> None:
    for name in (*COURSE_LINKS, "lrn_lessons", "lrn_completions", "lrn_courses", "lrn_enrollments"):
        drop_version_triggers(name)
    for name in ("lrn_courses", "lrn_enrollments"):
        op.drop_column(table(name), "version")
    op.drop_index(f"{table('lrn_enrollments')}_user_course", table("lrn_enrollments"))
