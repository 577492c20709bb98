#include "crmstore.h"

#include "db/databasethread.h"
#include "logging.h"

#include <QDate>
#include <QSet>
#include <QSqlQuery>
#include <QSqlRecord>
#include <QVarLengthArray>
#include <algorithm>
#include <atomic>
#include <cmath>
#include <limits>
#include <mutex>

namespace pds {

namespace {

// Hands a failed side step's error (journal, key index) to the caller's error; true if it passed.
bool passed(const DbError &step, DbError *error)
{
    if (step.isOk())
        return true;
    if (error)
        *error = step;
    return false;
}

enum SqlKind { SelectRow, UpdateRow, InsertRow, FindBy, DeleteRow, InsertMappedRow };
// InsertRows + n: an INSERT of n rows (flushRows())
constexpr int InsertRows = 1000;
constexpr qsizetype RowFlushValues = 999; // bound values per multi-row INSERT at most
constexpr qsizetype KeysPerLookup = 256; // keys per prefetchKeys() statement at most
constexpr qsizetype KeysPerIndexInsert = 256; // rows per TEMP key index INSERT at most

// The CRM rows mapped to Pipedrive records of one type (bound first): each one's Pipedrive id,
// then `columns` of `table` (aliased t); `more` narrows the records.
QString linkedRowsSql(const QString &columns, const QString &table, const QString &more = {})
{
    return QStringLiteral("SELECT m.pipedrive_id, %1 FROM pipedrive_mappings m JOIN %2 t ON t.id "
                          "= m.rails_id WHERE m.pipedrive_type = ?%3")
        .arg(columns, table, more);
}

// Rows into a TEMP key index (CrmStore::indexKey()); a key it has already goes to the smaller
// id. PostgreSQL refuses a key twice in one statement: the rows' keys differ.
QString keyIndexInsert(const QString &temp, qsizetype rows)
{
    return QStringLiteral("INSERT INTO %1 (key_value, row_id) VALUES (?, ?)%2 ON CONFLICT "
                          "(key_value) DO UPDATE SET row_id = excluded.row_id WHERE "
                          "excluded.row_id < %1.row_id")
        .arg(temp, QStringLiteral(", (?, ?)").repeated(int(rows - 1)));
}

} // namespace

const QString &CrmStore::sql(int kind, const QString &table, const QStringList &columns)
{
    const SqlKey key { kind, table, columns };
    auto it = m_sql.find(key);
    if (it != m_sql.end())
        return *it;
    // Names come from code only; checked once here rather than on every statement.
    Q_ASSERT(Database::isPlainIdentifier(table));
    for (const QString &column : columns)
        Q_ASSERT(Database::isPlainIdentifier(column));
    QString text;
    switch (kind) {
    case SelectRow:
        text = QStringLiteral("SELECT %1 FROM %2 WHERE id = ?")
                   .arg(columns.join(QStringLiteral(", ")), table);
        break;
    case UpdateRow:
        text = QStringLiteral("UPDATE %1 SET %2 = ? WHERE id = ?")
                   .arg(table, columns.join(QStringLiteral(" = ?, ")));
        break;
    case InsertRow:
        text = QStringLiteral("INSERT INTO %1 (%2) VALUES (%3)")
                   .arg(table, columns.join(QStringLiteral(", ")),
                       QStringList(columns.size(), QStringLiteral("?")).join(QStringLiteral(", ")));
        if (m_db.isPostgres())
            text += QStringLiteral(" RETURNING id");
        break;
    case FindBy:
        text = QStringLiteral("SELECT id FROM %1 WHERE %2 = ? ORDER BY id LIMIT 1")
                   .arg(table, columns.value(0));
        break;
    case DeleteRow:
        text = QStringLiteral("DELETE FROM %1 WHERE id = ?").arg(table);
        break;
    default: {
        Q_ASSERT(kind > InsertRows);
        const QString row = QStringLiteral("(%1)").arg(
            QStringList(columns.size(), QStringLiteral("?")).join(QStringLiteral(", ")));
        text = QStringLiteral("INSERT INTO %1 (%2) VALUES %3")
                   .arg(table, columns.join(QStringLiteral(", ")),
                       QStringList(kind - InsertRows, row).join(QStringLiteral(", ")));
        break;
    }
    case InsertMappedRow:
        // PostgreSQL only: the row and its mapping in one statement (the same upsert as
        // setMapping()). The casts type the mapping's parameters, which a SELECT list leaves open.
        text = QStringLiteral(
            "WITH new_row AS (INSERT INTO %1 (%2) VALUES (%3) RETURNING id), new_mapping AS "
            "(INSERT INTO pipedrive_mappings (pipedrive_type, pipedrive_id, rails_id, created_at, "
            "updated_at) SELECT CAST(? AS VARCHAR), CAST(? AS INTEGER), id, CAST(? AS "
            "TIMESTAMP), CAST(? AS TIMESTAMP) FROM new_row ON CONFLICT (pipedrive_type, "
            "pipedrive_id) DO UPDATE SET rails_id = excluded.rails_id, updated_at = "
            "excluded.updated_at WHERE pipedrive_mappings.rails_id <> excluded.rails_id) SELECT "
            "id FROM new_row")
                   .arg(table, columns.join(QStringLiteral(", ")),
                       QStringList(columns.size(), QStringLiteral("?")).join(QStringLiteral(", ")));
        break;
    }
    return *m_sql.insert(key, text);
}

namespace {

// IN lists of a few fixed lengths, so that a few prepared statements serve every page: 500 ids,
// or the rest padded to a power of two with a repeat of the first one. (Padded to 500, a page's
// few new links made SQLite sort and bind 500 values each time.)
constexpr qsizetype PrefetchChunk = 500;

qsizetype paddedSize(qsizetype ids)
{
    qsizetype size = 8;
    while (size < ids)
        size *= 2;
    return qMin(size, PrefetchChunk);
}

const QString &inList(qsizetype size)
{
    thread_local QHash<qsizetype, QString> lists;
    auto it = lists.find(size);
    if (it == lists.end())
        it = lists.insert(size, QStringList(size, QStringLiteral("?")).join(QLatin1Char(',')));
    return *it;
}

// A mapping type and a chunk's ids: the values of "pipedrive_type = ? AND ... IN (...)".
QVariantList typeAndIds(const QString &type, const QList<qint64> &ids)
{
    QVariantList values { type };
    values.reserve(ids.size() + 1);
    for (qint64 id : ids)
        values << id;
    return values;
}

QList<QList<qint64>> chunks(const QList<qint64> &ids)
{
    QList<qint64> unique = ids;
    std::sort(unique.begin(), unique.end());
    unique.erase(std::unique(unique.begin(), unique.end()), unique.end());
    QList<QList<qint64>> result;
    for (qsizetype i = 0; i < unique.size(); i += PrefetchChunk) {
        QList<qint64> chunk = unique.mid(i, PrefetchChunk);
        const qsizetype size = paddedSize(chunk.size());
        while (chunk.size() < size)
            chunk.append(chunk.first());
        result.append(chunk);
    }
    return result;
}

} // namespace

DbError CrmStore::indexKey(const QString &table, const QString &column, BeyondMemory beyondMemory)
{
    Q_ASSERT(Database::isPlainIdentifier(table) && Database::isPlainIdentifier(column));
    m_memoryKeys.removeIf(
        [&](const MemoryKeys &keys) { return keys.table == table && keys.column == column; });
    if (m_db.isSqlite()) {
        // One row past the bound tells that there are too many: read once, not counted first.
        MemoryKeys keys { table, column, {}, 0 };
        DbError error;
        const qsizetype rows = readMemoryKeys(keys, &error, m_maxMemoryKeys + 1);
        if (rows < 0)
            return error;
        if (rows <= m_maxMemoryKeys) {
            m_keyIndexes.remove(table + QLatin1Char('.') + column);
            m_keyIndexList.removeIf([&](const KeyIndex &index) {
                return index.table == table && index.column == column;
            });
            m_memoryKeys.append(std::move(keys));
            return error;
        }
    }
    if (beyondMemory == BeyondMemory::None)
        return {};
    const QString temp = QStringLiteral("pds_key_%1_%2").arg(table, column);
    DbError error;
    // Names fixed by code; TEMP tables belong to this connection and vanish with it. SQLite: the
    // keys are the table's own B-tree, not a second one beside its rowids (a row cost twice as
    // much to add).
    if (!m_db.exec(
            QStringLiteral("CREATE TEMP TABLE IF NOT EXISTS %1 (key_value VARCHAR PRIMARY KEY, "
                           "row_id BIGINT NOT NULL)%2")
                .arg(temp, m_db.isSqlite() ? QStringLiteral(" WITHOUT ROWID") : QString()),
            &error)
        || !m_db.exec(QStringLiteral("DELETE FROM %1").arg(temp), &error)
        || !m_db.exec(
            QStringLiteral("INSERT INTO %1 (key_value, row_id) SELECT %2, MIN(id) FROM %3 "
                           "WHERE %2 IS NOT NULL GROUP BY %2")
                .arg(temp, column, table),
            &error))
        return error;
    m_keyIndexes.insert(table + QLatin1Char('.') + column, temp);
    m_keyIndexList.removeIf(
        [&](const KeyIndex &index) { return index.table == table && index.column == column; });
    m_keyIndexList.append({ table, column, temp, keyIndexInsert(temp, 1),
        QStringLiteral("SELECT k.row_id, t.%1 FROM %2 k LEFT JOIN %3 t ON t.id = k.row_id WHERE "
                       "k.key_value = ?")
            .arg(column, temp, table) });
    return error;
}

// The analyses asked of the background: the thread and its connection, and what the writer's
// thread learns from it at its next refreshPlannerStatistics().
struct CrmStore::BackgroundAnalyzer
{
    explicit BackgroundAnalyzer(const DatabaseConfig &config)
        : thread(QStringLiteral("pds-analyze"), config)
    { }
    std::mutex mutex;
    QSet<QString> underWay; // asked, not finished
    struct Failure
    {
        QString table;
        qint64 rows; // what its analysis was to count
        DbError error;
    };
    QList<Failure> failed;
    std::atomic<int> finished = 0;
    DatabaseThread thread; // last: goes first, after the analysis under way
};

CrmStore::~CrmStore() = default;

bool CrmStore::analyzeInBackground()
{
    if (!m_db.isPostgres() || m_analyzer)
        return bool(m_analyzer);
    auto analyzer = std::make_unique<BackgroundAnalyzer>(m_db.config());
    if (!analyzer->thread.isOpen()) {
        qCInfo(lcDb) << "tables analyzed by the writer: no connection of their own:"
                     << analyzer->thread.openError().toString();
        return false;
    }
    m_analyzer = std::move(analyzer);
    return true;
}

int CrmStore::backgroundAnalyses() const
{
    return m_analyzer ? m_analyzer->finished.load() : 0;
}

DbError CrmStore::analyzeTable(Database &db, const QString &table)
{
    Q_ASSERT(Database::isPlainIdentifier(table));
    // Behind a vacuum of the same table (autovacuum's takes minutes on a big one) it would
    // wait: given up after a moment, and tried again after a later page.
    DbError error = db.beginTransaction();
    if (error.isOk() && db.exec(QStringLiteral("SET LOCAL lock_timeout = '100ms'"), &error)
        && db.exec(QStringLiteral("ANALYZE %1").arg(table), &error))
        error = db.commit();
    if (error.isError())
        db.rollback();
    return error;
}

void CrmStore::refreshPlannerStatistics()
{
    if (!m_db.isPostgres())
        return;
    const auto failedOnce = [this](const QString &table, const DbError &error) {
        qCInfo(lcDb) << "could not analyze" << table << ":" << error.toString();
        TableGrowth &growth = m_tableGrowth[table];
        if (++growth.failures >= MaxAnalyzeFailures)
            growth.analyzed = std::numeric_limits<qint64>::max(); // not this run
    };
    QSet<QString> underWay;
    if (m_analyzer) {
        const std::lock_guard lock(m_analyzer->mutex);
        underWay = m_analyzer->underWay;
        for (const BackgroundAnalyzer::Failure &failure : std::as_const(m_analyzer->failed)) {
            // Counted as analyzed when asked: counted back, to be asked again.
            TableGrowth &growth = m_tableGrowth[failure.table];
            growth.analyzed -= failure.rows;
            growth.written += failure.rows;
            failedOnce(failure.table, failure.error);
        }
        m_analyzer->failed.clear();
    }
    for (auto it = m_tableGrowth.begin(); it != m_tableGrowth.end(); ++it) {
        TableGrowth &growth = *it;
        if (growth.written < MinRowsToAnalyze || underWay.contains(it.key()))
            continue;
        DbError error;
        if (growth.analyzed < 0) {
            // The planner's own count of its rows (-1: never analyzed).
            growth.analyzed = 0;
            m_db.forEachRow(
                QStringLiteral("SELECT reltuples FROM pg_class WHERE oid = to_regclass(?)"),
                { it.key() },
                [&](const QVariantList &row) {
                    growth.analyzed = qMax<qint64>(0, qint64(row.at(0).toDouble()));
                },
                &error);
        }
        if (error.isOk() && growth.written < growth.analyzed)
            continue;
        if (error.isOk() && m_analyzer) {
            const QString table = it.key();
            const qint64 rows = growth.written;
            {
                const std::lock_guard lock(m_analyzer->mutex);
                m_analyzer->underWay.insert(table);
            }
            BackgroundAnalyzer *analyzer = m_analyzer.get();
            analyzer->thread.post([analyzer, table, rows] {
                const DbError error = analyzeTable(analyzer->thread.database(), table);
                const std::lock_guard lock(analyzer->mutex);
                analyzer->underWay.remove(table);
                if (error.isError())
                    analyzer->failed.append({ table, rows, error });
                ++analyzer->finished;
            });
        } else if (error.isOk()) {
            error = analyzeTable(m_db, it.key());
        }
        if (error.isError()) {
            failedOnce(it.key(), error);
            continue;
        }
        growth.analyzed += growth.written;
        growth.written = 0;
    }
}

void CrmStore::MemoryKeys::note(const QVariant &bound, qint64 id)
{
    if (bound.isNull())
        return;
    // The smallest id keeps the key, as MIN(id) when read.
    const size_t hash = qHash(bound.toString());
    const auto it = ids.find(hash);
    if (it == ids.end())
        ids.insert(hash, id);
    else if (id < *it)
        *it = id;
}

qsizetype CrmStore::readMemoryKeys(MemoryKeys &keys, DbError *error, qsizetype limit)
{
    keys.ids.clear();
    qsizetype rows = 0;
    const bool read = m_db.forEachRow(
        QStringLiteral("SELECT %1, id FROM %2 WHERE %1 IS NOT NULL LIMIT ?")
            .arg(keys.column, keys.table),
        { limit },
        [&](const QVariantList &row) {
            ++rows;
            keys.note(row.at(0), row.at(1).toLongLong());
        },
        error);
    keys.epoch = m_db.undoEpoch();
    return read ? rows : -1;
}

CrmStore::MemoryKeys *CrmStore::memoryKeys(
    const QString &table, const QString &column, DbError *error)
{
    for (MemoryKeys &keys : m_memoryKeys) {
        if (keys.table != table || keys.column != column)
            continue;
        // What this store noted may have been rolled back: read again.
        if (keys.epoch != m_db.undoEpoch() && readMemoryKeys(keys, error) < 0)
            return nullptr;
        return &keys;
    }
    return nullptr;
}

std::optional<qint64> CrmStore::findInMemoryKeys(
    MemoryKeys &keys, const QVariant &bound, DbError *error)
{
    const QString key = bound.toString();
    const auto it = keys.ids.find(qHash(key));
    if (it == keys.ids.end())
        return std::nullopt;
    // The row still has the key (not changed or deleted since, nor another key of the same
    // hash): found. Else the table is scanned, as the schema has no index to ask.
    bool same = false;
    if (!m_db.forEachRow(
            QStringLiteral("SELECT %1 FROM %2 WHERE id = ?").arg(keys.column, keys.table), { *it },
            [&](const QVariantList &row) { same = row.at(0).toString() == key; }, error))
        return std::nullopt;
    if (same)
        return *it;
    const std::optional<qint64> id = findStored(keys.table, keys.column, bound, error);
    if (error && error->isError())
        return std::nullopt;
    if (id)
        *it = *id;
    else
        keys.ids.erase(it);
    return id;
}

std::optional<qint64> CrmStore::findStored(
    const QString &table, const QString &column, const QVariant &bound, DbError *error)
{
    std::optional<qint64> id;
    m_db.forEachRow(
        sql(FindBy, table, { column }), { bound },
        [&](const QVariantList &row) {
            if (!id)
                id = row.at(0).toLongLong();
        },
        error);
    return id;
}

std::optional<qint64> CrmStore::findInKeyIndex(
    const KeyIndex &index, const QVariant &bound, DbError *error)
{
    std::optional<qint64> id;
    QVariant key; // the key of that row now
    if (!m_db.forEachRow(
            index.lookupSql, { bound },
            [&](const QVariantList &row) {
                id = row.at(0).toLongLong();
                key = row.at(1);
            },
            error))
        return std::nullopt;
    // Its row has lost the key (changed, deleted): the next one, by a scan, as the schema has
    // no index to ask.
    if (!id || (!key.isNull() && key.toString() == bound.toString()))
        return id;
    id = findStored(index.table, index.column, bound, error);
    if (error && error->isError())
        return std::nullopt;
    const bool kept = id
        ? m_db.execWrite(
            QStringLiteral("UPDATE %1 SET row_id = ? WHERE key_value = ?").arg(index.temp),
            { *id, bound }, error)
        : m_db.execWrite(
            QStringLiteral("DELETE FROM %1 WHERE key_value = ?").arg(index.temp), { bound }, error);
    return kept ? id : std::nullopt;
}

bool CrmStore::indexNewRow(
    const QString &table, qint64 id, const QVariantMap &columns, DbError *error)
{
    if (m_keyIndexes.isEmpty() && m_memoryKeys.isEmpty())
        return true;
    DbError indexError;
    updateKeyIndexes(table, id, columns, &indexError);
    return passed(indexError, error);
}

void CrmStore::updateKeyIndexes(
    const QString &table, qint64 id, const QVariantMap &columns, DbError *error)
{
    // A key removed or changed stays behind in both kinds: the row a key names is checked when
    // found (findIdBy(), findInMemoryKeys()), as the next row with it may have a greater id.
    for (const KeyIndex &index : std::as_const(m_keyIndexList)) {
        const QVariant key = bindable(columns.value(index.column));
        if (index.table != table || key.isNull())
            continue;
        // Straight to the database: the TEMP table holds the keys of rows kept back too.
        if (!m_db.execWrite(index.insertSql, { key, id }, error))
            return;
    }
    for (MemoryKeys &keys : m_memoryKeys) {
        if (keys.table == table && columns.contains(keys.column) && keys.epoch == m_db.undoEpoch())
            keys.note(bindable(columns.value(keys.column)), id);
    }
}

void CrmStore::beginPageKeeping(const QStringList &writtenTypes, qsizetype maxMappings,
    qsizetype maxLinkedBytes, LinkReads linkReads)
{
    m_pageMode = true;
    m_maxLinkedBytes = maxLinkedBytes;
    m_linkReads = linkReads;
    m_writtenTypes = writtenTypes;
    qsizetype mappings = 0;
    for (const MappingCache &cache : m_mappingCache)
        mappings += cache.ids.size();
    if (mappings > maxMappings)
        m_mappingCache.clear();
    else
        std::erase_if(m_mappingCache,
            [&](const MappingCache &cache) { return writtenTypes.contains(cache.type); });
    std::erase_if(
        m_linkedCache, [&](const LinkedCache &cache) { return writtenTypes.contains(cache.type); });
    // Rows read one by one go before a type read whole, which answers every id without a read
    // (a 500k account's activities read the deals by id: their cache grew until the contacts,
    // read whole, were dropped and then read again by id; 7.1 s -> 6.6 s). Then the biggest
    // first: it holds the links least often read again (activities link to many more deals and
    // persons than organizations).
    while (!m_linkedCache.empty() && linkedBytes() > maxLinkedBytes) {
        m_linkedCache.erase(std::max_element(m_linkedCache.begin(), m_linkedCache.end(),
            [](const LinkedCache &a, const LinkedCache &b) {
                return std::tuple(!a.complete, a.bytes()) < std::tuple(!b.complete, b.bytes());
            }));
    }
}

void CrmStore::LinkedCache::keep(qint64 pipedriveId, const QString &packed)
{
    rows.insert(pipedriveId, packed);
}

void CrmStore::LinkedCache::forget(qint64 pipedriveId)
{
    // Its mapping changed: absent no longer means not mapped.
    complete = false;
    rows.remove(pipedriveId);
}

QHash<qint64, qint64> &CrmStore::mappingCache(const QString &type)
{
    for (MappingCache &cache : m_mappingCache) {
        if (cache.type == type)
            return cache.ids;
    }
    m_mappingCache.push_back({ type, {} });
    return m_mappingCache.back().ids;
}

const QHash<qint64, qint64> *CrmStore::findMappingCache(const QString &type) const
{
    for (const MappingCache &cache : m_mappingCache) {
        if (cache.type == type)
            return &cache.ids;
    }
    return nullptr;
}

qsizetype CrmStore::linkedBytes() const
{
    qsizetype bytes = 0;
    for (const LinkedCache &cache : m_linkedCache)
        bytes += cache.bytes();
    return bytes;
}

CrmStore::LinkedCache &CrmStore::linkedCache(
    QAnyStringView type, const QString &table, const QString &columns)
{
    for (LinkedCache &cache : m_linkedCache) {
        if (cache.type == type && cache.table == table && cache.columns == columns)
            return cache;
    }
    m_linkedCache.push_back({ type.toString(), table, columns, {} });
    return m_linkedCache.back();
}

std::optional<bool> CrmStore::readAllLinked(LinkedCache &cache, qsizetype asked, DbError *error)
{
    const bool byIdFirst = m_linkReads == LinkReads::ByIdFirst;
    // All at once, still after one read by id: rows read tell what the type's rows take (a
    // guess let a 500k account's deals in, 9 MB, dropped and read whole again for every page).
    if (m_maxLinkedBytes <= 0 || cache.complete
        || (byIdFirst ? cache.read + asked < ReadAllFrom : cache.read == 0))
        return false;
    // Compared as linkedCache() finds a cache: no key put together on every read.
    const auto key = std::tie(cache.type, cache.table, cache.columns);
    if (std::find(m_linksOverBudget.cbegin(), m_linksOverBudget.cend(), key)
        != m_linksOverBudget.cend())
        return false;
    if (cache.mapped < 0) {
        cache.mapped = 0;
        if (!m_db.forEachRow(
                QStringLiteral("SELECT COUNT(*) FROM pipedrive_mappings WHERE pipedrive_type = ?"),
                { cache.type },
                [&](const QVariantList &row) { cache.mapped = row.at(0).toLongLong(); }, error))
            return std::nullopt;
    }
    const qsizetype others = linkedBytes() - cache.bytes();
    // At least a slot and a record's header a row, before any is read.
    constexpr qsizetype MinRowBytes = 8;
    const qsizetype perRow = std::max<qsizetype>(
        MinRowBytes, cache.rows.isEmpty() ? 0 : cache.bytes() / cache.rows.size());
    if ((byIdFirst && (cache.read + asked) * 8 < cache.mapped)
        || others + cache.mapped * perRow > m_maxLinkedBytes)
        return false;
    if (!rows(
            linkedRowsSql(cache.columns, cache.table), { cache.type },
            [&](const QVariantList &row) {
                cache.keep(row.at(0).toLongLong(), linkpack::pack(row, 1));
            },
            error))
        return std::nullopt;
    // What was asked for before and not found stays "not mapped"; so does any other id now.
    cache.complete = true;
    // Bigger than it looked: kept for this page, then dropped, and read by id from now on.
    if (linkedBytes() > m_maxLinkedBytes)
        m_linksOverBudget.emplace_back(key);
    return true;
}

bool CrmStore::prefetchMappings(
    const QString &type, const QList<qint64> &pipedriveIds, DbError *error, bool withOwners)
{
    if (!readMappings(type, pipedriveIds, error))
        return false;
    if (!withOwners || !m_db.isPostgres())
        return true;
    const QHash<qint64, qint64> &cache = mappingCache(type);
    QList<qint64> rows;
    for (qint64 id : pipedriveIds) {
        if (const qint64 railsId = cache.value(id, -1); railsId >= 0)
            rows << railsId;
    }
    return prefetchOwners(type, rows, error);
}

bool CrmStore::readMappings(const QString &type, const QList<qint64> &pipedriveIds, DbError *error)
{
    QHash<qint64, qint64> &cache = mappingCache(type);
    DbError checkError;
    if (const LinkHarvest::Link *harvested = checkedHarvest(type, &checkError)) {
        for (qint64 id : pipedriveIds) {
            if (!cache.contains(id))
                cache.insert(id, harvested->railsId(id));
        }
        return true;
    }
    if (!passed(checkError, error))
        return false;
    QList<qint64> unknown;
    unknown.reserve(pipedriveIds.size());
    for (qint64 id : pipedriveIds) {
        if (!cache.contains(id))
            unknown.append(id);
    }
    std::sort(unknown.begin(), unknown.end());
    unknown.erase(std::unique(unknown.begin(), unknown.end()), unknown.end());
    for (qint64 id : std::as_const(unknown))
        cache.insert(id, -1);
    // Past rows(): the mappings kept back are all in the cache, so none of these ids is among
    // them and nothing needs writing first.
    const auto found = [&](const QVariantList &row) {
        const qint64 id = row.at(0).toLongLong();
        if (std::binary_search(unknown.cbegin(), unknown.cend(), id))
            cache.insert(id, row.at(1).toLongLong());
    };
    // A page of a full list holds ids close together: one range of the unique index then reads
    // what exists (nothing, on a first import) instead of seeking each id.
    if (unknown.size() > 1
        && quint64(unknown.last()) - quint64(unknown.first()) < quint64(4 * unknown.size())) {
        return m_db.forEachRow(
            QStringLiteral("SELECT pipedrive_id, rails_id FROM pipedrive_mappings WHERE "
                           "pipedrive_type = ? AND pipedrive_id BETWEEN ? AND ?"),
            bindable({ type, unknown.first(), unknown.last() }), found, error);
    }
    for (const QList<qint64> &chunk : chunks(unknown)) {
        const QVariantList values = typeAndIds(type, chunk);
        if (!m_db.forEachRow(
                QStringLiteral("SELECT pipedrive_id, rails_id FROM pipedrive_mappings WHERE "
                               "pipedrive_type = ? AND pipedrive_id IN (%1)")
                    .arg(inList(chunk.size())),
                bindable(values), found, error))
            return false;
    }
    return true;
}

QList<CrmStore::KnownMapping> CrmStore::knownMappings(
    const QString &type, const QList<qint64> &pipedriveIds) const
{
    QList<KnownMapping> known;
    const QHash<qint64, qint64> *cache = findMappingCache(type);
    if (!cache)
        return known;
    for (qint64 id : pipedriveIds) {
        const auto cached = cache->constFind(id);
        if (cached != cache->cend())
            known.append({ type, id, *cached });
    }
    return known;
}

void CrmStore::adoptMappings(const QList<KnownMapping> &known)
{
    for (const KnownMapping &mapping : known)
        mappingCache(mapping.type).insert(mapping.pipedriveId, mapping.railsId);
}

DbError CrmStore::checkHarvestAhead(const QStringList &types)
{
    DbError error;
    if (!m_linkHarvest)
        return error;
    for (const QString &type : types) {
        const LinkHarvest::Link *link = m_linkHarvest->find(type);
        if (!link || link->isDead() || link->isChecked() || link->mappings() != 0)
            continue;
        bool any = false;
        if (!m_db.forEachRow(
                QStringLiteral("SELECT 1 FROM pipedrive_mappings WHERE "
                               "pipedrive_type = ? LIMIT 1"),
                { type }, [&any](const QVariantList &) { any = true; }, &error))
            return error;
        if (!any)
            m_linkHarvest->checked(link);
    }
    return error;
}

const LinkHarvest::Link *CrmStore::checkedHarvest(const QString &type, DbError *error)
{
    if (!m_linkHarvest || m_writtenTypes.contains(type))
        return nullptr;
    for (const auto &[checkedType, link] : m_harvestChecks) {
        if (checkedType == type)
            return link && !link->isDead() ? link : nullptr;
    }
    const LinkHarvest::Link *link = m_linkHarvest->find(type);
    if (link && link->usable() && !link->isChecked()) {
        // The CRM's mappings of the type as this reader sees them, one range of their unique
        // index: a mapping the harvest missed, or one it holds that is gone, changes the count
        // or the sum.
        qint64 count = -1;
        qint64 sum = 0;
        if (!m_db.forEachRow(
                QStringLiteral("SELECT COUNT(*), SUM(pipedrive_id) FROM "
                               "pipedrive_mappings WHERE pipedrive_type = ?"),
                { type },
                [&](const QVariantList &row) {
                    count = row.at(0).toLongLong();
                    sum = row.at(1).toLongLong();
                },
                error))
            return nullptr;
        if (count != link->mappings() || sum != link->idSum())
            link = nullptr;
        else
            m_linkHarvest->checked(link);
    } else if (!link || !link->usable()) {
        link = nullptr;
    }
    m_harvestChecks.emplace_back(type, link);
    return link;
}

bool CrmStore::attachHarvest(LinkedCache &cache, DbError *error)
{
    if (cache.harvestTried || !m_linkHarvest)
        return true;
    cache.harvestTried = true;
    DbError checkError;
    const LinkHarvest::Link *link = checkedHarvest(cache.type, &checkError);
    if (!passed(checkError, error))
        return false;
    if (link && link->spec().table == cache.table && link->spec().columns == cache.columns
        && link->resolves()) {
        cache.harvested = link;
        cache.complete = true;
    }
    return true;
}

const LinkHarvest::Link *CrmStore::harvestOf(LinkedCache &cache)
{
    if (cache.harvested && cache.harvested->isDead()) {
        cache.harvested = nullptr;
        cache.complete = false;
    }
    return cache.harvested;
}

bool CrmStore::prefetchLinked(const QString &type, const QString &table, const QString &columns,
    const QList<qint64> &pipedriveIds, DbError *error)
{
    Q_ASSERT(Database::isPlainIdentifier(table));
    LinkedCache &cache = linkedCache(type, table, columns);
    if (!attachHarvest(cache, error))
        return false;
    const LinkHarvest::Link *harvested = harvestOf(cache);
    if (cache.complete && !harvested)
        return true;
    QList<qint64> unknown;
    unknown.reserve(pipedriveIds.size());
    for (qint64 id : pipedriveIds) {
        if (cache.rows.contains(id))
            continue;
        // Read by id only what the harvest has no values for.
        if (!harvested || harvested->find(id, nullptr) == LinkHarvest::Link::Answer::Unknown)
            unknown.append(id);
    }
    if (unknown.isEmpty())
        return true;
    const std::optional<bool> readAll
        = harvested ? std::optional<bool>(false) : readAllLinked(cache, unknown.size(), error);
    if (!readAll)
        return false;
    if (*readAll)
        return true;
    cache.read += unknown.size();
    for (const QList<qint64> &chunk : chunks(unknown)) {
        const QVariantList values = typeAndIds(type, chunk);
        for (qint64 id : chunk) {
            if (!cache.rows.contains(id)) // a chunk repeats its last id to a statement's size
                cache.keep(id, QString());
        }
        if (!rows(
                linkedRowsSql(columns, table,
                    QStringLiteral(" AND m.pipedrive_id IN (%1)").arg(inList(chunk.size()))),
                values,
                [&](const QVariantList &row) {
                    cache.keep(row.at(0).toLongLong(), linkpack::pack(row, 1));
                },
                error))
            return false;
    }
    return true;
}

LinkedRow CrmStore::linkedValues(QAnyStringView type, const QString &table, const QString &columns,
    qint64 pipedriveId, DbError *error)
{
    Q_ASSERT(Database::isPlainIdentifier(table));
    LinkedCache &cache = linkedCache(type, table, columns);
    if (!attachHarvest(cache, error))
        return {};
    if (QString cached; cache.rows.find(pipedriveId, &cached))
        return LinkedRow(std::move(cached));
    if (const LinkHarvest::Link *harvested = harvestOf(cache)) {
        QString packed;
        switch (harvested->find(pipedriveId, &packed)) {
        case LinkHarvest::Link::Answer::Values:
            return LinkedRow(std::move(packed));
        case LinkHarvest::Link::Answer::NotMapped:
            return {};
        case LinkHarvest::Link::Answer::Unknown:
            break; // read below
        }
    } else if (cache.complete) {
        return {};
    }
    ++cache.read;
    QString packed;
    if (!rows(
            linkedRowsSql(columns, table, QStringLiteral(" AND m.pipedrive_id = ?")),
            { type.toString(), pipedriveId },
            [&](const QVariantList &row) {
                if (packed.isNull())
                    packed = linkpack::pack(row, 1);
            },
            error))
        return {};
    cache.keep(pipedriveId, packed);
    return LinkedRow(packed);
}

void CrmStore::setHarvest(const QList<LinkSpec> &specs)
{
    m_harvestTypes.clear();
    m_harvestColumns.clear();
    for (const LinkSpec &spec : specs) {
        m_harvestTypes << spec.type;
        m_harvestColumns.emplace_back(spec.table, LinkHarvest::plainColumns(spec.columns));
    }
    m_harvest = {};
    m_harvestLost = false;
    m_harvestEpoch = m_db.undoEpoch();
    m_harvestCommits = m_db.commitCount();
    m_harvestDataVersion = dataVersion();
}

std::optional<qint64> CrmStore::dataVersion()
{
    // SQLite counts there the commits of other connections (not this one's).
    std::optional<qint64> version;
    if (!m_db.isSqlite() || m_harvestColumns.empty())
        return version;
    m_db.forEachRow(
        QStringLiteral("PRAGMA data_version"), {},
        [&](const QVariantList &row) { version = row.at(0).toLongLong(); }, nullptr);
    return version;
}

HarvestBatch CrmStore::takeHarvest()
{
    // A rollback since (to a savepoint, or one not told) undid some of it, which of it is not
    // known: whatever the harvest holds may be wrong.
    if (m_db.undoEpoch() != m_harvestEpoch)
        m_harvestLost = true;
    HarvestBatch batch = std::exchange(m_harvest, {});
    if (std::exchange(m_harvestLost, false)) {
        batch.events.clear();
        batch.events.emplace_back(); // Lost
    }
    // Another connection committed since: what it wrote is not told (a second sync of the same
    // CRM, say), so the worker checks its links against the CRM again.
    const std::optional<qint64> version = dataVersion();
    if (!m_harvestColumns.empty() && (!version || version != m_harvestDataVersion)) {
        HarvestBatch::Event foreign;
        foreign.kind = HarvestBatch::Event::Kind::Foreign;
        batch.events.push_back(std::move(foreign));
    }
    m_harvestDataVersion = version;
    m_harvestEpoch = m_db.undoEpoch();
    m_harvestCommits = m_db.commitCount();
    return batch;
}

void CrmStore::dropHarvest()
{
    // Dropped after a commit that was not taken: what that commit wrote is not told.
    if (m_db.commitCount() != m_harvestCommits && !m_harvest.isEmpty())
        m_harvestLost = true;
    m_harvest = {};
    m_harvestEpoch = m_db.undoEpoch();
    m_harvestCommits = m_db.commitCount();
}

void CrmStore::rememberMapping(const QString &type, qint64 pipedriveId, qint64 railsId)
{
    // What was read through the old mapping is stale now.
    for (LinkedCache &cache : m_linkedCache) {
        if (cache.type == type)
            cache.forget(pipedriveId);
    }
    mappingCache(type).insert(pipedriveId, railsId);
}

qsizetype LinkedRow::size() const
{
    qsizetype count = 0;
    for (qsizetype at = 0; at + 2 <= m_packed.size(); at += 2 + linkpack::sizeAt(m_packed, at))
        ++count;
    return count;
}

QStringView LinkedRow::value(qsizetype index) const
{
    for (qsizetype at = 0; at + 2 <= m_packed.size(); --index) {
        const qsizetype size = linkpack::sizeAt(m_packed, at);
        if (index == 0)
            return QStringView(m_packed).sliced(at + 2, size);
        at += 2 + size;
    }
    return {};
}

CrmStore::CrmStore(Database &db)
    : m_db(db)
{
    setNow(QDateTime::currentDateTimeUtc());
}

QVariant CrmStore::bindableTime(const QVariant &value) const
{
    // Most times bound are the page's "now" (created_at, updated_at, mappings): formatted once.
    if (value.typeId() == QMetaType::QDateTime && !m_nowText.isEmpty()
        && *static_cast<const QDateTime *>(value.constData()) == m_now)
        return m_nowText;
    return toBindable(value);
}

void CrmStore::addBindable(SqlValues &out, const QVariant &value) const
{
    const int type = value.typeId();
    if (type == QMetaType::QDateTime) {
        // Most are the page's "now" (created_at, updated_at): formatted once.
        const QDateTime &time = *static_cast<const QDateTime *>(value.constData());
        // setNow() comes between pages, never while a statement is bound.
        if (time == m_now && !m_nowAscii.isEmpty())
            return out.addAsciiInPlace(m_nowAscii.constData(), m_nowAscii.size());
        if (out.addTimestamp(time))
            return;
    }
    if (type == QMetaType::QDateTime || type == QMetaType::QDate)
        return out.add(toBindable(value));
    out.add(value);
}

QVariant CrmStore::toBindable(const QVariant &value)
{
    // Other types are bound as they are, null or not: only times and dates are looked into.
    switch (value.typeId()) {
    case QMetaType::QDateTime: {
        if (value.isNull())
            return value;
        const QDateTime time = value.toDateTime();
        return time.isValid() ? QVariant(Database::formatTimestamp(time))
                              : QVariant(QMetaType::fromType<QString>());
    }
    case QMetaType::QDate: {
        if (value.isNull())
            return value;
        const QDate date = value.toDate();
        if (!date.isValid())
            return QVariant(QMetaType::fromType<QString>());
        return Database::formatDate(date);
    }
    default:
        return value;
    }
}

bool CrmStore::sameValue(const QVariant &mapped, const QVariant &stored)
{
    const bool mappedNull = mapped.isNull()
        || (mapped.metaType().id() == QMetaType::QDateTime && !mapped.toDateTime().isValid());
    if (mappedNull || stored.isNull())
        return mappedNull && stored.isNull();
    switch (mapped.metaType().id()) {
    case QMetaType::QDateTime:
        return Database::parseTimestamp(stored) == mapped.toDateTime().toUTC();
    case QMetaType::QDate: {
        const QDate date = stored.metaType().id() == QMetaType::QDate
            ? stored.toDate()
            : QDate::fromString(stored.toString().left(10), Qt::ISODate);
        return date == mapped.toDate();
    }
    case QMetaType::Bool:
        return stored.toBool() == mapped.toBool();
    case QMetaType::Double: {
        bool ok = false;
        const double value = stored.toDouble(&ok);
        return ok && std::abs(value - mapped.toDouble()) < 1e-9 * std::max(1.0, std::abs(value));
    }
    case QMetaType::Int:
    case QMetaType::LongLong:
    case QMetaType::UInt:
    case QMetaType::ULongLong:
        return stored.toLongLong() == mapped.toLongLong();
    default:
        return stored.toString() == mapped.toString();
    }
}

QVariantList CrmStore::bindable(const QVariantList &values) const
{
    QVariantList bound;
    bound.reserve(values.size());
    for (const QVariant &value : values)
        bound << bindable(value);
    return bound;
}

QSqlQuery *CrmStore::query(const QString &sql, const QVariantList &values, DbError *error)
{
    if (!sql.startsWith(QLatin1String("SELECT"), Qt::CaseInsensitive))
        forgetStoredKeysFor(sql);
    // Whatever this store reads of pipedrive_mappings sees the mappings it keeps back; a
    // statement on other tables leaves them kept back, as rows() does (flushing them for each
    // lead a deals page promoted wrote that page's mappings a few at a time).
    if (!flushRowsFor(sql, error))
        return nullptr;
    if (!m_pendingMappings.isEmpty() && sql.contains(QLatin1String("pipedrive_mappings"))
        && !flushMappings(error))
        return nullptr;
    return m_db.run(sql, bindable(values), error);
}

bool CrmStore::rows(const QString &sql, const QVariantList &values,
    const std::function<void(const QVariantList &row)> &onRow, DbError *error)
{
    if (!flushRowsFor(sql, error))
        return false;
    if (!m_pendingMappings.isEmpty() && sql.contains(QLatin1String("pipedrive_mappings"))
        && !flushMappings(error))
        return false;
    return m_db.forEachRow(sql, bindable(values), onRow, error);
}

bool CrmStore::write(
    const QString &sql, const QVariantList &values, DbError *error, qint64 *insertedId)
{
    forgetStoredKeysFor(sql);
    // What a caller's statement changes is not followed.
    if (!m_harvestColumns.empty() && !m_harvestLost) {
        m_harvestLost = sql.contains(QLatin1String("pipedrive_mappings"))
            || std::any_of(m_harvestColumns.cbegin(), m_harvestColumns.cend(),
                [&sql](const auto &table) { return sql.contains(table.first); });
    }
    return writeOwn(sql, values, error, insertedId);
}

bool CrmStore::writeOwn(
    const QString &sql, const QVariantList &values, DbError *error, qint64 *insertedId)
{
    if (!flushRowsFor(sql, error))
        return false;
    // A row inserted past keepRow() takes an id it may have given already: asked again.
    if (!m_nextIds.empty() && sql.startsWith(QLatin1String("INSERT"))) {
        std::erase_if(m_nextIds, [&](const auto &next) { return sql.contains(next.first); });
    }
    return m_db.execWrite(sql, bindable(values), error, insertedId);
}

bool CrmStore::flushRowsFor(const QString &sql, DbError *error)
{
    for (const PendingRows &group : m_pendingRows) {
        if (sql.contains(group.table))
            return flushRows(error);
    }
    return true;
}

bool CrmStore::flushRows(DbError *error)
{
    // In the order the tables were first written: a note before its associations. A failed
    // statement rolls the page back, and the rows kept back with it.
    for (const PendingRows &group : m_pendingRows) {
        const qsizetype perStatement = qMax<qsizetype>(1, RowFlushValues / group.columns.size());
        qsizetype count = 0;
        for (qsizetype start = 0; start < group.rows.size(); start += count) {
            count = Database::statementRows(group.rows.size() - start, perStatement);
            // Bound from the kept rows as they are: a list of the statement's values, built and
            // freed, was a sixth of its cost.
            const auto fill = [this, &group, start, count](SqlValues &out) {
                for (qsizetype i = start; i < start + count; ++i) {
                    const auto &[id, row] = group.rows.at(i);
                    out.add(id);
                    for (const QVariant &value : row)
                        addBindable(out, value);
                }
            };
            if (!m_db.execWrite(sql(InsertRows + int(count), group.table, group.columns),
                    count * group.columns.size(), fill, error))
                return false;
        }
        noteInserted(group.table, group.rows.size());
        if (const QStringList *names = harvestedColumns(group.table))
            harvestRows(group, *names);
        if (!m_storedKeys.isEmpty()) {
            const QStringList names = group.columns.mid(1);
            for (const auto &[id, row] : group.rows)
                noteStoredRow(group.table, id, names, row);
        }
    }
    if (!indexFlushedRows(error))
        return false;
    m_pendingRows.clear();
    m_pendingKeys.clear();
    return true;
}

bool CrmStore::indexFlushedRows(DbError *error)
{
    for (MemoryKeys &keys : m_memoryKeys) {
        // Read again when next asked if something was rolled back meanwhile.
        if (keys.epoch != m_db.undoEpoch())
            continue;
        for (const PendingRows &group : m_pendingRows) {
            const qsizetype at = group.columns.indexOf(keys.column);
            if (group.table != keys.table || at < 0)
                continue;
            for (const auto &row : group.rows)
                keys.note(bindable(PendingRows::valueAt(row, at)), row.first);
        }
    }
    for (const KeyIndex &index : std::as_const(m_keyIndexList)) {
        // In the order of the ids, across the groups: of rows with the same key, the first
        // keeps it (as one by one, and as indexKey()'s MIN(id)).
        QList<std::pair<qint64, QVariant>> keys;
        for (const PendingRows &group : m_pendingRows) {
            const qsizetype at = group.columns.indexOf(index.column);
            if (group.table != index.table || at < 0)
                continue;
            for (const auto &row : group.rows) {
                const QVariant key = bindable(PendingRows::valueAt(row, at));
                if (!key.isNull())
                    keys.append({ row.first, key });
            }
        }
        std::sort(keys.begin(), keys.end(),
            [](const auto &a, const auto &b) { return a.first < b.first; });
        QSet<QString> seen;
        keys.removeIf([&](const auto &key) {
            const QString text = key.second.toString();
            if (seen.contains(text))
                return true;
            seen.insert(text);
            return false;
        });
        qsizetype count = 0;
        for (qsizetype start = 0; start < keys.size(); start += count) {
            count = Database::statementRows(keys.size() - start, KeysPerIndexInsert);
            QVariantList values;
            values.reserve(count * 2);
            for (qsizetype i = start; i < start + count; ++i)
                values << keys.at(i).second << keys.at(i).first;
            if (!m_db.execWrite(keyIndexInsert(index.temp, count), values, error))
                return false;
        }
    }
    return true;
}

void CrmStore::noteStoredRow(
    const QString &table, qint64 id, const QStringList &columns, const QVariantList &row)
{
    for (auto keys = m_storedKeys.begin(); keys != m_storedKeys.end(); ++keys) {
        const qsizetype at = columns.indexOf(keys.key().second);
        if (keys.key().first != table || at < 0)
            continue;
        const QVariant key = bindable(row.at(at));
        if (key.isNull())
            continue;
        // Only keys asked about: the others are looked up in the table when asked.
        const auto known = keys->find(key.toString());
        if (known != keys->end() && (*known < 0 || *known > id))
            *known = id;
    }
}

void CrmStore::forgetStoredKeys(const QString &table, const QStringList &columns)
{
    m_storedKeys.removeIf([&](const auto &keys) {
        return keys.key().first == table
            && (columns.isEmpty() || columns.contains(keys.key().second));
    });
}

void CrmStore::forgetStoredKeysFor(const QString &sql)
{
    m_storedKeys.removeIf([&](const auto &keys) { return sql.contains(keys.key().first); });
}

bool CrmStore::prefetchKeys(const QString &table, const QString &column, const QVariantList &values,
    DbError *error, const QString &ownerType)
{
    Q_ASSERT(Database::isPlainIdentifier(table) && Database::isPlainIdentifier(column));
    QHash<QString, qint64> &known = m_storedKeys[{ table, column }];
    // Text keys only: they are compared as the text bound.
    QStringList keys; // all of them, for their rows' owners
    QStringList wanted;
    QSet<QString> seen;
    for (const QVariant &value : values) {
        const QVariant bound = bindable(value);
        if (bound.isNull() || bound.metaType().id() != QMetaType::QString)
            continue;
        const QString key = bound.toString();
        if (!ownerType.isEmpty())
            keys << key;
        if (!known.contains(key) && !seen.contains(key)) {
            seen.insert(key);
            wanted << key;
        }
    }
    const auto index = m_keyIndexes.constFind(table + QLatin1Char('.') + column);
    DbError readError;
    bool exact = true;
    qsizetype count = 0;
    for (qsizetype start = 0; exact && start < wanted.size(); start += count) {
        count = Database::statementRows(wanted.size() - start, KeysPerLookup);
        const QString marks = QStringLiteral("?") + QStringLiteral(", ?").repeated(int(count - 1));
        // Straight to the stored rows: those kept back are looked among in findIdBy().
        // A TEMP index's row that has lost its key (findInKeyIndex()) leaves the key unknown.
        // Its row's key is read by id for each key found: joined, the table was scanned whole
        // for every statement (PostgreSQL, 100k: a hash join over 17,843 leads, 3.3 ms a lookup).
        const QString sql = index != m_keyIndexes.cend()
            ? QStringLiteral("SELECT k.key_value, k.row_id, (SELECT t.%1 FROM %3 t WHERE t.id = "
                             "k.row_id) FROM %2 k WHERE k.key_value IN (%4)")
                  .arg(column, *index, table, marks)
            : QStringLiteral("SELECT %1, MIN(id) FROM %2 WHERE %1 IN (%3) GROUP BY %1")
                  .arg(column, table, marks);
        const QStringList asked = wanted.mid(start, count);
        QHash<QString, qint64> found;
        for (const QString &key : asked)
            found.insert(key, -1);
        if (!m_db.forEachRow(
                sql, QVariantList(asked.cbegin(), asked.cend()),
                [&](const QVariantList &row) {
                    const auto key = found.find(row.at(0).toString());
                    // A key that is none of the texts asked about: the database compares
                    // otherwise (a case-insensitive collation, say).
                    if (key == found.end()) {
                        exact = false;
                        return;
                    }
                    if (row.size() > 2 && row.at(2).toString() != key.key()) {
                        found.erase(key);
                        return;
                    }
                    const qint64 id = row.at(1).toLongLong();
                    if (*key < 0 || *key > id)
                        *key = id;
                },
                &readError))
            break;
        if (exact)
            known.insert(found);
    }
    // Not all read: looked up one by one, as findIdBy() always did.
    if (readError.isError() || !exact) {
        m_storedKeys.remove({ table, column });
        return passed(readError, error);
    }
    if (ownerType.isEmpty())
        return true;
    QList<qint64> rows;
    for (const QString &key : std::as_const(keys)) {
        if (const qint64 id = known.value(key, -1); id >= 0)
            rows << id;
    }
    return prefetchOwners(ownerType, rows, error);
}

void CrmStore::rememberKey(QHash<QString, qint64> &keys, const QVariant &bound, qint64 id)
{
    if (bound.isNull())
        return;
    const QString key = bound.toString();
    const auto known = keys.constFind(key);
    if (known == keys.cend() || *known > id)
        keys.insert(key, id);
}

std::optional<qint64> CrmStore::nextKeptId(const QString &table, DbError *error)
{
    Q_ASSERT(Database::isPlainIdentifier(table));
    if (m_db.isPostgres()) {
        SequenceIds &taken = m_sequenceIds[table];
        if (taken.none)
            return 0;
        if (taken.next >= taken.ids.size()) {
            // A few at first, then twice as many as last time: a table that gets one row a page
            // wastes few ids. The sequence is looked up once (OFFSET 0 keeps the subquery from
            // being pulled up into the outer query): named in nextval()'s argument it was looked up
            // for every id (100k: 0.49 s of server time for 114,576 ids, now 0.05 s).
            const qsizetype batch = std::clamp<qsizetype>(taken.ids.size() * 2, 16, 512);
            taken.ids.clear();
            taken.next = 0;
            if (!m_db.forEachRow(
                    QStringLiteral("SELECT nextval(s.seq) FROM (SELECT CAST(pg_get_serial_sequence("
                                   "CAST(? AS TEXT), 'id') AS regclass) AS seq OFFSET 0) s, "
                                   "generate_series(1, CAST(? AS INTEGER)) ORDER BY 1"),
                    { table, batch },
                    [&](const QVariantList &row) {
                        if (!row.isEmpty() && !row.at(0).isNull())
                            taken.ids << row.at(0).toLongLong();
                    },
                    error))
                return std::nullopt;
            if (taken.ids.isEmpty()) {
                taken.none = true;
                return 0;
            }
        }
        return taken.ids.at(taken.next++);
    }
    auto next = std::find_if(m_nextIds.begin(), m_nextIds.end(),
        [&table](const auto &next) { return next.first == table; });
    if (next == m_nextIds.end()) {
        qint64 last = 0;
        const auto largest = [&](const QVariantList &row) {
            if (!row.isEmpty())
                last = qMax(last, row.at(0).toLongLong());
        };
        if (!m_db.forEachRow(
                QStringLiteral("SELECT MAX(id) FROM %1").arg(table), {}, largest, error)
            || !m_db.forEachRow(QStringLiteral("SELECT seq FROM sqlite_sequence WHERE name = ?"),
                { table }, largest, error))
            return std::nullopt;
        next = m_nextIds.insert(m_nextIds.end(), { table, last + 1 });
    }
    return next->second++;
}

namespace {

// A QVariantMap's keys as a range: compared in place, not listed for every row (listing them
// was a sixth of keepRow()).
struct MapKeys
{
    const QVariantMap &map;
    QVariantMap::key_iterator begin() const { return map.keyBegin(); }
    QVariantMap::key_iterator end() const { return map.keyEnd(); }
    qsizetype size() const { return map.size(); }
};

} // namespace

template<class Names>
qint64 CrmStore::keepRow(const QString &table, qint64 id, const Names &names, QVariantList values,
    const QStringList *sharedNames)
{
    // A page's rows of a table nearly always have the same columns: the mapping's rows share
    // one list of names, compared by address; others are compared name by name.
    auto group
        = std::find_if(m_pendingRows.begin(), m_pendingRows.end(), [&](const PendingRows &rows) {
              return rows.table == table && rows.columns.size() == names.size() + 1
                  && ((sharedNames && rows.names == sharedNames)
                      || std::equal(names.begin(), names.end(), rows.columns.cbegin() + 1));
          });
    if (group == m_pendingRows.end()) {
        m_pendingRows.push_back(
            { table, QStringList { QStringLiteral("id") } + QStringList(names.begin(), names.end()),
                {}, sharedNames });
        group = m_pendingRows.end() - 1;
    }
    std::pair<qint64, QVariantList> row { id, std::move(values) };
    for (PendingKeys &keys : m_pendingKeys) {
        if (keys.table != table)
            continue;
        const qsizetype at = group->columns.indexOf(keys.column);
        if (at >= 0)
            rememberKey(keys.ids, bindable(PendingRows::valueAt(row, at)), id);
    }
    group->rows.append(std::move(row));
    // Its TEMP key index rows come with it, when it is flushed (indexFlushedRows()).
    return id;
}

std::optional<qint64> CrmStore::railsIdFor(const QString &type, qint64 pipedriveId, DbError *error)
{
    QHash<qint64, qint64> &cache = mappingCache(type);
    const auto cached = cache.constFind(pipedriveId);
    if (cached != cache.cend())
        return *cached >= 0 ? std::optional<qint64>(*cached) : std::nullopt;
    DbError checkError;
    if (const LinkHarvest::Link *harvested = checkedHarvest(type, &checkError)) {
        const qint64 railsId = harvested->railsId(pipedriveId);
        cache.insert(pipedriveId, railsId);
        return railsId >= 0 ? std::optional<qint64>(railsId) : std::nullopt;
    }
    if (!passed(checkError, error))
        return std::nullopt;
    std::optional<qint64> id;
    // Past rows(), as in prefetchMappings(): a mapping kept back is in the cache.
    if (!m_db.forEachRow(
            QStringLiteral("SELECT rails_id FROM pipedrive_mappings WHERE "
                           "pipedrive_type = ? AND pipedrive_id = ?"),
            bindable({ type, pipedriveId }),
            [&](const QVariantList &row) {
                if (!id)
                    id = row.at(0).toLongLong();
            },
            error))
        return std::nullopt;
    // "No mapping" is remembered too (as -1): every write of a mapping goes through here.
    cache.insert(pipedriveId, id.value_or(-1));
    return id;
}

namespace {

const QString &mappingUpsert(qsizetype rows)
{
    // The unique index on (type, id) makes this an upsert on both dialects; a row the rake task
    // wrote is reused, never duplicated. One statement text per number of rows (thread-local:
    // the stage worker's store never writes, but a store may live on any thread).
    thread_local QHash<qsizetype, QString> texts;
    auto it = texts.find(rows);
    if (it == texts.end()) {
        it = texts.insert(rows,
            QStringLiteral("INSERT INTO pipedrive_mappings (pipedrive_type, pipedrive_id, "
                           "rails_id, created_at, updated_at) VALUES %1 ON CONFLICT "
                           "(pipedrive_type, pipedrive_id) DO UPDATE SET rails_id = "
                           "excluded.rails_id, updated_at = excluded.updated_at WHERE "
                           "pipedrive_mappings.rails_id <> excluded.rails_id")
                .arg(QStringList(rows, QStringLiteral("(?, ?, ?, ?, ?)"))
                         .join(QStringLiteral(", "))));
    }
    return *it;
}

constexpr qsizetype MappingFlushChunk = 100; // rows per statement: 500 bound values

} // namespace

bool CrmStore::flushMappings(DbError *error)
{
    for (qsizetype start = 0; start < m_pendingMappings.size();) {
        const qsizetype count
            = Database::statementRows(m_pendingMappings.size() - start, MappingFlushChunk);
        const auto fill = [this, start, count](SqlValues &out) {
            for (qsizetype i = start; i < start + count; ++i) {
                const PendingMapping &m = m_pendingMappings.at(i);
                out.add(m.type);
                out.add(m.pipedriveId);
                out.add(m.railsId);
                out.addAsciiInPlace(m_nowAscii.constData(), m_nowAscii.size());
                out.addAsciiInPlace(m_nowAscii.constData(), m_nowAscii.size());
            }
        };
        // Straight to the database: the values are bound already, and the statement names none
        // of the tables rows are kept back for (writeOwn() searched its long text for them).
        if (!m_db.execWrite(mappingUpsert(count), count * 5, fill, error)) {
            // What was written is not written again.
            m_pendingMappings.remove(0, start);
            return false;
        }
        noteInserted(QStringLiteral("pipedrive_mappings"), count);
        for (qsizetype i = start; i < start + count && !m_storedOwners.isEmpty(); ++i) {
            const PendingMapping &m = m_pendingMappings.at(i);
            noteStoredMapping(m.type, m.pipedriveId, m.railsId);
        }
        start += count;
    }
    // Handed on whole, not taken apart chunk by chunk (each removal copied the rest).
    if (!m_pendingMappings.isEmpty())
        harvestMappings(std::exchange(m_pendingMappings, {}));
    return true;
}

const QStringList *CrmStore::harvestedColumns(const QString &table) const
{
    for (const auto &[harvested, names] : m_harvestColumns) {
        if (harvested == table)
            return &names;
    }
    return nullptr;
}

void CrmStore::harvestRows(const PendingRows &group, const QStringList &names)
{
    HarvestBatch::Event event;
    event.kind = HarvestBatch::Event::Kind::Rows;
    event.table = group.table;
    // Where the link's columns are among the rows' values (not written: -1, so unknown).
    QList<qsizetype> at;
    for (const QString &name : names)
        at << group.columns.indexOf(name) - 1;
    event.packed.reserve(group.rows.size());
    for (const auto &[id, row] : group.rows)
        event.packed.append({ id, linkpack::packColumns(row, at) });
    m_harvest.events.push_back(std::move(event));
}

void CrmStore::harvestRow(
    HarvestBatch::Event::Kind kind, const QString &table, qint64 id, const QVariantMap &values)
{
    if (!harvests(table))
        return;
    HarvestBatch::Event event;
    event.kind = kind;
    event.table = table;
    event.id = id;
    event.values = values;
    m_harvest.events.push_back(std::move(event));
}

void CrmStore::harvestMappings(QList<MappingRow> mappings)
{
    if (m_harvestTypes.isEmpty())
        return;
    HarvestBatch::Event event;
    event.kind = HarvestBatch::Event::Kind::Mappings;
    event.mappings = std::move(mappings); // the worker passes over the types it does not keep
    m_harvest.events.push_back(std::move(event));
}

bool CrmStore::setMapping(const QString &type, qint64 pipedriveId, qint64 railsId, DbError *error)
{
    std::optional<qint64> previous;
    if (m_journal || m_deferMappings) {
        previous = railsIdFor(type, pipedriveId, error);
        if (error && error->isError())
            return false;
        if (previous == railsId)
            return true;
    }
    // A mapping that changes (not a new one) is written at once; the journal reads the old one.
    if (previous && !flushMappings(error))
        return false;
    if (m_journal) {
        if (!passed(m_journal->mappingSetting(type, pipedriveId, railsId, previous.value_or(-1)),
                error))
            return false;
    }
    if (m_deferMappings && !previous) {
        m_pendingMappings.append({ type, pipedriveId, railsId });
        rememberMapping(type, pipedriveId, railsId);
        return true;
    }
    if (!writeOwn(mappingUpsert(1), { type, pipedriveId, railsId, m_now, m_now }, error))
        return false;
    noteInserted(QStringLiteral("pipedrive_mappings"), 1);
    // A changed mapping keeps its place (its id): it may now come first for its new row, and
    // its old row's owner is another one.
    if (previous)
        m_storedOwners.remove(type);
    else
        noteStoredMapping(type, pipedriveId, railsId);
    if (m_harvestTypes.contains(type))
        harvestMappings({ { type, pipedriveId, railsId } });
    // Later records of the page see it (a deal's person promoted by an earlier deal).
    rememberMapping(type, pipedriveId, railsId);
    return true;
}

std::optional<bool> CrmStore::sharesRow(
    const QString &type, qint64 railsId, qint64 pipedriveId, DbError *error)
{
    for (const PendingMapping &m : std::as_const(m_pendingMappings)) {
        if (m.railsId == railsId && m.pipedriveId != pipedriveId && m.type == type)
            return true;
    }
    bool shared = false;
    if (!m_db.forEachRow(
            QStringLiteral("SELECT 1 FROM pipedrive_mappings WHERE pipedrive_type = "
                           "? AND rails_id = ? AND pipedrive_id <> ? LIMIT 1"),
            { type, railsId, pipedriveId }, [&](const QVariantList &) { shared = true; }, error))
        return std::nullopt;
    return shared;
}

bool CrmStore::removeMapping(const QString &type, qint64 pipedriveId, DbError *error)
{
    if (!flushMappings(error))
        return false;
    if (m_journal) {
        if (!passed(m_journal->mappingRemoving(type, pipedriveId), error))
            return false;
    }
    if (!writeOwn(QStringLiteral("DELETE FROM pipedrive_mappings WHERE pipedrive_type = ? "
                                 "AND pipedrive_id = ?"),
            { type, pipedriveId }, error))
        return false;
    m_storedOwners.remove(type);
    if (m_harvestTypes.contains(type))
        harvestMappings({ { type, pipedriveId, -1 } });
    rememberMapping(type, pipedriveId, -1);
    return true;
}

bool CrmStore::prefetchOwners(const QString &type, const QList<qint64> &railsIds, DbError *error)
{
    if (!m_db.isPostgres())
        return true;
    QHash<qint64, qint64> &owners = m_storedOwners[type];
    QList<qint64> unknown;
    for (qint64 id : railsIds) {
        if (id >= 0 && !owners.contains(id)) {
            owners.insert(id, -1);
            unknown.append(id);
        }
    }
    // The first stored mapping of each row, as ownerOf() reads it; the ones kept back, if any,
    // ownerOf() looks among itself.
    QHash<qint64, qint64> firstMapping; // rails id -> the mapping's id
    for (const QList<qint64> &chunk : chunks(unknown)) {
        const QVariantList values = typeAndIds(type, chunk);
        if (!m_db.forEachRow(
                QStringLiteral("SELECT rails_id, pipedrive_id, id FROM pipedrive_mappings WHERE "
                               "pipedrive_type = ? AND rails_id IN (%1)")
                    .arg(inList(chunk.size())),
                values,
                [&](const QVariantList &row) {
                    const qint64 railsId = row.at(0).toLongLong();
                    const qint64 id = row.at(2).toLongLong();
                    const auto first = firstMapping.constFind(railsId);
                    if (first != firstMapping.cend() && *first < id)
                        return;
                    firstMapping.insert(railsId, id);
                    owners.insert(railsId, row.at(1).toLongLong());
                },
                error)) {
            m_storedOwners.remove(type); // asked of the database again, one by one
            return false;
        }
    }
    return true;
}

std::optional<qint64> CrmStore::ownerOf(const QString &type, qint64 railsId, DbError *error)
{
    // The first mapping written for the row owns it: later records that share the row were merged
    // into it, whatever their ids.
    // The mappings kept back are all new (setMapping() writes a changed one at once, after them):
    // written, they come after every stored one. So a stored mapping of the row owns it, else the
    // first kept back. They are not written early for this: that took twice as many statements.
    std::optional<qint64> owner;
    const auto owners = m_storedOwners.constFind(type);
    const auto known = owners != m_storedOwners.cend() ? owners->constFind(railsId)
                                                       : QHash<qint64, qint64>::const_iterator();
    if (owners != m_storedOwners.cend() && known != owners->cend()) {
        if (*known >= 0)
            return *known;
    } else if (!m_db.forEachRow(
                   QStringLiteral("SELECT pipedrive_id FROM pipedrive_mappings WHERE "
                                  "pipedrive_type = ? AND rails_id = ? ORDER BY id LIMIT 1"),
                   { type, railsId },
                   [&](const QVariantList &row) {
                       if (!row.at(0).isNull())
                           owner = row.at(0).toLongLong();
                   },
                   error)) {
        return std::nullopt;
    }
    if (owner)
        return owner;
    for (const PendingMapping &m : std::as_const(m_pendingMappings)) {
        if (m.railsId == railsId && m.type == type)
            return m.pipedriveId;
    }
    return std::nullopt;
}

std::optional<qint64> CrmStore::findIdBy(
    const QString &table, const QString &column, const QVariant &value, DbError *error)
{
    std::optional<qint64> id;
    const QVariant bound = bindable(value);
    bool known = false;
    const auto stored = m_storedKeys.constFind({ table, column });
    if (stored != m_storedKeys.cend() && !bound.isNull()) {
        const auto found = stored->constFind(bound.toString());
        if (found != stored->cend()) {
            known = true;
            if (*found >= 0)
                id = *found;
        }
    }
    // Straight to the table (or its TEMP key index), rows kept back or not: a stored row has a
    // smaller id than any kept back, so it wins; else one kept back may match.
    // No row has a NULL key (= never holds).
    MemoryKeys *memory = known || bound.isNull() ? nullptr : memoryKeys(table, column, error);
    if (error && error->isError())
        return std::nullopt;
    if (memory) {
        id = findInMemoryKeys(*memory, bound, error);
        if (error && error->isError())
            return std::nullopt;
    } else if (!known && !bound.isNull()) {
        const auto index = std::find_if(m_keyIndexList.cbegin(), m_keyIndexList.cend(),
            [&](const KeyIndex &k) { return k.table == table && k.column == column; });
        id = index != m_keyIndexList.cend() ? findInKeyIndex(*index, bound, error)
                                            : findStored(table, column, bound, error);
        if (error && error->isError())
            return std::nullopt;
    }
    const bool keptBack = std::any_of(m_pendingRows.cbegin(), m_pendingRows.cend(),
        [&](const PendingRows &rows) { return rows.table == table; });
    if (id || !keptBack || value.isNull())
        return id;
    auto keys = std::find_if(m_pendingKeys.begin(), m_pendingKeys.end(),
        [&](const PendingKeys &k) { return k.table == table && k.column == column; });
    if (keys == m_pendingKeys.end()) {
        keys = m_pendingKeys.insert(keys, { table, column, {} });
        for (const PendingRows &group : m_pendingRows) {
            const qsizetype at = group.columns.indexOf(column);
            if (group.table != table || at < 0)
                continue;
            for (const auto &row : group.rows)
                rememberKey(keys->ids, bindable(PendingRows::valueAt(row, at)), row.first);
        }
    }
    const auto found = keys->ids.constFind(bound.toString());
    if (found != keys->ids.cend())
        id = *found;
    return id;
}

std::optional<QVariantMap> CrmStore::readRow(
    const QString &table, qint64 id, const QStringList &columns, DbError *error)
{
    QVariantMap row;
    if (!rows(
            sql(SelectRow, table, columns), { id },
            [&](const QVariantList &values) {
                for (qsizetype i = 0; i < columns.size() && i < values.size(); ++i)
                    row.insert(columns.at(i), values.at(i));
            },
            error))
        return std::nullopt;
    return row;
}

bool CrmStore::updateRow(const QString &table, qint64 id, const QVariantMap &columns,
    DbError *error, const QVariantMap &before)
{
    if (m_journal) {
        QVariantMap old = before;
        if (old.isEmpty()) {
            const std::optional<QVariantMap> stored = readRow(table, id, columns.keys(), error);
            if (!stored)
                return false;
            old = *stored;
        }
        if (!passed(m_journal->rowUpdating(table, id, old), error))
            return false;
    }
    QVariantList values;
    for (const QVariant &value : columns)
        values << value;
    values << id;
    if (!writeOwn(sql(UpdateRow, table, columns.keys()), values, error))
        return false;
    harvestRow(HarvestBatch::Event::Kind::Update, table, id, columns);
    forgetStoredKeys(table, columns.keys());
    if (!m_keyIndexes.isEmpty() || !m_memoryKeys.isEmpty()) {
        DbError indexError;
        updateKeyIndexes(table, id, columns, &indexError);
        if (!passed(indexError, error))
            return false;
    }
    return true;
}

template<class Keep, class MakeColumns>
std::optional<qint64> CrmStore::insertKept(
    const QString &table, DbError *error, const Keep &keep, const MakeColumns &columns)
{
    const std::optional<qint64> keptId = m_deferInserts ? nextKeptId(table, error) : 0;
    if (!keptId)
        return std::nullopt;
    const std::optional<qint64> id
        = *keptId > 0 ? keep(*keptId) : insertIndexed(InsertRow, table, columns(), {}, error);
    if (id && m_journal) {
        if (!passed(m_journal->rowInserted(table, *id), error))
            return std::nullopt;
    }
    return id;
}

std::optional<qint64> CrmStore::insertRow(
    const QString &table, const QVariantMap &columns, DbError *error)
{
    return insertKept(
        table, error,
        [&](qint64 id) {
            return keepRow(table, id, MapKeys { columns }, columns.values(), nullptr);
        },
        [&] { return columns; });
}

std::optional<qint64> CrmStore::insertRow(
    const QString &table, const mapping::Columns &columns, DbError *error)
{
    // A map of the columns only for a row written at once (a page written record by record).
    return insertKept(
        table, error,
        [&](qint64 id) {
            return keepRow(table, id, columns.nameList(), columns.values, columns.names);
        },
        [&] { return columns.toMap(); });
}

std::optional<qint64> CrmStore::insertIndexed(int kind, const QString &table,
    const QVariantMap &columns, const QVariantList &moreValues, DbError *error)
{
    QVariantList values;
    for (const QVariant &value : columns)
        values << value;
    values << moreValues;
    qint64 id = -1;
    if (!writeOwn(sql(kind, table, columns.keys()), values, error, &id))
        return std::nullopt;
    if (id < 0) {
        if (error)
            *error = DbError::make(DbError::Kind::Other,
                QStringLiteral("The database did not report the id of a new %1 row.").arg(table));
        return std::nullopt;
    }
    noteInserted(table, 1);
    harvestRow(HarvestBatch::Event::Kind::Row, table, id, columns);
    if (!indexNewRow(table, id, columns, error))
        return std::nullopt;
    if (!m_storedKeys.isEmpty())
        noteStoredRow(table, id, columns.keys(), columns.values());
    return id;
}

bool CrmStore::deleteRow(const QString &table, qint64 id, DbError *error)
{
    // The journal reads the row it deletes.
    if (!flushRowsFor(table, error))
        return false;
    if (m_journal) {
        if (!passed(m_journal->rowDeleting(table, id), error))
            return false;
    }
    if (!writeOwn(sql(DeleteRow, table), { id }, error))
        return false;
    harvestRow(HarvestBatch::Event::Kind::Delete, table, id);
    // The key indexes keep its keys: a key found is checked against its row.
    forgetStoredKeys(table);
    return true;
}

std::optional<CrmStore::WriteResult> CrmStore::writeRecord(
    qint64 pipedriveId, const RowPlan &plan, DbError *error)
{
    const QStringList &names = plan.columns.nameList();
    auto updateIfChanged
        = [&](qint64 railsId, const QVariantMap &stored) -> std::optional<WriteResult> {
        QVariantMap changed;
        for (qsizetype i = 0; i < plan.columns.size(); ++i) {
            const QString &name = names.at(i);
            if (plan.keepOnUpdate.contains(name))
                continue;
            if (!sameValue(plan.columns.values.at(i), stored.value(name)))
                changed.insert(name, plan.columns.values.at(i));
        }
        if (changed.isEmpty())
            return WriteResult { WriteKind::Unchanged, railsId, 0 };
        QVariantMap before;
        for (auto it = changed.cbegin(); it != changed.cend(); ++it)
            before.insert(it.key(), stored.value(it.key()));
        if (!updateRow(plan.table, railsId, changed, error, before))
            return std::nullopt;
        return WriteResult { WriteKind::Updated, railsId, 0 };
    };

    const std::optional<qint64> mapped = railsIdFor(plan.mappingType, pipedriveId, error);
    if (error && error->isError())
        return std::nullopt;
    if (mapped) {
        const std::optional<QVariantMap> stored = readRow(plan.table, *mapped, names, error);
        if (!stored)
            return std::nullopt;
        if (!stored->isEmpty()) {
            const std::optional<qint64> owner = ownerOf(plan.mappingType, *mapped, error);
            if (error && error->isError())
                return std::nullopt;
            const bool owns = !owner || *owner == pipedriveId;
            const std::optional<bool> moves
                = leavesRow(pipedriveId, plan, *mapped, *stored, owns, error);
            if (!moves)
                return std::nullopt;
            if (!*moves) {
                if (!owns)
                    return WriteResult { WriteKind::Unchanged, *mapped, 0 };
                return updateIfChanged(*mapped, *stored);
            }
            // Its mapping is written anew below, so that it comes after those of the row it
            // joins: a row's first mapping owns it.
            if (!removeMapping(plan.mappingType, pipedriveId, error))
                return std::nullopt;
        }
        // The CRM row was deleted there, or the record left it: matched or written anew below.
    }

    if (!plan.naturalKey.isEmpty()) {
        const QVariant key = plan.columns.value(plan.naturalKey);
        const std::optional<qint64> existing = findIdBy(plan.table, plan.naturalKey, key, error);
        if (error && error->isError())
            return std::nullopt;
        if (existing) {
            const std::optional<qint64> owner = ownerOf(plan.mappingType, *existing, error);
            if (!setMapping(plan.mappingType, pipedriveId, *existing, error))
                return std::nullopt;
            if (owner && *owner != pipedriveId)
                return WriteResult { WriteKind::Merged, *existing, *owner };
            // A row the CRM already had (or the old rake task wrote): adopt it.
            const std::optional<QVariantMap> stored = readRow(plan.table, *existing, names, error);
            if (!stored)
                return std::nullopt;
            return updateIfChanged(*existing, *stored);
        }
    }

    // Columns written only on insert (a user's password) make a map of the row; else it goes in
    // as the mapping made it.
    const QVariantMap extra = plan.insertOnly ? plan.insertOnly() : QVariantMap();
    const auto row = [&] {
        QVariantMap row = plan.columns.toMap();
        for (auto it = extra.cbegin(); it != extra.cend(); ++it)
            row.insert(it.key(), it.value());
        return row;
    };
    // PostgreSQL waits for the server after every statement: when rows are not kept back (a page
    // written record by record), a new row and its new mapping go in one (a mapping that exists
    // already, pointing at a row that is gone, takes the two steps).
    if (m_db.isPostgres() && !m_deferInserts) {
        const std::optional<qint64> previous = railsIdFor(plan.mappingType, pipedriveId, error);
        if (error && error->isError())
            return std::nullopt;
        if (!previous) {
            const std::optional<qint64> id
                = insertMappedRow(plan.table, row(), plan.mappingType, pipedriveId, error);
            if (!id)
                return std::nullopt;
            return WriteResult { WriteKind::Created, *id, 0 };
        }
    }
    const std::optional<qint64> id = extra.isEmpty() ? insertRow(plan.table, plan.columns, error)
                                                     : insertRow(plan.table, row(), error);
    if (!id)
        return std::nullopt;
    if (!setMapping(plan.mappingType, pipedriveId, *id, error))
        return std::nullopt;
    return WriteResult { WriteKind::Created, *id, 0 };
}

std::optional<bool> CrmStore::leavesRow(qint64 pipedriveId, const RowPlan &plan, qint64 railsId,
    const QVariantMap &stored, bool owns, DbError *error)
{
    if (plan.naturalKey.isEmpty())
        return false;
    const QVariant key = plan.columns.value(plan.naturalKey);
    if (sameValue(key, stored.value(plan.naturalKey)))
        return false;
    // Records that share a row share its key: one whose key changed no longer belongs there. The
    // row stays with the others (its owner's change would take their key from them), and the
    // record goes where a first import would put it: to the row holding its new key, else a
    // row of its own.
    if (!owns)
        return true;
    const std::optional<bool> shared = sharesRow(plan.mappingType, railsId, pipedriveId, error);
    if (!shared || *shared)
        return shared;
    // Alone on its row, the row follows the record, unless another row holds the new key (the
    // CRM keeps it unique): then the record joins that one, as a merge, and leaves its old row
    // to the CRM.
    const std::optional<qint64> holder = findIdBy(plan.table, plan.naturalKey, key, error);
    if (error && error->isError())
        return std::nullopt;
    return holder && *holder != railsId;
}

std::optional<qint64> CrmStore::insertMappedRow(const QString &table, const QVariantMap &columns,
    const QString &type, qint64 pipedriveId, DbError *error)
{
    const std::optional<qint64> id = insertIndexed(
        InsertMappedRow, table, columns, { type, pipedriveId, m_now, m_now }, error);
    // The journal learns both as insertRow() and setMapping() tell it (the mapping is new).
    if (id && m_journal) {
        if (!passed(m_journal->rowInserted(table, *id), error)
            || !passed(m_journal->mappingSetting(type, pipedriveId, *id, -1), error))
            return std::nullopt;
    }
    if (id) {
        if (m_harvestTypes.contains(type))
            harvestMappings({ { type, pipedriveId, *id } });
        rememberMapping(type, pipedriveId, *id);
    }
    return id;
}

} // namespace pds
