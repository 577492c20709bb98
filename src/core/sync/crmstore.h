#pragma once

#include "db/database.h"
#include "mapping/mapping.h"
#include "sync/linkharvest.h"

#include <QDateTime>
#include <QHash>
#include <QStringList>
#include <QVariantMap>
#include <functional>
#include <memory>
#include <optional>
#include <tuple>
#include <vector>

namespace pds {

// Told of every change CrmStore makes to the CRM, before or as it happens, so that a run can be
// undone. Calls come inside the caller's transaction; an error fails the write.
class ChangeJournal
{
public:
    virtual ~ChangeJournal() = default;
    virtual DbError rowInserted(const QString &table, qint64 id) = 0;
    // before: the old values of the columns about to change
    virtual DbError rowUpdating(const QString &table, qint64 id, const QVariantMap &before) = 0;
    // called before the row goes: the journal reads what it needs to restore it
    virtual DbError rowDeleting(const QString &table, qint64 id) = 0;
    // previousRailsId: -1 when the mapping is new
    virtual DbError mappingSetting(
        const QString &type, qint64 pipedriveId, qint64 railsId, qint64 previousRailsId)
        = 0;
    virtual DbError mappingRemoving(const QString &type, qint64 pipedriveId) = 0;
};

// A CRM row linked to a Pipedrive record as the link caches keep it: its values packed into one
// string (CrmStore::linkedValues()), read where they lie; a list of values made for each lookup
// was most of its cost.
class LinkedRow
{
public:
    LinkedRow() = default; // not mapped
    explicit LinkedRow(QString packed)
        : m_packed(std::move(packed))
    { }
    bool isEmpty() const { return m_packed.isNull(); }
    qsizetype size() const;
    // The value at `index`, a NULL as empty text; empty past the last.
    QStringView value(qsizetype index) const;

private:
    QString m_packed;
};

// Row-level persistence for the engine over one open Database: pipedrive_mappings lookups and
// writes, and "write this mapped row" with compare-before-update, so that a sync of unchanged
// data changes nothing. Every statement is prepared once and bound; table and column names come
// from code only.
class CrmStore
{
public:
    explicit CrmStore(Database &db);
    ~CrmStore();
    CrmStore(const CrmStore &) = delete;
    CrmStore &operator=(const CrmStore &) = delete;

    enum class WriteKind { Created, Updated, Unchanged, Merged };
    struct WriteResult
    {
        WriteKind kind = WriteKind::Unchanged;
        qint64 railsId = -1;
        qint64 mergedWithPipedriveId = 0; // Merged: the record that already owns the row
    };

    struct RowPlan
    {
        QString table; // CRM table
        QString mappingType; // pipedrive_mappings.pipedrive_type
        mapping::Columns columns; // the mapped row
        QString naturalKey; // column matched when no mapping exists ("" = none)
        // Columns written only on insert (users.encrypted_password), computed only then.
        std::function<QVariantMap()> insertOnly;
        QStringList keepOnUpdate; // mapped columns never overwritten on an existing row
    };

    // Writes one mapped record: through its mapping if it has one, else matched by natural key
    // (merged when another record already owns that row), else inserted with a new mapping.
    // A row shared by several records is only written by its owner (the first one mapped to it),
    // so the records never overwrite each other back and forth.
    // A record whose natural key changed leaves a row it shares (or one whose new key another row
    // holds) for the row a first import would give it.
    std::optional<WriteResult> writeRecord(qint64 pipedriveId, const RowPlan &plan, DbError *error);

