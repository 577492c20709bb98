#pragma once

#include "db/runjournal.h"
#include "sync/crmstore.h"
#include "sync/synctypes.h"

#include <QHash>
#include <QUrlQuery>
#include <atomic>

namespace pds {

class PasswordHasher;

// What the lookups of a run know: filled from the API (users/me, pipelines, stages, activity
// types, fields) and from the CRM's users, then shared by the entity handlers.
struct Lookups
{
    struct User
    {
        qint64 crmId = 0;
        QString email;
    };
    struct Stage
    {
        QString name;
        qint64 pipelineId = 0;
        std::optional<double> probability;
    };
    QHash<qint64, User> users; // Pipedrive user id -> CRM user
    qint64 meId = 0; // the token's own Pipedrive user
    QHash<qint64, Stage> stages;
    QHash<qint64, QString> pipelines;
    QHash<QString, QString> activityTypes; // key_string -> name

    // The owner's CRM user, else the fallback owner (SPEC §4); nullopt when neither exists.
    std::optional<User> ownerOrFallback(
        std::optional<qint64> pipedriveUserId, qint64 defaultOwnerCrmId) const;
};

// The state one entity's pass shares with its handler: database, journal, options, counts.
struct SyncContext
{
    SyncContext(Database &db, const SyncOptions &options);

    Database &db;
    CrmStore store;
    RunJournal journal;
    const SyncOptions &options;
    Lookups lookups;
    Entity entity = Entity::Users;
    qint64 runId = 0;
    RunCounts counts;
    PasswordHasher *hasher = nullptr; // new users' bcrypt hashes, off the critical path
    bool deletionsSource = false; // the page lists deleted records (deals?status=deleted)
    // The links of the page's records, read once when the page is prefetched, and the index of
    // the record being written (set by the engine).
    QList<mapping::RecordRefs> pageRefs;
    qsizetype recordIndex = -1;

    // The links of the record being written: from the page's prefetch, else read now.
    mapping::RecordRefs refsOf(const QJsonObject &record) const
    {
        if (recordIndex >= 0 && recordIndex < pageRefs.size())
            return pageRefs.at(recordIndex);
        return mapping::recordRefs(record);
    }

    // Records a problem for the current record in the journal (same transaction as the page).
    DbError report(std::optional<qint64> pipedriveId, Problem::Kind kind, const QString &reason,
        const QString &detail = {});
    // Counts a write, and reports a merge.
    DbError count(qint64 pipedriveId, const CrmStore::WriteResult &result);
    // Reports a mapping's problems (skips, warnings are kept as details of skips only).
    DbError reportMapping(
        std::optional<qint64> pipedriveId, const QList<mapping::Problem> &problems);
};

// One entity's rules: where its records come from, and how one record is written.
class EntityHandler
{
public:
    struct Source
    {
        Endpoint endpoint;
        QUrlQuery query;
        bool incremental = true; // accepts updated_since
        // Lists deleted records: handled by the deletion policy, not counted as fetched.
        bool deletions = false;
    };

    virtual ~EntityHandler() = default;
    virtual QList<Source> sources(const SyncContext &context) const = 0;
    // Called once before the first page (after lookups are loaded).
    virtual DbError begin(SyncContext &) { return {}; }
    // Called at the start of each page, inside its transaction: what the records will look up
    // can be read here in a few queries. The default only starts the page's cache.
    virtual DbError beginPage(SyncContext &context, const QJsonArray &items);
    // Writes one record inside the page's transaction; counts and problems go to the context.
    // A returned error fails this record only (its savepoint is rolled back) unless it is a
    // database-wide failure.
    virtual DbError writeRecord(SyncContext &context, const QJsonObject &record) = 0;

    static std::unique_ptr<EntityHandler> create(Entity entity);
};

} // namespace pds
