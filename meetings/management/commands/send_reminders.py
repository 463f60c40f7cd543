from django.core.management.base import BaseCommand

from meetings import reminders
from meetings.reminders import SendResult

OUTCOME_LABELS = {
    "sent": "sent",
    "skipped": "skipped",
    "retry": "failed (will retry)",
    "failed": "failed (gave up)",
    "busy": "left alone",
}


def _result_line(result: SendResult) -> str:
    what = OUTCOME_LABELS[result.outcome]
    if result.reminder is None:
        return f"{what}: reminder {result.reminder_id}: {result.detail}"
    delegation = result.reminder.delegation
    who = (
        f"{delegation.participant.name} at {delegation.meeting.title} "
        f"({result.reminder.step_label})"
    )
    return f"{what}: {who} {'to' if result.outcome == 'sent' else '-'} {result.detail}"


class Command(BaseCommand):
    help = (
        "Run one reminder pass now, in this process (no broker or worker needed): plan the "
        "reminders due, send every queued one, and print what was sent and skipped, and why."
    )

    def handle(self, *args, **options) -> None:
        report = reminders.reminders_pass(send=True)
        for result in report.results:
            self.stdout.write(_result_line(result))
        for skip in report.plan.skipped:
            delegation = skip.delegation
            self.stdout.write(
                f"skipped: {delegation.participant.name} at {delegation.meeting.title} "
                f"- {skip.reason}"
            )
        sent = sum(result.outcome == "sent" for result in report.results)
        self.stdout.write(
            f"{sent} sent, {len(report.results) - sent} queued not sent, "
            f"{len(report.plan.skipped)} delegations skipped."
        )
