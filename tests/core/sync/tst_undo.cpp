// Undoing a sync, end to end against the fake server into SQLite and PostgreSQL: the database
// comes back to its state before the sync (compared row by row, ids included), the next sync
// reads the undone records again, and an undo that would lose a later sync's work is refused,
// naming that sync.

#include "crmdump.h"
#include "db/runjournal.h"
#include "db/schemamanager.h"
#include "fakepipedrive.h"
#include "pipedrivechanges.h"
#include "sync/syncrunner.h"
#include "sync/undojournal.h"
#include "testdatabase.h"

#include <QSignalSpy>
#include <QSqlQuery>
#include <QtTest>

using namespace pds;
using pds::test::TestDatabase;
using FE = pds::test::Entity;

namespace {

constexpr int SyncTimeoutMs = 180000;

qint64 count(Database &db, const QString &sql, const QVariantList &values = {})
{
    QSqlQuery query(db.handle());
    query.prepare(sql);
    for (const QVariant &value : values)
        query.addBindValue(value);
    if (!query.exec() || !query.next())
        return -1;
    return query.value(0).toLongLong();
}

// The high-water marks (where the next incremental sync starts), entity by entity.
QStringList marks(Database &db)
{
    QStringList lines;
    QSqlQuery query(db.handle());
    query.exec(
        QStringLiteral("SELECT entity, high_water_mark FROM pipedrive_sync_state ORDER BY entity"));
    while (query.next())
        lines << query.value(0).toString() + QLatin1Char('=') + query.value(1).toString();
    return lines;
}

} // namespace

class TestUndo : public QObject
{
    Q_OBJECT

private:
    pds::test::FakePipedriveServer m_server;
    QString m_token;
    QDateTime m_since;

    SyncOptions options(const DatabaseConfig &database) const
    {
        SyncOptions o;
        o.baseUrl = m_server.baseUrl();
        o.token = m_token;
        o.database = database;
        o.bcryptCost = 4;
        o.retry = RetryPolicy { 3, 10, 50, 3 };
        o.pageSize = 100;
        o.deletionPolicy = DeletionPolicy::Delete;
        return o;
    }

    RunSummary sync(const SyncOptions &o)
    {
        SyncRunner runner;
        QSignalSpy finished(&runner, &SyncRunner::finished);
        if (!runner.start(o) || !finished.wait(SyncTimeoutMs)) {
            RunSummary failed;
            failed.outcome = SyncOutcome::Failed;
            failed.message = QStringLiteral("the sync did not finish");
            return failed;
        }
        return finished.first().first().value<RunSummary>();
    }

    static bool completed(const RunSummary &summary)
    {
        return summary.outcome == SyncOutcome::Succeeded
            || summary.outcome == SyncOutcome::FinishedWithProblems;
    }

    static qint64 runOf(const RunSummary &summary, Entity entity)
    {
        for (const EntityResult &result : summary.entities) {
            if (result.entity == entity)
                return result.runId;
        }
        return 0;
    }

    std::unique_ptr<TestDatabase> database()
    {
        QFETCH(QString, kind);
        return std::make_unique<TestDatabase>(TestDatabase::kindFromName(kind));
    }

    static void addKinds()
    {
        QTest::addColumn<QString>("kind");
        for (const QString &kind : TestDatabase::kindNames())
            QTest::newRow(qPrintable(kind)) << kind;
    }

    static QStringList dump(const DatabaseConfig &config)
    {
        Database db;
        if (db.open(config).isError())
            return { QStringLiteral("cannot open the database") };
        return pds::test::dumpCrm(db);
    }

    static UndoResult undo(const DatabaseConfig &config, qint64 runId = 0)
    {
        Database db;
        UndoResult result;
        result.error = db.open(config);
        if (result.error.isError())
            return result;
        if (runId == 0)
            runId = lastUndoableRun(db, &result.error);
        if (result.error.isError())
            return result;
        return undoRun(db, runId);
    }

