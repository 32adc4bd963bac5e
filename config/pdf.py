"""PDF/A-2b documents from HTML templates, with WeasyPrint.

The renderer fetches nothing but the project's own static files and the resources a
caller hands it (a snapshot's image): no network, no file://. Every other URL in a
template is refused and logged, and the document is rendered without it.

Static files are the ones the site itself serves: what the configured staticfiles
storage holds (in production the collected STATIC_ROOT, with the hashed names that
{% static %} and the manifest's rewritten url()s give), and, where whitenoise also
serves the finders' files (WHITENOISE_USE_FINDERS, in development), those first.
"""

import logging
import mimetypes
import os
import threading
from urllib.parse import unquote

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.exceptions import SuspiciousFileOperation
from django.template.loader import render_to_string
from django.utils import translation
from weasyprint import HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

log = logging.getLogger(__name__)

# A base URL that cannot be fetched from anywhere: relative URLs resolve against it.
BASE_URL = "https://kanalkoll.invalid/"


class ProjectOnlyFetcher(URLFetcher):
    """Serves STATIC_URL paths from the project's static files and the given
    `resources` ({url: (bytes, mime type)}); refuses everything else."""

    def __init__(self, resources=None):
        super().__init__(allowed_protocols=())
        self.resources = resources or {}
        self.refused = []

    def fetch(self, url, headers=None):
        if url in self.resources:
            body, mime = self.resources[url]
            return URLFetcherResponse(url, body, {"Content-Type": mime})
        static_prefix = BASE_URL + settings.STATIC_URL.lstrip("/")
        if url.startswith(static_prefix):
            relative = unquote(url[len(static_prefix) :].split("?")[0].split("#")[0])
            body = static_file(relative)
            if body is not None:
                mime = mimetypes.guess_type(relative)[0] or "application/octet-stream"
                return URLFetcherResponse(url, body, {"Content-Type": mime})
        self.refused.append(url)
        log.warning("PDF renderer refused to fetch %s", url)
        raise ValueError(f"Kanalkoll's PDF renderer fetches only its own files, not {url}")


def static_file(relative):
    """The bytes of the static file the site serves at STATIC_URL + `relative`, or None.
    Only a relative path to a file: no "..", no absolute path, no folder, nothing outside
    the static files."""
    parts = relative.split("/")
    if relative.startswith("/") or {"", "..", "."} & set(parts) or set("\\\0") & set(relative):
        return None
    if getattr(settings, "WHITENOISE_USE_FINDERS", settings.DEBUG):
        path = finders.find(relative)
        if path and os.path.isfile(path):
            with open(path, "rb") as fh:
                return fh.read()
    try:
        if not staticfiles_storage.exists(relative):
            return None
        with staticfiles_storage.open(relative) as fh:
            return fh.read()
    except (SuspiciousFileOperation, OSError):  # outside the storage, a folder, gone
        return None


_local = threading.local()


def font_config():
    """This thread's FontConfiguration, kept across renders. A new one for each document
    (WeasyPrint's default) loads the system's font configuration again and leaves native
    memory behind, about 0.25 MB a document; the @font-face fonts of document.css are
    added to it once and the PDFs come out the same."""
    config = getattr(_local, "font_config", None)
    if config is None:
        config = _local.font_config = FontConfiguration()
    return config


def render_pdf(template, context, *, title, author="", resources=None, fetcher=None):
    """Render `template` to PDF/A-2b bytes. The template should link
    {% static 'pdf/document.css' %}, which embeds the project's fonts."""
    fetcher = fetcher or ProjectOnlyFetcher(resources)
    with translation.override(settings.LANGUAGE_CODE):
        html = render_to_string(template, {**context, "pdf_title": title, "pdf_author": author})
    document = HTML(string=html, base_url=BASE_URL, url_fetcher=fetcher)
    # Title and author come from the template's <title> and <meta name="author">.
    return document.write_pdf(pdf_variant="pdf/a-2b", font_config=font_config())
