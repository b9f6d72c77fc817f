"""Translations: every string has Vietnamese, the compiled catalogs are current, the pages speak
the user's language, and figures and dates are written the Vietnamese or the English way."""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po
from flask_babel import force_locale, refresh
from sqlalchemy import select

from cli import cli
from qms import formatting, labels
from qms.extensions import db
from qms.models.clauses import ClauseMapping
from qms.paths import TRANSLATIONS_DIR
from tests.conftest import login

ROOT = Path(__file__).resolve().parent.parent
# The same keywords as scripts/i18n.sh passes to `pybabel extract`.
KEYWORDS = {
    **DEFAULT_KEYWORDS,
    "_l": None,
    "lazy_gettext": None,
    "lazy_ngettext": (1, 2),
    "lazy_pgettext": ((1, "c"), 2),
}


def po_path(lang: str, domain: str = "messages") -> Path:
    return TRANSLATIONS_DIR / lang / "LC_MESSAGES" / f"{domain}.po"


def load_po(lang: str, domain: str = "messages"):
    with po_path(lang, domain).open("rb") as fh:
        return read_po(fh)


def msgid_key(message_id: str | tuple[str, ...]) -> str:
    return message_id[0] if isinstance(message_id, tuple) else message_id


def extracted_app_msgids() -> set[str]:
    """What `pybabel extract -F babel.cfg` finds in the sources now."""
    with (ROOT / "babel.cfg").open() as fh:
        method_map, options_map = parse_mapping_cfg(fh)
    return {
        msgid_key(message)
        for _filename, _lineno, message, _comments, _context in extract_from_dir(
            str(ROOT), method_map, options_map, keywords=KEYWORDS
        )
    }


def extracted_wtforms_msgids() -> set[str]:
    import flask_wtf
    import wtforms

    found: set[str] = set()
    for package in (wtforms, flask_wtf):
        folder = Path(package.__file__).parent
        found |= {msgid_key(m) for _f, _l, m, _c, _x in extract_from_dir(str(folder), keywords=KEYWORDS)}
    return found


def untranslated(catalog, msgids: set[str]) -> list[str]:
    by_id = {msgid_key(m.id): m for m in catalog if m.id}
    missing = []
    for msgid in sorted(msgids):
        message = by_id.get(msgid)
        strings = message.string if message is not None else ""
        strings = strings if isinstance(strings, tuple) else (strings,)
        if message is None or message.fuzzy or not all(s.strip() for s in strings):
            missing.append(msgid)
    return missing


# --- the catalogs --------------------------------------------------------------------------------


def test_every_string_in_the_sources_has_vietnamese():
    msgids = extracted_app_msgids()
    assert len(msgids) > 150  # the extraction itself works
    missing = untranslated(load_po("vi"), msgids)
    assert not missing, (
        "strings without Vietnamese (run scripts/i18n.sh update, translate "
        f"qms/translations/vi/LC_MESSAGES/messages.po, then scripts/i18n.sh compile): {missing}"
    )


def test_every_wtforms_message_has_vietnamese():
    msgids = extracted_wtforms_msgids()
    assert "This field is required." in msgids
    missing = untranslated(load_po("vi", "wtforms"), msgids)
    assert not missing, f"WTForms messages without Vietnamese (scripts/i18n.sh update): {missing}"


def test_english_is_the_msgid_itself():
    """The English catalog may leave msgstr empty; whatever it fills in is not fuzzy."""
    catalog = load_po("en")
    assert catalog.locale.language == "en"
    assert not [m.id for m in catalog if m.id and m.fuzzy and m.string]


@pytest.mark.parametrize(("lang", "domain"), [("vi", "messages"), ("en", "messages"), ("vi", "wtforms")])
def test_compiled_catalogs_match_their_po_files(lang, domain):
    with po_path(lang, domain).open("rb") as fh:
        fresh = io.BytesIO()
        write_mo(fresh, read_po(fh))
    fresh.seek(0)
    mo_file = po_path(lang, domain).with_suffix(".mo")
    assert mo_file.exists(), f"{mo_file} is missing: run scripts/i18n.sh compile"
    with mo_file.open("rb") as fh:
        committed = messages_of(read_mo(fh))
    compiled = messages_of(read_mo(fresh))
    assert committed == compiled, f"{mo_file} is stale: run scripts/i18n.sh compile"


