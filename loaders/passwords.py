"""The password policy: long enough, not the username, not a password everyone tries first.

Length matters more than character classes (NCSC and NIST SP 800-63B both say so), so the rules are
few and each refusal says exactly what to change. Hashing is werkzeug's scrypt (loaders/models.py).
"""

from __future__ import annotations

MIN_LENGTH = 12

# Common passwords of 12 characters or more, from published breach lists, plus obvious local ones.
COMMON_PASSWORDS = frozenset(
    {
        "123456789012",
        "1234567890123",
        "12345678901234",
        "123456789123",
        "111111111111",
        "000000000000",
        "123123123123",
        "qwertyuiopas",
        "qwertyuiop123",
        "qwerty123456",
        "1q2w3e4r5t6y",
        "1qaz2wsx3edc",
        "zaq12wsxcde3",
        "asdfghjkl123",
        "password1234",
        "password12345",
        "password123456",
        "password123!",
        "passwordpassword",
        "password1password1",
        "p@ssw0rd1234",
        "p@ssword1234",
        "passw0rd1234",
        "letmein12345",
        "letmeinplease",
        "iloveyou1234",
        "iloveyouiloveyou",
        "welcome12345",
        "welcome123456",
        "welcometo2024",
        "welcometo2025",
        "welcometo2026",
        "changeme1234",
        "changemenow!",
        "changethispassword",
        "administrator",
        "administrator1",
        "administrator123",
        "adminadmin123",
        "admin1234567",
        "superman1234",
        "football1234",
        "baseball1234",
        "liverpool1234",
        "manchesterunited",
        "newcastle1234",
        "middlesbrough",
        "sunderland123",
        "monkey123456",
        "princess1234",
        "sunshine1234",
        "trustno1trustno1",
        "starwars1234",
        "dragon123456",
        "abc123456789",
        "abcdefghijkl",
        "abcd1234abcd1234",
        "correcthorsebatterystaple",
        "thequickbrownfox",
        "police123456",
        "policepassword",
        "constabulary",
        "constabulary1",
        "durhampolice",
        "clevelandpolice",
        "lcjppassword",
        "performance1",
        "dashboard123",
        "spring2025spring",
        "summer2025summer",
        "autumn2025autumn",
        "winter2025winter",
        "january2026!",
        "february2026",
    }
)


class PasswordRejected(ValueError):
    """The password breaks the policy; the message says which rule and how to meet it."""


def check_password_policy(password: str, username: str = "") -> None:
    """Raise PasswordRejected with a plain message if the password may not be used."""
    if len(password) < MIN_LENGTH:
        raise PasswordRejected(
            f"The password must be at least {MIN_LENGTH} characters long "
            f"(it has {len(password)}). A short phrase of unrelated words is easy to remember."
        )
    folded = password.strip().lower()
    if username and folded == username.strip().lower():
        raise PasswordRejected("The password must not be the username.")
    if folded in COMMON_PASSWORDS or len(set(folded)) <= 2:
        raise PasswordRejected(
            "That password is too common and is among the first that attackers try. "
            "Choose another, for example three or four unrelated words."
        )