    // An organization every record of the dataset leaves alone: renamed by the tests.
    qint64 someOrganization() const
    {
        for (const auto &record : m_server.dataset().table(FE::Organizations)) {
            if (record.id > 30)
                return record.id;
        }
        return 0;
    }

private slots:
    void initTestCase()
    {
        m_token = QStringLiteral("%1").arg(
            QRandomGenerator::global()->generate64(), 16, 16, QLatin1Char('0'));
        m_server.setApiToken(m_token);
        QVERIFY(m_server.listen() != 0);
        m_since = QDateTime::currentDateTimeUtc().addSecs(-5);
    }

    void init()
    {
        m_server.generate(20261130, pds::test::DatasetSizes());
        pds::test::prepareInPipedrive(m_server);
        m_server.resetCounters();
    }

    // A full sync journals the rows it inserts as runs (one journal row per page and table),
    // and every such row still counts as created by the sync; a row the CRM inserted right after
    // a run does not. A run the journal cannot read makes the undo refuse, changing nothing.
    void insertsAreJournaledAsRuns_data() { addKinds(); }
    void insertsAreJournaledAsRuns()
    {
        auto crm = database();
        if (!crm->isValid())
            QSKIP(qPrintable(crm->whyNot()));
        const RunSummary a = sync(options(crm->config()));
        QVERIFY2(completed(a), qPrintable(a.message));
        Database db;
        QVERIFY(db.open(crm->config()).isOk());
        const qint64 created = a.totals().created;
        const qint64 journaled = count(
            db, QStringLiteral("SELECT COUNT(*) FROM pipedrive_sync_changes WHERE op = 'insert'"));
        QVERIFY2(journaled > 0 && journaled * 10 < created,
            qPrintable(
                QStringLiteral("%1 insert changes for %2 rows").arg(journaled).arg(created)));
        DbError error;
        for (const QString &table : { QStringLiteral("accounts"), QStringLiteral("contacts"),
                 QStringLiteral("tasks"), QStringLiteral("note_associations") }) {
            QSqlQuery rows(db.handle());
            QVERIFY(rows.exec(QStringLiteral("SELECT id FROM %1").arg(table)));
            int seen = 0;
            while (rows.next()) {
                QVERIFY2(createdBySync(db, table, rows.value(0).toLongLong(), &error),
                    qPrintable(table + QLatin1Char(' ') + rows.value(0).toString()));
                ++seen;
            }
            QVERIFY2(seen > 1 && error.isOk(), qPrintable(table));
        }
        // Inserted by someone in the CRM: right after the sync's last account.
        QVERIFY(db.exec(QStringLiteral("INSERT INTO accounts (name, created_at, updated_at) "
                                       "VALUES ('Walk-in', '2026-12-01 10:00:00', "
                                       "'2026-12-01 10:00:00')"),
            &error));
        const qint64 walkIn = count(db, QStringLiteral("SELECT MAX(id) FROM accounts"));
        QVERIFY(!createdBySync(db, QStringLiteral("accounts"), walkIn, &error));
        QVERIFY(error.isOk());
        QVERIFY(db.exec(QStringLiteral("DELETE FROM accounts WHERE id = %1").arg(walkIn), &error));
        const QStringList before = dump(crm->config());
        QVERIFY(db.exec(QStringLiteral("UPDATE pipedrive_sync_changes SET old_values = "
                                       "'{\"through\":\"many\"}' WHERE id = (SELECT MAX(id) FROM "
                                       "pipedrive_sync_changes WHERE op = 'insert' AND old_values "
                                       "IS NOT NULL)"),
            &error));
        const UndoResult refused = undo(crm->config());
        QVERIFY(!refused.undone);
        QVERIFY2(
            refused.message.contains(QLatin1String("cannot read")), qPrintable(refused.message));
        QCOMPARE(dump(crm->config()), before);
    }

