#include "usertext.h"

#include <QLocale>

namespace pds {

QDateTime UserText::budgetResetTime(const ApiError &error, const QDateTime &now)
{
    if (error.rateLimit.retryAfterSeconds > 0)
        return now.addSecs(error.rateLimit.retryAfterSeconds);
    const QDateTime utc = now.toUTC();
    return QDateTime(utc.date().addDays(1), QTime(0, 0), Qt::UTC).toLocalTime();
}

QString UserText::api(const ApiError &error, const QDateTime &now)
{
    using Kind = ApiError::Kind;
    switch (error.kind) {
    case Kind::None:
        return {};
    case Kind::Configuration:
        return tr("The Pipedrive settings are incomplete: %1 Open Settings to fix them.")
            .arg(error.message);
    case Kind::Authentication:
        return tr("Pipedrive refused the API token. Check the company domain and paste the "
                  "token again from Pipedrive (Personal preferences > API) in Settings.");
    case Kind::Forbidden:
        return tr("Pipedrive refused access to %1: the token's user lacks the permission. Use "
                  "the API token of a Pipedrive user who may see all of the company's data, or "
                  "ask a Pipedrive admin for the permission.")
            .arg(error.path);
    case Kind::AccountClosed:
        return tr("Pipedrive says the company account is not open: its subscription or trial "
                  "may have ended. Syncing can go on once the account is active again.");
    case Kind::Blocked:
        return tr("Pipedrive blocked requests from this computer for a while after too many "
                  "of them. Wait a few minutes and try again.");
    case Kind::NotFound:
        return tr("Pipedrive does not know this address (%1). Check the company domain in "
                  "Settings.")
            .arg(error.path);
    case Kind::BadRequest:
        return tr("Pipedrive refused the request (%1). Check the settings; if it persists, "
                  "report it with the log.")
            .arg(error.message);
    case Kind::RateLimited:
        return tr("Pipedrive's rate limit was reached and waiting did not help. Try again in "
                  "a few minutes.");
    case Kind::BudgetExhausted: {
        const QDateTime reset = budgetResetTime(error, now);
        return tr("The company's daily Pipedrive API budget is used up. Syncing can go on "
                  "after %1; the next sync resumes where this one stopped.")
            .arg(QLocale().toString(reset, QLocale::ShortFormat));
    }
    case Kind::Server:
        return tr("Pipedrive's servers answered with an error (HTTP %1). Try again later.")
            .arg(error.httpStatus);
    case Kind::Network:
        return tr("Pipedrive could not be reached. Check the internet connection and the "
                  "company domain.");
    case Kind::Timeout:
        return tr("Pipedrive did not answer in time. Check the internet connection and try "
                  "again.");
    case Kind::Malformed:
        return tr("Pipedrive's answer could not be read (%1). Try again; if it persists, "
                  "report it with the log.")
            .arg(error.message);
    case Kind::Cancelled:
        return tr("Cancelled.");
    }
    return error.message;
}

QString UserText::database(const DbError &error)
{
    using Kind = DbError::Kind;
    switch (error.kind) {
    case Kind::None:
        return {};
    case Kind::Unreachable:
        return tr("The database cannot be reached: %1 Check the file or server in Settings.")
            .arg(error.message);
    case Kind::AuthenticationFailed:
        return tr("The database refused the user name or password. Check them in Settings.");
    case Kind::NoSuchDatabase:
        return tr("The database does not exist on the server. Create it, or correct its name "
                  "in Settings.");
    case Kind::NotACrmDatabase:
        return tr("This database is not a CRM database: it holds other tables, or the CRM "
                  "lacks %1. Choose the CRM's database (or an empty one) in Settings.")
            .arg(error.missing.isEmpty() ? tr("tables the sync needs")
                                         : QLocale().createSeparatedList(error.missing.mid(0, 5)));
    case Kind::Locked:
        return tr("The database is busy: another program or sync is writing to it. Try again "
                  "when it has finished.");
    case Kind::ReadOnly:
        return tr("The database is read-only. Check the file's permissions or the user's "
                  "rights.");
    case Kind::DiskFull:
        return tr("The disk holding the database is full. Free some space and try again.");
    case Kind::Constraint:
        return tr("The database refused a row: %1").arg(error.message);
    case Kind::Other:
        return tr("The database reported an error: %1").arg(error.message);
    }
    return error.message;
}

QString UserText::summary(const RunSummary &summary)
{
    switch (summary.outcome) {
    case SyncOutcome::Succeeded:
        return summary.dryRun ? tr("Dry run finished: nothing was written.") : tr("Sync finished.");
    case SyncOutcome::FinishedWithProblems:
        return summary.dryRun
            ? tr("Dry run finished with problems: nothing was written. See Problems.")
            : tr("Sync finished; some records were not imported. See Problems.");
    case SyncOutcome::Cancelled:
        return tr("Sync cancelled. The next sync goes on from where it stopped.");
    case SyncOutcome::Failed:
        break;
    }
    if (summary.apiError.isError())
        return tr("Sync stopped: %1").arg(api(summary.apiError));
    if (summary.dbError.isError())
        return tr("Sync stopped: %1").arg(database(summary.dbError));
    return tr("Sync stopped: %1").arg(summary.message);
}

QString UserText::outcome(SyncOutcome outcome)
{
    switch (outcome) {
    case SyncOutcome::Succeeded:
        return tr("Succeeded");
    case SyncOutcome::FinishedWithProblems:
        return tr("Finished with problems");
    case SyncOutcome::Cancelled:
        return tr("Cancelled");
    case SyncOutcome::Failed:
        return tr("Failed");
    }
    return {};
}

QString UserText::runOutcome(const QString &name)
{
    if (name == QLatin1String("succeeded"))
        return outcome(SyncOutcome::Succeeded);
    if (name == QLatin1String("finished-with-problems"))
        return outcome(SyncOutcome::FinishedWithProblems);
    if (name == QLatin1String("cancelled"))
        return outcome(SyncOutcome::Cancelled);
    if (name == QLatin1String("failed"))
        return outcome(SyncOutcome::Failed);
    if (name == QLatin1String("interrupted"))
        return tr("Interrupted");
    if (name == QLatin1String("running"))
        return tr("Running");
    return name;
}

QString UserText::entity(Entity entity)
{
    switch (entity) {
    case Entity::Users:
        return tr("Users");
    case Entity::Organizations:
        return tr("Organizations");
    case Entity::Persons:
        return tr("Persons");
    case Entity::Deals:
        return tr("Deals");
    case Entity::Activities:
        return tr("Activities");
    case Entity::Notes:
        return tr("Notes");
    }
    return {};
}

QString UserText::problemKind(const QString &kindName)
{
    if (kindName == QLatin1String("skipped"))
        return tr("Skipped");
    if (kindName == QLatin1String("merged"))
        return tr("Merged");
    if (kindName == QLatin1String("failed"))
        return tr("Failed");
    if (kindName == QLatin1String("deleted"))
        return tr("Deleted");
    if (kindName == QLatin1String("warning"))
        return tr("Warning");
    return kindName;
}

} // namespace pds
