#include "db/database.h"
#include "db/databasethread.h"
#include "db/walcheckpointer.h"
#include "mixedtexts.h"
#include "scratchdatabase.h"
#include "threadpolicy.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QRandomGenerator>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>
#include <QTimeZone>
#include <QUuid>

#include <limits>
#include <optional>
#include <sqlite3.h>
#include <sys/fsuid.h>
#include <time.h>
#include <unistd.h>

using namespace Qt::StringLiterals;
using pds::Database;
using pds::DatabaseConfig;
using pds::DbError;
using pds::SqlValues;
using pds::WalCheckpointer;

namespace {

// Opens db on the scratch database: empty if it could, else why not.
QString openScratch(const pds::test::ScratchDatabase &scratch, Database &db)
{
    if (!scratch.isReady())
        return scratch.error();
    const DbError opened = db.open(scratch.config());
    return opened.isOk() ? QString() : opened.toString();
}

} // namespace

namespace {

qint64 countRows(Database &db, const QString &table)
{
    QSqlQuery query(db.handle());
    if (!query.exec(u"SELECT COUNT(*) FROM "_s + table) || !query.next())
        return -1;
    return query.value(0).toLongLong();
}

QString scalar(Database &db, const QString &sql)
{
    QSqlQuery query(db.handle());
    if (!query.exec(sql) || !query.next())
        return u"<error>"_s;
    return query.value(0).toString();
}

// A table with an auto-generated id, in each dialect's own words.
QString itemsTable(const Database &db)
{
    return db.isPostgres() ? u"CREATE TABLE items (id bigserial primary key, name varchar NOT "
                             "NULL UNIQUE, flag boolean, note text)"_s
                           : u"CREATE TABLE items (id integer PRIMARY KEY AUTOINCREMENT NOT NULL, "
                             "name varchar NOT NULL UNIQUE, flag boolean, note text)"_s;
}

// While alive, file access checks run as user "nobody": root ignores file permissions.
class AsNobody
{
public:
    AsNobody()
        : m_dropped(geteuid() == 0)
    {
        if (m_dropped)
            setfsuid(65534);
    }
    ~AsNobody()
    {
        if (m_dropped)
            setfsuid(0);
    }
    AsNobody(const AsNobody &) = delete;
    AsNobody &operator=(const AsNobody &) = delete;

private:
    bool m_dropped;
};

} // namespace

class TestDatabase : public QObject
{
    Q_OBJECT
    QTemporaryDir m_sqliteTemp;

private slots:
    void initTestCase();
    void statementRowsUseAFewSizes();

    void opensWithTheSessionSettings_data() { pds::test::addBackendRows(); }
    void opensWithTheSessionSettings();
    void enforcesForeignKeys_data() { pds::test::addBackendRows(); }
    void enforcesForeignKeys();
    void mapsUniqueViolationsToConstraint_data() { pds::test::addBackendRows(); }
    void mapsUniqueViolationsToConstraint();
    void execWriteBindsValuesAsQtSqlDoes_data() { pds::test::addBackendRows(); }
    void execWriteBindsValuesAsQtSqlDoes();
    void execWriteBindsValuesHandedOneByOne_data() { pds::test::addBackendRows(); }
    void execWriteBindsValuesHandedOneByOne();
    void bindsTextsOfAnyLengthAndCharacters_data() { pds::test::addBackendRows(); }
    void bindsTextsOfAnyLengthAndCharacters();
    void execWriteMapsErrorsAndKeepsTheTransaction_data() { pds::test::addBackendRows(); }
    void execWriteMapsErrorsAndKeepsTheTransaction();
    void forEachRowReadsEveryRowInOrder_data() { pds::test::addBackendRows(); }
    void forEachRowReadsEveryRowInOrder();
    void givesEachDatabaseItsOwnConnection();
    void closeRemovesTheConnection();
    void preparesEachStatementOncePerConnection_data() { pds::test::addBackendRows(); }
    void preparesEachStatementOncePerConnection();
    void insertReturningIdReturnsTheNewIds_data() { pds::test::addBackendRows(); }
    void insertReturningIdReturnsTheNewIds();
    void insertReturningIdRefusesNamesThatAreNotPlainIdentifiers_data()
    {
        pds::test::addBackendRows();
    }
    void insertReturningIdRefusesNamesThatAreNotPlainIdentifiers();
    void lastInsertIdReadsReturningOrTheDriversId_data() { pds::test::addBackendRows(); }
    void lastInsertIdReadsReturningOrTheDriversId();
    void transactionsCommitAndRollBack_data() { pds::test::addBackendRows(); }
    void transactionsCommitAndRollBack();
    void savepointLetsOneRowFailWithoutLosingTheTransaction_data() { pds::test::addBackendRows(); }
    void savepointLetsOneRowFailWithoutLosingTheTransaction();
    void commitReportsATransactionPostgresAborted_data() { pds::test::addBackendRows(); }
    void commitReportsATransactionPostgresAborted();
    void storesTimestampsInUtcAsRailsDoes_data() { pds::test::addBackendRows(); }
    void storesTimestampsInUtcAsRailsDoes();
    void readOnlyDatabaseGivesReadOnly_data() { pds::test::addBackendRows(); }
    void readOnlyDatabaseGivesReadOnly();
    void opensItsOwnConnectionInAWorkerThread_data() { pds::test::addBackendRows(); }
    void opensItsOwnConnectionInAWorkerThread();

    void lockedSqliteGivesLockedAfterTheBusyTimeout();
    void unopenableSqlitePathGivesUnreachable();
    void fileThatIsNoDatabaseIsRefused();
    void closedPostgresPortGivesUnreachable();
    void missingPostgresDatabaseGivesNoSuchDatabase();
    void unknownPostgresRoleGivesAuthenticationFailed();
    void formatsTimestampsAsRailsDoes();
    void formatsAnyTimeAsQDateTimeDoes();
    void statementJournalsStayInMemory();
    void sqliteKeepsNoMemoryStatistics();
    void aWalHookReplacesSqlitesCheckpoints();
    void theWalIsCheckpointedOnAnotherThread();
    void theWriterCheckpointsPastItsBound();
    void aCheckpointIsAskedForAsTheLogGrowsNotAtEveryCommit();
    void catchingUpCopiesWhatWasLeftInTheLog();
    void aDatabaseThreadServesTheThreadThatPostsToIt();
};

void TestDatabase::initTestCase()
{
    // A zone far from UTC makes any local-time slip in timestamp handling visible.
    qputenv("TZ", "America/Los_Angeles");
    tzset();
    // SQLite's temporary files go here (it reads the variable once, at its first such file).
    QVERIFY(m_sqliteTemp.isValid());
    qputenv("SQLITE_TMPDIR", m_sqliteTemp.path().toLocal8Bit());
}

