"""Issue an API token to a partner account and print it, once."""

from django.core.management.base import BaseCommand, CommandError

from casework.models import User
from casework.services.accounts import CommandLine, partner_token_issue
from casework.services.errors import ServiceError
from casework.tokens import SCOPES


class Command(BaseCommand):
    help = "Issue an API token to a partner account. The key is printed once and never stored."

    def add_arguments(self, parser):
        parser.add_argument("username", help="the partner account the token acts as")
        parser.add_argument("--name", required=True, help="the system that will use the token")
        parser.add_argument("--days", type=int, default=90, help="days until it expires (90)")
        parser.add_argument(
            "--scope",
            action="append",
            dest="scopes",
            default=[],
            metavar="SCOPE",
            help="what the token may do, once per scope ("
            + ", ".join(sorted(SCOPES))
            + "); without any, everything the partner's agreements allow",
        )

    def handle(self, *args, username, name, days, scopes, **options):
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No account named {username!r}.")
        try:
            issued = partner_token_issue(
                actor=CommandLine("issue_partner_token"),
                user=user,
                name=name,
                days=days,
                scopes=scopes,
            )
        except ServiceError as exc:
            problems = "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())
            raise CommandError(problems) from None
        expires = issued.token.expires_at.strftime("%Y-%m-%d %H:%M UTC")
        self.stdout.write(issued.key)
        granted = ", ".join(issued.token.scopes) or "every scope the agreements allow"
        self.stderr.write(
            f"Token {issued.token.prefix!r} for {username} ({granted}) expires {expires}. "
            "This is the only time the key is shown: give it to the partner now."
        )
