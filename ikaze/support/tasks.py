"""Background jobs of support payments (run by `ikaze worker`)."""

from __future__ import annotations

from django_tasks import task


@task()
def batch_send_task(batch_id: str) -> dict[str, object]:
    from ikaze.support.sender import batch_send_run

    result = batch_send_run(batch_id=batch_id)
    return {"claimed": result.claimed, "done": result.done, "counts": result.counts}