    void undoBringsBackTheDatabaseOfBeforeTheSync_data() { addKinds(); }
    void undoBringsBackTheDatabaseOfBeforeTheSync()
    {
        auto crm = database();
        if (!crm->isValid())
            QSKIP(qPrintable(crm->whyNot()));
        const SyncOptions o = options(crm->config());
        QVERIFY(completed(sync(o)));
        QStringList afterA, marksA;
        {
            Database db;
            QVERIFY(db.open(crm->config()).isOk());
            afterA = pds::test::dumpCrm(db);
            marksA = marks(db);
            pds::test::PipedriveChanges changes;
            QVERIFY(pds::test::changeInPipedrive(m_server, db, 0, &changes));
        }
        QVERIFY(afterA.size() > 500);

        // Sync B creates, updates and (deletion policy "delete") deletes rows, mappings and note
        // associations.
        SyncOptions full = o;
        full.full = true;
        const RunSummary b = sync(full);
        QVERIFY2(completed(b), qPrintable(b.message));
        QVERIFY(b.totals().created >= 5 && b.totals().updated >= 9 && b.totals().deleted >= 5);
        QVERIFY(dump(crm->config()) != afterA);
        QStringList canonicalB;
        {
            Database db;
            QVERIFY(db.open(crm->config()).isOk());
            canonicalB = pds::test::dumpForComparison(db, { m_since, true });
        }

        const UndoResult undone = undo(crm->config());
        QVERIFY2(undone.undone, qPrintable(undone.message));
        for (qint64 run : undone.runIds)
            QVERIFY(std::any_of(b.entities.cbegin(), b.entities.cend(),
                [run](const EntityResult &r) { return r.runId == run; }));
        QVERIFY(undone.rowsRemoved >= 5);
        QVERIFY(undone.rowsRestored >= 9);
        QVERIFY(undone.rowsReinserted >= 5);

        Database db;
        QVERIFY(db.open(crm->config()).isOk());
        // Row for row as before, ids included.
        const QStringList afterUndo = pds::test::dumpCrm(db);
        QVERIFY2(afterUndo == afterA, qPrintable(pds::test::firstDifferences(afterA, afterUndo)));
        // The next sync starts where A left off, so that it reads B's records again.
        QCOMPARE(marks(db), marksA);
        // The undo is in the run history, one row per entity run it took back.
        QCOMPARE(count(db,
                     QStringLiteral("SELECT COUNT(*) FROM pipedrive_sync_runs WHERE mode = 'undo' "
                                    "AND outcome = 'succeeded'")),
            qint64(undone.runIds.size()));
        QCOMPARE(undone.undoRunIds.size(), undone.runIds.size());
        // Nothing of B is left to undo.
        DbError error;
        const qint64 next = lastUndoableRun(db, &error);
        QVERIFY(error.isOk());
        QVERIFY(!undone.runIds.contains(next));
        db.close();

        // Syncing again gives what B gave.
        QVERIFY(completed(sync(full)));
        QVERIFY(db.open(crm->config()).isOk());
        const QStringList again = pds::test::dumpForComparison(db, { m_since, true });
        QVERIFY2(again == canonicalB, qPrintable(pds::test::firstDifferences(canonicalB, again)));
    }

    void undoOfTheFirstSyncEmptiesTheCrm_data() { addKinds(); }
    void undoOfTheFirstSyncEmptiesTheCrm()
    {
        auto crm = database();
        if (!crm->isValid())
            QSKIP(qPrintable(crm->whyNot()));
        const RunSummary a = sync(options(crm->config()));
        QVERIFY(completed(a));
        const UndoResult undone = undo(crm->config(), runOf(a, Entity::Persons));
        QVERIFY2(undone.undone, qPrintable(undone.message));
        QCOMPARE(undone.runIds.size(), 6);
        QVERIFY(dump(crm->config()).isEmpty());
        Database db;
        QVERIFY(db.open(crm->config()).isOk());
        // No marks: the next sync reads everything again.
        for (const QString &mark : marks(db))
            QVERIFY2(mark.endsWith(QLatin1Char('=')), qPrintable(mark));
    }

