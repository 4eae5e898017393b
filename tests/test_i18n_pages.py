"""Every page, rendered in Dutch, shows no English text other than proper names.

The pages are those of the URL x role matrix (tests/security/test_url_role_matrix.py): each
URL pattern is opened, with that module's world, by every role for which it answers 200, so
a page added to the matrix is checked here without any change; a GET shows the page, an
empty POST the form with its error messages. The admin is opened by the superuser: its
index, and the list, add, change and history page of every registered model.

What is checked is the visible text (text nodes outside scripts and styles, and the
attributes a person reads or hears: title, alt, placeholder, aria-label, button values).
Values from the data (names, titles, addresses: every string stored in the database that
is not a code from a list of choices nor an English column such as `title_en`) are taken
out first, then the proper names of PROPER_NAMES. What remains must hold none of
ENGLISH_WORDS, a list of common English words that are not also Dutch words ("is", "of",
"die", "over" and "status" are Dutch too, so they are not on it). An element with its own
`lang` attribute (the language switch's "English") is in that language and skipped.

A marked but untranslated string, an unmarked string, a choice label without gettext and
an English form label all show up as English words on a Dutch page. To prove the check is
not blind, the English rendering of every page must trip it.

Strings of Django and third-party apps that lack a Dutch translation of their own are
translated in this project's catalogue (core/third_party_strings.py lists them); what no
catalogue can reach is excepted, with its reason, in EXCEPTED_TEXT and ADMIN_ICONS.
"""

import functools
import json
import re
from html.parser import HTMLParser

import pytest
from django.apps import apps
from django.contrib import admin
from django.db import models, transaction
from django.urls import reverse

from tests.security.test_url_role_matrix import ROLES, TABLE, build_world

pytestmark = pytest.mark.django_db

# Common English words that are not Dutch words as well: "is", "of", "in", "over", "die",
# "door", "want", "was", "had", "been", "men", "we", "me", "open", "start", "online",
# "status", "score", "scores", "conflict", "contact", "criteria", "quota", "filter",
# "export", "download", "ranking", "agenda", "document", "map", "data", "type", "link",
# "code", "info", "job", "feed", "log" (as in "log in"), "per" and "team" are left out.
_WORDS = """
    the and to for with not your you are this these those that there here their they them
    yes no none nothing all any each every some other others more less than only also
    from by at on or if when which who what why how has have having will would can could
    may must should shall do does did done be being were it its our us my
    save saved edit delete deleted add added back next previous search show hide
    cancel cancelled submit submitted draft drafts change changed changes update updated
    new list details overview progress results result total name title description
    date time meeting meetings board member members candidate candidates candidacy
    candidacies municipality municipalities programme programmes group groups goal goals
    target targets decision decisions vote votes voted proposal proposals run runs
    invitation invitations invited accepted declined answer answers answered reminder
    reminders sent failed pending published closed scored scoring conflicts
    declared declare minutes attendance attended expectation expectations
    report reports history restore snapshots compare assessment policy milestones
    actions action documents file files upload uploaded password email sign
    page help required optional field fields select choose choice unknown yet already
    before after between without within into out about since until first last
    criterion quotas weight pilot outreach province provinces
    contacts phone user users staff superuser active inactive
    please try again error errors missing invalid wrong allowed denied access
    view views opened opening closing close reason comment comments note notes
    calendar subscribe address location starts ends end
    level levels support awareness citizens companies associations politicians
    true false agree disagree median mean average spread rank
"""
ENGLISH_WORDS = frozenset(_WORDS.split())

# Proper names and terms that are the same in Dutch and English, in one place. Each is
# taken out of the text before its words are looked up.
PROPER_NAMES = (
    "SDG",
    "SDGs",
    "VVSG",
    "Sustainable Development Goals",
    "Excel",
    "CSV",
    "XLSX",
    "PDF",
    "ICS",
    "NIS",
    "DEGURBA",
    "Cifal Flanders",
    "Platforma",
    "KINA",
    "11.11.11",
    "Vredeseilanden",
    "English",
)