def messages_of(catalog) -> dict:
    def plain(value):
        return tuple(value) if isinstance(value, list | tuple) else value

    return {plain(m.id): plain(m.string) for m in catalog if m.id}


PLACEHOLDER = re.compile(r"%(?:\([^)]*\))?[#0 +-]*\d*(?:\.\d+)?[sdifFeEgGxXcr%]|\{[A-Za-z_][\w.]*\}")


def placeholders(text: str) -> tuple[list[str], int]:
    """The placeholders of a string, and how many stray '%' remain once they are removed."""
    found = PLACEHOLDER.findall(text)
    return sorted(found), PLACEHOLDER.sub("", text).count("%")


@pytest.mark.parametrize(("lang", "domain"), [("vi", "messages"), ("en", "messages"), ("vi", "wtforms")])
def test_translations_keep_the_placeholders(lang, domain):
    catalog = load_po(lang, domain)
    wrong = []
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for text in strings:
            if text and placeholders(text) != placeholders(ids[0]):
                wrong.append((ids[0], text))
    assert not wrong, wrong
    assert not [(m.id, errors) for m, errors in catalog.check()]


def test_placeholder_check_catches_a_lost_or_renamed_placeholder():
    assert placeholders("Unit %(code)s created.") != placeholders("Đã tạo đơn vị.")
    assert placeholders("Unit %(code)s created.") != placeholders("Đã tạo đơn vị %(ma)s.")
    assert placeholders("97%% done") != placeholders("97% xong")
    assert placeholders("Unit %(code)s created.") == placeholders("Đã tạo đơn vị %(code)s.")


# --- pages ---------------------------------------------------------------------------------------


