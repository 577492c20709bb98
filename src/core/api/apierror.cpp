#include "apierror.h"

namespace pds {

bool ApiError::isTransient() const
{
    switch (kind) {
    case Kind::RateLimited:
    case Kind::Server:
    case Kind::Network:
    case Kind::Timeout:
    case Kind::Malformed: // a cut or garbled body is usually a transport fault
        return true;
    default:
        return false;
    }
}

int ApiError::suggestedWaitMs() const
{
    if (rateLimit.retryAfterSeconds >= 0)
        return rateLimit.retryAfterSeconds * 1000;
    if (rateLimit.resetSeconds >= 0)
        return int(rateLimit.resetSeconds * 1000);
    return -1;
}

QString ApiError::kindName(Kind kind)
{
    switch (kind) {
    case Kind::None:
        return QStringLiteral("ok");
    case Kind::Configuration:
        return QStringLiteral("configuration");
    case Kind::Authentication:
        return QStringLiteral("authentication");
    case Kind::Forbidden:
        return QStringLiteral("forbidden");
    case Kind::AccountClosed:
        return QStringLiteral("account-closed");
    case Kind::Blocked:
        return QStringLiteral("blocked");
    case Kind::NotFound:
        return QStringLiteral("not-found");
    case Kind::BadRequest:
        return QStringLiteral("bad-request");
    case Kind::RateLimited:
        return QStringLiteral("rate-limited");
    case Kind::BudgetExhausted:
        return QStringLiteral("budget-exhausted");
    case Kind::Server:
        return QStringLiteral("server");
    case Kind::Network:
        return QStringLiteral("network");
    case Kind::Timeout:
        return QStringLiteral("timeout");
    case Kind::Malformed:
        return QStringLiteral("malformed");
    case Kind::Cancelled:
        return QStringLiteral("cancelled");
    }
    return QStringLiteral("unknown");
}

QString ApiError::budgetResetText(const QDateTime &retryAt, const QDateTime &now)
{
    const QString rule = QStringLiteral(
        "Pipedrive resets the budget at midnight in its server's time zone (which may not be "
        "yours)");
    if (!retryAt.isValid() || !now.isValid() || retryAt <= now)
        return rule + QLatin1Char('.');
    const qint64 minutes = (now.secsTo(retryAt) + 59) / 60;
    const QString in = minutes >= 60
        ? QStringLiteral("%1 h %2 min").arg(minutes / 60).arg(minutes % 60)
        : QStringLiteral("%1 min").arg(minutes);
    return rule
        + QStringLiteral(": going by its Retry-After header, at %1 UTC (in about %2).")
              .arg(retryAt.toUTC().toString(QStringLiteral("yyyy-MM-dd HH:mm")), in);
}

QString ApiError::toString() const
{
    if (!isError())
        return QStringLiteral("ok");
    QString text = kindName(kind) + QStringLiteral(": ") + message;
    if (httpStatus > 0)
        text += QStringLiteral(" (HTTP %1)").arg(httpStatus);
    return text;
}

} // namespace pds