# Text no catalogue can translate: django-axes names its records in the admin in English
# without gettext ("Access Log for someone@example.org @ 2017-05-02 10:00:00+00:00"), and
# the import page lists the codes a file may hold as they must be typed.
EXCEPTED_TEXT = (
    re.compile(r"Access Log for \S+ @ [\d:. +-]+"),
    re.compile(r"Attempted Access: [\d:. +-]+"),
    re.compile(r"Failed access: user \S+( locked out)? on [\d:. +-]+ from \S+"),
    re.compile(r"not_started, exploring, active"),
)

ATTRIBUTES = {"title", "alt", "placeholder", "aria-label", "aria-description"}
# Scripts and styles are not text; code, kbd and samp hold values to type ("yes", "no").
SKIPPED_ELEMENTS = {"script", "style", "template", "code", "kbd", "samp"}
# Django's admin writes English alt texts on its icons without gettext ("True", "False",
# "None" in django/contrib/admin/templatetags/admin_list.py `_boolean_icon`, "Search" in
# admin/search_form.html); the text beside each icon says the same in Dutch.
ADMIN_ICONS = "/static/admin/img/"
VOID_ELEMENTS = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "source",
    "track",
    "wbr",
}
# A word; one with an underscore is a code (a column name such as first_name), not text, and
# letters run together with digits are a code too (a hash such as be5748..., an id).
WORD = re.compile(r"(?<![A-Za-z0-9_])[A-Za-z_]+(?:'[A-Za-z]+)?(?![A-Za-z0-9_])")


