"""Background jobs of manifest intake (run by `ikaze worker`)."""

from __future__ import annotations

from django_tasks import task


@task()
def intake_batch_task(batch_id: str) -> dict[str, object]:
    from ikaze.intake.services import intake_batch_run, intake_summary

    return intake_summary(intake_batch_run(batch_id=batch_id))