// SQLite keeps no memory statistics: they took a global mutex in every allocation and free.
void TestDatabase::sqliteKeepsNoMemoryStatistics()
{
    pds::test::ScratchDatabase scratch(u"sqlite"_s);
    const DatabaseConfig config = scratch.config();
    Database db;
    QCOMPARE(openScratch(scratch, db), QString());
    QVERIFY(db.exec(u"CREATE TABLE t (v varchar)"_s));
    DbError error;
    QVERIFY2(db.execWrite(u"INSERT INTO t (v) VALUES (?)"_s, { u"x"_s }, &error),
        qPrintable(error.toString()));
    QCOMPARE(sqlite3_memory_used(), 0);
}

namespace {

// Ten transactions of 2,000 rows of 1 KB: about 5,000 pages through the write-ahead log, five
// times SQLite's checkpoint threshold, under WalCheckpointer::WriterFrom.
QString writeMegabytes(Database &db)
{
    DbError error;
    if (!db.exec(u"CREATE TABLE t (id integer PRIMARY KEY, v varchar)"_s, &error))
        return error.toString();
    const QString one = u"(?)"_s;
    for (int transaction = 0; transaction < 10; ++transaction) {
        error = db.beginTransaction();
        for (int statement = 0; error.isOk() && statement < 4; ++statement) {
            QVariantList values;
            for (int row = 0; row < 500; ++row)
                values << QString(1000, QChar(u'a' + (transaction + row) % 26));
            db.execWrite(
                u"INSERT INTO t (v) VALUES "_s + QStringList(500, one).join(u','), values, &error);
        }
        if (error.isOk())
            error = db.commit();
        if (error.isError())
            return error.toString();
    }
    return {};
}

} // namespace

// A WAL hook takes the place of SQLite's own checkpoints (wal_autocheckpoint, in the committing
// thread): nothing is copied into the database file while the log grows past 1,000 frames.
void TestDatabase::aWalHookReplacesSqlitesCheckpoints()
{
    pds::test::ScratchDatabase scratch(u"sqlite"_s);
    const DatabaseConfig config = scratch.config();
    Database db;
    QCOMPARE(openScratch(scratch, db), QString());
    int most = 0;
    int commits = 0;
    db.setWalHook([&](int frames) {
        most = qMax(most, frames);
        ++commits;
    });
    QCOMPARE(writeMegabytes(db), QString());
    QCOMPARE(commits, 11); // the table and ten transactions
    QVERIFY2(most > 4000, qPrintable(QString::number(most)));
    QVERIFY(QFileInfo(config.sqlitePath).size() < 1 << 20);
    // Without the hook SQLite checkpoints again.
    db.setWalHook({});
    QVERIFY(db.beginTransaction().isOk());
    DbError error;
    QVERIFY(db.execWrite(u"INSERT INTO t (v) VALUES (?)"_s, { u"x"_s }, &error));
    QVERIFY(db.commit().isOk());
    QVERIFY(QFileInfo(config.sqlitePath).size() > 10 << 20);
}

namespace {

// A scratch SQLite writer watched by a WalCheckpointer, through which writeMegabytes() writes.
struct Watched
{
    pds::test::ScratchDatabase scratch { u"sqlite"_s };
    Database db;
    std::optional<WalCheckpointer> checkpointer; // after the writer: goes first, unhooking it

    // An error's text, or empty.
    QString write(
        int askFrom = WalCheckpointer::AskFrom, int writerFrom = WalCheckpointer::WriterFrom)
    {
        if (const QString error = openScratch(scratch, db); !error.isEmpty())
            return error;
        checkpointer.emplace(scratch.config());
        if (!checkpointer->isReady())
            return u"no checkpointer"_s;
        checkpointer->watch(db, askFrom, writerFrom);
        return writeMegabytes(db);
    }
    qint64 fileSize() const { return QFileInfo(scratch.config().sqlitePath).size(); }
    // The file's size once every page is in it (the writer's view, log included).
    qint64 fullSize()
    {
        return scalar(db, u"PRAGMA page_count"_s).toLongLong()
            * scalar(db, u"PRAGMA page_size"_s).toLongLong();
    }
};

} // namespace

// With a WalCheckpointer watching, the log is copied into the database file on the
// checkpointer's thread; the writer, below WriterFrom frames, never does it.
void TestDatabase::theWalIsCheckpointedOnAnotherThread()
{
    Watched watched;
    QCOMPARE(watched.write(), QString());
    QTRY_VERIFY(watched.checkpointer->checkpoints() > 0);
    // The database file grows only by checkpoints.
    QTRY_VERIFY2(watched.fileSize() > 10 << 20, qPrintable(QString::number(watched.fileSize())));
}

// A checkpointer that is never asked (or cannot keep up) does not let the log grow without bound:
// past writerFrom frames the writer's own commits checkpoint it.
void TestDatabase::theWriterCheckpointsPastItsBound()
{
    Watched watched;
    QCOMPARE(watched.write(std::numeric_limits<int>::max(), 1000), QString());
    // Copied in the writer's commits, at once: nothing was asked of the checkpointer.
    QVERIFY2(watched.fileSize() > 10 << 20, qPrintable(QString::number(watched.fileSize())));
    QCOMPARE(watched.checkpointer->checkpoints(), 0);
}

// ~5,500 frames in ten commits ask for a checkpoint at about every 1,000, five times; asking at
// every commit once past 1,000 (as before) asked nine times, each checkpoint two fdatasync()s.
void TestDatabase::aCheckpointIsAskedForAsTheLogGrowsNotAtEveryCommit()
{
    Watched watched;
    QCOMPARE(watched.write(), QString());
    WalCheckpointer &checkpointer = *watched.checkpointer;
    QVERIFY2(checkpointer.asks() >= 4 && checkpointer.asks() <= 6,
        qPrintable(QString::number(checkpointer.asks())));
    checkpointer.catchUp();
    QTRY_COMPARE(watched.fileSize(), watched.fullSize());
    QVERIFY(checkpointer.checkpoints() <= checkpointer.asks());
}

// Asked for past 3,000 frames only, the checkpointer copies that much; what the writer committed
// after waits in the log until it catches up (as the sync does when done), then all is copied.
void TestDatabase::catchingUpCopiesWhatWasLeftInTheLog()
{
    Watched watched;
    QCOMPARE(watched.write(3000), QString());
    WalCheckpointer &checkpointer = *watched.checkpointer;
    QTRY_COMPARE(checkpointer.checkpoints(), 1);
    const qint64 full = watched.fullSize();
    QVERIFY2(watched.fileSize() < full * 3 / 4, qPrintable(QString::number(watched.fileSize())));
    checkpointer.catchUp();
    QTRY_COMPARE(checkpointer.checkpoints(), 2);
    QCOMPARE(watched.fileSize(), full);
    checkpointer.catchUp(); // nothing committed since: nothing asked
    QCOMPARE(checkpointer.asks(), 2);
}

