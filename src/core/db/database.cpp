#include "db/database.h"

#include "asciitext.h"
#include "logging.h"

#include <QAtomicInteger>
#include <QDateTime>
#include <QDir>
#include <QFileInfo>
#include <QRegularExpression>
#include <QSqlDriver>
#include <QSqlError>
#include <QSqlQuery>
#include <QSqlRecord>
#include <QStringEncoder>
#include <QTimeZone>
#include <QUuid>

#include <sqlite3.h>

#include <cerrno>
#include <cstring>
#include <mutex>
#include <unistd.h>

using namespace Qt::StringLiterals;

namespace pds {

namespace {

QString nextConnectionName()
{
    static QAtomicInteger<quint64> counter;
    return u"pds-db-%1"_s.arg(counter.fetchAndAddRelaxed(1) + 1);
}

QString quoted(const QString &identifier)
{
    return u'"' + identifier + u'"';
}

// What QtSql binds as NULL (QSqlResultPrivate::isVariantNull): null strings, invalid times too.
// The types below are asked directly (a variant made null holds a default value of its type,
// which answers the same); QVariant::isNull(), out of line, only for the others.
bool isNullValue(const QVariant &value)
{
    switch (value.typeId()) {
    case QMetaType::QString:
        return static_cast<const QString *>(value.constData())->isNull();
    case QMetaType::QByteArray:
        return static_cast<const QByteArray *>(value.constData())->isNull();
    case QMetaType::QDateTime:
        return !static_cast<const QDateTime *>(value.constData())->isValid();
    case QMetaType::QDate:
        return !static_cast<const QDate *>(value.constData())->isValid();
    case QMetaType::QTime:
        return !static_cast<const QTime *>(value.constData())->isValid();
    case QMetaType::QUuid:
        return static_cast<const QUuid *>(value.constData())->isNull();
    default:
        return value.isNull();
    }
}

int bindText(sqlite3_stmt *statement, int index, const QString &text)
{
    const QByteArray utf8 = text.toUtf8();
    return sqlite3_bind_text(
        statement, index, utf8.constData(), int(utf8.size()), SQLITE_TRANSIENT);
}

// The same storage classes QSQLiteResult::exec() chooses, so that a value reads back the same
// whichever path wrote it.
int bindSqlite(sqlite3_stmt *statement, int index, const QVariant &value)
{
    if (isNullValue(value))
        return sqlite3_bind_null(statement, index);
    switch (value.typeId()) {
    case QMetaType::QByteArray: {
        const QByteArray bytes = value.toByteArray();
        return sqlite3_bind_blob(
            statement, index, bytes.constData(), int(bytes.size()), SQLITE_TRANSIENT);
    }
    case QMetaType::Int:
    case QMetaType::Bool:
        return sqlite3_bind_int(statement, index, value.toInt());
    case QMetaType::Double:
        return sqlite3_bind_double(statement, index, value.toDouble());
    case QMetaType::UInt:
    case QMetaType::LongLong:
        return sqlite3_bind_int64(statement, index, value.toLongLong());
    case QMetaType::QDateTime:
        return bindText(statement, index, value.toDateTime().toString(Qt::ISODateWithMs));
    case QMetaType::QTime:
        return bindText(statement, index, value.toTime().toString(u"hh:mm:ss.zzz"_s));
    case QMetaType::QString:
        return bindText(statement, index, *static_cast<const QString *>(value.constData()));
    default:
        return bindText(statement, index, value.toString());
    }
}

// A filler for execSqlite() that hands the values of a list over in order.
std::function<void(SqlValues &)> handedOver(const QVariantList &values)
{
    return [&values](SqlValues &out) {
        for (const QVariant &value : values)
            out.add(value);
    };
}

QVariant columnValue(sqlite3_stmt *statement, int column)
{
    switch (sqlite3_column_type(statement, column)) {
    case SQLITE_INTEGER:
        return QVariant(qint64(sqlite3_column_int64(statement, column)));
    case SQLITE_FLOAT:
        return QVariant(sqlite3_column_double(statement, column));
    case SQLITE_NULL:
        return QVariant();
    case SQLITE_BLOB: {
        const char *data = static_cast<const char *>(sqlite3_column_blob(statement, column));
        return QVariant(QByteArray(data, sqlite3_column_bytes(statement, column)));
    }
    default: {
        const char *text = reinterpret_cast<const char *>(sqlite3_column_text(statement, column));
        return QVariant(QString::fromUtf8(text, sqlite3_column_bytes(statement, column)));
    }
    }
}

// Statement journals (the pages a multi-row INSERT or an upsert inside a transaction changes,
// kept to undo that one statement) are kept in memory. SQLite's default spills them into a file
// under /var/tmp past 64 KiB: a 100k sync wrote 98,000 pages into such files, more than into the
// WAL. They hold one statement's pages and go when it ends; the sync's statements change a few
// hundred pages at most (a 500k sync's biggest journal passed 1 MiB once). The threshold is also
// the size of each memory chunk: "never spill" (-1) meant 1 KiB chunks, each allocated through
// sqlite3_malloc(), which checks sqlite3_initialize() behind a memory barrier (perf: 1.4% of the
// sync thread's samples, and 2.3% of its SQLite instructions, callgrind, 20k). Past 4 MiB a
// journal would go to a file, still correct. TEMP tables (a key index past CrmStore's in-memory
// bound) stay in files, so memory does not grow with the account.
constexpr int StatementJournalInMemory = 4 << 20;

template<typename Char> void appendDigits(Char *&out, int value, int width)
{
    for (int i = width - 1; i >= 0; --i) {
        out[i] = Char(u'0' + value % 10);
        value /= 10;
    }
    out += width;
}

// Two decimal digits of 0..99, from a table: a division and a remainder fewer per digit.
void appendPair(char *&out, int value)
{
    static constexpr char Pairs[] = "000102030405060708091011121314151617181920212223242526272829"
                                    "303132333435363738394041424344454647484950515253545556575859"
                                    "606162636465666768697071727374757677787980818283848586878889"
                                    "90919293949596979899";
    std::memcpy(out, &Pairs[2 * value], 2);
    out += 2;
}

void configureSqliteOnce()
{
    static std::once_flag once;
    std::call_once(once, [] {
        // Possible only before SQLite's first use in the process; else its default stays.
        if (sqlite3_config(SQLITE_CONFIG_STMTJRNL_SPILL, StatementJournalInMemory) != SQLITE_OK) {
            qCDebug(lcDb) << "SQLite was in use already: its statement journals spill at 64 KiB";
            return;
        }
        // Memory statistics nobody reads: kept, they take a global mutex in every allocation
        // and free (180,000 each way in a 20k sync's thread).
        sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    });
}

} // namespace

Database::Database() = default;

Database::~Database()
{
    close();
}

DbError Database::open(const DatabaseConfig &config)
{
    close();
    ++m_undoEpoch;
    m_config = config;

    const QString driver = config.isSqlite() ? u"QSQLITE"_s : u"QPSQL"_s;
    if (!QSqlDatabase::isDriverAvailable(driver)) {
        const QString package = config.isSqlite() ? u"libqt6sql6-sqlite"_s : u"libqt6sql6-psql"_s;
        return DbError::make(DbError::Kind::Other,
            u"Qt's %1 database driver is not installed (Debian package %2)."_s.arg(
                driver, package));
    }

    if (config.isSqlite()) {
        configureSqliteOnce();
        if (config.sqlitePath.trimmed().isEmpty())
            return DbError::make(DbError::Kind::Other, u"No SQLite database file is set."_s);
        // The default path lives in a data folder that may not exist yet.
        if (config.sqlitePath != ":memory:"_L1)
            QDir().mkpath(QFileInfo(config.sqlitePath).absolutePath());
    } else if (config.databaseName.isEmpty()) {
        return DbError::make(DbError::Kind::Other, u"No PostgreSQL database name is set."_s);
    }

    m_connectionName = nextConnectionName();
    m_db = QSqlDatabase::addDatabase(driver, m_connectionName);
    if (config.isSqlite()) {
        m_db.setDatabaseName(config.sqlitePath);
        m_db.setConnectOptions(u"QSQLITE_BUSY_TIMEOUT=%1"_s.arg(qMax(0, config.busyTimeoutMs)));
    } else {
        if (!config.host.isEmpty())
            m_db.setHostName(config.host);
        m_db.setPort(config.port);
        m_db.setDatabaseName(config.databaseName);
        m_db.setUserName(config.user);
        m_db.setPassword(config.effectivePassword());
        m_db.setConnectOptions(
            u"connect_timeout=%1;sslmode=%2;application_name=pipedrive-sync"_s.arg(
                QString::number(qMax(0, config.connectTimeoutSeconds)),
                DatabaseConfig::sslModeName(config.sslMode)));
    }

    DbError error;
    if (!m_db.open())
        error = errorFrom(m_db.lastError());
    else
        error = config.isSqlite() ? setUpSqlite() : setUpPostgres();
    if (error.isError() && config.isSqlite() && error.kind == DbError::Kind::Unreachable
        && QFileInfo::exists(config.sqlitePath)
        && ::access(QFile::encodeName(config.sqlitePath).constData(), W_OK) != 0
        && (errno == EROFS || errno == EACCES)) {
        // SQLite reports a file it may not write (read-only mount, file mode) as "cannot open":
        // in WAL mode it cannot create its shared-memory file next to it. Say what it is.
        error = DbError::make(DbError::Kind::ReadOnly,
            u"The SQLite file %1 is read-only (%2): the sync cannot write to it. Make the file "
            "and its folder writable, or choose another file."_s.arg(config.sqlitePath,
                errno == EROFS ? u"read-only file system"_s : u"no write permission"_s),
            error.detail);
    }
    if (error.isError()) {
        qCWarning(lcDb).noquote() << "cannot open" << config.displayUrl() << ":"
                                  << error.toString();
        close();
        return error;
    }
    qCDebug(lcDb).noquote() << "opened" << config.displayUrl() << "as" << m_connectionName;
    return {};
}

DbError Database::setUpSqlite()
{
    const QVariant handle = m_db.driver()->handle();
    if (handle.isValid() && qstrcmp(handle.typeName(), "sqlite3*") == 0)
        m_sqlite = *static_cast<sqlite3 *const *>(handle.constData());
    DbError error;
    // Rails turns foreign keys on for every connection; the CRM's FKs rely on it.
    if (!exec(u"PRAGMA foreign_keys = ON"_s, &error))
        return error;
    if (!exec(u"PRAGMA busy_timeout = %1"_s.arg(qMax(0, m_config.busyTimeoutMs)), &error))
        return error;

    QSqlQuery query(m_db);
    if (!query.exec(u"PRAGMA journal_mode = WAL"_s))
        return errorFrom(query.lastError());
    const QString mode = query.next() ? query.value(0).toString().toLower() : QString();
    query.finish();
    if (mode != "wal"_L1 && m_config.sqlitePath != ":memory:"_L1)
        qCWarning(lcDb).noquote() << "SQLite kept journal mode" << mode << "instead of WAL for"
                                  << m_config.sqlitePath;
    // WAL makes NORMAL safe against corruption; only the last commits may be lost on power loss.
    if (!exec(u"PRAGMA synchronous = NORMAL"_s, &error))
        return error;

    if (!query.exec(u"PRAGMA foreign_keys"_s))
        return errorFrom(query.lastError());
    if (!query.next() || query.value(0).toInt() != 1) {
        return DbError::make(DbError::Kind::Other,
            u"This SQLite library cannot enforce foreign keys, which the CRM "
            "needs."_s);
    }
    installWalHook();
    return {};
}

void Database::setWalHook(std::function<void(int frames)> onCommit)
{
    m_walHook = std::move(onCommit);
    installWalHook();
}

void Database::installWalHook()
{
    if (!m_sqlite)
        return;
    // Either replaces the other: wal_autocheckpoint is a hook of SQLite's own.
    if (m_walHook)
        sqlite3_wal_hook(m_sqlite, &Database::onWalCommit, this);
    else
        sqlite3_wal_autocheckpoint(m_sqlite, 1000); // SQLite's default
}

int Database::onWalCommit(void *database, sqlite3 *, const char *, int frames)
{
    static_cast<Database *>(database)->m_walHook(frames);
    return SQLITE_OK;
}

DbError Database::checkpointWal()
{
    if (!m_sqlite)
        return {};
    const int result
        = sqlite3_wal_checkpoint_v2(m_sqlite, nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
    if (result == SQLITE_OK || result == SQLITE_BUSY)
        return {};
    return sqliteError(result, u"Unable to checkpoint"_s);
}

DbError Database::sqliteError(int code, const QString &step) const
{
    return errorFrom(QSqlError(step, QString::fromUtf8(sqlite3_errmsg(m_sqlite)),
        QSqlError::StatementError, QString::number(code)));
}

DbError Database::setUpPostgres()
{
    DbError error;
    // Timestamps are stored in UTC without a zone, as Rails does; keep the session in UTC so
    // that server-side conversions never shift them. Notices (e.g. "already exists, skipping")
    // would otherwise go to stderr through libpq.
    if (!exec(u"SET TIME ZONE 'UTC'"_s, &error))
        return error;
    if (!exec(u"SET client_min_messages = warning"_s, &error))
        return error;
    return {};
}

void Database::close()
{
    finalizeSqliteStatements();
    m_statements.clear();
    m_inTransaction = false;
    if (m_connectionName.isEmpty())
        return;
    if (m_db.isOpen())
        m_db.close();
    m_db = QSqlDatabase();
    QSqlDatabase::removeDatabase(m_connectionName);
    m_connectionName.clear();
}

DbError Database::reopen()
{
    const DatabaseConfig config = m_config;
    return open(config);
}

bool Database::isOpen() const
{
    return m_db.isValid() && m_db.isOpen();
}

DbError Database::errorFrom(const QSqlError &error) const
{
    return DbError::fromSqlError(error, m_config);
}

bool Database::exec(QSqlQuery &query, DbError *error)
{
    if (query.exec())
        return true;
    const DbError mapped = errorFrom(query.lastError());
    qCDebug(lcDb).noquote() << "statement failed:" << mapped.kindName(mapped.kind) << mapped.detail;
    if (error)
        *error = mapped;
    return false;
}

bool Database::exec(const QString &sql, DbError *error)
{
    if (!isOpen()) {
        if (error)
            *error = DbError::make(DbError::Kind::Other, u"The database is not open."_s);
        return false;
    }
    QSqlQuery query(m_db);
    if (!query.exec(sql)) {
        const DbError mapped = errorFrom(query.lastError());
        qCDebug(lcDb).noquote() << "statement failed:" << mapped.kindName(mapped.kind)
                                << mapped.detail;
        if (error)
            *error = mapped;
        return false;
    }
    return true;
}

DbError Database::beginTransaction()
{
    if (m_inTransaction) {
        return DbError::make(
            DbError::Kind::Other, u"Internal error: a database transaction is already open."_s);
    }
    DbError error;
    if (isSqlite()) {
        if (!exec(u"BEGIN IMMEDIATE"_s, &error))
            return error;
    } else if (!m_db.transaction()) {
        return errorFrom(m_db.lastError());
    }
    m_inTransaction = true;
    return {};
}

DbError Database::commit()
{
    if (!m_inTransaction) {
        return DbError::make(
            DbError::Kind::Other, u"Internal error: no database transaction to commit."_s);
    }
    finishCachedQueries();
    if (isSqlite()) {
        // A failed COMMIT leaves SQLite's transaction open: the caller rolls back.
        DbError error;
        if (!exec(u"COMMIT"_s, &error))
            return error;
        m_inTransaction = false;
        ++m_commits;
        return {};
    }
    // The driver's commit also notices PostgreSQL answering COMMIT with ROLLBACK (the
    // transaction had failed); either way it is over.
    const bool ok = m_db.commit();
    m_inTransaction = false;
    if (!ok) {
        DbError error = errorFrom(m_db.lastError());
        if (error.isOk()) {
            error = DbError::make(DbError::Kind::Other,
                u"PostgreSQL rolled the transaction back instead of committing "
                "it."_s);
        }
        return error;
    }
    ++m_commits;
    return {};
}

DbError Database::rollback()
{
    // Counted first: SQLite may have rolled the transaction back itself (a full disk, say).
    ++m_undoEpoch;
    if (!m_inTransaction)
        return {};
    finishCachedQueries();
    m_inTransaction = false;
    if (isSqlite()) {
        DbError error;
        if (!exec(u"ROLLBACK"_s, &error))
            return error;
        return {};
    }
    if (!m_db.rollback())
        return errorFrom(m_db.lastError());
    return {};
}

DbError Database::savepoint(const QString &name)
{
    if (!isPlainIdentifier(name))
        return DbError::make(DbError::Kind::Other, u"Internal error: bad savepoint name."_s);
    DbError error;
    // PostgreSQL prepares no SAVEPOINT: only SQLite's go through the statement cache.
    if (m_sqlite)
        execWrite(u"SAVEPOINT "_s + name, QVariantList(), &error);
    else
        exec(u"SAVEPOINT "_s + name, &error);
    return error;
}

DbError Database::releaseSavepoint(const QString &name)
{
    if (!isPlainIdentifier(name))
        return DbError::make(DbError::Kind::Other, u"Internal error: bad savepoint name."_s);
    DbError error;
    if (m_sqlite)
        execWrite(u"RELEASE SAVEPOINT "_s + name, QVariantList(), &error);
    else
        exec(u"RELEASE SAVEPOINT "_s + name, &error);
    return error;
}

DbError Database::rollbackToSavepoint(const QString &name)
{
    if (!isPlainIdentifier(name))
        return DbError::make(DbError::Kind::Other, u"Internal error: bad savepoint name."_s);
    finishCachedQueries();
    ++m_undoEpoch;
    DbError error;
    exec(u"ROLLBACK TO SAVEPOINT "_s + name, &error);
    return error;
}

void Database::finishCachedQueries()
{
    // An unfinished SELECT keeps SQLite's read snapshot (and lock) alive past COMMIT.
    for (const auto &query : std::as_const(m_statements)) {
        if (query->isActive())
            query->finish();
    }
}

QSqlQuery *Database::prepared(const QString &sql, DbError *error)
{
    if (const auto it = m_statements.constFind(sql); it != m_statements.constEnd())
        return it->get();
    if (!isOpen()) {
        if (error)
            *error = DbError::make(DbError::Kind::Other, u"The database is not open."_s);
        return nullptr;
    }
    auto query = std::make_shared<QSqlQuery>(m_db);
    if (!query->prepare(sql)) {
        const DbError mapped = errorFrom(query->lastError());
        qCWarning(lcDb).noquote() << "cannot prepare statement:" << mapped.detail;
        if (error)
            *error = mapped;
        return nullptr;
    }
    m_statements.insert(sql, query);
    return query.get();
}

void Database::finalizeSqliteStatements()
{
    for (sqlite3_stmt *statement : std::as_const(m_sqliteStatements))
        sqlite3_finalize(statement);
    m_sqliteStatements.clear();
    m_sqlite = nullptr;
}

QSqlQuery *Database::run(const QString &sql, const QVariantList &values, DbError *error)
{
    QSqlQuery *query = prepared(sql, error);
    if (!query)
        return nullptr;
    for (qsizetype i = 0; i < values.size(); ++i)
        query->bindValue(int(i), values.at(i));
    return exec(*query, error) ? query : nullptr;
}

bool Database::execWrite(
    const QString &sql, const QVariantList &values, DbError *error, qint64 *insertedId)
{
    if (m_sqlite)
        return execSqlite(sql, values.size(), handedOver(values), error, insertedId);
    QSqlQuery *query = run(sql, values, error);
    if (!query)
        return false;
    if (insertedId)
        *insertedId = lastInsertId(*query);
    query->finish();
    return true;
}

bool Database::execWrite(const QString &sql, qsizetype count,
    const std::function<void(SqlValues &values)> &fill, DbError *error)
{
    if (m_sqlite)
        return execSqlite(sql, count, fill, error, nullptr);
    QVariantList values;
    values.reserve(count);
    SqlValues out(&values);
    fill(out);
    return execWrite(sql, values, error);
}

bool Database::forEachRow(const QString &sql, const QVariantList &values,
    const std::function<void(const QVariantList &row)> &onRow, DbError *error)
{
    if (m_sqlite)
        return execSqlite(sql, values.size(), handedOver(values), error, nullptr, &onRow);
    QSqlQuery *query = run(sql, values, error);
    if (!query)
        return false;
    QVariantList row;
    while (query->next()) {
        row.clear();
        const int columns = query->record().count();
        for (int i = 0; i < columns; ++i)
            row << query->value(i);
        onRow(row);
    }
    query->finish();
    return true;
}

char *Database::textSpace(qsizetype size)
{
    // Blocks of 256 KiB (a multi-row statement's texts fit in one or two), a bigger one for a
    // bigger value; each stays where it is while the statement runs.
    constexpr qsizetype BlockSize = 256 * 1024;
    while (
        m_textBlock < m_textBlocks.size() && m_textUsed + size > m_textBlocks[m_textBlock].size()) {
        ++m_textBlock;
        m_textUsed = 0;
    }
    if (m_textBlock == m_textBlocks.size())
        m_textBlocks.emplace_back(qMax(BlockSize, size), Qt::Uninitialized);
    char *out = m_textBlocks[m_textBlock].data() + m_textUsed;
    m_textUsed += size;
    return out;
}

bool SqlValues::next()
{
    ++m_count;
    return m_failure == SQLITE_OK;
}

void SqlValues::collect(const QVariant &value)
{
    m_values->append(value);
    ++m_count;
}

void SqlValues::bound(int result)
{
    if (result != SQLITE_OK)
        m_failure = result;
}

void SqlValues::add(const QVariant &value)
{
    if (m_values)
        return collect(value);
    if (value.typeId() == QMetaType::QString)
        return add(*static_cast<const QString *>(value.constData()));
    if (next())
        bound(bindSqlite(m_statement, int(m_count), value));
}

void SqlValues::add(const QString &text)
{
    if (m_values)
        return collect(text);
    if (!next())
        return;
    if (text.isNull())
        return bound(sqlite3_bind_null(m_statement, int(m_count)));
    // Short values are mostly ASCII: copied as they are (asciitext.h).
    if (const qsizetype size = text.size(); size <= ascii::ShortText) {
        char *start = m_db->textSpace(size);
        if (ascii::narrow(reinterpret_cast<const char16_t *>(text.constData()), size, start))
            return bound(
                sqlite3_bind_text(m_statement, int(m_count), start, int(size), SQLITE_STATIC));
        m_db->m_textUsed -= size; // not ASCII: encoded below
    }
    QStringEncoder utf8(QStringEncoder::Utf8, QStringEncoder::Flag::Stateless);
    const qsizetype most = utf8.requiredSpace(text.size());
    char *start = m_db->textSpace(most);
    char *end = utf8.appendToBuffer(start, text);
    // The unused tail of the space is taken back for the next value.
    m_db->m_textUsed -= most - (end - start);
    bound(sqlite3_bind_text(m_statement, int(m_count), start, int(end - start), SQLITE_STATIC));
}

void SqlValues::add(qint64 value)
{
    if (m_values)
        return collect(value);
    if (next())
        bound(sqlite3_bind_int64(m_statement, int(m_count), value));
}

void SqlValues::addAsciiInPlace(const char *text, qsizetype size)
{
    if (m_values)
        return collect(QString::fromLatin1(text, size));
    if (next())
        bound(sqlite3_bind_text(m_statement, int(m_count), text, int(size), SQLITE_STATIC));
}

bool SqlValues::addTimestamp(const QDateTime &time)
{
    constexpr qsizetype Most = 32;
    if (m_values) {
        char text[Most];
        const qsizetype size = Database::formatTimestamp(time, text);
        if (size < 0)
            return false;
        collect(QString::fromLatin1(text, size));
        return true;
    }
    // Formatted into the statement's text space: the copy into it was most of binding a time.
    char *start = m_db->textSpace(Most);
    const qsizetype size = Database::formatTimestamp(time, start);
    m_db->m_textUsed -= Most - qMax<qsizetype>(size, 0);
    if (size < 0)
        return false;
    if (next())
        bound(sqlite3_bind_text(m_statement, int(m_count), start, int(size), SQLITE_STATIC));
    return true;
}

bool Database::execSqlite(const QString &sql, qsizetype count,
    const std::function<void(SqlValues &values)> &fill, DbError *error, qint64 *insertedId,
    const std::function<void(const QVariantList &row)> *onRow)
{
    const auto fail = [&](int code, const QString &step) {
        const DbError mapped = sqliteError(code, step);
        qCDebug(lcDb).noquote() << "statement failed:" << mapped.kindName(mapped.kind)
                                << mapped.detail;
        if (error)
            *error = mapped;
        return false;
    };
    sqlite3_stmt *statement = m_sqliteStatements.value(sql);
    if (!statement) {
        const QByteArray text = sql.toUtf8();
        const int prepared = sqlite3_prepare_v3(m_sqlite, text.constData(), int(text.size()),
            SQLITE_PREPARE_PERSISTENT, &statement, nullptr);
        if (prepared != SQLITE_OK || !statement) {
            sqlite3_finalize(statement);
            return fail(prepared, u"Unable to prepare statement"_s);
        }
        m_sqliteStatements.insert(sql, statement);
    }
    const auto wrongCount = [&](qsizetype given) {
        if (error)
            *error = DbError::make(DbError::Kind::Other,
                u"Internal error: a statement got %1 values for %2 parameters."_s.arg(given).arg(
                    sqlite3_bind_parameter_count(statement)));
        return false;
    };
    if (sqlite3_bind_parameter_count(statement) != count)
        return wrongCount(count);
    // Text values are encoded side by side into blocks kept between statements and bound
    // without a copy (SQLITE_STATIC): no allocation per value.
    m_textBlock = 0;
    m_textUsed = 0;
    SqlValues values(this, statement);
    fill(values);
    // Reset on every way out. The bindings stay: every run of the statement binds all its
    // parameters again before it steps (the count is checked above), so the text blocks they
    // point into may be reused; clearing them set each of up to 999 parameters to NULL for
    // nothing (1% of the sync thread's instructions).
    const auto done = [statement] {
        sqlite3_reset(statement);
    };
    if (values.m_failure != SQLITE_OK) {
        done();
        return fail(values.m_failure, u"Unable to bind parameters"_s);
    }
    if (values.count() != count) {
        done();
        return wrongCount(values.count());
    }
    int stepped = sqlite3_step(statement);
    if (onRow) {
        QVariantList row;
        const int columns = sqlite3_column_count(statement);
        while (stepped == SQLITE_ROW) {
            row.clear();
            for (int i = 0; i < columns; ++i)
                row << columnValue(statement, i);
            (*onRow)(row);
            stepped = sqlite3_step(statement);
        }
    }
    if (stepped != SQLITE_DONE && stepped != SQLITE_ROW) {
        const bool failed = fail(stepped, u"Unable to execute statement"_s);
        done();
        return failed;
    }
    done();
    if (insertedId)
        *insertedId = sqlite3_last_insert_rowid(m_sqlite);
    return true;
}

qint64 Database::lastInsertId(QSqlQuery &query) const
{
    if (query.isSelect()) {
        // INSERT ... RETURNING id
        if (!query.isValid() && !query.first())
            return -1;
        bool ok = false;
        const qint64 id = query.value(0).toLongLong(&ok);
        return ok ? id : -1;
    }
    bool ok = false;
    const qint64 id = query.lastInsertId().toLongLong(&ok);
    return ok ? id : -1;
}

qint64 Database::insertReturningId(
    const QString &table, const QStringList &columns, const QVariantList &values, DbError *error)
{
    const auto fail = [error](const QString &message) {
        if (error)
            *error = DbError::make(DbError::Kind::Other, message);
        return qint64(-1);
    };
    if (!isPlainIdentifier(table))
        return fail(u"Internal error: bad table name for an insert."_s);
    if (columns.isEmpty() || columns.size() != values.size())
        return fail(u"Internal error: an insert's columns and values do not match."_s);
    QStringList names;
    QStringList marks;
    for (const QString &column : columns) {
        if (!isPlainIdentifier(column))
            return fail(u"Internal error: bad column name for an insert."_s);
        names << quoted(column);
        marks << u"?"_s;
    }
    QString sql = u"INSERT INTO %1 (%2) VALUES (%3)"_s.arg(
        quoted(table), names.join(", "_L1), marks.join(", "_L1));
    if (isPostgres())
        sql += " RETURNING \"id\""_L1;

    // Through execWrite(): SQLite's own statement cache, not QSqlQuery's binding (a sync records
    // thousands of problems this way).
    qint64 id = -1;
    if (!execWrite(sql, values, error, &id))
        return -1;
    if (id < 0)
        return fail(u"The database did not report the id of a new %1 row."_s.arg(table));
    return id;
}

QString Database::formatTimestamp(const QDateTime &time)
{
    if (!time.isValid())
        return {};
    char ascii[32];
    if (const qsizetype size = formatTimestamp(time, ascii); size >= 0)
        return QString::fromLatin1(ascii, size);
    // A year outside 0..9999: as QDateTime writes it.
    const QDateTime utc = time.toUTC();
    QString text = utc.toString(u"yyyy-MM-dd HH:mm:ss"_s);
    if (const int ms = utc.time().msec(); ms > 0)
        text += u'.' + QString::number(ms).rightJustified(3, u'0') + "000"_L1;
    return text;
}

qsizetype Database::formatTimestamp(const QDateTime &time, char *text)
{
    if (!time.isValid())
        return -1;
    // From the milliseconds since the epoch, the civil date by Howard Hinnant's days_from_civil
    // inverse: QDateTime's toUTC(), date() and time() were three quarters of this function.
    constexpr qint64 msPerDay = 86400000;
    const qint64 msecs = time.toMSecsSinceEpoch();
    const qint64 days = msecs >= 0 ? msecs / msPerDay : (msecs - (msPerDay - 1)) / msPerDay;
    const qint64 msOfDay = msecs - days * msPerDay;
    const qint64 z = days + 719468;
    const qint64 era = (z >= 0 ? z : z - 146096) / 146097;
    const qint64 dayOfEra = z - era * 146097;
    const qint64 yearOfEra
        = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146096) / 365;
    const qint64 dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100);
    const qint64 shiftedMonth = (5 * dayOfYear + 2) / 153; // March = 0
    const int day = int(dayOfYear - (153 * shiftedMonth + 2) / 5 + 1);
    const int month = int(shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9);
    const qint64 year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
    if (year < 0 || year > 9999)
        return -1;
    const int ms = int(msOfDay % 1000);
    const int seconds = int(msOfDay / 1000);
    char *out = text;
    appendPair(out, int(year) / 100);
    appendPair(out, int(year) % 100);
    *out++ = '-';
    appendPair(out, month);
    *out++ = '-';
    appendPair(out, day);
    *out++ = ' ';
    appendPair(out, seconds / 3600);
    *out++ = ':';
    appendPair(out, seconds / 60 % 60);
    *out++ = ':';
    appendPair(out, seconds % 60);
    if (ms > 0) {
        *out++ = '.';
        appendDigits(out, ms, 3);
        std::memcpy(out, "000", 3);
        out += 3;
    }
    return out - text;
}

