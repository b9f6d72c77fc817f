"""The one password policy, for every place a password is chosen (admin pages, one's own account, the CLI).

A password needs at least MIN_LENGTH characters and a zxcvbn score of at least MIN_SCORE out of 4
("safely unguessable": about 10^8 guesses or more), judged with the person's e-mail and name as
words an attacker would try first. The demo's shared password is set without this policy on purpose.
"""

from __future__ import annotations

import re
import unicodedata

from flask_babel import gettext as _
from zxcvbn import zxcvbn

from qms.services.errors import DomainError

MIN_LENGTH = 8
MIN_SCORE = 3
# zxcvbn refuses longer input; the first 72 characters of a longer password already say enough.
SCORED_LENGTH = 72


def _plain(text: str) -> str:
    """Lower case, without Vietnamese accents, spaces or punctuation: "Nguyễn Văn An" -> "nguyenvanan"."""
    decomposed = unicodedata.normalize("NFKD", text.lower().replace("đ", "d"))
    return "".join(ch for ch in decomposed if ch.isalnum() and not unicodedata.combining(ch))


def _personal_words(email: str, full_name: str) -> list[str]:
    """The e-mail, its parts and the words of the name: what zxcvbn should treat as easy to guess."""
    words = [email, full_name, *re.split(r"[@.\-_+\s]+", email), *full_name.split()]
    words += [_plain(w) for w in words]
    return [w.lower() for w in words if len(w) >= 2]


def check(password: str, *, email: str = "", full_name: str = "", field: str = "password") -> None:
    """Raises DomainError (naming the form field) when the password is too short or too easy to guess."""
    if len(password) < MIN_LENGTH:
        raise DomainError(_("A password needs at least %(n)s characters.", n=MIN_LENGTH), field=field)
    plain = _plain(password)
    whole = [_plain(w) for w in (email, email.partition("@")[0], full_name)]
    if any(len(w) >= 4 and w in plain for w in whole):
        raise DomainError(_("A password must not contain the user's e-mail address or name."), field=field)
    if zxcvbn(password[:SCORED_LENGTH], user_inputs=_personal_words(email, full_name))["score"] < MIN_SCORE:
        raise DomainError(
            _(
                "This password is too easy to guess (a common word, a sequence or a pattern). "
                "Choose a longer one, e.g. several unrelated words."
            ),
            field=field,
        )
