"""Django's `makemessages`, aimed at the portal's own code: tests, benchmarks, the Marketing Cloud
sandbox and build output are left out, and entries name their file (not the line, so that an edit above
a string does not touch the catalogue). README "Languages" has the commands."""

from django.core.management.commands import makemessages

NOT_PORTAL_UI = ["tests", "bench", "sandbox", "staticfiles", "var", "docs"]


class Command(makemessages.Command):
    def handle(self, *args, **options):
        options["ignore_patterns"] = [*options.get("ignore_patterns", []), *NOT_PORTAL_UI]
        if not options.get("add_location"):
            options["add_location"] = "file"
        return super().handle(*args, **options)