    // pipedrive_mappings
    std::optional<qint64> railsIdFor(const QString &type, qint64 pipedriveId, DbError *error);
    bool setMapping(const QString &type, qint64 pipedriveId, qint64 railsId, DbError *error);
    bool removeMapping(const QString &type, qint64 pipedriveId, DbError *error);
    // Whether another record than `pipedriveId` is mapped to the row too (merged into it), the
    // mappings kept back included; nullopt on a database error.
    std::optional<bool> sharesRow(
        const QString &type, qint64 railsId, qint64 pipedriveId, DbError *error);
    // While on, new mappings are kept and written together, a few multi-row statements instead
    // of one per record, by flushMappings() or before anything of this store reads
    // pipedrive_mappings. The engine turns it on for a page written without savepoints and
    // flushes before the page's other writes; a rollback drops what is kept (discardCache()).
    void setDeferMappings(bool on) { m_deferMappings = on; }
    bool flushMappings(DbError *error);
    // While on, insertRow() gives a new row its id at once and keeps the row back; flushRows()
    // writes the rows kept back as multi-row INSERTs. SQLite: the id AUTOINCREMENT would give
    // (one past the largest id and sqlite_sequence); a one-row INSERT into such a table cost
    // twice as much per row. PostgreSQL: an id taken ahead from the table's sequence; each
    // statement waits for the server, and a page's rows then take a few instead of one each.
    // Whatever this store reads or changes of a table with rows kept back writes them first;
    // findIdBy() looks among them instead. Same lifetime as the mappings kept back: on for a page
    // written without savepoints, dropped with a rollback (discardCache()).
    void setDeferInserts(bool on) { m_deferInserts = on; }
    bool flushRows(DbError *error);
    // The record first mapped to a row: the one that owns it.
    std::optional<qint64> ownerOf(const QString &type, qint64 railsId, DbError *error);
    // PostgreSQL: the owners of rows ownerOf() will be asked about, read for a page in a few
    // queries (each ownerOf() was a round trip: 2,485 of a 100k sync's ~10,000 statements); this
    // store's own mapping writes keep them current until discardCache(). SQLite: nothing (its
    // look-up costs no round trip).
    bool prefetchOwners(const QString &type, const QList<qint64> &railsIds, DbError *error);

    std::optional<qint64> findIdBy(
        const QString &table, const QString &column, const QVariant &value, DbError *error);
    // The stored rows findIdBy() will be asked about for a page's natural keys (text values), in
    // a few queries instead of one per record; each statement was a round trip on PostgreSQL.
    // Remembered until discardCache(); this store's own writes keep it current.
    // Given the mapping type of the table's rows, the owners of the rows found too
    // (prefetchOwners()).
    bool prefetchKeys(const QString &table, const QString &column, const QVariantList &values,
        DbError *error, const QString &ownerType = {});
    // The values of columns of one row; empty if the row does not exist.
    std::optional<QVariantMap> readRow(
        const QString &table, qint64 id, const QStringList &columns, DbError *error);
    // before: the stored values of the changed columns, when the caller has them (for the journal)
    bool updateRow(const QString &table, qint64 id, const QVariantMap &columns, DbError *error,
        const QVariantMap &before = {});
    std::optional<qint64> insertRow(
        const QString &table, const QVariantMap &columns, DbError *error);
    std::optional<qint64> insertRow(
        const QString &table, const mapping::Columns &columns, DbError *error);
    bool deleteRow(const QString &table, qint64 id, DbError *error);

    // One statement, prepared once, for code-built SQL with ? placeholders.
    QSqlQuery *query(const QString &sql, const QVariantList &values, DbError *error);
    // Each row of a lookup (ids, names) to onRow (Database::forEachRow: SQLite's fast path).
    bool rows(const QString &sql, const QVariantList &values,
        const std::function<void(const QVariantList &row)> &onRow, DbError *error);
    // The same for statements that return no rows (Database::execWrite: SQLite's fast path).
    bool write(const QString &sql, const QVariantList &values, DbError *error,
        qint64 *insertedId = nullptr);

    // Values as they are bound: times as Rails' UTC text, dates as ISO text.
    static QVariant toBindable(const QVariant &value);
    // Equal as stored, whatever the dialect returns (text or QDateTime, 1 or true, "1.50" or 1.5).
    static bool sameValue(const QVariant &mapped, const QVariant &stored);

    // Every change goes to the journal too (nullptr: none, e.g. in a dry run).
    void setChangeJournal(ChangeJournal *journal) { m_journal = journal; }
    ChangeJournal *changeJournal() const { return m_journal; }

