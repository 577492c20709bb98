#pragma once

#include "db/databaseconfig.h"
#include "db/dberror.h"

#include <QHash>
#include <QSqlDatabase>
#include <QStringList>
#include <QVariantList>

#include <functional>
#include <memory>
#include <vector>

class QDateTime;
class QSqlQuery;
struct sqlite3;
struct sqlite3_stmt;

namespace pds {

class Database;

// A statement's values, handed one by one to Database::execWrite()'s filler. On SQLite each is
// bound into the prepared statement as it comes (texts as UTF-8 side by side in the connection's
// buffer, no copy): a caller that keeps its rows in its own shape binds them without building a
// list of QVariants first (a multi-row INSERT of kept rows, a sixth of its cost). On PostgreSQL
// they are collected for QtSql. Values bind as Database::execWrite() binds a QVariantList.
class SqlValues
{
public:
    void add(const QVariant &value);
    void add(const QString &text); // a null QString binds NULL
    void add(qint64 value);
    // Text known to be ASCII (a formatted time, a fixed word) that stays unchanged until the
    // statement has run: bound where it lies, without a conversion or a copy.
    void addAsciiInPlace(const char *text, qsizetype size);
    // A time as Database::formatTimestamp() writes it, written where it is bound; false (and
    // nothing added) if it cannot be.
    bool addTimestamp(const QDateTime &time);
    qsizetype count() const { return m_count; }

private:
    friend class Database;
    explicit SqlValues(QVariantList *values)
        : m_values(values)
    { }
    SqlValues(Database *db, sqlite3_stmt *statement)
        : m_db(db)
        , m_statement(statement)
    { }
    bool next(); // the next parameter to bind, false after a failure
    void collect(const QVariant &value); // PostgreSQL's way
    void bound(int result);

    QVariantList *m_values = nullptr; // PostgreSQL: collected here
    Database *m_db = nullptr;
    sqlite3_stmt *m_statement = nullptr;
    qsizetype m_count = 0;
    int m_failure = 0; // SQLITE_OK, or the first binding's failure
};

// One connection to the CRM database (SQLite or PostgreSQL), under a connection name of its own.
// A QSqlDatabase connection belongs to the thread that opened it: create, open, use and close a
// Database in one thread (the sync engine opens its own in its worker thread).
class Database
{
public:
    Database();
    ~Database(); // closes
    Database(const Database &) = delete;
    Database &operator=(const Database &) = delete;

    // Connects and sets the session up (SQLite: foreign_keys=ON, journal_mode=WAL,
    // busy_timeout, synchronous=NORMAL; PostgreSQL: connect_timeout, sslmode, time zone UTC).
    // Creates the SQLite file's folder if needed. Closes a previous connection first.
    DbError open(const DatabaseConfig &config);
    // Drops cached statements, closes and removes the connection. Copies of handle() must be
    // gone by then (Qt warns about connections still in use otherwise).
    void close();
    // Opens the connection again with the same settings, e.g. after a PostgreSQL restart broke
    // it. An open transaction is lost (the server rolled it back); cached statements are dropped
    // and prepared again on their next use.
    DbError reopen();

    bool isOpen() const;
    bool isPostgres() const { return m_config.isPostgres(); }
    bool isSqlite() const { return m_config.isSqlite(); }
    const DatabaseConfig &config() const { return m_config; }
    QString connectionName() const { return m_connectionName; }
    QSqlDatabase handle() const { return m_db; }

    // Runs a prepared query with its bound values; maps a failure into *error.
    bool exec(QSqlQuery &query, DbError *error = nullptr);
    // Runs one fixed statement (DDL, PRAGMA, SET): never SQL built from data.
    bool exec(const QString &sql, DbError *error = nullptr);

    // SQLite takes the write lock at once (BEGIN IMMEDIATE), so a busy database fails here
    // after busy_timeout instead of deadlocking at the first write.
    DbError beginTransaction();
    DbError commit();
    DbError rollback();
    bool inTransaction() const { return m_inTransaction; }
    // Savepoints let one bad row fail without aborting a PostgreSQL transaction.
    // `name` is fixed by code: letters, digits and '_' only.
    DbError savepoint(const QString &name);
    DbError releaseSavepoint(const QString &name);
    DbError rollbackToSavepoint(const QString &name);
    // SQLite: calls onCommit(frames) in the committing thread after each commit of this
    // connection, with the number of frames the write-ahead log holds, instead of SQLite
    // checkpointing the log there once it holds 1,000 (its wal_autocheckpoint). A null function
    // gives that default back. Kept across reopen(). See WalCheckpointer.
    void setWalHook(std::function<void(int frames)> onCommit);
    // SQLite: copies what the write-ahead log holds into the database file as far as no reader
    // still needs it, without waiting for any reader or writer (SQLITE_CHECKPOINT_PASSIVE);
    // another checkpoint running is no error.
    DbError checkpointWal();

    // Counts the rollbacks (of transactions and to savepoints) and (re)openings of this
    // connection: what a caller remembers of its writes holds while it is unchanged.
    quint64 undoEpoch() const { return m_undoEpoch; }
    // Counts the commits of this connection.
    quint64 commitCount() const { return m_commits; }

    // The statement for `sql`, prepared once per connection and reused: bind values and call
    // exec(). Returns nullptr (and sets *error) if it does not prepare. Owned by the Database;
    // valid until close(). Call finish() on SELECTs that are not read to the end.
    QSqlQuery *prepared(const QString &sql, DbError *error = nullptr);

