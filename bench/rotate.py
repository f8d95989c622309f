"""`ikaze bench rotate`: re-seal 100,000 persons' sensitive values under a new data key.

Goal (issue 15): rotate the keys of 100,000 persons' sensitive values without downtime;
afterwards every value decrypts and no row holds the old key id. Seeds the persons (health and
vulnerabilities each, sealed through people.services.sensitive_data_store, the one write
path), adds a key to a keyring file of its own, runs `rotation.rotate` (what `ikaze keys
rotate` runs), then opens every value and counts the values per key id.

Figures: seconds (the rotation), values_rotated, values_per_s, and as the baseline in the
same run verify_seconds (opening every value once: the cryptography alone) and seed_seconds.
"""

from __future__ import annotations

import random
import tempfile
from pathlib import Path

from bench import _harness as h


def main(argv: list[str]) -> None:
    args = h.parse(argv, __doc__, sizes={"persons": 100_000}, smoke={"persons": 300})
    from django.test import override_settings

    with (
        h.bench_database(keep=args.keep_db),
        tempfile.TemporaryDirectory(prefix="ikaze-keys-") as keys_dir,
        override_settings(IKAZE_DATA_KEY_FILE=str(Path(keys_dir) / "data-keys.json")),
    ):
        from django.db import transaction

        from ikaze.core.bulk import insert_rows, new_uuids
        from ikaze.people.models import Person, SensitiveData
        from ikaze.people.services import SensitiveIn, sensitive_data_store
        from ikaze.privacy import keyring, rotation, vault

        keyring.keyring.cache_clear()
        vault.clear_cache()
        rng = random.Random(15)
        words = [
            "asthma",
            "diabetes",
            "insulin",
            "trauma",
            "survivor",
            "pregnant",
            "wheelchair",
            "hearing",
        ]
        old = keyring.keyring().active
        chunk = 5000
        with h.timed(f"seed {args.persons} persons") as seed:
            for start in range(0, args.persons, chunk):
                n = min(chunk, args.persons - start)
                ids = new_uuids(n)
                with transaction.atomic():
                    insert_rows(
                        Person,
                        ("id", "given_names", "first_surname"),
                        [(pid, f"P{start + i}", "Bench") for i, pid in enumerate(ids)],
                    )
                    sensitive_data_store(
                        [
                            SensitiveIn(
                                person_id=pid,
                                health=" ".join(rng.choices(words, k=8)),
                                vulnerabilities=" ".join(rng.choices(words, k=12)),
                                health_consent=True,
                            )
                            for pid in ids
                        ]
                    )
        before = rotation.status().counts
        if before != {old: 2 * args.persons}:
            raise SystemExit(f"seeding went wrong: {before}")
        new = keyring.add_key()
        vault.clear_cache()
        with h.timed("rotate") as run:
            result = rotation.rotate(progress=None)
        vault.clear_cache()
        with h.timed("open every value") as verify:
            opened = 0
            batch: list[SensitiveData] = []
            names = ("health", "vulnerabilities")
            for row in SensitiveData.objects.order_by("pk").iterator(chunk_size=chunk):
                batch.append(row)
                if len(batch) == chunk:
                    opened += sum(
                        bool(v) for d in vault.open_many(batch, names) for v in d.values()
                    )
                    batch = []
            opened += sum(bool(v) for d in vault.open_many(batch, names) for v in d.values())
        after = rotation.status().counts
        if after != {new: 2 * args.persons} or opened != 2 * args.persons:
            raise SystemExit(f"rotation incomplete: {after}, {opened} opened")
        if result.values_rotated != 2 * args.persons:
            raise SystemExit(f"rotated {result.values_rotated}, expected {2 * args.persons}")
        h.emit(
            "rotate",
            {
                "persons": args.persons,
                "seconds": round(run.seconds, 2),
                "values_rotated": result.values_rotated,
                "values_per_s": round(result.values_rotated / run.seconds, 1),
                "verify_seconds": round(verify.seconds, 2),
                "seed_seconds": round(seed.seconds, 2),
                "old_key_values_left": after.get(old, 0),
                "peak_rss_mb": h.peak_rss_mb(),
            },
        )
    keyring.keyring.cache_clear()