// A multi-row INSERT inside a transaction keeps the pages it changes in a statement journal, to
// undo that statement alone. Past 64 KiB SQLite's default writes the journal into a temporary
// file (deleted at once, open until the transaction ends): a sync's every page did.
void TestDatabase::statementJournalsStayInMemory()
{
    pds::test::ScratchDatabase scratch(u"sqlite"_s);
    const DatabaseConfig config = scratch.config();
    Database db;
    QCOMPARE(openScratch(scratch, db), QString());
    QVERIFY(db.exec(u"CREATE TABLE t (id integer PRIMARY KEY, k varchar NOT NULL, v varchar)"_s));
    QVERIFY(db.exec(u"CREATE UNIQUE INDEX t_k ON t (k)"_s));
    QVERIFY(db.exec(u"CREATE INDEX t_v ON t (v)"_s));
    // Keys in no order: each row of the statement below lands on other index pages.
    const auto key = [](int i) {
        return QString::number((i * 7919) % 100003) + u"-key"_s;
    };
    const auto insert = [&](int from, int rows) {
        QStringList places;
        QVariantList values;
        for (int i = from; i < from + rows; ++i) {
            places << u"(?, ?)"_s;
            values << key(i) << QString(40, QChar(u'a' + i % 26)) + key(i);
        }
        DbError error;
        const bool ok = db.execWrite(
            u"INSERT INTO t (k, v) VALUES "_s + places.join(u", "_s), values, &error);
        return ok ? QString() : error.toString();
    };
    QVERIFY(db.beginTransaction().isOk());
    for (int from = 0; from < 20000; from += 400)
        QCOMPARE(insert(from, 400), QString());
    QVERIFY(db.commit().isOk());

    const auto tempFilesOpen = [&] {
        int open = 0;
        const QDir fds(u"/proc/self/fd"_s);
        for (const QFileInfo &fd : fds.entryInfoList(
                 QDir::AllEntries | QDir::System | QDir::Hidden | QDir::NoDotAndDotDot)) {
            if (fd.symLinkTarget().startsWith(m_sqliteTemp.path()))
                ++open;
        }
        return open;
    };
    QVERIFY(db.beginTransaction().isOk());
    QCOMPARE(insert(20000, 400), QString()); // hundreds of pages changed
    QCOMPARE(tempFilesOpen(), 0);
    QVERIFY(db.commit().isOk());
    QCOMPARE(countRows(db, u"t"_s), 20400);
}

void TestDatabase::opensWithTheSessionSettings()
{
    PDS_SCRATCH_DATABASE(scratch);
    DatabaseConfig config = scratch.config();
    config.busyTimeoutMs = 1234;
    Database db;
    const DbError error = db.open(config);
    QVERIFY2(error.isOk(), qPrintable(error.toString()));
    QVERIFY(db.isOpen());
    QCOMPARE(db.isPostgres(), scratch.isPostgres());
    if (db.isPostgres()) {
        QCOMPARE(scalar(db, u"SHOW TimeZone"_s), u"UTC"_s);
        QCOMPARE(scalar(db, u"SHOW application_name"_s), u"pipedrive-sync"_s);
    } else {
        QCOMPARE(scalar(db, u"PRAGMA foreign_keys"_s), u"1"_s);
        QCOMPARE(scalar(db, u"PRAGMA journal_mode"_s), u"wal"_s);
        QCOMPARE(scalar(db, u"PRAGMA busy_timeout"_s), u"1234"_s);
        QCOMPARE(scalar(db, u"PRAGMA synchronous"_s), u"1"_s); // NORMAL
    }
}

void TestDatabase::enforcesForeignKeys()
{
    PDS_SCRATCH_DATABASE(scratch);
    Database db;
    QVERIFY(db.open(scratch.config()).isOk());
    DbError error;
    QVERIFY(db.exec(u"CREATE TABLE parents (id integer PRIMARY KEY)"_s, &error));
    QVERIFY(db.exec(u"CREATE TABLE children (id integer PRIMARY KEY, parent_id integer "
                    "REFERENCES parents (id))"_s,
        &error));
    QVERIFY(db.exec(u"INSERT INTO parents (id) VALUES (1)"_s, &error));
    QVERIFY(db.exec(u"INSERT INTO children (id, parent_id) VALUES (1, 1)"_s, &error));

    QSqlQuery orphan(db.handle());
    orphan.prepare(u"INSERT INTO children (id, parent_id) VALUES (?, ?)"_s);
    orphan.addBindValue(2);
    orphan.addBindValue(42);
    QVERIFY(!db.exec(orphan, &error));
    QCOMPARE(error.kind, DbError::Kind::Constraint);
    QCOMPARE(countRows(db, u"children"_s), 1);
}

void TestDatabase::mapsUniqueViolationsToConstraint()
{
    PDS_SCRATCH_DATABASE(scratch);
    Database db;
    QVERIFY(db.open(scratch.config()).isOk());
    DbError error;
    QVERIFY(db.exec(itemsTable(db), &error));
    QVERIFY(db.insertReturningId(u"items"_s, { u"name"_s }, { u"Acme"_s }, &error) > 0);
    QCOMPARE(db.insertReturningId(u"items"_s, { u"name"_s }, { u"Acme"_s }, &error), -1);
    QCOMPARE(error.kind, DbError::Kind::Constraint);
    QVERIFY2(error.message.contains(u"rules"_s), qPrintable(error.message));
    QVERIFY(!error.nativeCode.isEmpty());
}

void TestDatabase::execWriteBindsValuesAsQtSqlDoes()
{
    PDS_SCRATCH_DATABASE(scratch);
    Database db;
    QVERIFY(db.open(scratch.config()).isOk());
    DbError error;
    QVERIFY(db.exec(itemsTable(db), &error));
    const QString insert = db.isPostgres()
        ? u"INSERT INTO items (name, flag, note) VALUES (?, ?, ?) RETURNING id"_s
        : u"INSERT INTO items (name, flag, note) VALUES (?, ?, ?)"_s;
    // The same values through QtSql and through execWrite must read back the same.
    const QList<QVariantList> rows = {
        { u"Müller & Søn — 東京 😀"_s, true, QVariant(QMetaType::fromType<QString>()) },
        { u"empty note"_s, false, u""_s },
        { u"long"_s, QVariant(), QString(5000, u'x') },
        { u"null text held"_s, true, QVariant(QString()) },
    };
    for (const QVariantList &values : rows) {
        qint64 id = -1;
        QVERIFY2(db.execWrite(insert, values, &error, &id), qPrintable(error.toString()));
        QVERIFY(id > 0);
        QSqlQuery viaQt(db.handle());
        QVERIFY(viaQt.prepare(u"SELECT name, flag, note FROM items WHERE id = ?"_s));
        viaQt.addBindValue(id);
        QVERIFY(viaQt.exec() && viaQt.next());
        QCOMPARE(viaQt.value(0).toString(), values.at(0).toString());
        QCOMPARE(viaQt.value(1).isNull(), values.at(1).isNull());
        if (!values.at(1).isNull())
            QCOMPARE(viaQt.value(1).toBool(), values.at(1).toBool());
        // A null QString is NULL, an empty one is '' (as QtSql binds them).
        QCOMPARE(viaQt.value(2).isNull(), values.at(2).toString().isNull());
        QCOMPARE(viaQt.value(2).toString(), values.at(2).toString());
    }
    QCOMPARE(countRows(db, u"items"_s), rows.size());
}

