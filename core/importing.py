"""The one shape of a spreadsheet import in the browser and on the command line: read
the file (core.tabular), show the plan row by row, and apply it only when confirmed.

An importer is a module with `COLUMNS`, `TEMPLATE_EXAMPLE`,
`plan(header, rows, *, options, today)` and `apply(actor, header, rows, *, options,
now, source)`, both returning rows with `line`, `name`, `outcome`, `outcome_label`,
`reason` and `changes`; `options` are the options form's values as text (dates in ISO
form), as the session keeps them. The plan between the two steps is kept in the session as the
file's rows, so the confirmation imports exactly what was shown (planned again against
the data as it is by then). The confirmation redirects (POST/redirect/GET): its result
rows wait in the session and are shown once on the GET, so a reload imports nothing.
"""

import io
from collections import Counter
from types import SimpleNamespace

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import csvsafe
from .tabular import MAX_BYTES, TableError, read_table

# What an import does with a row (the outcome column of the preview).
CREATED, UPDATED, UNCHANGED, REFUSED = "skapas", "uppdateras", "oförändrad", "avvisas"
OUTCOME_LABELS = {
    CREATED: gettext_lazy("Skapas"),
    UPDATED: gettext_lazy("Uppdateras"),
    UNCHANGED: gettext_lazy("Oförändrad"),
    REFUSED: gettext_lazy("Avvisas"),
}


class UploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Fil (CSV eller XLSX)"),
        help_text=gettext_lazy(
            "Semikolon- eller kommaseparerad, UTF-8 eller Windows-1252, eller en Excel-fil. "
            "Första raden är rubrikerna."
        ),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(_("Filen är för stor (högst 5 MB)."))
        try:
            self.table = read_table(upload.read(), upload.name)
        except TableError as exc:
            raise forms.ValidationError(str(exc)) from exc
        return upload


def summary(rows):
    counts = Counter(row.outcome for row in rows)
    return [(row.outcome_label, counts[row.outcome]) for row in _firsts(rows)]


def _firsts(rows):
    seen = {}
    for row in rows:
        seen.setdefault(row.outcome, row)
    return list(seen.values())


