"""The tables, one module per domain. Importing this package registers every table on `Base.metadata`
(migrations, the isolation test and the delete-my-account cleanup read them from there)."""
from shared.data.models.assistant import AssistantRecording
from shared.data.models.base import Base, Timestamps
from shared.data.models.fx import DailyTotal, FxRate, ReferenceFxRate
from shared.data.models.identity import (
    AuthSession,
    IdempotencyRecord,
    LoginFailureWindow,
    RefreshToken,
    RegistrationWindow,
    User,
)
from shared.data.models.investments import Asset, AssetPrice, AssetTrade, Portfolio
from shared.data.models.money import (
    Account,
    Budget,
    Category,
    CreditCard,
    Goal,
    GoalContribution,
    IncomeSource,
    MonthlyTotal,
    Transaction,
)
from shared.data.models.organising import Import, Rule, Tag, TransactionTag
from shared.data.models.recurring import RecurringSchedule, ScheduledPosting
from shared.data.models.summaries import PeriodSummary, SummaryRun, SummarySkip
from shared.data.models.tokens import AccessToken

__all__ = [
    "AssistantRecording",
    "Base",
    "Timestamps",
    "User",
    "AuthSession",
    "RefreshToken",
    "LoginFailureWindow",
    "RegistrationWindow",
    "IdempotencyRecord",
    "Account",
    "CreditCard",
    "Category",
    "IncomeSource",
    "Transaction",
    "MonthlyTotal",
    "Budget",
    "Goal",
    "GoalContribution",
    "Portfolio",
    "Asset",
    "AssetPrice",
    "Tag",
    "TransactionTag",
    "Rule",
    "Import",
    "AssetTrade",
    "PeriodSummary",
    "FxRate",
    "ReferenceFxRate",
    "DailyTotal",
    "SummaryRun",
    "RecurringSchedule",
    "ScheduledPosting",
    "AccessToken",
    "SummarySkip",
]
