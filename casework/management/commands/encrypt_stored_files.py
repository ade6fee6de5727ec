"""Encrypt the private files stored before encryption at rest, and re-encrypt those sealed with
an older key after a rotation. Safe to run again: files sealed with the current key are kept."""

from pathlib import Path

from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand, CommandError

from casework import file_keys
from casework.encrypted_storage import seal_in_place


class Command(BaseCommand):
    help = (
        "Encrypt every file under the private storage (CASEWORK_PRIVATE_ROOT) not yet sealed with "
        "the first key of CASEWORK_FILE_KEYS; files already sealed with it are left as they are."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="count what would change, change nothing"
        )

    def handle(self, *args, dry_run, **options):
        root = Path(default_storage.location)
        counts = {"sealed": 0, "rotated": 0, "kept": 0}
        failed = []
        if root.is_dir():
            for path in sorted(root.rglob("*")):
                if not path.is_file() or path.name.startswith(".sealing-"):
                    continue
                try:
                    counts[seal_in_place(path, dry_run=dry_run)] += 1
                except file_keys.FileKeyError as exc:
                    failed.append(f"{path.relative_to(root)}: {exc}")
        verb = "to encrypt" if dry_run else "now encrypted"
        self.stdout.write(f"Files stored in clear, {verb}: {counts['sealed']}")
        self.stdout.write(f"Files under an older key, {verb} with the first: {counts['rotated']}")
        self.stdout.write(f"Files already encrypted with the current key: {counts['kept']}")
        if dry_run:
            self.stdout.write("Dry run: nothing was changed.")
        if failed:
            raise CommandError("Files that could not be opened:\n" + "\n".join(failed))
