#pragma once

#include "api/apierror.h"
#include "db/dberror.h"
#include "sync/synctypes.h"

#include <QCoreApplication>
#include <QDateTime>

namespace pds {

// Texts for the user: errors in words a user can act on, per kind, in the user's language. The
// core's own message (English, with the technical detail) is kept for the tooltip and the log.
class UserText
{
    Q_DECLARE_TR_FUNCTIONS(pds::UserText)
public:
    static QString api(const ApiError &error, const QDateTime &now = QDateTime::currentDateTime());
    static QString database(const DbError &error);
    // The run's outcome in a sentence ("Failed: ..."), for the dashboard and the status bar.
    static QString summary(const RunSummary &summary);
    static QString outcome(SyncOutcome outcome);
    // A run's stored outcome ("succeeded", "interrupted", ...) in words.
    static QString runOutcome(const QString &name);
    static QString entity(Entity entity); // "Deals"
    static QString problemKind(const QString &kindName); // "skipped" -> "Skipped"
    // When the daily budget comes back: Retry-After if Pipedrive sent it, else the next
    // midnight UTC (Pipedrive resets at midnight of its own servers' time zone).
    static QDateTime budgetResetTime(const ApiError &error, const QDateTime &now);
};

} // namespace pds