QString Database::formatDate(QDate date)
{
    if (!date.isValid())
        return {};
    // By hand, as formatTimestamp(): toString(Qt::ISODate) cost ten times as much.
    int year = 0;
    int month = 0;
    int day = 0;
    date.getDate(&year, &month, &day);
    if (year < 0 || year > 9999)
        return date.toString(Qt::ISODate);
    QString text(10, Qt::Uninitialized);
    QChar *out = text.data();
    appendDigits(out, year, 4);
    *out++ = u'-';
    appendDigits(out, month, 2);
    *out++ = u'-';
    appendDigits(out, day, 2);
    return text;
}

QDateTime Database::parseTimestamp(const QVariant &value)
{
    if (value.isNull())
        return {};
    if (value.metaType().id() == QMetaType::QDateTime) {
        // QPSQL (6.4) reads a zone-less timestamp as local time: its wall clock is our UTC.
        const QDateTime time = value.toDateTime();
        if (time.timeSpec() == Qt::LocalTime)
            return QDateTime(time.date(), time.time(), QTimeZone::utc());
        return time.toUTC();
    }
    QString text = value.toString().trimmed();
    if (text.isEmpty())
        return {};
    text.replace(u' ', u'T');
    // Rails writes microseconds; Qt reads at most milliseconds.
    static const QRegularExpression fraction(u"(\\.\\d{3})\\d+"_s);
    text.replace(fraction, u"\\1"_s);
    QDateTime time = QDateTime::fromString(text, Qt::ISODateWithMs);
    if (!time.isValid())
        return {};
    if (time.timeSpec() == Qt::LocalTime)
        time.setTimeSpec(Qt::UTC);
    return time.toUTC();
}

bool Database::isPlainIdentifier(const QString &name)
{
    static const QRegularExpression pattern(u"^[a-z_][a-z0-9_]*$"_s);
    return !name.isEmpty() && name.size() <= 63 && pattern.match(name).hasMatch();
}

} // namespace pds
