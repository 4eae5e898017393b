"""Background jobs of the meetings app: thin wrappers around meetings.reminders."""

from celery import shared_task

from . import reminders

# Messages written to the broker per round trip when a dispatch queues its rows.
QUEUE_BATCH = 500


@shared_task(name="meetings.tasks.dispatch_reminders")
def dispatch_reminders() -> int:
    """Run by beat every minute: claim the due deliveries and queue one send task each."""
    return reminders.dispatch_due()


@shared_task(name="meetings.tasks.sweep_reminders")
def sweep_reminders() -> dict:
    """Run by beat every five minutes: queue lost and stuck deliveries again, mark missed."""
    result = reminders.sweep()
    return {"lost": result.lost, "stuck": result.stuck, "missed": result.missed}


@shared_task(
    bind=True,
    name="meetings.tasks.send_delivery",
    # The row counts the attempts (reminders.MAX_ATTEMPTS) across re-queues; this bound
    # only keeps Celery from giving up first.
    max_retries=reminders.MAX_ATTEMPTS,
    acks_late=True,
    # The row holds the outcome; a result in the result store would only cost a write.
    ignore_result=True,
)
def send_delivery(self, delivery_id: int) -> str:
    """Send one delivery; running it twice sends once (the row's status decides)."""
    try:
        return reminders.delivery_send(delivery_id=delivery_id)
    except reminders.SendLater as later:
        raise self.retry(exc=later, countdown=later.countdown) from later


def queue_sends(ids: list[int]) -> None:
    """Queue one `send_delivery` task per delivery id, over one broker connection.

    The producer's batch (kombu) sends the messages in pipelined writes of up to
    QUEUE_BATCH at a time instead of one round trip each; every row is still its own task.
    A failure leaves the rows not yet written to the broker `queued`, for the sweeper.
    """
    with send_delivery.app.producer_or_acquire() as producer, producer.batch(QUEUE_BATCH):
        for pk in ids:
            send_delivery.apply_async((pk,), producer=producer)
