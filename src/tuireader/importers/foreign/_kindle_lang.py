"""The words of Kindle's metadata line, per device language, and its dates.

A record's second line reads, e.g. ``- Your Highlight on page 12 | Location 145-146 | Added on
Sunday, February 23, 2020 2:58:27 PM`` in English, ``- Ihre Markierung auf Seite 12 | bei
Position 145-146 | Hinzugefügt am Samstag, 6. Dezember 2014 10:07:37`` in German, ``- 您在第 12
页（位置 #204-205）的标注 | 添加于 2014年6月5日星期四 下午7:34:01`` in Chinese.  The language
follows the device's setting at the time, so one file can mix them: every record is read with
all the tables at once (the words do not collide).

Only words are tabled; numbers are found by their neighbours (the page word, the location
word).  Pure data and functions, no I/O.
"""

from __future__ import annotations

import datetime as _dt
import re

#: What the record is, by a word of its metadata line (checked in this order: a German
#: "Notiz" line never holds "Markierung", but Korean highlight lines hold 메모 nowhere either).
KIND_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("bookmark", ("bookmark", "lesezeichen", "signet", "marcador", "segnalibro", "bladwijzer",
                  "ブックマーク", "书签", "書籤", "북마크", "закладка")),
    ("note", ("note", "notiz", "nota", "notitie", "メモ", "笔记", "筆記", "메모", "заметка")),
    ("clip", ("clip", "artikel bei position", "speichern", "剪贴", "記事", "article")),
    ("highlight", ("highlight", "markierung", "surlignement", "subrayado", "evidenziazione",
                   "destaque", "markering", "ハイライト", "标注", "標註", "하이라이트",
                   "выделен", "отрывок", "hervorhebung", "resaltado", "marcação")),
)

_PAGE = (r"(?:page|pages|seite|página|pagina|pág\.?|pag\.?|стр\.?|странице|страница|"
         r"페이지|第)")
_LOC = (r"(?:location|loc\.|locations|position|pos\.|emplacement|posición|posizione|posição|"
        r"localização|locatie|место|месте|позиция|位置no\.|位置|위치)")
_RANGE = r"#?\s*(\d+)(?:\s*[-–]\s*(\d+))?"
PAGE_BEFORE = re.compile(_PAGE + r"\s*" + _RANGE, re.IGNORECASE)
#: Japanese "12ページ", Chinese "12 页", Korean "12페이지": the number first.
PAGE_AFTER = re.compile(r"(\d+)(?:\s*[-–]\s*(\d+))?\s*(?:ページ|页|頁|페이지)")
LOCATION = re.compile(_LOC + r"\s*" + _RANGE, re.IGNORECASE)

#: Words that open the date part ("Added on", "Hinzugefügt am", "添加于" ...).
DATE_WORDS = ("added on", "hinzugefügt am", "ajouté le", "añadido el", "aggiunto il",
              "aggiunto in data", "aggiunto", "adicionado", "toegevoegd op", "作成日", "添加于",
              "添加於", "추가된 날짜", "추가됨", "добавлено", "added")

#: Month names (lower case, and their usual abbreviations) -> number.
MONTHS: dict[str, int] = {}
for _names in (
    "january february march april may june july august september october november december",
    "januar februar märz april mai juni juli august september oktober november dezember",
    "janvier février mars avril mai juin juillet août septembre octobre novembre décembre",
    "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre",
    "gennaio febbraio marzo aprile maggio giugno luglio agosto settembre ottobre novembre "
    "dicembre",
    "janeiro fevereiro março abril maio junho julho agosto setembro outubro novembro dezembro",
    "januari februari maart april mei juni juli augustus september oktober november december",
    "января февраля марта апреля мая июня июля августа сентября октября ноября декабря",
    "jan feb mar apr may jun jul aug sep oct nov dec",
    "jänner feber mrz apr mai jun jul aug sept okt nov dez",
):
    for _i, _name in enumerate(_names.split()):
        MONTHS.setdefault(_name, _i + 1)
MONTHS["sept"] = 9

_PM = ("pm", "p.m.", "下午", "午後", "오후")
_AM = ("am", "a.m.", "上午", "午前", "오전")
_TIME = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2}))?")
_CJK_DATE = re.compile(r"(\d{4})\s*[年년]\s*(\d{1,2})\s*[月월]\s*(\d{1,2})\s*[日일]")
_YEAR = re.compile(r"(?<!\d)(\d{4})(?!\d)")
_WORD = re.compile(r"[^\W\d_]+\.?", re.UNICODE)
_NUMBER = re.compile(r"(?<![\d:])(\d{1,2})(?![\d:])")


