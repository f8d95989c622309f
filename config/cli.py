"""The `ikaze` console script: Ikaze's commands, and every Django management command.

ikaze demo | serve | worker | audit verify | bench NAME | intake FILE ... | expire-acceptances
| reception check-late | <django command>
"""

from __future__ import annotations

import os
import sys

from config import home


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    home.prepare()  # the folders and the secret key, before Django reads the settings
    if len(argv) > 1 and argv[1] == "worker":
        # django-tasks-db's worker, under the name DESIGN.md gives it.
        argv[1] = "db_worker"
        _schedule_jobs()
    elif len(argv) > 1 and argv[1] == "expire-acceptances":
        argv[1] = "expire_acceptances"
    from django.core.management import execute_from_command_line

    execute_from_command_line(argv)


def _schedule_jobs() -> None:
    """Make sure each scheduled job has a run waiting before the worker starts (the jobs
    schedule their next runs themselves; see ikaze/vetting/tasks.py)."""
    import django
    from django.db import DatabaseError

    django.setup()
    from ikaze.reception.tasks import late_check_ins_schedule
    from ikaze.reports.tasks import counts_refresh_schedule
    from ikaze.vetting.tasks import acceptances_expire_schedule

    try:
        acceptances_expire_schedule()
        late_check_ins_schedule()
        counts_refresh_schedule()
    except DatabaseError as exc:  # not migrated yet: the worker reports it on its own
        sys.stderr.write(f"Scheduled jobs not enqueued: {exc}\n")


if __name__ == "__main__":
    main()
