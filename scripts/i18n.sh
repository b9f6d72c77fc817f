#!/bin/sh
# Translation catalogs (qms/translations): extract the strings, merge them into each language's
# .po file, translate the new entries by hand, compile the .mo files; commit .po and .mo together.
#
#   scripts/i18n.sh update    extract messages.pot (and wtforms.pot) and merge into vi/en .po files
#   scripts/i18n.sh compile   build the .mo files
#   scripts/i18n.sh           both: update, then compile
#
# The `messages` catalog holds the app's own strings (babel.cfg says where they are); the `wtforms`
# catalog holds WTForms' and Flask-WTF's built-in validation messages, which ship no Vietnamese.
# tests/test_i18n.py fails while a string has no Vietnamese or a .mo file is stale.
set -eu
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-.venv/bin/python}
PYBABEL=${PYBABEL:-$(dirname "$PYTHON")/pybabel}
T=qms/translations
LANGS="vi en"

extract() {
    "$PYBABEL" extract -F babel.cfg -o "$T/messages.pot" \
        -k _l -k lazy_gettext -k lazy_ngettext:1,2 -k lazy_pgettext:1c,2 \
        --add-location=file --sort-output --no-wrap \
        --project "QMS Tracker" --copyright-holder "QMS Tracker" --msgid-bugs-address "" .
    wtforms_dir=$("$PYTHON" -c 'import os, wtforms; print(os.path.dirname(wtforms.__file__))')
    flask_wtf_dir=$("$PYTHON" -c 'import os, flask_wtf; print(os.path.dirname(flask_wtf.__file__))')
    "$PYBABEL" extract -o "$T/wtforms.pot" --no-location --sort-output --no-wrap \
        --project "QMS Tracker" --msgid-bugs-address "" "$wtforms_dir" "$flask_wtf_dir"
}

merge() {
    for domain in messages wtforms; do
        for lang in $LANGS; do
            [ "$domain" = wtforms ] && [ "$lang" = en ] && continue  # English is WTForms' own
            if [ -f "$T/$lang/LC_MESSAGES/$domain.po" ]; then
                "$PYBABEL" update -D "$domain" -i "$T/$domain.pot" -d "$T" -l "$lang" \
                    --no-wrap --ignore-obsolete --no-fuzzy-matching
            else
                "$PYBABEL" init -D "$domain" -i "$T/$domain.pot" -d "$T" -l "$lang" --no-wrap
            fi
        done
    done
}

compile() {
    "$PYBABEL" compile -D messages -d "$T" --statistics
    "$PYBABEL" compile -D wtforms -d "$T" -l vi --statistics
}

case "${1:-all}" in
    update) extract && merge ;;
    compile) compile ;;
    all) extract && merge && compile ;;
    *) echo "usage: scripts/i18n.sh [update|compile]" >&2; exit 2 ;;
esac