    // The id of the row a just-executed INSERT created: the RETURNING value if the query has
    // one (PostgreSQL), else the driver's last insert id (SQLite). -1 if unknown.
    qint64 lastInsertId(QSqlQuery &query) const;
    // INSERT INTO table (columns) VALUES (?...) [RETURNING id], through the statement cache.
    // `table` and `columns` are names fixed by code (checked: [a-z_][a-z0-9_]*), never data;
    // the values are bound. Returns the new id, or -1 and *error.
    qint64 insertReturningId(const QString &table, const QStringList &columns,
        const QVariantList &values, DbError *error = nullptr);

    // The statement for `sql` (prepared()), bound and executed through QtSql; nullptr and *error
    // if it fails. For the rare statements and PostgreSQL; see execWrite() and forEachRow().
    QSqlQuery *run(const QString &sql, const QVariantList &values, DbError *error = nullptr);

    // Runs a statement that returns no rows (INSERT, UPDATE, DELETE, SAVEPOINT) with its values
    // bound; *insertedId gets the new row's id (RETURNING on PostgreSQL). On SQLite it goes
    // straight through sqlite3's own API with statements prepared once: QtSql's binding cost more
    // than SQLite's work itself (a QString::arg and a hash lookup per bound value, then UTF-16
    // text SQLite converts back). Values bind as QtSql binds them; errors map the same way.
    bool execWrite(const QString &sql, const QVariantList &values, DbError *error = nullptr,
        qint64 *insertedId = nullptr);
    // The same with its `count` values handed to `fill` one by one (see SqlValues).
    bool execWrite(const QString &sql, qsizetype count,
        const std::function<void(SqlValues &values)> &fill, DbError *error = nullptr);

    // Runs a SELECT and hands each row's values to onRow, in order; the same fast path on SQLite
    // as execWrite(). Values come as sqlite3 stores them (integer qint64, real double, text
    // QString, blob QByteArray, NULL an invalid QVariant): for lookups of ids and names, not
    // for comparing a stored row with a mapped one (readRow keeps QtSql's types for that).
    bool forEachRow(const QString &sql, const QVariantList &values,
        const std::function<void(const QVariantList &row)> &onRow, DbError *error = nullptr);

    DbError errorFrom(const QSqlError &error) const;

    // A time as Rails writes it into datetime(6)/timestamp(6) columns: UTC, no zone,
    // "yyyy-MM-dd HH:mm:ss" plus ".zzz000" when it has milliseconds.
    static QString formatTimestamp(const QDateTime &time);
    // The same text in ASCII at `out` (26 bytes at most), without QDateTime's calendar and
    // locale machinery (a measurable share of a sync's time): its length, or -1 for a time it
    // leaves to the other overload (invalid, or its year outside 0..9999).
    static qsizetype formatTimestamp(const QDateTime &time, char *out);
    // A date as the CRM's date columns hold it: "yyyy-MM-dd" (empty for an invalid one).
    static QString formatDate(QDate date);
    // Reads such a column back (QString on SQLite, QDateTime on PostgreSQL) as UTC. Reading
    // CAST(column AS TEXT) is the safer way: a local-time QDateTime cannot hold wall-clock times
    // that fall into a DST gap of the machine's zone.
    static QDateTime parseTimestamp(const QVariant &value);
    static bool isPlainIdentifier(const QString &name);
    // How many of `pending` rows the next multi-row statement takes: `most`, or fewer as a power of
    // two, so that a handful of statement texts serve every page. Each new text is parsed and
    // prepared once, and a 50-row INSERT costs as much to prepare as to write 30 rows.
    static qsizetype statementRows(qsizetype pending, qsizetype most)
    {
        if (pending >= most)
            return most;
        qsizetype rows = 1;
        while (rows * 2 <= pending)
            rows *= 2;
        return rows;
    }

private:
    DbError setUpSqlite();
    DbError setUpPostgres();
    void finishCachedQueries();
    void finalizeSqliteStatements();
    bool execSqlite(const QString &sql, qsizetype count,
        const std::function<void(SqlValues &values)> &fill, DbError *error, qint64 *insertedId,
        const std::function<void(const QVariantList &row)> *onRow = nullptr);
    // What SQLite's result `code` of `step` on this connection means, as QtSql would say it.
    DbError sqliteError(int code, const QString &step) const;
    static int onWalCommit(void *database, sqlite3 *, const char *, int frames);
    void installWalHook();
    // Room for `size` bytes of a statement's text values, kept until the statement is reset.
    char *textSpace(qsizetype size);
    friend class SqlValues;

    DatabaseConfig m_config;
    QString m_connectionName;
    QSqlDatabase m_db;
    QHash<QString, std::shared_ptr<QSqlQuery>> m_statements;
    bool m_inTransaction = false;
    quint64 m_undoEpoch = 0;
    quint64 m_commits = 0;
    sqlite3 *m_sqlite = nullptr; // the QSQLITE connection's own handle
    std::function<void(int frames)> m_walHook; // setWalHook()
    QHash<QString, sqlite3_stmt *> m_sqliteStatements;
    // UTF-8 of a statement's text values while it runs, in blocks that do not move (a value is
    // bound where it lies); kept for the next statement.
    std::vector<QByteArray> m_textBlocks;
    size_t m_textBlock = 0; // the block being filled
    qsizetype m_textUsed = 0; // bytes of it taken
};

} // namespace pds