    // Pages written back to back share a transaction; when the database refuses a record in one
    // of them, the whole transaction rolls back and its pages are written again. The undo journal
    // then writes the pass's high-water mark again too (it went with the transaction), and an
    // undo of that first sync still leaves no mark behind.
    void undoAfterPagesWrittenAgainLeavesNoMark_data() { addKinds(); }
    void undoAfterPagesWrittenAgainLeavesNoMark()
    {
        auto crm = database();
        if (!crm->isValid())
            QSKIP(qPrintable(crm->whyNot()));
        // The most frequent task title: refused in many pages, each in a transaction shared
        // with the pages before it (every task insert made slow, so that pages wait to join).
        const QString refused
            = pds::test::commonestSubject(m_server.dataset().records(FE::Activities)).first;
        DbError error;
        QVERIFY2(pds::test::refuseTasksTitled(crm->config(), refused, true, &error),
            qPrintable(error.toString()));
        SyncOptions o = options(crm->config());
        o.pageSize = 7;
        const RunSummary a = sync(o);
        QVERIFY2(completed(a), qPrintable(a.message));
        qint64 failed = 0;
        for (const EntityResult &result : a.entities) {
            if (result.entity == Entity::Activities)
                failed = result.counts.failed;
        }
        QVERIFY(failed >= 5);
        QVERIFY2(a.pageTransactions < a.pagesWritten,
            qPrintable(QStringLiteral("%1 pages in %2 transactions")
                           .arg(a.pagesWritten)
                           .arg(a.pageTransactions)));
        const UndoResult undone = undo(crm->config(), runOf(a, Entity::Persons));
        QVERIFY2(undone.undone, qPrintable(undone.message));
        QVERIFY(dump(crm->config()).isEmpty());
        Database db;
        QVERIFY(db.open(crm->config()).isOk());
        for (const QString &mark : marks(db))
            QVERIFY2(mark.endsWith(QLatin1Char('=')), qPrintable(mark));
    }

    void undoIsRefusedWhileALaterSyncChangedTheSameRows_data() { addKinds(); }
    void undoIsRefusedWhileALaterSyncChangedTheSameRows()
    {
        auto crm = database();
        if (!crm->isValid())
            QSKIP(qPrintable(crm->whyNot()));
        const SyncOptions o = options(crm->config());
        QVERIFY(completed(sync(o)));
        const QStringList afterA = dump(crm->config());
        const qint64 org = someOrganization();
        QVERIFY(org > 0);
        QVERIFY(m_server.updateRecord(FE::Organizations, org,
            { { QStringLiteral("name"), QStringLiteral("Renamed Once AG") } }));
        const RunSummary b = sync(o);
        QVERIFY(completed(b));
        QVERIFY(m_server.updateRecord(FE::Organizations, org,
            { { QStringLiteral("name"), QStringLiteral("Renamed Twice AG") } }));
        const RunSummary c = sync(o);
        QVERIFY(completed(c));
        const QStringList afterC = dump(crm->config());

        // B's old values would overwrite C's: refused, naming C, and nothing changes.
        const UndoResult refused = undo(crm->config(), runOf(b, Entity::Organizations));
        QVERIFY(!refused.undone);
        QVERIFY(refused.error.isOk());
        QCOMPARE(refused.blockingRunId, runOf(c, Entity::Organizations));
        QVERIFY2(
            refused.message.contains(QStringLiteral("run %1 ").arg(runOf(c, Entity::Organizations)))
                && refused.message.contains(QLatin1String("Undo run")),
            qPrintable(refused.message));
        QCOMPARE(dump(crm->config()), afterC);

        // C first, then B: back to A.
        const UndoResult undoC = undo(crm->config());
        QVERIFY2(undoC.undone, qPrintable(undoC.message));
        QVERIFY(undoC.runIds.contains(runOf(c, Entity::Organizations)));
        const UndoResult undoB = undo(crm->config(), runOf(b, Entity::Organizations));
        QVERIFY2(undoB.undone, qPrintable(undoB.message));
        const QStringList afterUndo = dump(crm->config());
        QVERIFY2(afterUndo == afterA, qPrintable(pds::test::firstDifferences(afterA, afterUndo)));
    }

