"""Bodies and answers of the Identity section of the contract."""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BeforeValidator, Field, Strict, StringConstraints

from shared.schemas import Date, Input, MoneyOut, NonNegativeMoney, Output, Patch, Text, Timestamp, _clean_text

ISO_4217 = frozenset(
    "AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN BWP BYN BZD CAD "
    "CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GNF GTQ "
    "GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR "
    "LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN "
    "PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB "
    "TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD UYU UZS VES VND VUV WST XAF XCD XOF XPF YER ZAR ZMW ZWL".split()
)
MAX_PASSWORD_CHARS = 1000


def _nfkc(value: Any) -> Any:
    """Compatibility forms folded (NFKC) before anything compares them: "ｋａｔｅ@example.com" and
    "kate@example.com" are one address, and a fullwidth username is its ASCII self."""
    if not isinstance(value, str):
        return value
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate: pydantic's own str check would refuse it too
        raise ValueError("must be valid Unicode text") from None
    return unicodedata.normalize("NFKC", value)


NFKC = BeforeValidator(_nfkc)


def _currency(value: str) -> str:
    value = value.upper()
    if value not in ISO_4217:
        raise ValueError("must be an ISO 4217 currency code such as USD or EUR")
    return value


def _email(value: str) -> str:
    if not re.fullmatch(r"[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}", value):
        raise ValueError("must be an email address such as ana@example.com")
    return value


def _dob(value: dt.date) -> dt.date:
    today = dt.date.today()
    if value > today:
        raise ValueError("cannot be in the future")
    if value.year < 1900:
        raise ValueError("must be after 1900")
    return value


Username = Annotated[str, NFKC, Strict(), StringConstraints(min_length=3, max_length=32, pattern=r"^[A-Za-z0-9_.\-]+$")]
Password = Annotated[str, Strict(), StringConstraints(min_length=8, max_length=MAX_PASSWORD_CHARS)]
AnyPassword = Annotated[str, Strict(), StringConstraints(min_length=1, max_length=MAX_PASSWORD_CHARS)]
# Control characters are refused in anything that reaches a query: PostgreSQL rejects NUL outright
# (a 500 otherwise), and no username or address can contain one.
Email = Annotated[str, NFKC, Strict(), StringConstraints(strip_whitespace=True, max_length=254),
                  AfterValidator(_clean_text), AfterValidator(_email)]
Currency = Annotated[str, Strict(), StringConstraints(min_length=3, max_length=3), AfterValidator(_currency)]
PersonName = Text(100)
BirthDate = Annotated[Date, AfterValidator(_dob)]


class RegisterIn(Input):
    username: Username = Field(examples=["ana_lopez"])
    password: Password = Field(examples=["correct horse battery staple"])
    first_name: PersonName = Field(examples=["Ana"])
    last_name: PersonName = Field(examples=["Lopez"])
    email: Email | None = Field(default=None, examples=["ana@example.com"])
    dob: BirthDate | None = None
    monthly_income: NonNegativeMoney | None = None
    currency: Currency = "USD"


class LoginIn(Input):
    username: Annotated[str, NFKC, Strict(), StringConstraints(min_length=1, max_length=254),
                        AfterValidator(_clean_text)] = Field(
        description="The username, or the email address", examples=["ana_lopez"])
    password: AnyPassword


class RefreshIn(Input):
    refresh_token: Annotated[str, Strict(), StringConstraints(min_length=1, max_length=512)]


class PasswordChangeIn(Input):
    current_password: AnyPassword
    new_password: Password


class DeleteMeIn(Input):
    password: AnyPassword


class MePatch(Patch):
    required_fields = frozenset({"first_name", "last_name", "currency"})
    first_name: PersonName | None = None
    last_name: PersonName | None = None
    email: Email | None = None
    dob: BirthDate | None = None
    monthly_income: NonNegativeMoney | None = None
    currency: Currency | None = None


class UserOut(Output):
    id: int
    username: str
    email: str | None
    first_name: str
    last_name: str
    dob: dt.date | None
    monthly_income: MoneyOut | None
    currency: str
    role: str
    created_at: Timestamp


class TokenPair(Output):
    access_token: str
    refresh_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int = Field(description="Seconds until the access token expires")