void TestDatabase::execWriteBindsValuesHandedOneByOne()
{
    PDS_SCRATCH_DATABASE(scratch);
    Database db;
    QVERIFY(db.open(scratch.config()).isOk());
    DbError error;
    QVERIFY(db.exec(db.isPostgres() ? u"CREATE TABLE parts (id bigserial primary key, name text "
                                      "NOT NULL, amount bigint, note text)"_s
                                    : u"CREATE TABLE parts (id integer PRIMARY KEY AUTOINCREMENT "
                                      "NOT NULL, name text NOT NULL, amount bigint, note text)"_s,
        &error));
    // Texts bigger than the connection's text blocks (256 KiB of UTF-8) between small ones: each
    // value must stay where it was bound while the others are encoded.
    const QString big(200000, u'é'); // 400,000 bytes of UTF-8
    const QString other(150000, u'ß');
    const auto fill = [&](SqlValues &out) {
        out.add(u"Müller & Søn — 東京 😀"_s);
        out.add(qint64(7));
        out.addAsciiInPlace("2025-01-02 03:04:05.007000", 26);
        out.add(big);
        out.add(QVariant());
        out.add(other);
        out.add(u"null note"_s);
        out.add(QVariant(qint64(-3)));
        out.add(QString());
        out.add(QVariant(u"last"_s));
        out.add(qint64(1) << 40);
        out.add(QVariant(u""_s));
    };
    const QString insert = u"INSERT INTO parts (name, amount, note) VALUES (?, ?, ?), (?, ?, ?), "
                           "(?, ?, ?), (?, ?, ?)"_s;
    QVERIFY2(db.execWrite(insert, 12, fill, &error), qPrintable(error.toString()));
    QStringList rows;
    QVERIFY(db.forEachRow(
        u"SELECT name, amount, note FROM parts ORDER BY id"_s, {},
        [&](const QVariantList &row) {
            QStringList values;
            for (const QVariant &value : row)
                values << (value.isNull() ? u"NULL"_s : value.toString());
            rows << values.join(u'|');
        },
        &error));
    QCOMPARE(rows,
        (QStringList { u"Müller & Søn — 東京 😀|7|2025-01-02 03:04:05.007000"_s,
            big + u"|NULL|"_s + other, u"null note|-3|NULL"_s, u"last|1099511627776|"_s }));

    // Times bound where they lie (a text that outlives the statement) and formatted where they
    // are bound, each followed by a text in the same block, then a big text that takes a block
    // of its own; a time that cannot be formatted adds nothing.
    const QByteArray inPlace = "2026-12-06 01:02:03.456000";
    const QDateTime time(QDate(1999, 12, 31), QTime(23, 59, 58, 7), QTimeZone::utc());
    bool pastFormatted = true;
    const auto times = [&](SqlValues &out) {
        out.addAsciiInPlace(inPlace.constData(), inPlace.size());
        out.add(u"note one"_s);
        QVERIFY(out.addTimestamp(time));
        out.add(u"note two"_s);
        QVERIFY(out.addTimestamp(time.addMSecs(993)));
        out.add(big);
        out.add(other);
        pastFormatted
            = out.addTimestamp(QDateTime(QDate(-44, 3, 15), QTime(12, 0), QTimeZone::utc()));
        if (!pastFormatted)
            out.add(QVariant());
    };
    QVERIFY2(db.execWrite(u"INSERT INTO parts (name, amount, note) VALUES (?, 1, ?), (?, 2, ?), "
                          "(?, 3, ?), (?, 4, ?)"_s,
                 8, times, &error),
        qPrintable(error.toString()));
    QVERIFY(!pastFormatted);
    QStringList bound;
    QVERIFY(db.forEachRow(
        u"SELECT name, note FROM parts WHERE amount BETWEEN 1 AND 4 ORDER BY id"_s, {},
        [&](const QVariantList &row) { bound << row.at(0).toString() << row.at(1).toString(); },
        &error));
    QCOMPARE(bound,
        (QStringList { u"2026-12-06 01:02:03.456000"_s, u"note one"_s,
            u"1999-12-31 23:59:58.007000"_s, u"note two"_s, u"1999-12-31 23:59:59"_s, big, other,
            QString() }));
    QVERIFY(db.exec(u"DELETE FROM parts WHERE amount BETWEEN 1 AND 4"_s, &error));

    // Fewer values than the statement has parameters: an error, nothing written.
    const auto tooFew = [](SqlValues &out) {
        out.add(u"alone"_s);
        out.add(qint64(1));
    };
    error = {};
    QVERIFY(!db.execWrite(
        u"INSERT INTO parts (name, amount, note) VALUES (?, ?, ?)"_s, 3, tooFew, &error));
    QVERIFY(error.isError());
    QCOMPARE(countRows(db, u"parts"_s), 4);
}

// Short ASCII texts are copied as their UTF-8 (asciitext.h), the others encoded by Qt: every text
// reads back as it was bound, wherever a character outside ASCII stands.
void TestDatabase::bindsTextsOfAnyLengthAndCharacters()
{
    PDS_SCRATCH_DATABASE(scratch);
    Database db;
    QVERIFY(db.open(scratch.config()).isOk());
    DbError error;
    QVERIFY(db.exec(u"CREATE TABLE texts (id bigint PRIMARY KEY, v text NOT NULL)"_s, &error));
    const QStringList texts = pds::test::mixedTexts();
    // Two texts a statement: each is bound while the one before it stays where it lies.
    for (qsizetype i = 0; i < texts.size(); i += 2) {
        const QString &second = i + 1 < texts.size() ? texts.at(i + 1) : texts.first();
        const auto fill = [&](SqlValues &out) {
            out.add(qint64(i));
            out.add(texts.at(i));
            out.add(qint64(i + 1));
            out.add(second);
        };
        QVERIFY2(
            db.execWrite(u"INSERT INTO texts (id, v) VALUES (?, ?), (?, ?)"_s, 4, fill, &error),
            qPrintable(error.toString()));
    }
    QStringList read;
    QVERIFY(db.forEachRow(
        u"SELECT v FROM texts ORDER BY id"_s, {},
        [&](const QVariantList &row) { read << row.at(0).toString(); }, &error));
    read.resize(texts.size());
    QCOMPARE(read, texts);
}

void TestDatabase::execWriteMapsErrorsAndKeepsTheTransaction()
{
    PDS_SCRATCH_DATABASE(scratch);
    Database db;
    QVERIFY(db.open(scratch.config()).isOk());
    DbError error;
    QVERIFY(db.exec(itemsTable(db), &error));
    QVERIFY(db.beginTransaction().isOk());
    const QString insert = u"INSERT INTO items (name) VALUES (?)"_s;
    QVERIFY(db.execWrite(insert, { u"Acme"_s }, &error));
    QVERIFY(db.savepoint(u"row"_s).isOk());
    QVERIFY(!db.execWrite(insert, { u"Acme"_s }, &error));
    QCOMPARE(error.kind, DbError::Kind::Constraint);
    QVERIFY(!error.nativeCode.isEmpty());
    QVERIFY(db.rollbackToSavepoint(u"row"_s).isOk());
    // A NOT NULL column given NULL: a clear error, nothing written.
    QVERIFY(!db.execWrite(insert, { QVariant() }, &error));
    QCOMPARE(error.kind, DbError::Kind::Constraint);
    QVERIFY(db.rollbackToSavepoint(u"row"_s).isOk());
    if (db.isSqlite()) {
        // SQLite's own API counts the parameters: the wrong number of values is refused.
        error = {};
        QVERIFY(!db.execWrite(insert, { u"a"_s, u"b"_s }, &error));
        QVERIFY(error.isError());
    }
    QVERIFY(db.execWrite(insert, { u"Beta"_s }, &error));
    QVERIFY(db.releaseSavepoint(u"row"_s).isOk());
    QVERIFY(db.commit().isOk());
    QCOMPARE(countRows(db, u"items"_s), 2);
}