class _Visible(HTMLParser):
    """The text a user sees or hears: text nodes, titles, placeholders, labels and button values."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._hidden += 1
        values = dict(attrs)
        for name in ("title", "placeholder", "aria-label", "alt"):
            if values.get(name):
                self.parts.append(values[name])
        if tag == "input" and values.get("type") in ("submit", "button") and values.get("value"):
            self.parts.append(values["value"])

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _Visible()
    parser.feed(html)
    return re.sub(r"\s+", " ", " ".join(parser.parts))


# Interface words that must not show in Vietnamese (names in the test data avoid them).
ENGLISH_WORDS = [
    "Dashboard",
    "Units",
    "Users",
    "Sign out",
    "Sign in",
    "Change password",
    "Administration",
    "History",
    "Save",
    "Search",
    "Cancel",
    "Edit",
    "Active",
    "Code",
    "Name",
    "Kind",
    "Status",
    "Clause",
    "Title",
    "Relation",
    "Welcome",
    "People",
    "Sub-units",
    "Password",
    "Full name",
    "Language",
    "Remove",
    "Specialised department",
    "Back to the dashboard",
    "This page does not exist",
    "You are not allowed",
    "This field is required",
    "created",
    "changed",
]
VIETNAMESE_WORDS = [
    "Tổng quan",
    "Đơn vị",
    "Đăng xuất",
    "Điều khoản",
    "Lịch sử thay đổi",
    "Đăng nhập",
    "Quản trị",
]


def english_words_in(text: str) -> list[str]:
    return [w for w in ENGLISH_WORDS if re.search(rf"(?<![\w-]){re.escape(w)}(?![\w-])", text)]


def admin_pages(orgdata) -> dict[str, str]:
    mapping_id = db.session.scalar(select(ClauseMapping.id).order_by(ClauseMapping.id).limit(1))
    return {
        "/": "Tổng quan",
        "/units/": "Đơn vị",
        f"/units/{orgdata.unit_a.id}": "Lịch sử thay đổi",
        "/clauses/": "Điều khoản",
        "/clauses/?q=đánh+giá": "Điều khoản",
        "/clauses/2015/9.2": "Các điều khoản tương ứng",
        "/admin/units": "Quản trị",
        "/admin/units/new": "Đơn vị cấp trên",
        f"/admin/units/{orgdata.unit_a.id}/edit": "Loại",
        "/admin/users": "Người dùng",
        "/admin/users/new": "Mật khẩu ban đầu",
        f"/admin/users/{orgdata.manager_a.id}": "Vai trò trong đơn vị",
        f"/admin/mappings/{mapping_id}": "Quan hệ",
        "/account/password": "Mật khẩu hiện tại",
    }


def test_pages_are_vietnamese_by_default_and_english_after_the_switch(as_user, orgdata):
    client = as_user("admin")
    pages = admin_pages(orgdata)
    for path, word in pages.items():
        response = client.get(path)
        assert response.status_code == 200, path
        text = visible_text(response.get_data(as_text=True))
        assert word in text, (path, word)
        assert "Đăng xuất" in text, path
        assert english_words_in(text) == [], (path, english_words_in(text))

    assert client.post("/language/en", data={"next": "/"}).status_code == 302
    for path in pages:
        text = visible_text(client.get(path).get_data(as_text=True))
        assert "Sign out" in text, path
        assert not [w for w in VIETNAMESE_WORDS if w in text], path
    dashboard = visible_text(client.get("/").get_data(as_text=True))
    assert "Dashboard" in dashboard and "Welcome, Admin." in dashboard

    client.post("/language/vi", data={"next": "/"})
    assert "Tổng quan" in visible_text(client.get("/").get_data(as_text=True))


def test_error_pages_speak_the_users_language(as_user, client):
    as_user("member_a")
    forbidden = client.get("/admin/users")
    missing = client.get("/no-such-page")
    assert (forbidden.status_code, missing.status_code) == (403, 404)
    forbidden_text = visible_text(forbidden.get_data(as_text=True))
    missing_text = visible_text(missing.get_data(as_text=True))
    assert "Bạn không có quyền xem hoặc thực hiện thao tác này." in forbidden_text
    assert "Trang này không tồn tại." in missing_text
    assert english_words_in(forbidden_text) == [] and english_words_in(missing_text) == []

    client.post("/language/en", data={"next": "/"})
    assert "You are not allowed to see or do this." in client.get("/admin/users").get_data(as_text=True)
    assert "This page does not exist." in client.get("/no-such-page").get_data(as_text=True)


def test_anonymous_pages_are_vietnamese_and_switch_with_the_button(client, orgdata):
    login_page = visible_text(client.get("/login").get_data(as_text=True))
    assert "Đăng nhập" in login_page and "Thư điện tử" in login_page and "Mật khẩu" in login_page
    assert english_words_in(login_page) == []
    assert "Trang này không tồn tại." in client.get("/nowhere").get_data(as_text=True)

    client.post("/language/en", data={"next": "/login"})
    login_page = visible_text(client.get("/login").get_data(as_text=True))
    assert "Sign in" in login_page and "Password" in login_page and "Đăng nhập" not in login_page
    assert "This page does not exist." in client.get("/nowhere").get_data(as_text=True)


def test_form_errors_flashes_and_history_are_translated(as_user, orgdata):
    client = as_user("admin")
    page = visible_text(client.post("/admin/units/new", data={}).get_data(as_text=True))
    assert "Trường này là bắt buộc." in page  # WTForms' own message, from our wtforms catalog
    assert "This field is required" not in page
    page = visible_text(
        client.post(
            "/admin/units/new", data={"code": "bad code", "name": "X", "kind": "department"}
        ).get_data(as_text=True)
    )
    assert "Mã gồm 1 đến 40 ký tự" in page  # a service's DomainError next to its field

    response = client.post(
        "/admin/units/new",
        data={"code": "P-TU", "name": "Phòng Tư pháp", "kind": "department", "parent_id": 0, "active": "y"},
        follow_redirects=True,
    )
    page = visible_text(response.get_data(as_text=True))
    assert "Đã tạo đơn vị P-TU." in page
    history = page.split("Lịch sử thay đổi", 1)[1]
    assert "đã tạo" in history and "Loại" in history and "Cơ quan chuyên môn" in history
    assert re.search(r"\b\d{2}/\d{2}/\d{4} \d{2}:\d{2}\b", history)  # dd/mm/yyyy
    assert english_words_in(page) == []

    client.post("/language/en", data={"next": "/"})
    unit_id = response.request.path.rsplit("/", 1)[1]
    page = visible_text(client.get(f"/units/{unit_id}").get_data(as_text=True))
    history = page.split("History", 1)[1]
    assert "created" in history and "Kind" in history and "Specialised department" in history
    assert re.search(r"\b\d{4}-\d{2}-\d{2} \d{2}:\d{2}\b", history)  # yyyy-mm-dd
    page = visible_text(client.post("/admin/units/new", data={}).get_data(as_text=True))
    assert "This field is required." in page


def test_cli_messages_follow_the_configured_language(app, runner, tmp_path, monkeypatch):
    """Vietnamese unless CLI_LANGUAGE or QMS_LANG says otherwise (the test config says English)."""
    monkeypatch.setitem(app.config, "CLI_LANGUAGE", None)
    monkeypatch.delenv("QMS_LANG", raising=False)
    refresh()
    bad = tmp_path / "units.csv"
    bad.write_text("code,name,kind,parent_code\nP-X,Phòng X,bureau,\n", encoding="utf-8")
    result = runner.invoke(cli, args=["import", "units", str(bad)])
    assert result.exit_code == 1
    assert "dòng 2, cột 'kind'" in result.output and "không thuộc các giá trị" in result.output

    monkeypatch.setenv("QMS_LANG", "en")
    refresh()
    result = runner.invoke(cli, args=["import", "units", str(bad)])
    assert "row 2, column 'kind'" in result.output and "is not one of" in result.output


# --- figures and dates ---------------------------------------------------------------------------


def test_numbers_percentages_and_dates_per_language(app):
    assert formatting.fmt_number(58053, "vi") == "58.053"
    assert formatting.fmt_number(58053, "en") == "58,053"
    assert formatting.fmt_percent(97.95, "vi") == "97,95%"
    assert formatting.fmt_percent(97.95, "en") == "97.95%"
    assert formatting.fmt_percent(1.07, "vi") == "1,07%"
    assert formatting.fmt_date(date(2018, 3, 5), "vi") == "05/03/2018"
    assert formatting.fmt_date(date(2018, 3, 5), "en") == "2018-03-05"
    # Stored in UTC, shown in Vietnam's time.
    assert formatting.fmt_datetime(datetime(2018, 3, 5, 1, 30, tzinfo=UTC), "vi") == "05/03/2018 08:30"


def test_formatting_follows_the_current_language(app, monkeypatch):
    monkeypatch.setitem(app.config, "CLI_LANGUAGE", "vi")
    assert formatting.fmt_number(56863) == "56.863"  # Vietnamese by default
    assert formatting.fmt_date(date(2021, 6, 30)) == "30/06/2021"
    with force_locale("en"):
        assert formatting.fmt_number(56863) == "56,863"
        assert formatting.fmt_percent(98.93) == "98.93%"
        assert formatting.fmt_date(date(2021, 6, 30)) == "2021-06-30"


def test_templates_format_figures_with_the_filters(app):
    template = app.jinja_env.from_string("{{ n | fnum }} {{ p | fpct }} {{ d | fdate }}")
    with app.test_request_context():
        assert template.render(n=75416, p=0.21, d=date(2018, 12, 31)) == "75.416 0,21% 31/12/2018"
    with app.test_request_context(), force_locale("en"):
        assert template.render(n=75416, p=0.21, d=date(2018, 12, 31)) == "75,416 0.21% 2018-12-31"


def test_labels_name_stored_values_in_the_users_language(app):
    with force_locale("vi"):
        assert labels.record_type("unit") == "Đơn vị"
        assert labels.field("unit", "kind") == "Loại"
        assert labels.value("unit", "kind", "commune") == "UBND cấp xã (phường, xã)"
        assert labels.value("user_account", "active", True) == "có"
        assert labels.value("unit", "created_at", "2018-03-05T01:30:00+00:00") == "05/03/2018 08:30"
        assert labels.record_label("user_role", "steering") == "Ban chỉ đạo ISO"
    with force_locale("en"):
        assert labels.value("unit", "kind", "commune") == "Ward/commune People's Committee"
        assert labels.value("unit", "code", "P-TNMT") == "P-TNMT"  # not a coded value: as stored
        assert labels.field("nowhere", "mystery") == "Mystery"  # unknown names are humanised


def test_signing_in_keeps_the_users_language(client, orgdata):
    from qms.services import org

    org.set_language(orgdata.user("leader"), "en")
    db.session.commit()
    login(client, orgdata.leader)
    assert "Dashboard" in visible_text(client.get("/").get_data(as_text=True))
