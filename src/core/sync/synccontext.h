#pragma once

#include "db/runjournal.h"
#include "sync/crmstore.h"
#include "sync/synctypes.h"

#include <QHash>
#include <QUrlQuery>
#include <atomic>
#include <memory>

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
    // The CRM user picked in settings as the fallback owner, when the CRM has it: any CRM user
    // (the admin who runs the CRM need not be a Pipedrive user).
    std::optional<User> defaultOwner;
    qint64 meId = 0; // the token's own Pipedrive user
    QHash<qint64, Stage> stages;
    QHash<qint64, QString> pipelines;
    QHash<QString, QString> activityTypes; // key_string -> name

    // The owner's CRM user, else the fallback owner (SPEC §4); nullopt when neither exists.
    std::optional<User> ownerOrFallback(
        std::optional<qint64> pipedriveUserId, qint64 defaultOwnerCrmId) const;
};

// What staging a record may read (SPEC §4's links): the run's options and lookups, and the CRM
// through `links`, a store that may sit on a connection of its own in another thread. Staging
// never writes, so that it can run ahead of the page being written.
struct StageContext
{
    StageContext(const SyncOptions &syncOptions, const Lookups &runLookups, CrmStore &linkStore)
        : options(syncOptions)
        , lookups(&runLookups)
        , links(linkStore)
    { }

    const SyncOptions &options;
    const Lookups *lookups;
    CrmStore &links;
    Entity entity = Entity::Users;
    bool deletionsSource = false; // the page lists deleted records (deals?status=deleted)
    // The links of the page's records, read once by stagePage(), and the index of the record
    // being staged (set by the engine).
    QList<mapping::RecordRefs> pageRefs;
    qsizetype recordIndex = -1;
    // The same links read already, one per item (the network thread reads them as it parses a
    // page: the stage worker, which the deals' and activities' passes wait for, does not).
    const QList<mapping::RecordRefs> *readRefs = nullptr;
    // Mappings stagePage() read for the sync thread's store (CrmStore::adoptMappings()).
    QList<CrmStore::KnownMapping> handedOver;

    // The links of the record being staged: from the page's, else read now.
    mapping::RecordRefs refsOf(const json::Object &record) const
    {
        if (recordIndex >= 0 && recordIndex < pageRefs.size())
            return pageRefs.at(recordIndex);
        return mapping::recordRefs(record);
    }
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
    // A source of the pass lists every record (no updated_since, no saved filter): set before
    // EntityHandler::begin(), which may then read ahead what every record will look up.
    bool listsEveryRecord = false;
    // Staging on this thread, through this context's own store.
    StageContext stage;

    // Records a problem for the current record in the journal (same transaction as the page).
    DbError report(std::optional<qint64> pipedriveId, Problem::Kind kind, const QString &reason,
        const QString &detail = {});
    // A lead a deal made a contact, merged into another person's contact: listed under the
    // persons (their merge, with its link to the person), not counted for the deals.
    DbError reportPersonMerged(qint64 personId, qint64 ownerId);
    // Counts a write, and reports a merge.
    DbError count(qint64 pipedriveId, const CrmStore::WriteResult &result);
    // Reports what the mapping of a record it wrote dropped or guessed: a warning each.
    DbError reportWarnings(qint64 pipedriveId, const QList<mapping::Problem> &problems);
    // Reports a mapping's problems (skips, warnings are kept as details of skips only).
    DbError reportMapping(
        std::optional<qint64> pipedriveId, const QList<mapping::Problem> &problems);
};

// One record between staging and writing: its links read, then mapped, then written.
class StagedRecord
{
public:
    virtual ~StagedRecord() = default;
    // Maps the record (pure: any thread).
    virtual void map() { }
    // Writes the record inside the page's transaction, on the sync thread; counts and problems go
    // to the context. A returned error fails this record only (its savepoint is rolled back)
    // unless it is a database-wide failure. May run again after a rollback.
    virtual DbError write(SyncContext &context) = 0;
    // Staged on another connection, ahead of the pages before it: true when what it read may
    // have been changed by those pages (or could not be read there), so that it is staged again
    // on the sync thread's connection before it is written.
    virtual bool stale(SyncContext &) { return readsOwnEntity || stageError.isError(); }
    // The natural key write() looks the record's row up by when it has no mapping yet: the
    // engine reads those of a whole page at once (CrmStore::prefetchKeys()).
    struct KeyLookup
    {
        QString table;
        QString column;
        QVariant value;
        QString mappingType; // of the table's rows (the owners of the rows found are read too)
    };
    virtual std::optional<KeyLookup> lookupKey() const { return std::nullopt; }
    // Clears the links in refs (the record's own) whose mappings write() will not look up, as
    // staging found out, so that EntityHandler::beginPage() does not read them.
    virtual void trimLookups(mapping::RecordRefs &) const { }

    bool readsOwnEntity = false; // a field of it links to a record of the entity being synced
    DbError stageError; // what staging could not read
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

    // A record is written in three steps: stage() reads what it links to, StagedRecord::map()
    // maps it (pure), StagedRecord::write() changes the CRM. The first two may run on another
    // thread, ahead of the page being written.

    // Before a page's records are staged: their links (context.pageRefs, one per item) and what
    // they will look up, read in a few queries. The default reads the links and starts the cache.
    virtual DbError stagePage(StageContext &context, const json::Array &items);
    // Reads what one record links to. An error is kept in the staged record.
    virtual std::unique_ptr<StagedRecord> stage(StageContext &context, const json::Object &record)
        = 0;
    // At the start of each page's write, inside its transaction, with the page's links (less
    // what the records staged ahead will not look up, StagedRecord::trimLookups()): the
    // mappings the writes will look up, in a few queries. The default starts the page's cache.
    virtual DbError beginPage(SyncContext &context, const QList<mapping::RecordRefs> &refs);

    static std::unique_ptr<EntityHandler> create(Entity entity);
    // The CRM tables records link to, as the handlers read them (CrmStore::linkedValues()).
    static QList<LinkSpec> linkedTables();
};

} // namespace pds
