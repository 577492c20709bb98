#include "synccontext.h"

#include "mapping/texttools.h"

namespace pds {

namespace {

// Why two records share one CRM row: the CRM's natural key of the entity.
QString mergeReason(Entity entity)
{
    switch (entity) {
    case Entity::Users:
        return QStringLiteral("same email as another user (differs only in case or spaces)");
    case Entity::Organizations:
        return QStringLiteral("same name as another organization");
    case Entity::Persons:
        return QStringLiteral("same email as another person of the same kind");
    default:
        return QStringLiteral("shares its CRM row with another record");
    }
}

} // namespace

std::optional<Lookups::User> Lookups::ownerOrFallback(
    std::optional<qint64> pipedriveUserId, qint64 defaultOwnerCrmId) const
{
    if (pipedriveUserId && users.contains(*pipedriveUserId))
        return users.value(*pipedriveUserId);
    if (defaultOwnerCrmId > 0 && defaultOwner && defaultOwner->crmId == defaultOwnerCrmId)
        return defaultOwner;
    if (users.contains(meId))
        return users.value(meId);
    return std::nullopt;
}

SyncContext::SyncContext(Database &database, const SyncOptions &syncOptions)
    : db(database)
    , store(database)
    , journal(database)
    , options(syncOptions)
    , stage(syncOptions, lookups, store)
{ }

DbError SyncContext::report(std::optional<qint64> pipedriveId, Problem::Kind kind,
    const QString &reason, const QString &detail)
{
    switch (kind) {
    case Problem::Kind::Skipped:
        ++counts.skipped;
        break;
    case Problem::Kind::Merged:
        ++counts.merged;
        break;
    case Problem::Kind::Failed:
        ++counts.failed;
        break;
    case Problem::Kind::Deleted:
        ++counts.deleted;
        break;
    case Problem::Kind::Warning:
        break; // the record is counted as what its write did
    }
    return journal.recordProblem(
        runId, entityName(entity), pipedriveId, kind, reason, mapping::leftWhole(detail, 2000));
}

DbError SyncContext::reportPersonMerged(qint64 personId, qint64 ownerId)
{
    return journal.recordProblem(runId, entityName(Entity::Persons), personId,
        Problem::Kind::Merged, mergeReason(Entity::Persons),
        QStringLiteral("became a contact through a deal; merged into the row of Pipedrive id %1")
            .arg(ownerId));
}

DbError SyncContext::count(qint64 pipedriveId, const CrmStore::WriteResult &result)
{
    switch (result.kind) {
    case CrmStore::WriteKind::Created:
        ++counts.created;
        return {};
    case CrmStore::WriteKind::Updated:
        ++counts.updated;
        return {};
    case CrmStore::WriteKind::Unchanged:
        ++counts.unchanged;
        return {};
    case CrmStore::WriteKind::Merged:
        return report(pipedriveId, Problem::Kind::Merged, mergeReason(entity),
            QStringLiteral("merged into the row of Pipedrive id %1")
                .arg(result.mergedWithPipedriveId));
    }
    return {};
}

DbError SyncContext::reportWarnings(qint64 pipedriveId, const QList<mapping::Problem> &problems)
{
    for (const mapping::Problem &problem : problems) {
        if (problem.kind != mapping::Problem::Warning)
            continue;
        const DbError error
            = report(pipedriveId, Problem::Kind::Warning, problem.reason, problem.detail);
        if (error.isError())
            return error;
    }
    return {};
}

DbError SyncContext::reportMapping(
    std::optional<qint64> pipedriveId, const QList<mapping::Problem> &problems)
{
    QString reason;
    QStringList details;
    Problem::Kind kind = Problem::Kind::Skipped;
    for (const mapping::Problem &problem : problems) {
        if (problem.kind == mapping::Problem::Skipped
            || problem.kind == mapping::Problem::Deleted) {
            if (reason.isEmpty())
                reason = problem.reason;
            if (problem.kind == mapping::Problem::Deleted)
                kind = Problem::Kind::Deleted;
        }
        if (!problem.detail.isEmpty())
            details << problem.detail;
    }
    if (reason.isEmpty())
        reason = QStringLiteral("could not be mapped");
    return report(pipedriveId, kind, reason, details.join(QStringLiteral("; ")));
}

} // namespace pds
