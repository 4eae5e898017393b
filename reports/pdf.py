"""HTML to PDF with WeasyPrint, reading nothing but the project's own static files.

The report's stylesheets and fonts are static files; WeasyPrint asks for them by URL. The
fetcher below answers those from the static files on disk and refuses every other URL
(another host, a file path, a data: URL), so rendering a report never reaches the network
or reads a file outside the static files, whatever the data in the report holds.

WeasyPrint is imported on first use: it loads Pango when imported, and a server without
Pango should lose the PDF download only, not every page.
"""

from __future__ import annotations

import functools
import logging
import mimetypes
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage

# WeasyPrint reports each step of every rendering (and of its import) at INFO: noise in the
# server's log. Its warnings and errors still show.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)

# The base URL the report's HTML is rendered against: a host that never resolves.
BASE_URL = "https://report.invalid/"


def static_path(url: str) -> str | None:
    """The file behind a static URL of the base host, or None for any other URL."""
    parts = urlsplit(url)
    if f"{parts.scheme}://{parts.netloc}/" != BASE_URL:
        return None
    prefix = "/" + settings.STATIC_URL.strip("/") + "/"
    path = unquote(parts.path)
    if not path.startswith(prefix):
        return None
    relative = path[len(prefix) :]
    if not relative or ".." in relative.split("/"):
        return None
    found = finders.find(relative)
    if found:
        return found
    if staticfiles_storage.exists(relative):
        return staticfiles_storage.path(relative)
    return None


def static_text(relative: str) -> str:
    """The text of one of the project's static files (e.g. "css/progress.css")."""
    path = static_path(f"{BASE_URL}{settings.STATIC_URL.strip('/')}/{relative}")
    if path is None:
        raise FileNotFoundError(relative)
    with open(path, encoding="utf-8") as handle:
        return handle.read()


def _read(url: str):
    """The answer to WeasyPrint's request for `url`: the static file's bytes and type."""
    path = static_path(url)
    if path is None:
        raise ValueError(f"Not a static file of the report: {url[:100]}")
    mime_type = mimetypes.guess_type(path)[0] or "application/octet-stream"
    with open(path, "rb") as handle:
        return handle.read(), mime_type


@functools.cache
def static_files_fetcher():
    """The class of WeasyPrint's URL fetcher that serves the static files it asks for and
    refuses every other URL."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class StaticFilesFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            body, mime_type = _read(url)
            return URLFetcherResponse(url, body, {"Content-Type": mime_type})

    return StaticFilesFetcher


def html_to_document(html: str):
    """The laid-out pages (a WeasyPrint Document) of an HTML document whose resources are
    static files."""
    from weasyprint import HTML

    return HTML(string=html, base_url=BASE_URL, url_fetcher=static_files_fetcher()()).render()


def html_to_pdf(html: str) -> bytes:
    """The PDF of an HTML document whose resources are static files."""
    return html_to_document(html).write_pdf()