void TestDatabase::forEachRowReadsEveryRowInOrder()
{
    PDS_SCRATCH_DATABASE(scratch);
    Database db;
    QVERIFY(db.open(scratch.config()).isOk());
    DbError error;
    QVERIFY(db.exec(itemsTable(db), &error));
    for (const QString &name : { u"c"_s, u"a"_s, u"b"_s })
        QVERIFY(db.execWrite(u"INSERT INTO items (name, note) VALUES (?, ?)"_s,
            { name, name == u"a" ? QVariant() : QVariant(name + u"!"_s) }, &error));
    QStringList seen;
    QVERIFY(db.forEachRow(
        u"SELECT name, note, id FROM items WHERE name <> ? ORDER BY name"_s, { u"zzz"_s },
        [&](const QVariantList &row) {
            seen << row.at(0).toString() + u'|'
                    + (row.at(1).isNull() ? u"NULL"_s : row.at(1).toString()) + u'|'
                    + (row.at(2).toLongLong() > 0 ? u"id"_s : u"no id"_s);
        },
        &error));
    QCOMPARE(seen, (QStringList { u"a|NULL|id"_s, u"b|b!|id"_s, u"c|c!|id"_s }));
    // A statement that does not prepare is an error, not an empty result.
    seen.clear();
    QVERIFY(!db.forEachRow(
        u"SELECT nope FROM items"_s, {}, [&](const QVariantList &) { seen << u"row"_s; }, &error));
    QVERIFY(error.isError());
    QVERIFY(seen.isEmpty());
}

void TestDatabase::givesEachDatabaseItsOwnConnection()
{
    pds::test::ScratchDatabase scratch(u"sqlite"_s);
    Database first;
    Database second;
    QVERIFY(first.open(scratch.config()).isOk());
    QVERIFY(second.open(scratch.config()).isOk());
    QVERIFY(first.connectionName() != second.connectionName());
    QVERIFY(QSqlDatabase::contains(first.connectionName()));
    QVERIFY(QSqlDatabase::contains(second.connectionName()));
}

void TestDatabase::closeRemovesTheConnection()
{
    pds::test::ScratchDatabase scratch(u"sqlite"_s);
    QString name;
    {
        Database db;
        QVERIFY(db.open(scratch.config()).isOk());
        name = db.connectionName();
        QVERIFY(QSqlDatabase::contains(name));
        db.close();
        QVERIFY(!db.isOpen());
        QVERIFY(!QSqlDatabase::contains(name));
        QVERIFY(db.open(scratch.config()).isOk());
        name = db.connectionName();
    }
    QVERIFY(!QSqlDatabase::contains(name)); // the destructor closes too
}

void TestDatabase::preparesEachStatementOncePerConnection()
{
    PDS_SCRATCH_DATABASE(scratch);
    Database db;
    QVERIFY(db.open(scratch.config()).isOk());
    DbError error;
    QVERIFY(db.exec(itemsTable(db), &error));
    const QString insert = u"INSERT INTO items (name) VALUES (?)"_s;
    QSqlQuery *query = db.prepared(insert, &error);
    QVERIFY2(query, qPrintable(error.toString()));
    QCOMPARE(db.prepared(insert), query);
    QVERIFY(db.prepared(u"SELECT name FROM items WHERE id = ?"_s) != query);

    for (const QString &name : { u"a"_s, u"b"_s, u"c"_s }) {
        QSqlQuery *again = db.prepared(insert, &error);
        QCOMPARE(again, query);
        again->bindValue(0, name);
        QVERIFY2(db.exec(*again, &error), qPrintable(error.toString()));
    }
    QCOMPARE(countRows(db, u"items"_s), 3);

    QVERIFY(!db.prepared(u"SELECT nonsense FROM nowhere"_s, &error));
    QVERIFY(error.isError());
}

void TestDatabase::insertReturningIdReturnsTheNewIds()
{
    PDS_SCRATCH_DATABASE(scratch);
    Database db;
    QVERIFY(db.open(scratch.config()).isOk());
    DbError error;
    QVERIFY(db.exec(itemsTable(db), &error));
    const QStringList columns = { u"name"_s, u"flag"_s, u"note"_s };
    const qint64 first = db.insertReturningId(
        u"items"_s, columns, { u"first"_s, true, u"it's; \"quoted\""_s }, &error);
    QVERIFY2(first > 0, qPrintable(error.toString()));
    const qint64 second = db.insertReturningId(u"items"_s, columns,
        { u"second"_s, false, QVariant(QMetaType::fromType<QString>()) }, &error);
    QCOMPARE(second, first + 1);

    QSqlQuery check(db.handle());
    QVERIFY(check.exec(u"SELECT id, name, flag, note FROM items ORDER BY id"_s));
    QVERIFY(check.next());
    QCOMPARE(check.value(0).toLongLong(), first);
    QCOMPARE(check.value(2).toBool(), true);
    QCOMPARE(check.value(3).toString(), u"it's; \"quoted\""_s);
    QVERIFY(check.next());
    QCOMPARE(check.value(0).toLongLong(), second);
    QCOMPARE(check.value(2).toBool(), false);
    QVERIFY(check.isNull(3));
}

void TestDatabase::insertReturningIdRefusesNamesThatAreNotPlainIdentifiers()
{
    PDS_SCRATCH_DATABASE(scratch);
    Database db;
    QVERIFY(db.open(scratch.config()).isOk());
    DbError error;
    QVERIFY(db.exec(itemsTable(db), &error));
    QCOMPARE(
        db.insertReturningId(u"items; DROP TABLE items"_s, { u"name"_s }, { u"x"_s }, &error), -1);
    QCOMPARE(error.kind, DbError::Kind::Other);
    error = {};
    QCOMPARE(
        db.insertReturningId(u"items"_s, { u"name\") VALUES ('x'); --"_s }, { u"x"_s }, &error),
        -1);
    QCOMPARE(error.kind, DbError::Kind::Other);
    error = {};
    QCOMPARE(db.insertReturningId(u"items"_s, { u"name"_s, u"note"_s }, { u"x"_s }, &error), -1);
    QCOMPARE(error.kind, DbError::Kind::Other);
    QCOMPARE(countRows(db, u"items"_s), 0);
}