    // What is remembered (mappings, linked values) holds for one page: the engine calls
    // beginPage() before a page's first record and discardCache() after rolling a record back.
    // Without beginPage(), the cache holds only within one record.
    void beginPage()
    {
        discardCache();
        m_pageMode = true;
    }
    void beginRecord()
    {
        if (!m_pageMode)
            discardCache();
    }
    void discardCache()
    {
        m_mappingCache.clear();
        m_linkedCache.clear();
        m_pendingMappings.clear();
        m_pendingRows.clear();
        m_pendingKeys.clear();
        m_storedKeys.clear();
        m_storedOwners.clear();
        m_nextIds.clear();
        m_linksOverBudget.clear();
        m_harvestChecks.clear();
    }
    // How a reader reads a type's linked rows (prefetchLinked()) when they all fit in its budget:
    // by id until it has asked for an eighth of them, then all at once (an incremental pass links
    // to a few rows), or all at once from the second read (a pass over a whole list links to
    // nearly every row of the types it links to: reading a thousand rows by id first cost the
    // first pages of the deals' and activities' passes more than the whole read).
    enum class LinkReads { ByIdFirst, AllAtOnce };
    // For a reader that stages the pages of one pass, one after the other: what it read stays
    // remembered across pages (the records of a pass link to far fewer rows than they are), except
    // the mapping types the pass writes itself, dropped before each page. So that memory does not
    // grow with the account, the mappings start anew past maxMappings in all, and while the
    // caches of linked rows take more than maxLinkedBytes, those of rows read one by one go
    // before a type read whole, the biggest first.
    void beginPageKeeping(const QStringList &writtenTypes, qsizetype maxMappings,
        qsizetype maxLinkedBytes, LinkReads linkReads = LinkReads::ByIdFirst);
    // Before a pass writes the mappings of `types`: the harvest's links of those of them the CRM
    // has none of yet, and the harvest neither (a first import), are checked now, one seek each.
    // The harvest follows every mapping written from then on, so the passes that link to them
    // trust it without counting their mappings first (checkedHarvest(): a range of the index as
    // long as the type's rows, 2-4 ms at the deals' and activities' first pages at 100k, while the
    // sync thread waited).
    DbError checkHarvestAhead(const QStringList &types);

    // Natural keys the CRM's schema does not index (leads.email: the Lead model validates it
    // unique, but there is no index) would make every lookup scan the table. The CRM's tables
    // stay as they are: on SQLite such a key's values are hashed into memory once (MemoryKeys),
    // on PostgreSQL copied into a session-private TEMP table with a primary key; both kept
    // current by this store's writes (the TEMP table inside their transactions, so rollbacks undo
    // it too; the hashes read anew after any rollback).
    // A column the CRM does index (contacts.email, unique) gains from the hashes too: a key no
    // row has, the common case of a first import, is answered without a statement. For such a
    // column nothing is made past the bound or on PostgreSQL (`beyondMemory` None): the CRM's own
    // index serves. Keys another connection writes meanwhile are seen once a rollback has them
    // read again; a row inserted with one of them is refused by the CRM's unique index, which
    // rolls the page back.
    enum class BeyondMemory { TempTable, None };
    DbError indexKey(const QString &table, const QString &column,
        BeyondMemory beyondMemory = BeyondMemory::TempTable);
    // SQLite keeps a key index in memory only while the table has at most this many keys (~40
    // bytes each); a CRM with more gets the TEMP table, so that memory stays bounded.
    void setMaxMemoryKeys(qsizetype keys) { m_maxMemoryKeys = keys; }
    // Frees the key indexes kept in memory: a pass makes those it looks keys up in (its
    // handler's begin()), and the passes after it look none of them up (a 500k-record account's
    // e-mails and names, ~150,000 keys, took ~4 MB through the deals' and activities' passes).
    // A key looked up later is asked of the CRM as without them.
    void dropMemoryKeys() { m_memoryKeys.clear(); }

    // PostgreSQL plans a prepared statement for all its executions after its first few, from
    // the table statistics of that moment, which autovacuum renews about once a minute: a
    // lookup planned while a table was small scanned it whole once it held 100,000 rows (an IN
    // list of 500 then took ~90 ms instead of ~1). After a commit, the tables this store has at
    // least doubled (by MinRowsToAnalyze at the least) since they were last analyzed are
    // analyzed, which also makes every session plan its statements on them again. SQLite: nothing.
    // Statistics only: a failure (a lock not had within 100 ms) is logged, not returned, and
    // the table tried again after a later commit.
    void refreshPlannerStatistics();
    static constexpr qsizetype MinRowsToAnalyze = 2000;
    // From now on refreshPlannerStatistics() has the tables analyzed on a connection and thread of
    // their own (PostgreSQL; SQLite: nothing), and the writer goes on meanwhile: an ANALYZE of a
    // CRM table took 10-100 ms, all of it time the writer waited (100k: 0.56 s of a 9.2 s sync). A
    // table still being analyzed is not asked again; one that failed is tried again after a later
    // commit. The store's end waits for the analysis under way. False if that connection could
    // not be opened (the store analyzes on its own then).
    bool analyzeInBackground();
    int backgroundAnalyses() const; // finished so far, failed ones too (for tests)