class _VisibleText(HTMLParser):
    """Collects the text a person reads or hears, without what is in another language."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.chunks: list[str] = []
        self.stack: list[tuple[str, bool]] = []  # (tag, skipped)
        self.page_language = None

    def _skipped(self):
        return bool(self.stack) and self.stack[-1][1]

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "html":
            self.page_language = attrs.get("lang")
        own_language = attrs.get("lang")
        skipped = (
            self._skipped()
            or tag in SKIPPED_ELEMENTS
            or (tag != "html" and own_language is not None and own_language != self.page_language)
        )
        if not skipped:
            self.chunks += [
                value
                for key, value in attrs.items()
                if key in ATTRIBUTES
                and value
                and not (key == "alt" and (attrs.get("src") or "").startswith(ADMIN_ICONS))
            ]
            if tag == "input" and attrs.get("type") in {"submit", "button", "reset"}:
                self.chunks.append(attrs.get("value") or "")
        if tag not in VOID_ELEMENTS:
            self.stack.append((tag, skipped))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID_ELEMENTS and self.stack and self.stack[-1][0] == tag:
            self.stack.pop()

    def handle_endtag(self, tag):
        # Pop up to the matching element (browsers forgive unclosed <p> and <li>).
        for index in range(len(self.stack) - 1, -1, -1):
            if self.stack[index][0] == tag:
                del self.stack[index:]
                return

    def handle_data(self, data):
        if not self._skipped() and data.strip():
            self.chunks.append(data)


def visible_text(html: str) -> list[str]:
    parser = _VisibleText()
    parser.feed(html)
    parser.close()
    return [" ".join(chunk.split()) for chunk in parser.chunks if chunk.strip()]


# Keys of the JSON documents (an SDG status, a selection run) whose values are free text;
# the other values are codes, numbers and hashes.
FREE_TEXT_KEYS = {"title", "name", "description", "note", "notes", "comment", "text", "link"}
# Tables of Django's own bookkeeping: names and codes no page shows as text.
# (auth.Permission is not among them: Django names permissions in English, "Can add
# candidacy", in the database, and the admin shows those names as they are stored.)
BOOKKEEPING = {"contenttypes.ContentType", "admin.LogEntry"}
CODE = re.compile(r"[a-z][a-z0-9_]*")


def _free_text(value, key=None):
    if isinstance(value, dict):
        for inner_key, item in value.items():
            yield from _free_text(item, inner_key)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _free_text(item, key)
    elif isinstance(value, str) and key in FREE_TEXT_KEYS:
        yield value


# Reference data does not change during a test run: read once.
REFERENCE_DATA = {
    "municipalities.Province",
    "municipalities.Arrondissement",
    "municipalities.Municipality",
    "municipalities.SDGGoal",
    "municipalities.SDGTarget",
}


def _model_strings(model, english_columns):
    fields = [
        field
        for field in model._meta.concrete_fields
        if isinstance(field, models.CharField | models.TextField | models.JSONField)
        and not field.choices
        and (english_columns or not field.name.endswith("_en"))
    ]
    found = set()
    if not fields:
        return found
    for row in model._base_manager.values_list(*(field.attname for field in fields)):
        for field, value in zip(fields, row, strict=True):
            if isinstance(field, models.JSONField):
                found.update(_free_text(value))
                if english_columns and value:
                    # The admin shows a read-only JSON document as it is stored.
                    found.add(json.dumps(value, ensure_ascii=False, cls=field.encoder))
            elif value:
                found.add(value)
    # Pages are compared with their white space collapsed, and so is the data.
    texts = {" ".join(text.split()) for text in found}
    return {text for text in texts if text and not CODE.fullmatch(text)}


_reference_strings = functools.cache(_model_strings)


def data_strings(*, english_columns=False) -> set[str]:
    """Every free-text value in the database: names, titles, addresses, notes, file names.

    Codes are left out (a value from a list of choices, a lower-case key such as "rural":
    their label is what a page must show), and so are the English columns of bilingual
    data (`title_en`), which a Dutch page must not show, or only marked as English; the
    admin, which edits both columns, shows them (`english_columns`).
    """
    found = set()
    for model in apps.get_models():
        label = model._meta.label
        if label in BOOKKEEPING:
            continue
        read = _reference_strings if label in REFERENCE_DATA else _model_strings
        found |= read(model, english_columns)
    return found


def remover(*, english_columns=False):
    """One regular expression that takes out the data, the proper names and the third-party
    text, each where it stands as a whole."""
    return _compiled(frozenset(data_strings(english_columns=english_columns)))


@functools.lru_cache(maxsize=8)
def _compiled(strings):
    ordered = sorted({s for s in strings | set(PROPER_NAMES) if len(s) > 1}, key=len, reverse=True)
    return re.compile(
        "|".join(
            [pattern.pattern for pattern in EXCEPTED_TEXT]
            + [r"(?<!\w)(?:" + "|".join(map(re.escape, ordered)) + r")(?!\w)"]
        )
    )


def english_words(chunks, remove) -> list[tuple[str, list[str]]]:
    """The chunks that hold English words once data and proper names are out, with them."""
    found = []
    for chunk in chunks:
        rest = remove.sub(" ", chunk)
        words = [w for w in WORD.findall(rest) if w.lower() in ENGLISH_WORDS and "_" not in w]
        if words:
            found.append((chunk, words))
    return found


def rendered(client, url, language, method="get"):
    """The page's HTML in `language`, or None for a file, a feed or a page in another
    language by design (the proces-verbaal is always in Dutch)."""
    client.cookies["django_language"] = language
    response = getattr(client, method)(url)
    assert response.status_code == 200, (url, language, response.status_code)
    if not response.headers.get("Content-Type", "").startswith("text/html"):
        return None
    body = response.content.decode()
    page_language = re.search(r'<html[^>]*\blang="([^"]+)"', body)
    if page_language and page_language.group(1) != language:
        assert page_language.group(1) == "nl", (url, language)
        return None
    return body


def _report(url, found):
    lines = [f"  {chunk!r}: {', '.join(words)}" for chunk, words in found]
    return f"English text on the Dutch page {url}:\n" + "\n".join(lines)


# --- The world and the data it holds -------------------------------------------------


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """The URL x role matrix's world, built once and rolled back after the module."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            built = build_world()
        except BaseException:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            raise
    yield built
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        outer.__exit__(None, None, None)


@pytest.fixture
def remove(world):
    """Taken before each page: a request may add data (a log-in adds an access log)."""
    return remover()