void TestDatabase::lastInsertIdReadsReturningOrTheDriversId()
{
    PDS_SCRATCH_DATABASE(scratch);
    Database db;
    QVERIFY(db.open(scratch.config()).isOk());
    DbError error;
    QVERIFY(db.exec(itemsTable(db), &error));
    // SQLite 3.35+ knows RETURNING too, so this form works on both.
    QSqlQuery *returning
        = db.prepared(u"INSERT INTO items (name) VALUES (?) RETURNING id"_s, &error);
    QVERIFY2(returning, qPrintable(error.toString()));
    returning->bindValue(0, u"a"_s);
    QVERIFY(db.exec(*returning, &error));
    QCOMPARE(db.lastInsertId(*returning), 1);
    returning->finish();
    if (db.isSqlite()) {
        QSqlQuery *plain = db.prepared(u"INSERT INTO items (name) VALUES (?)"_s, &error);
        plain->bindValue(0, u"b"_s);
        QVERIFY(db.exec(*plain, &error));
        QCOMPARE(db.lastInsertId(*plain), 2);
    }
}

void TestDatabase::transactionsCommitAndRollBack()
{
    PDS_SCRATCH_DATABASE(scratch);
    Database db;
    QVERIFY(db.open(scratch.config()).isOk());
    DbError error;
    QVERIFY(db.exec(itemsTable(db), &error));

    QVERIFY(db.beginTransaction().isOk());
    QVERIFY(db.inTransaction());
    QVERIFY(db.beginTransaction().isError()); // no nesting
    QVERIFY(db.insertReturningId(u"items"_s, { u"name"_s }, { u"gone"_s }, &error) > 0);
    QVERIFY(db.rollback().isOk());
    QVERIFY(!db.inTransaction());
    QCOMPARE(countRows(db, u"items"_s), 0);

    QVERIFY(db.beginTransaction().isOk());
    QVERIFY(db.insertReturningId(u"items"_s, { u"name"_s }, { u"kept"_s }, &error) > 0);
    // An unfinished SELECT from the cache must not block the commit.
    QSqlQuery *select = db.prepared(u"SELECT name FROM items"_s, &error);
    QVERIFY(db.exec(*select, &error));
    QVERIFY(select->next());
    const DbError committed = db.commit();
    QVERIFY2(committed.isOk(), qPrintable(committed.toString()));
    QCOMPARE(countRows(db, u"items"_s), 1);
    QVERIFY(db.commit().isError()); // nothing open
}

void TestDatabase::savepointLetsOneRowFailWithoutLosingTheTransaction()
{
    PDS_SCRATCH_DATABASE(scratch);
    Database db;
    QVERIFY(db.open(scratch.config()).isOk());
    DbError error;
    QVERIFY(db.exec(itemsTable(db), &error));
    QVERIFY(db.beginTransaction().isOk());
    QVERIFY(db.insertReturningId(u"items"_s, { u"name"_s }, { u"one"_s }, &error) > 0);
    QVERIFY(db.savepoint(u"record"_s).isOk());
    QCOMPARE(db.insertReturningId(u"items"_s, { u"name"_s }, { u"one"_s }, &error), -1);
    QCOMPARE(error.kind, DbError::Kind::Constraint);
    QVERIFY(db.rollbackToSavepoint(u"record"_s).isOk());
    QVERIFY(db.releaseSavepoint(u"record"_s).isOk());
    QVERIFY(db.insertReturningId(u"items"_s, { u"name"_s }, { u"two"_s }, &error) > 0);
    QVERIFY(db.commit().isOk());
    QCOMPARE(countRows(db, u"items"_s), 2);
    QVERIFY(db.savepoint(u"bad name"_s).isError());
}

void TestDatabase::commitReportsATransactionPostgresAborted()
{
    PDS_SCRATCH_DATABASE(scratch);
    Database db;
    QVERIFY(db.open(scratch.config()).isOk());
    DbError error;
    QVERIFY(db.exec(itemsTable(db), &error));
    QVERIFY(db.beginTransaction().isOk());
    QVERIFY(db.insertReturningId(u"items"_s, { u"name"_s }, { u"one"_s }, &error) > 0);
    QCOMPARE(db.insertReturningId(u"items"_s, { u"name"_s }, { u"one"_s }, &error), -1);
    const DbError committed = db.commit();
    if (db.isPostgres()) {
        // PostgreSQL aborts the whole transaction on an error and answers COMMIT with ROLLBACK.
        QVERIFY(committed.isError());
        QVERIFY(!db.inTransaction());
        QCOMPARE(countRows(db, u"items"_s), 0);
    } else {
        // SQLite undoes only the failed statement.
        QVERIFY2(committed.isOk(), qPrintable(committed.toString()));
        QCOMPARE(countRows(db, u"items"_s), 1);
    }
}

void TestDatabase::storesTimestampsInUtcAsRailsDoes()
{
    PDS_SCRATCH_DATABASE(scratch);
    Database db;
    QVERIFY(db.open(scratch.config()).isOk());
    DbError error;
    QVERIFY(db.exec(db.isPostgres() ? u"CREATE TABLE times (id integer, at timestamp(6))"_s
                                    : u"CREATE TABLE times (id integer, at datetime(6))"_s,
        &error));
    const QDateTime moment(QDate(2025, 3, 30), QTime(1, 30, 5, 250), QTimeZone::utc());
    QSqlQuery *insert = db.prepared(u"INSERT INTO times (id, at) VALUES (?, ?)"_s, &error);
    insert->bindValue(0, 1);
    insert->bindValue(1, Database::formatTimestamp(moment));
    QVERIFY2(db.exec(*insert, &error), qPrintable(error.toString()));

    QCOMPARE(scalar(db, u"SELECT CAST(at AS TEXT) FROM times"_s),
        db.isPostgres() ? u"2025-03-30 01:30:05.25"_s : u"2025-03-30 01:30:05.250000"_s);
    QSqlQuery read(db.handle());
    QVERIFY(read.exec(u"SELECT at, CAST(at AS TEXT) FROM times"_s));
    QVERIFY(read.next());
    QCOMPARE(Database::parseTimestamp(read.value(1)), moment);
    // QPSQL hands out a local-time QDateTime; TZ is far from UTC here (initTestCase).
    QCOMPARE(Database::parseTimestamp(read.value(0)), moment);
}