    // One query for the mappings of many records (absent ones are remembered as absent).
    // withOwners: and the owners of the rows they map to (prefetchOwners()).
    bool prefetchMappings(const QString &type, const QList<qint64> &pipedriveIds, DbError *error,
        bool withOwners = false);
    // Mappings read by one store handed to another (the stage worker's to the sync thread's), so
    // that they are not read twice. railsId -1: none.
    struct KnownMapping
    {
        QString type;
        qint64 pipedriveId;
        qint64 railsId;
    };
    // What this store has read of these mappings (those it has not read are left out).
    QList<KnownMapping> knownMappings(const QString &type, const QList<qint64> &pipedriveIds) const;
    // Taken as read by this store, until discardCache(): only for mappings that nothing changes
    // meanwhile.
    void adoptMappings(const QList<KnownMapping> &known);
    // The sync thread's store tells a LinkHarvest what it writes of the specs' tables and mapping
    // types: the engine takes what was written after each commit (takeHarvest(), for the stage
    // worker) and drops it after each rollback (dropHarvest()). A rollback to a savepoint, or a
    // commit whose writes were then dropped, makes the batch say it lost track (Event::Lost).
    void setHarvest(const QList<LinkSpec> &specs);
    HarvestBatch takeHarvest();
    void dropHarvest();
    // A reader answers links from this harvest where it holds every mapping of their type (the
    // stage worker's, used on this store's thread only; nullptr: none).
    void setLinkHarvest(LinkHarvest *harvest) { m_linkHarvest = harvest; }
    // Values of the CRM rows mapped to (type, pipedrive id): `columns` of `table` (aliased t),
    // e.g. ("Organization", "accounts", "t.name"). Empty when not mapped.
    LinkedRow linkedValues(QAnyStringView type, const QString &table, const QString &columns,
        qint64 pipedriveId, DbError *error);
    bool prefetchLinked(const QString &type, const QString &table, const QString &columns,
        const QList<qint64> &pipedriveIds, DbError *error);

    Database &database() { return m_db; }
    QDateTime now() const { return m_now; }
    void setNow(const QDateTime &now)
    {
        m_now = now;
        m_nowText = Database::formatTimestamp(now);
        m_nowAscii = m_nowText.toLatin1();
    }

    // Pipedrive ids beyond the CRM's 32-bit pipedrive_mappings columns cannot be mapped.
    static bool fitsMapping(qint64 id) { return id > 0 && id <= 2147483647; }

private:
    // The SQL of a statement shape, built once: (kind, table, columns) -> text.
    const QString &sql(int kind, const QString &table, const QStringList &columns = {});
    void rememberMapping(const QString &type, qint64 pipedriveId, qint64 railsId);
    // PostgreSQL: insertRow() and a new mapping of it in one statement.
    std::optional<qint64> insertMappedRow(const QString &table, const QVariantMap &columns,
        const QString &type, qint64 pipedriveId, DbError *error);
    // Whether the record mapped to `railsId` (as `stored` holds it) leaves that row
    // (writeRecord()).
    std::optional<bool> leavesRow(qint64 pipedriveId, const RowPlan &plan, qint64 railsId,
        const QVariantMap &stored, bool owns, DbError *error);

