"""`makemessages` that also extracts `N_(...)` (the safeguard rules' gettext_noop alias).

Django's own command passes xgettext a fixed list of keywords; without `N_` every rule title,
text and finding in ikaze/vetting/rules/ would be left out of the catalogs and shown in English
whatever the reader's language. It lives in accounts only because that app owns i18n plumbing
today; it overrides Django's command because accounts is an installed app.
"""

from __future__ import annotations

from django.core.management.commands import makemessages


class Command(makemessages.Command):
    xgettext_options = [*makemessages.Command.xgettext_options, "--keyword=N_"]