void TestDatabase::readOnlyDatabaseGivesReadOnly()
{
    PDS_SCRATCH_DATABASE(scratch);
    if (scratch.isPostgres()) {
        QString fixtureError;
        QVERIFY2(
            scratch.exec({ u"CREATE TABLE items (id integer)"_s,
                             u"ALTER DATABASE \"%1\" SET default_transaction_read_only = on"_s.arg(
                                 scratch.config().databaseName) },
                &fixtureError),
            qPrintable(fixtureError));
        Database db;
        QVERIFY(db.open(scratch.config()).isOk());
        DbError error;
        QVERIFY(!db.exec(u"INSERT INTO items (id) VALUES (1)"_s, &error));
        QCOMPARE(error.kind, DbError::Kind::ReadOnly);
        QVERIFY2(error.message.contains(u"read-only"_s), qPrintable(error.message));
        return;
    }

    // An SQLite file in rollback-journal mode that we may read but not write.
    QString fixtureError;
    QVERIFY2(scratch.exec({ u"CREATE TABLE items (id integer)"_s }, &fixtureError),
        qPrintable(fixtureError));
    const QString path = scratch.config().sqlitePath;
    QVERIFY(QFile::setPermissions(path, QFile::ReadOwner | QFile::ReadGroup | QFile::ReadOther));
    QVERIFY(QFile::setPermissions(scratch.directory(),
        QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner | QFile::ReadGroup | QFile::ExeGroup
            | QFile::ReadOther | QFile::ExeOther));
    DbError error;
    {
        const AsNobody asNobody;
        Database db;
        error = db.open(scratch.config());
        if (error.isOk()) // journal mode already fine: then the first write must fail
            db.exec(u"INSERT INTO items (id) VALUES (1)"_s, &error);
    }
    QFile::setPermissions(path, QFile::ReadOwner | QFile::WriteOwner);
    QCOMPARE(error.kind, DbError::Kind::ReadOnly);
    QVERIFY2(error.message.contains(path), qPrintable(error.message));
    QVERIFY2(error.message.contains(u"permissions"_s), qPrintable(error.message));
}

void TestDatabase::opensItsOwnConnectionInAWorkerThread()
{
    PDS_SCRATCH_DATABASE(scratch);
    const DatabaseConfig config = scratch.config();
    DbError workerError;
    qint64 workerId = -1;
    QString workerConnection;
    QThread *worker = QThread::create([&] {
        Database db;
        workerError = db.open(config);
        if (workerError.isError())
            return;
        workerConnection = db.connectionName();
        if (db.exec(itemsTable(db), &workerError))
            workerId = db.insertReturningId(
                u"items"_s, { u"name"_s }, { u"from worker"_s }, &workerError);
    });
    worker->start();
    QVERIFY(worker->wait(60000));
    delete worker;
    QVERIFY2(workerError.isOk(), qPrintable(workerError.toString()));
    QCOMPARE(workerId, 1);
    QVERIFY(!QSqlDatabase::contains(workerConnection)); // closed in its own thread

    Database db;
    QVERIFY(db.open(config).isOk());
    QCOMPARE(scalar(db, u"SELECT name FROM items"_s), u"from worker"_s);
}

void TestDatabase::lockedSqliteGivesLockedAfterTheBusyTimeout()
{
    pds::test::ScratchDatabase scratch(u"sqlite"_s);
    Database holder;
    QVERIFY(holder.open(scratch.config()).isOk());
    DbError error;
    QVERIFY(holder.exec(u"CREATE TABLE items (id integer)"_s, &error));
    QVERIFY(holder.beginTransaction().isOk());
    QVERIFY(holder.exec(u"INSERT INTO items (id) VALUES (1)"_s, &error));

    DatabaseConfig config = scratch.config();
    config.busyTimeoutMs = 50;
    Database waiter;
    const DbError opened = waiter.open(config); // WAL: opening and reading need no write lock
    QVERIFY2(opened.isOk(), qPrintable(opened.toString()));
    QCOMPARE(scalar(waiter, u"SELECT COUNT(*) FROM items"_s), u"0"_s);

    const DbError begin = waiter.beginTransaction();
    QCOMPARE(begin.kind, DbError::Kind::Locked);
    QVERIFY2(begin.message.contains(config.sqlitePath), qPrintable(begin.message));
    QVERIFY(!waiter.inTransaction());
    QVERIFY(!waiter.exec(u"INSERT INTO items (id) VALUES (2)"_s, &error));
    QCOMPARE(error.kind, DbError::Kind::Locked);

    QVERIFY(holder.commit().isOk());
    QVERIFY(waiter.beginTransaction().isOk());
    QVERIFY(waiter.exec(u"INSERT INTO items (id) VALUES (2)"_s, &error));
    QVERIFY(waiter.commit().isOk());
    QCOMPARE(scalar(holder, u"SELECT COUNT(*) FROM items"_s), u"2"_s);
}

void TestDatabase::unopenableSqlitePathGivesUnreachable()
{
    pds::test::ScratchDatabase scratch(u"sqlite"_s);
    Database db;
    // A folder cannot be opened as a database file.
    const DbError error = db.open(DatabaseConfig::sqlite(scratch.directory()));
    QCOMPARE(error.kind, DbError::Kind::Unreachable);
    QVERIFY2(error.message.contains(scratch.directory()), qPrintable(error.message));
    QVERIFY(!db.isOpen());

    const DbError empty = db.open(DatabaseConfig::sqlite(QString()));
    QVERIFY(empty.isError());
}

void TestDatabase::fileThatIsNoDatabaseIsRefused()
{
    pds::test::ScratchDatabase scratch(u"sqlite"_s);
    QFile file(scratch.config().sqlitePath);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(QByteArray("name,email\n").repeated(200));
    file.close();
    Database db;
    const DbError error = db.open(scratch.config());
    QCOMPARE(error.kind, DbError::Kind::NotACrmDatabase);
    QVERIFY2(error.message.contains(u"not an SQLite database"_s), qPrintable(error.message));
}

void TestDatabase::closedPostgresPortGivesUnreachable()
{
    if (!QSqlDatabase::isDriverAvailable(u"QPSQL"_s))
        QSKIP("Qt's QPSQL driver is not installed");
    // A port that was free a moment ago: nothing listens there.
    QTcpServer probe;
    QVERIFY(probe.listen(QHostAddress::LocalHost, 0));
    const quint16 port = probe.serverPort();
    probe.close();

    DatabaseConfig config;
    config.kind = DatabaseConfig::Kind::Postgres;
    config.host = u"127.0.0.1"_s;
    config.port = port;
    config.databaseName = u"crm"_s;
    config.user = u"crm"_s;
    config.password = u"never-shown"_s;
    config.sslMode = DatabaseConfig::SslMode::Disable;
    config.connectTimeoutSeconds = 5;
    Database db;
    const DbError error = db.open(config);
    QCOMPARE(error.kind, DbError::Kind::Unreachable);
    QVERIFY2(error.message.contains(u"127.0.0.1:%1"_s.arg(port)), qPrintable(error.message));
    QVERIFY(!error.toString().contains(config.password));
    QVERIFY(!db.isOpen());
}

void TestDatabase::missingPostgresDatabaseGivesNoSuchDatabase()
{
    QString why;
    auto config = pds::test::ScratchDatabase::postgresServer(&why);
    if (!config)
        QSKIP(qPrintable(why));
    config->databaseName = u"pds_missing_"_s + QUuid::createUuid().toString(QUuid::Id128).left(12);
    Database db;
    const DbError error = db.open(*config);
    QCOMPARE(error.kind, DbError::Kind::NoSuchDatabase);
    QVERIFY2(error.message.contains(config->databaseName), qPrintable(error.message));
    QVERIFY2(error.message.contains(u"createdb"_s), qPrintable(error.message));
}