    Database &m_db;
    QDateTime m_now;
    ChangeJournal *m_journal = nullptr;
    struct SqlKey
    {
        int kind;
        QString table;
        QStringList columns;
        bool operator==(const SqlKey &other) const
        {
            return kind == other.kind && table == other.table && columns == other.columns;
        }
        friend size_t qHash(const SqlKey &key, size_t seed = 0)
        {
            return qHashMulti(seed, key.kind, key.table, key.columns);
        }
    };
    QHash<SqlKey, QString> m_sql;
    QString m_nowText; // m_now as bound, formatted once per page
    QByteArray m_nowAscii; // the same in ASCII
    // A value into a statement as bindable() gives it; a time as text formatted in place.
    void addBindable(SqlValues &out, const QVariant &value) const;
    QVariant bindable(const QVariant &value) const
    {
        // Only times and dates are bound otherwise than they are (most values are texts).
        const int type = value.typeId();
        return type == QMetaType::QDateTime || type == QMetaType::QDate ? bindableTime(value)
                                                                        : value;
    }
    QVariant bindableTime(const QVariant &value) const;
    QVariantList bindable(const QVariantList &values) const;
    // The INSERT of statement shape `kind` (InsertRow, InsertMappedRow: the columns' values, then
    // moreValues), its new id, and the TEMP key indexes kept current; the journal is the caller's.
    std::optional<qint64> insertIndexed(int kind, const QString &table, const QVariantMap &columns,
        const QVariantList &moreValues, DbError *error);
    // Mappings (-1: none) and linked values seen in this page (or record, see beginPage()).
    // The mappings by type: a handful of types, found by comparing short strings, then a hash of
    // plain ids (a (type, id) key was hashed, and compared as a string, on every lookup).
    struct MappingCache
    {
        QString type;
        QHash<qint64, qint64> ids; // pipedrive id -> rails id, -1: none
    };
    std::vector<MappingCache> m_mappingCache;
    QHash<qint64, qint64> &mappingCache(const QString &type);
    const QHash<qint64, qint64> *findMappingCache(const QString &type) const;
    struct LinkedCache
    {
        QString type;
        QString table;
        QString columns;
        // pipedrive id -> the values packed into one string (null: not mapped), kept compactly
        // (PackedRows: ~15-60 bytes a row where a QString in a hash took ~80 besides its text).
        PackedRows rows;
        qsizetype bytes() const { return rows.bytes(); }
        qsizetype read = 0; // rows asked for one by one (by id)
        qsizetype mapped = -1; // mappings of the type when counted; -1: not counted
        bool complete = false; // rows holds every mapped row of the type: no other is
        // Or the run's harvest holds them (rows: those it did not have, read by id).
        const LinkHarvest::Link *harvested = nullptr;
        bool harvestTried = false;
        void keep(qint64 pipedriveId, const QString &packed);
        void forget(qint64 pipedriveId);
    };
    // Past an eighth of a type's rows asked for one by one (or one read, LinkReads::AllAtOnce), the
    // rest in one read in order (a reader's pages are read again after each commit of the
    // writer's connection: a row looked up alone cost ~8,000 instructions), if they fit in the
    // reader's budget beside its other caches. nullopt on an error, else whether read.
    std::optional<bool> readAllLinked(LinkedCache &cache, qsizetype asked, DbError *error);
    // Answers the cache from the harvest if that holds every mapping and row of its type.
    bool attachHarvest(LinkedCache &cache, DbError *error);
    // The harvest's link of a type if it holds every mapping of it as the CRM does (same count
    // and sum of ids): checked once a pass (m_harvestChecks, cleared with the caches), or once a
    // run where other connections' commits are told (LinkHarvest::Link::isChecked()); never for
    // a type the pass writes; nullptr if not (or not now: one past its budget no longer answers).
    const LinkHarvest::Link *checkedHarvest(const QString &type, DbError *error);
    std::vector<std::pair<QString, const LinkHarvest::Link *>> m_harvestChecks;
    // The harvest answering the cache, if it still may (one past its budget no longer does).
    const LinkHarvest::Link *harvestOf(LinkedCache &cache);
    LinkHarvest *m_linkHarvest = nullptr;
    QStringList m_writtenTypes; // beginPageKeeping()'s
    // The writer's side (setHarvest()): what it told since the last take or drop.
    QStringList m_harvestTypes;
    std::vector<std::pair<QString, QStringList>> m_harvestColumns; // table -> the link's columns
    // The link's columns of a table whose writes are told; nullptr: not told.
    const QStringList *harvestedColumns(const QString &table) const;
    HarvestBatch m_harvest;
    quint64 m_harvestEpoch = 0; // the connection's undoEpoch() when it began
    quint64 m_harvestCommits = 0; // its commitCount() then
    bool m_harvestLost = false;
    std::optional<qint64> m_harvestDataVersion; // SQLite's data_version when last taken
    bool harvests(const QString &table) const { return harvestedColumns(table) != nullptr; }
    void harvestMappings(QList<MappingRow> mappings);
    std::optional<qint64> dataVersion(); // SQLite's PRAGMA data_version, while harvesting
    // A row inserted, updated (values: the changed columns) or deleted.
    void harvestRow(HarvestBatch::Event::Kind kind, const QString &table, qint64 id,
        const QVariantMap &values = {});
    static constexpr qsizetype ReadAllFrom = 1000; // rows asked for one by one, at least
    qsizetype m_maxLinkedBytes = 0; // beginPageKeeping()'s; 0: links are never all read
    LinkReads m_linkReads = LinkReads::ByIdFirst; // beginPageKeeping()'s
    // Linked rows (type, table, columns) read all at once that took more than the budget.
    std::vector<std::tuple<QString, QString, QString>> m_linksOverBudget;
    struct TableGrowth
    {
        qint64 analyzed = -1; // rows when last analyzed (-1: not read yet)
        qint64 written = 0; // rows inserted since
        int failures = 0;
    };
    static constexpr int MaxAnalyzeFailures = 3;
    QHash<QString, TableGrowth> m_tableGrowth; // PostgreSQL only
    // Begins, runs and ends an ANALYZE of a table (on the database given).
    static DbError analyzeTable(Database &db, const QString &table);
    struct BackgroundAnalyzer;
    std::unique_ptr<BackgroundAnalyzer> m_analyzer;
    void noteInserted(const QString &table, qsizetype rows)
    {
        if (m_db.isPostgres())
            m_tableGrowth[table].written += rows;
    }
    // One per kind of link read (a handful): found by comparing three short strings, not by
    // building and hashing a key on every read (that was 8% of the stage worker's time).
    std::vector<LinkedCache> m_linkedCache;
    qsizetype linkedBytes() const; // what all of them take, about
    LinkedCache &linkedCache(QAnyStringView type, const QString &table, const QString &columns);
    bool m_pageMode = false;
    bool m_deferMappings = false;
    using PendingMapping = MappingRow;
    QList<PendingMapping> m_pendingMappings; // new mappings not yet written (setDeferMappings())
    bool m_deferInserts = false;
    struct PendingRows
    {
        QString table;
        QStringList columns; // "id" first
        // Each row's id and its other columns' values as given (often the staged record's own
        // list, shared): bound when the rows are written.
        QList<std::pair<qint64, QVariantList>> rows;
        const QStringList *names = nullptr; // the shared names (mapping::Columns) of its rows
        // The value of columns.at(at) in a row, as given
        static QVariant valueAt(const std::pair<qint64, QVariantList> &row, qsizetype at)
        {
            return at == 0 ? QVariant(row.first) : row.second.at(at - 1);
        }
    };
    std::vector<PendingRows> m_pendingRows; // new rows not yet written, by table and columns
    // Rows kept back, written: to the harvest, the link's columns (names) packed.
    void harvestRows(const PendingRows &group, const QStringList &names);
    // SQLite: table -> the id the next row kept back gets. A few tables, asked for every row: a
    // list compared by name, not a hash (hashing the name was 3% of the sync thread's time).
    std::vector<std::pair<QString, qint64>> m_nextIds;
    // PostgreSQL: ids taken from a table's sequence and not given yet. nextval() is outside
    // transactions: an id taken is never given again, so these outlive a page and a rollback.
    struct SequenceIds
    {
        QList<qint64> ids;
        qsizetype next = 0;
        bool none = false; // the table's id has no sequence: its rows are inserted one by one
    };
    QHash<QString, SequenceIds> m_sequenceIds;
    // The id a row kept back in `table` gets; 0 when the table cannot give one ahead.
    std::optional<qint64> nextKeptId(const QString &table, DbError *error);
    // For the columns findIdBy() was asked about: value -> smallest id of the rows kept back
    // with it. A few at most, and keepRow() goes through them for every row: a list, not a hash
    // (iterating a QHash walks all of its buckets).
    struct PendingKeys
    {
        QString table;
        QString column;
        QHash<QString, qint64> ids;
    };
    std::vector<PendingKeys> m_pendingKeys;
    static void rememberKey(QHash<QString, qint64> &keys, const QVariant &bound, qint64 id);
    // (table, column) -> key -> smallest id of a stored row with it, -1: none (prefetchKeys())
    QHash<QPair<QString, QString>, QHash<QString, qint64>> m_storedKeys;
    bool readMappings(const QString &type, const QList<qint64> &pipedriveIds, DbError *error);
    // type -> rails id -> the pipedrive id of its first stored mapping, -1: none (prefetchOwners())
    QHash<QString, QHash<qint64, qint64>> m_storedOwners;
    // A new mapping written: the owner of a row that had none stored.
    void noteStoredMapping(const QString &type, qint64 pipedriveId, qint64 railsId)
    {
        const auto owners = m_storedOwners.find(type);
        if (owners == m_storedOwners.end())
            return;
        const auto owner = owners->find(railsId);
        if (owner != owners->end() && *owner < 0)
            *owner = pipedriveId;
    }
    // A row with these values (columns: their names) was stored: the keys remembered of it.
    void noteStoredRow(
        const QString &table, qint64 id, const QStringList &columns, const QVariantList &row);
    // Keys remembered of `table` that its changes may have made wrong are forgotten.
    void forgetStoredKeys(const QString &table, const QStringList &columns = {});
    // The same for the tables an SQL statement written by a caller names.
    void forgetStoredKeysFor(const QString &sql);
    // Writes a statement of this store's own (write() is for the callers').
    bool writeOwn(const QString &sql, const QVariantList &values, DbError *error,
        qint64 *insertedId = nullptr);
    // names: the columns' (a QStringList, or a QVariantMap's keys, begin() to end());
    // sharedNames: the list if it is a mapping::Columns' (every row of a kind shares it)
    template<class Names>
    qint64 keepRow(const QString &table, qint64 id, const Names &names, QVariantList values,
        const QStringList *sharedNames);
    // A new row: kept back (keep(its id)) while inserts are deferred, else inserted at once
    // from columns() (a QVariantMap); told to the journal either way. A template: a
    // std::function of these lambdas (three references) was allocated for every row.
    template<class Keep, class MakeColumns>
    std::optional<qint64> insertKept(
        const QString &table, DbError *error, const Keep &keep, const MakeColumns &columns);
    // Writes the rows kept back first when `sql` names one of their tables.
    bool flushRowsFor(const QString &sql, DbError *error);
    QHash<QString, QString> m_keyIndexes; // "table.column" -> temp table
    struct KeyIndex
    {
        QString table;
        QString column;
        QString temp; // the TEMP table
        QString insertSql;
        QString lookupSql; // the row it names for a key, and that row's key now
    };
    QList<KeyIndex> m_keyIndexList; // the same, with their statements built once
    // SQLite's key indexes (indexKey()): a hash of each key -> the smallest id of a row with it,
    // as far as this store has read and written. A row found so is checked (its key may have
    // changed since); no entry means no row has the key while the connection has rolled nothing
    // back since (Database::undoEpoch()), else all is read again. A TEMP row per new lead and a
    // statement per lookup were a fifth of a 500k sync's persons' pass; this takes ~40 bytes a
    // key.
    struct MemoryKeys
    {
        QString table;
        QString column;
        QHash<size_t, qint64> ids;
        quint64 epoch = 0;
        void note(const QVariant &bound, qint64 id);
    };
    QList<MemoryKeys> m_memoryKeys;
    qsizetype m_maxMemoryKeys = 250000;
    // The index of (table, column), current (read again if need be); nullptr: none, or unread.
    MemoryKeys *memoryKeys(const QString &table, const QString &column, DbError *error);
    // Reads the keys of at most `limit` rows (-1: all); the rows read, -1 on an error.
    qsizetype readMemoryKeys(MemoryKeys &keys, DbError *error, qsizetype limit = -1);
    std::optional<qint64> findInMemoryKeys(MemoryKeys &keys, const QVariant &bound, DbError *error);
    // The TEMP index's row for a key, checked (and mended) as findInMemoryKeys() does.
    std::optional<qint64> findInKeyIndex(
        const KeyIndex &index, const QVariant &bound, DbError *error);
    // The smallest id of a stored row with the key, by the table itself.
    std::optional<qint64> findStored(
        const QString &table, const QString &column, const QVariant &bound, DbError *error);
    void updateKeyIndexes(
        const QString &table, qint64 id, const QVariantMap &columns, DbError *error);
    // The TEMP key indexes told of a new row.
    bool indexNewRow(const QString &table, qint64 id, const QVariantMap &columns, DbError *error);
    // The TEMP key indexes told of the rows flushRows() wrote, a few statements for all of them.
    bool indexFlushedRows(DbError *error);
};

} // namespace pds
