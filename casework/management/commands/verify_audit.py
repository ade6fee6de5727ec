"""`manage.py verify_audit [--organisation SLUG] [--against FILE]`: is the audit trail intact?

Exits with status 0 and a summary when every chain holds (and matches the external copy, with
`--against`); otherwise lists each problem found and exits with status 1.
"""

from django.core.management.base import BaseCommand, CommandError

from casework.audit_verify import NO_ORGANISATION, CopyUnreadable, verify
from casework.models import Organisation


class Command(BaseCommand):
    help = (
        "Check the audit trail's hash chains: finds a deleted, changed, reordered or back-dated "
        "event; with --against, compares the trail with its external copy (JSON lines)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--organisation",
            help=f"only this organisation's chain (its slug; {NO_ORGANISATION!r}: events of none)",
        )
        parser.add_argument("--against", help="the external copy of the trail (AUDIT_COPY_FILE)")

    def handle(self, *args, organisation=None, against=None, **options):
        scope = None
        if organisation == NO_ORGANISATION:
            scope = NO_ORGANISATION
        elif organisation:
            scope = Organisation.objects.filter(slug=organisation).first()
            if scope is None:
                raise CommandError(f"There is no organisation {organisation!r}.")
        try:
            if against:
                with open(against, encoding="utf-8") as lines:
                    report = verify(scope, against=lines)
            else:
                report = verify(scope)
        except OSError as exc:
            raise CommandError(f"Could not read the copy {against}: {exc.strerror}.") from None
        except CopyUnreadable as exc:
            raise CommandError(f"{against}: {exc}.") from None
        copied = f", {report.copied} in the copy" if report.copied is not None else ""
        summary = f"{report.events} events in {report.chains} chain(s){copied}"
        if report.ok:
            self.stdout.write(self.style.SUCCESS(f"The audit trail is intact: {summary}."))
            return
        for problem in report.problems:
            self.stderr.write(str(problem))
        raise CommandError(
            f"The audit trail is NOT intact: {len(report.problems)} problem(s) in {summary}."
        )