void TestDatabase::unknownPostgresRoleGivesAuthenticationFailed()
{
    QString why;
    auto config = pds::test::ScratchDatabase::postgresServer(&why);
    if (!config)
        QSKIP(qPrintable(why));
    config->databaseName = u"postgres"_s;
    config->user = u"pds_nobody_"_s + QUuid::createUuid().toString(QUuid::Id128).left(8);
    Database db;
    const DbError error = db.open(*config);
    QCOMPARE(error.kind, DbError::Kind::AuthenticationFailed);
    QVERIFY2(error.message.contains(config->user), qPrintable(error.message));
}

// formatTimestamp() computes the text from the milliseconds since the epoch, for speed: the
// same text as QDateTime::toString() gives, for any time Rails can store (before 1970, leap
// days, milliseconds or none, other time zones), also from the ASCII overload.
void TestDatabase::formatsAnyTimeAsQDateTimeDoes()
{
    const auto qtText = [](const QDateTime &time) {
        const QDateTime utc = time.toUTC();
        QString text = utc.toString(u"yyyy-MM-dd HH:mm:ss"_s);
        if (const int ms = utc.time().msec(); ms > 0)
            text += u'.' + QString::number(ms).rightJustified(3, u'0') + "000"_L1;
        return text;
    };
    QList<QDateTime> times { QDateTime(QDate(1970, 1, 1), QTime(0, 0), QTimeZone::utc()),
        QDateTime(QDate(1969, 12, 31), QTime(23, 59, 59, 999), QTimeZone::utc()),
        QDateTime(QDate(2000, 2, 29), QTime(12, 0, 0, 1), QTimeZone::utc()),
        QDateTime(QDate(1900, 3, 1), QTime(0, 0), QTimeZone::utc()),
        QDateTime(QDate(2024, 2, 29), QTime(23, 59, 59, 999), QTimeZone::utc()),
        QDateTime(QDate(1, 1, 1), QTime(0, 0), QTimeZone::utc()),
        QDateTime(QDate(9999, 12, 31), QTime(23, 59, 59, 999), QTimeZone::utc()),
        QDateTime(QDate(2025, 7, 1), QTime(12, 0), QTimeZone("Europe/Berlin")),
        QDateTime(QDate(2025, 1, 1), QTime(0, 30), QTimeZone(-5 * 3600)),
        QDateTime(QDate(2025, 1, 1), QTime(0, 30), Qt::LocalTime) };
    QRandomGenerator random(42);
    const qint64 first
        = QDateTime(QDate(1, 1, 1), QTime(0, 0), QTimeZone::utc()).toMSecsSinceEpoch();
    const qint64 last
        = QDateTime(QDate(9999, 12, 31), QTime(0, 0), QTimeZone::utc()).toMSecsSinceEpoch();
    for (int i = 0; i < 5000; ++i) {
        qint64 msecs = first + qint64(random.generateDouble() * double(last - first));
        if (i % 2 == 0)
            msecs -= msecs % 1000; // whole seconds too
        times << QDateTime::fromMSecsSinceEpoch(msecs, QTimeZone::utc());
    }
    for (const QDateTime &time : std::as_const(times)) {
        QCOMPARE(Database::formatTimestamp(time), qtText(time));
        char ascii[32];
        const qsizetype size = Database::formatTimestamp(time, ascii);
        QCOMPARE(QLatin1StringView(ascii, size), qtText(time));
    }
    // Years it leaves to QDateTime, and none.
    const QDateTime past(QDate(-44, 3, 15), QTime(12, 0), QTimeZone::utc());
    char ascii[32];
    QCOMPARE(Database::formatTimestamp(past, ascii), -1);
    QCOMPARE(Database::formatTimestamp(past), qtText(past));
    QCOMPARE(Database::formatTimestamp(QDateTime(), ascii), -1);
    QCOMPARE(Database::formatTimestamp(QDateTime()), QString());

    QCOMPARE(Database::formatDate(QDate(2024, 2, 29)), u"2024-02-29"_s);
    QCOMPARE(Database::formatDate(QDate(7, 1, 2)), u"0007-01-02"_s);
    QCOMPARE(Database::formatDate(QDate(-44, 3, 15)), QDate(-44, 3, 15).toString(Qt::ISODate));
    QCOMPARE(Database::formatDate(QDate()), QString());
}

void TestDatabase::formatsTimestampsAsRailsDoes()
{
    const QDateTime whole(QDate(2025, 1, 2), QTime(3, 4, 5), QTimeZone::utc());
    QCOMPARE(Database::formatTimestamp(whole), u"2025-01-02 03:04:05"_s);
    QCOMPARE(Database::formatTimestamp(whole.addMSecs(7)), u"2025-01-02 03:04:05.007000"_s);
    const QDateTime berlin(QDate(2025, 7, 1), QTime(12, 0), QTimeZone("Europe/Berlin"));
    QCOMPARE(Database::formatTimestamp(berlin), u"2025-07-01 10:00:00"_s);
    QCOMPARE(Database::formatTimestamp(QDateTime()), QString());

    QCOMPARE(Database::parseTimestamp(u"2025-01-02 03:04:05"_s), whole);
    QCOMPARE(Database::parseTimestamp(u"2025-01-02 03:04:05.123456"_s), whole.addMSecs(123));
    QCOMPARE(Database::parseTimestamp(u"2025-01-02T03:04:05.007"_s), whole.addMSecs(7));
    QVERIFY(!Database::parseTimestamp(QVariant()).isValid());
    QVERIFY(!Database::parseTimestamp(u"yesterday"_s).isValid());
}

void TestDatabase::statementRowsUseAFewSizes()
{
    // Every count of pending rows is written with statements of at most 1 + log2(most) sizes.
    QSet<qsizetype> sizes;
    for (qsizetype pending = 1; pending <= 500; ++pending) {
        qsizetype left = pending;
        while (left > 0) {
            const qsizetype rows = Database::statementRows(left, 76);
            QVERIFY(rows >= 1 && rows <= left && rows <= 76);
            sizes.insert(rows);
            left -= rows;
        }
    }
    QCOMPARE(sizes, (QSet<qsizetype> { 76, 64, 32, 16, 8, 4, 2, 1 }));
    QCOMPARE(Database::statementRows(1000, 50), 50);
    QCOMPARE(Database::statementRows(49, 50), 32);
}

// The stage worker's and the checkpoint thread's DatabaseThread yields to the sync thread that
// wakes it (SCHED_BATCH: see serveOtherThreads()); the thread that made it keeps its policy.
void TestDatabase::aDatabaseThreadServesTheThreadThatPostsToIt()
{
    pds::test::ScratchDatabase scratch(u"sqlite"_s);
    pds::DatabaseThread thread(u"pds-test-db"_s, scratch.config());
    QVERIFY(thread.isOpen());
    bool serving = false;
    thread.runAndWait([&serving] { serving = pds::servesOtherThreads(); });
    QVERIFY(serving);
    QVERIFY(!pds::servesOtherThreads());
}

QTEST_GUILESS_MAIN(TestDatabase)
#include "tst_database.moc"
