"""The `ikaze` console script: Ikaze's commands, and every Django management command.

ikaze demo | serve | worker | audit verify | bench NAME | intake FILE ... | <django command>
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    if len(argv) > 1 and argv[1] == "worker":
        # django-tasks-db's worker, under the name DESIGN.md gives it.
        argv[1] = "db_worker"
    from django.core.management import execute_from_command_line

    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
