"""Background jobs of the partners app: a thin wrapper around partners.services."""

from celery import shared_task

from . import services


@shared_task(name="partners.tasks.remind_subsidy_reports")
def remind_subsidy_reports() -> dict:
    """Run by beat daily: remind the staff once of each subsidy report coming due."""
    result = services.subsidy_reports_remind()
    return {"claimed": result.claimed, "mails": result.mails}
