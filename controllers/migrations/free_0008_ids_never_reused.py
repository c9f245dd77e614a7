"""Free: ids are never reused on SQLite.

Tables created before this revision number a new row max(id) + 1: force-delete
the newest course and the next course got its id, and with it the old course's
quizzes, attempts and certificates. Every Free table with an id is rebuilt with
``AUTOINCREMENT``; a no-op on MySQL and MariaDB.

Revision ID: free_0008
Revises: free_0007
Create Date: 2026-11-27
"""
from learnomy_core.migrations import rebuild_with_autoincrement, table

revision = "free_0008"
down_revision = "free_0007"
branch_labels = None
depends_on = None

NAMES = (
    "instructor_applications", "courses", "course_categories", "course_tags", "sections", "lessons", "topics",
    "enrollments", "progress_resets", "reviews", "certificate_templates", "certificates", "quizzes", "questions",
    "attempts",
)


def upgrade() -> None:
    rebuild_with_autoincrement([table(f"lrn_{name}") for name in NAMES])


def downgrade() -> None:
    pass  # AUTOINCREMENT stays: ids handed out must not come back
