"""Who is due a reminder, the outbox rows that say so, and sending one row exactly once.

The beat pass plans rows and hands their ids to workers; the `send_reminders`
command plans and sends in-process; staff queue one through the admin. Whichever
door, a mail is sent only by `reminder_send`, which claims its row under a lock
(QUEUED -> SENDING, committed before the mail leaves), re-checks that the mail is
still wanted, sends it and marks the row SENT. A worker lost between the claim and
the mark leaves the row SENDING until `reminders_sweep` queues it again.

    plan.py     who is due, and why a delegation or a row is left alone
    queue.py    invitations, staff requests, requeues; row ids to the workers after commit
    send.py     claiming and sending one row, failures, the sweeper, the pass
    compose.py  the mail itself: texts, context, message, .ics attachment
    notices.py  change notices: which changes, one mail per burst of edits, its text
    receipts.py the receipt of an answer given through the RSVP link

Nothing here imports meetings.tasks: the tasks call in, and rows reach them by task name.
"""

from meetings.models import Reminder

from .compose import (
    local_moment,
    meeting_ics,
    meeting_when,
    meeting_where,
    reminder_context,
    reminder_email,
    rsvp_url,
    subject_line,
)
from .notices import (
    meeting_state,
    notice_audience,
    notice_email,
    notice_step,
    notices_queue,
)
from .plan import (
    INVITATION_STEP,
    Plan,
    Skip,
    confirmation_deadline,
    due_step,
    link_step,
    meeting_closed_reason,
    next_step,
    reminder_candidates,
    reminders_plan,
    schedule_days,
    unwanted_reason,
)
from .queue import (
    SEND_REMINDER_TASK,
    invitations_owed,
    invitations_queue,
    known_contacts,
    new_link_queue,
    publish_on_commit,
    reminder_request,
    reminders_enqueue,
    reminders_requeue,
)
from .receipts import receipt_email, receipt_queue
from .send import (
    PassReport,
    SendResult,
    reminder_send,
    reminders_pass,
    reminders_sweep,
    retry_delay,
)

__all__ = [
    "INVITATION_STEP",
    "SEND_REMINDER_TASK",
    "PassReport",
    "Plan",
    # The outbox row, for callers' annotations (services.delegation_send_reminder_now).
    "Reminder",
    "SendResult",
    "Skip",
    "confirmation_deadline",
    "due_step",
    "invitations_owed",
    "invitations_queue",
    "known_contacts",
    "link_step",
    "local_moment",
    "meeting_closed_reason",
    "meeting_ics",
    "meeting_state",
    "meeting_when",
    "meeting_where",
    "new_link_queue",
    "next_step",
    "notice_audience",
    "notice_email",
    "notice_step",
    "notices_queue",
    "publish_on_commit",
    "reminder_candidates",
    "reminder_context",
    "reminder_email",
    "reminder_request",
    "reminder_send",
    "receipt_email",
    "receipt_queue",
    "reminders_enqueue",
    "reminders_pass",
    "reminders_plan",
    "reminders_requeue",
    "reminders_sweep",
    "retry_delay",
    "rsvp_url",
    "schedule_days",
    "subject_line",
    "unwanted_reason",
]