def split_date(meta: str) -> tuple[str, str]:
    """``(the metadata without its date part, the date text)``; the date is "" if no date word
    is found."""
    low = meta.casefold()
    best = -1
    word = ""
    for w in DATE_WORDS:
        at = low.rfind(w)
        if at > best:
            best, word = at, w
    if best < 0:
        return meta, ""
    rest = meta[best + len(word):].lstrip(" :：,")
    return meta[:best], rest


def parse_date(text: str) -> str:
    """ISO 8601 (no time zone: the device's local time) for a Kindle date in any of the tabled
    languages; "" if it cannot be read (``dateparser`` is tried last)."""
    text = text.strip()
    if not text:
        return ""
    found = _by_table(text)
    if found is None and _YEAR.search(text):
        # Only a date with its year: dateparser reads "Sunday" alone as last Sunday.
        found = _by_dateparser(text)
    return found.isoformat() if found is not None else ""


def _by_table(text: str) -> _dt.datetime | None:
    low = text.casefold()
    hour = minute = second = 0
    time = _TIME.search(low)
    rest = low
    if time:
        hour, minute, second = int(time[1]), int(time[2]), int(time[3] or 0)
        if any(m in low for m in _PM) and hour < 12:
            hour += 12
        elif any(m in low for m in _AM) and hour == 12:
            hour = 0
        rest = low[: time.start()] + " " + low[time.end():]
    cjk = _CJK_DATE.search(rest)
    if cjk:
        year, month, day = int(cjk[1]), int(cjk[2]), int(cjk[3])
    else:
        years = _YEAR.findall(rest)
        month_no = next((MONTHS[w.rstrip(".")] for w in _WORD.findall(rest)
                         if w.rstrip(".") in MONTHS), None)
        days = [int(n) for n in _NUMBER.findall(rest.replace(years[0], " ", 1) if years else rest)]
        if len(years) != 1 or month_no is None or not days:
            return None
        year, month, day = int(years[0]), month_no, days[0]
    try:
        return _dt.datetime(year, month, day, hour, minute, second)
    except ValueError:
        return None


def _by_dateparser(text: str) -> _dt.datetime | None:
    try:
        import dateparser
    except ImportError:  # optional at run time: the table covers the known languages
        return None
    try:
        found = dateparser.parse(text, settings={"RETURN_AS_TIMEZONE_AWARE": False})
    except (ValueError, TypeError, OverflowError):
        return None
    return found if isinstance(found, _dt.datetime) else None


def kind_of(meta: str) -> str:
    """"highlight", "note", "bookmark" or "clip" (an article clipped whole); "" if unknown."""
    low = meta.casefold()
    for kind, words in KIND_WORDS:
        if any(w in low for w in words):
            return kind
    return ""


def _range(m: re.Match[str] | None) -> tuple[int, int] | None:
    if m is None:
        return None
    start = int(m[1])
    if not m[2]:
        return start, start
    end_text = m[2]
    end = int(end_text)
    if end < start:
        # "Loc. 145-46" is 145-146: the end repeats only the digits that change.
        head = str(start)[: max(0, len(str(start)) - len(end_text))]
        end = int(head + end_text) if head else end
        if end < start:
            end = start
    return start, end


def page_and_location(meta: str) -> tuple[tuple[int, int] | None, tuple[int, int] | None]:
    """The page (range) and the location (range) a metadata line names, each None if absent."""
    location = _range(LOCATION.search(meta))
    page_m = PAGE_BEFORE.search(meta) or PAGE_AFTER.search(meta)
    if page_m is not None and location is not None:
        loc_m = LOCATION.search(meta)
        if loc_m is not None and loc_m.start() <= page_m.start() < loc_m.end():
            page_m = None  # "位置No. 12" read as the page by "第"-less forms: not a page
    return _range(page_m), location


#: Kindle's placeholder when the publisher's clipping limit is reached (text kept: none).
LIMIT_WORDS = ("clipping limit", "clip limit", "クリップの上限", "剪贴上限", "剪切上限",
               "markierungsgrenze", "markierungen", "limite de", "límite de", "limite di",
               "limiet", "лимит", "限制", "한도")


def is_limit_placeholder(text: str) -> bool:
    stripped = text.strip()
    if not (stripped.startswith("<") and stripped.endswith(">")) or "\n" in stripped:
        return False
    low = stripped.casefold()
    return any(w in low for w in LIMIT_WORDS)
