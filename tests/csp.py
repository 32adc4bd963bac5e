"""What the Content-Security-Policy promises, checked on a response: the header is there
and strict, and the HTML needs nothing it refuses (inline script, event handler
attributes, javascript: URLs, style attributes or elements)."""

from html.parser import HTMLParser

from csp.constants import HEADER

# Directives that must say exactly this (config/settings.py, CONTENT_SECURITY_POLICY).
STRICT = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
DATA_SCRIPT_TYPES = {"application/json", "application/ld+json"}  # data, never run
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "data", "xlink:href"}


def directives(response):
    header = response.get(HEADER)
    assert header, f"no {HEADER} header"
    parts = (part.strip().split(None, 1) for part in header.split(";") if part.strip())
    return {part[0]: part[1] if len(part) > 1 else "" for part in parts}


class _InlineFinder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found = []
        self._inline_script = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for name, value in attrs.items():
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}=…> (event handler attribute)")
            if name == "style":
                self.found.append(f'<{tag} style="{value}">')
            if name in URL_ATTRIBUTES and (value or "").strip().lower().startswith("javascript:"):
                self.found.append(f'<{tag} {name}="{value}">')
        if tag == "style":
            self.found.append("<style> element")
        if tag == "script" and "src" not in attrs:
            kind = (attrs.get("type") or "").strip().lower()
            if kind not in DATA_SCRIPT_TYPES:
                self._inline_script = ""

    def handle_data(self, data):
        if self._inline_script is not None:
            self._inline_script += data

    def handle_endtag(self, tag):
        if tag == "script" and self._inline_script is not None:
            self.found.append(f"inline <script>: {self._inline_script.strip()[:80]!r}")
            self._inline_script = None


def inline_code(html):
    """Everything in the HTML that a strict policy refuses."""
    finder = _InlineFinder()
    finder.feed(html)
    finder.close()
    return finder.found


def assert_strict_csp(response, frame_ancestors="'none'"):
    """The response carries the strict policy; an HTML page needs nothing it refuses.
    `frame_ancestors`: what the one embeddable page (/register/inbaddad/) allows."""
    policy = directives(response)
    for name, value in (STRICT | {"frame-ancestors": frame_ancestors}).items():
        assert policy.get(name) == value, f"{name}: {policy.get(name)!r} in {policy}"
    assert "'unsafe-inline'" not in str(policy) and "'unsafe-eval'" not in str(policy)
    if response.get("Content-Type", "").startswith("text/html") and not getattr(
        response, "streaming", False
    ):
        found = inline_code(response.content.decode())
        assert not found, f"refused by the policy: {found}"


class _IdCollector(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.ids = []

    def handle_starttag(self, tag, attrs):
        self.ids += [value for name, value in attrs if name == "id" and value]


def assert_unique_ids(response):
    """No id twice on an HTML page: labels, aria-labelledby and the skip link point at
    one element each (two compliance sections once shared an id)."""
    if not response.get("Content-Type", "").startswith("text/html") or getattr(
        response, "streaming", False
    ):
        return
    collector = _IdCollector()
    collector.feed(response.content.decode())
    seen, twice = set(), set()
    for value in collector.ids:
        (twice if value in seen else seen).add(value)
    assert not twice, f"ids used more than once: {sorted(twice)}"
