"""Settings of the server `ikaze bench api` starts: the project's, plus the bench URL conf."""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "config.bench_urls"