# --- The pages of the matrix ---------------------------------------------------------

# The roles whose pages differ: a contact, an active board member with and without a
# conflict, staff, and nobody (the login and password pages).
PAGE_ROLES = ("anonymous", "contact_a", "member", "conflicted", "staff")

PAGES = [
    pytest.param(name, method, role, id=f"{name}-{method}-{role}")
    for name, row in TABLE.items()
    for method in ("get", "post")
    if getattr(row, method) is not None
    for role, answer in zip(ROLES, getattr(row, method), strict=True)
    if role in PAGE_ROLES and answer == 200
]


@pytest.mark.parametrize(("name", "method", "role"), PAGES)
def test_page_in_dutch_shows_no_english(client, world, name, method, role):
    """A GET shows the page; an empty POST shows the form with its error messages."""
    if role != "anonymous":
        client.force_login(world.users[role])
    url = reverse(name, kwargs=TABLE[name].kwargs(world))
    dutch = rendered(client, url, "nl", method)
    if dutch is None:
        return
    found = english_words(visible_text(dutch), remover())
    assert found == [], _report(url, found)
    if method == "get":
        english = rendered(client, url, "en")
        if english is not None:
            found = english_words(visible_text(english), remover())
            assert found, f"the check is blind on {url}"


def test_page_in_dutch_reports_its_english(client, world, remove):
    """The check finds an untranslated string among Dutch ones, and leaves data alone."""
    html = (
        '<html lang="nl"><head><title>Kandidaturen</title><script>var the = 1;</script></head>'
        '<body><p>Opslaan</p><button aria-label="Save the score">x</button>'
        '<p>Gent: not scored</p><p>SDG-week</p><span lang="en">English</span>'
        f"<p>{world.meeting.title}</p><p>SDG status per group</p>"
        '<p>Ja-kolommen aanvaarden <code>yes</code></p><img src="/static/admin/img/icon-yes.svg"'
        ' alt="True"><img src="/static/img/x.svg" alt="No data"></body></html>'
    )
    assert english_words(visible_text(html), remove) == [
        ("Save the score", ["Save", "the"]),
        ("Gent: not scored", ["not", "scored"]),
        ("SDG status per group", ["group"]),
        ("No data", ["No"]),
    ]


# --- The admin -----------------------------------------------------------------------


def _admin_pages():
    for model in admin.site._registry:
        info = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        yield pytest.param(f"{info}_changelist", model, id=f"{model._meta.label}-changelist")
        yield pytest.param(f"{info}_add", model, id=f"{model._meta.label}-add")
        yield pytest.param(f"{info}_change", model, id=f"{model._meta.label}-change")
        yield pytest.param(f"{info}_history", model, id=f"{model._meta.label}-history")


ADMIN_PAGES = [pytest.param("admin:index", None, id="index"), *_admin_pages()]


@pytest.mark.parametrize(("name", "model"), ADMIN_PAGES)
def test_admin_page_in_dutch_shows_no_english(client, world, name, model):
    """The admin's own words come from Django's Dutch catalogue; ours (verbose names,
    help texts, list columns, filters, actions) must be Dutch too."""
    client.force_login(world.users["superuser"])
    if name.endswith(("_change", "_history")):
        obj = model._default_manager.order_by("pk").first()
        if obj is None:
            pytest.skip(f"the world holds no {model._meta.label}")
        url = reverse(name, args=[obj.pk])
    else:
        url = reverse(name)
    client.cookies["django_language"] = "nl"
    response = client.get(url)
    if response.status_code == 403 and name.endswith("_add"):
        pytest.skip(f"{model._meta.label} cannot be added in the admin")
    assert response.status_code == 200, (url, response.status_code)
    chunks = visible_text(response.content.decode())
    if name.endswith("_history"):
        # django-simple-history prints an empty change reason as Python's "None".
        chunks = [chunk for chunk in chunks if chunk != "None"]
    found = english_words(chunks, remover(english_columns=True))
    assert found == [], _report(url, found)