def template_csv(importer, filename):
    """The template: the headers and one example row, as Excel in Sweden reads it."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csvsafe.writer(out, delimiter=";")
    writer.writerow([names[0] for _required, names in importer.COLUMNS.values()])
    writer.writerow(importer.TEMPLATE_EXAMPLE)
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _done_key(session_key):
    return f"{session_key}:done"


def _kept(rows):
    """The result rows as the session keeps them (plain text), shown once after the
    redirect."""
    return [
        {
            "line": row.line,
            "name": str(row.name),
            "outcome": row.outcome,
            "outcome_label": str(row.outcome_label),
            "reason": str(row.reason),
            "changes": [str(change) for change in row.changes],
        }
        for row in rows
    ]


def import_view(
    request, *, importer, session_key, context, options_form=None, template="core/import.html"
):
    """GET: the upload form (after a confirmation, once, what it imported). POST with a
    file: the plan, nothing saved. POST confirm: import what the plan showed, then
    redirect to the result."""
    options = options_form(request.POST or None) if options_form else None
    form = UploadForm(request.POST or None, request.FILES or None)
    status = 200
    page = {"form": form, "options": options, **context}
    if request.method == "POST" and "confirm" in request.POST:
        pending = request.session.pop(session_key, None)
        if not pending:
            messages.warning(
                request, _("Det finns ingen förhandsgranskad fil att importera. Börja om.")
            )
            return redirect(request.path)
        rows = importer.apply(
            request.user,
            pending["header"],
            pending["rows"],
            options=pending["options"],
            now=timezone.now(),
            source=pending["filename"],
        )
        request.session[_done_key(session_key)] = {
            "filename": pending["filename"],
            "rows": _kept(rows),
            "summary": [[str(label), n] for label, n in summary(rows)],
        }
        return redirect(request.path)
    if request.method == "POST":
        valid = form.is_valid() & (options.is_valid() if options else True)
        if valid:
            header, data = form.table
            chosen = {
                name: value.isoformat() if hasattr(value, "isoformat") else value
                for name, value in (options.cleaned_data if options else {}).items()
            }
            try:
                rows = importer.plan(header, data, options=chosen, today=timezone.localdate())
            except TableError as exc:
                form.add_error("file", str(exc))
                return render(request, template, page, status=400)
            request.session[session_key] = {
                "header": header,
                "rows": data,
                "filename": form.cleaned_data["file"].name[:80],
                "options": chosen,
            }
            page |= {
                "rows": rows,
                "summary": summary(rows),
                "filename": form.cleaned_data["file"].name,
                "has_changes": any(r.outcome in ("skapas", "uppdateras") for r in rows),
            }
        else:
            status = 400
    else:
        done = request.session.pop(_done_key(session_key), None)
        if done:
            page |= {
                "rows": [SimpleNamespace(**row) for row in done["rows"]],
                "summary": [tuple(pair) for pair in done["summary"]],
                "filename": done["filename"],
                "done": True,
            }
    return render(request, template, page, status=status)


def run_command(importer, path, *, dry_run, interactive, actor, options, stdout, style):
    """`manage.py import_…`: the plan row by row; without --dry-run, import it after a
    yes (or at once with --no-input). Returns the rows."""
    try:
        with open(path, "rb") as file:
            header, data = read_table(file.read(), str(path))
        rows = importer.plan(header, data, options=options, today=timezone.localdate())
    except OSError as exc:
        raise CommandError(_("Filen %(path)s kunde inte läsas.") % {"path": path}) from exc
    except TableError as exc:
        raise CommandError(str(exc)) from exc
    _print(rows, stdout, style)
    if dry_run or not any(r.outcome in ("skapas", "uppdateras") for r in rows):
        stdout.write(_("Inget är sparat."))
        return rows
    if interactive and input(_("Importera? Skriv ja: ")).strip().lower() != "ja":
        stdout.write(_("Inget är sparat."))
        return rows
    rows = importer.apply(
        actor,
        header,
        data,
        options=options,
        now=timezone.now(),
        source=str(path).rsplit("/", 1)[-1],
    )
    stdout.write(style.SUCCESS(_("Importerat.")))
    _print(rows, stdout, style, totals_only=True)
    return rows


def _print(rows, stdout, style, totals_only=False):
    if not totals_only:
        for row in rows:
            detail = row.reason or ", ".join(row.changes)
            line = f"{row.line:>5}  {row.outcome_label:<11} {row.name}" + (
                f": {detail}" if detail else ""
            )
            stdout.write(style.ERROR(line) if row.outcome == REFUSED else line)
    stdout.write("; ".join(f"{label}: {n}" for label, n in summary(rows)))


class ImportCommand(BaseCommand):
    """The shape of every `manage.py import_…`: a file, --dry-run, --no-input and --user
    (who the history names), then run_command. A subclass names its `importer` and the
    `user_help`, and may add options (`add_options`) that `import_options` turns into the
    importer's options."""

    importer = None
    user_help = "who the history names (a user name)"

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--dry-run", action="store_true", help="only show what would change")
        parser.add_argument("--no-input", action="store_false", dest="interactive")
        parser.add_argument("--user", help=self.user_help)
        self.add_options(parser)

    def add_options(self, parser):
        pass

    def import_options(self, **options):
        return {}

    def handle(self, *args, file, dry_run, interactive, user, **options):
        actor = None
        if user:
            actor = get_user_model().objects.filter(username=user, is_active=True).first()
            if actor is None:
                raise CommandError(f"No active user {user!r}.")
        run_command(
            self.importer,
            file,
            dry_run=dry_run,
            interactive=interactive,
            actor=actor,
            options=self.import_options(**options),
            stdout=self.stdout,
            style=self.style,
        )