    void undoIsRefusedWhileALaterSyncBuildsOnWhatItCreated_data() { addKinds(); }
    void undoIsRefusedWhileALaterSyncBuildsOnWhatItCreated()
    {
        auto crm = database();
        if (!crm->isValid())
            QSKIP(qPrintable(crm->whyNot()));
        const SyncOptions o = options(crm->config());
        QVERIFY(completed(sync(o)));
        const QStringList afterA = dump(crm->config());
        // B creates a person (a lead) ...
        const qint64 person = m_server.addRecord(FE::Persons,
            { { QStringLiteral("name"), QStringLiteral("Nora Later") },
                { QStringLiteral("emails"),
                    QJsonArray { QJsonObject {
                        { QStringLiteral("value"), QStringLiteral("nora.later@example.com") },
                        { QStringLiteral("primary"), true },
                        { QStringLiteral("label"), QStringLiteral("work") } } } } });
        const RunSummary b = sync(o);
        QVERIFY(completed(b));
        QCOMPARE(b.totals().created, 1);
        // ... and C a note on it: C's note association points at B's lead.
        m_server.addRecord(FE::Notes,
            { { QStringLiteral("content"), QStringLiteral("<p>About Nora</p>") },
                { QStringLiteral("person_id"), person } });
        const RunSummary c = sync(o);
        QVERIFY(completed(c));
        QCOMPARE(c.totals().created, 1);

        const UndoResult refused = undo(crm->config(), runOf(b, Entity::Persons));
        QVERIFY(!refused.undone);
        QCOMPARE(refused.blockingRunId, runOf(c, Entity::Notes));
        QVERIFY2(refused.message.contains(QLatin1String("note_associations"))
                && refused.message.contains(QStringLiteral("run %1").arg(runOf(c, Entity::Notes))),
            qPrintable(refused.message));

        QVERIFY(undo(crm->config()).undone); // C
        QVERIFY(undo(crm->config()).undone); // then B
        QCOMPARE(dump(crm->config()), afterA);
    }

    void undoSaysWhyItCannot()
    {
        TestDatabase crm(TestDatabase::Kind::Sqlite);
        const SyncOptions o = options(crm.config());
        const RunSummary a = sync(o);
        QVERIFY(completed(a));
        // A sync that changed nothing.
        const RunSummary quiet = sync(o);
        QVERIFY(completed(quiet));
        UndoResult result = undo(crm.config(), runOf(quiet, Entity::Organizations));
        QVERIFY(!result.undone);
        QVERIFY2(
            result.message.contains(QLatin1String("changed nothing")), qPrintable(result.message));
        // A dry run.
        SyncOptions dry = o;
        dry.dryRun = true;
        QVERIFY(m_server.updateRecord(FE::Organizations, someOrganization(),
            { { QStringLiteral("name"), QStringLiteral("Only In A Dry Run AG") } }));
        const RunSummary dryRun = sync(dry);
        QVERIFY(completed(dryRun));
        QCOMPARE(dryRun.totals().updated, 1);
        result = undo(crm.config(), runOf(dryRun, Entity::Organizations));
        QVERIFY(!result.undone);
        QVERIFY2(result.message.contains(QLatin1String("dry run")), qPrintable(result.message));
        // No such run.
        result = undo(crm.config(), 987654);
        QVERIFY(!result.undone);
        QVERIFY2(result.message.contains(QLatin1String("no such run")), qPrintable(result.message));

        // Twice, and an undo of the undo.
        result = undo(crm.config(), runOf(a, Entity::Deals));
        QVERIFY2(result.undone, qPrintable(result.message));
        const UndoResult again = undo(crm.config(), runOf(a, Entity::Deals));
        QVERIFY(!again.undone);
        QVERIFY2(
            again.message.contains(QLatin1String("undone already")), qPrintable(again.message));
        const UndoResult ofUndo = undo(crm.config(), result.undoRunIds.constFirst());
        QVERIFY(!ofUndo.undone);
        QVERIFY2(ofUndo.message.contains(QLatin1String("undo itself")), qPrintable(ofUndo.message));
        // Nothing left to undo.
        Database db;
        QVERIFY(db.open(crm.config()).isOk());
        DbError error;
        QCOMPARE(lastUndoableRun(db, &error), 0);
        QVERIFY(error.isOk());
    }
};

QTEST_GUILESS_MAIN(TestUndo)
#include "tst_undo.moc"
