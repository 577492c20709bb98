// Tests of the app's parts that need no window: links into Pipedrive's web app, the problems
// CSV, the wording of errors, the database worker and the stall monitor.

#include "appsettings.h"
#include "config/settings.h"
#include "databasetasks.h"
#include "databaseworker.h"
#include "pipedrivelinks.h"
#include "problemsmodel.h"
#include "stallmonitor.h"
#include "usertext.h"

#include <QTemporaryDir>
#include <QThread>
#include <QtTest>

using namespace Qt::StringLiterals;

class TestAppParts : public QObject
{
    Q_OBJECT
private slots:
    void linksOpenRecordsInPipedrivesWebApp_data()
    {
        QTest::addColumn<QString>("domain");
        QTest::addColumn<QString>("entity");
        QTest::addColumn<qint64>("id");
        QTest::addColumn<QString>("url");
        QTest::newRow("deal") << u"acme"_s << u"deals"_s << qint64(42)
                              << u"https://acme.pipedrive.com/deal/42"_s;
        QTest::newRow("person") << u"acme.pipedrive.com"_s << u"persons"_s << qint64(7)
                                << u"https://acme.pipedrive.com/person/7"_s;
        QTest::newRow("organization") << u"Acme"_s << u"organizations"_s << qint64(3)
                                      << u"https://acme.pipedrive.com/organization/3"_s;
        QTest::newRow("user") << u"acme"_s << u"users"_s << qint64(9)
                              << u"https://acme.pipedrive.com/users/details/9"_s;
        QTest::newRow("activity") << u"acme"_s << u"activities"_s << qint64(5)
                                  << u"https://acme.pipedrive.com/activities/list"_s;
        QTest::newRow("note has no page") << u"acme"_s << u"notes"_s << qint64(5) << QString();
        QTest::newRow("no id") << u"acme"_s << u"deals"_s << qint64(0) << QString();
        QTest::newRow("no domain") << QString() << u"deals"_s << qint64(1) << QString();
        QTest::newRow("fake server") << u"http://127.0.0.1:8080"_s << u"deals"_s << qint64(1)
                                     << u"http://127.0.0.1:8080/deal/1"_s;
    }

    void linksOpenRecordsInPipedrivesWebApp()
    {
        QFETCH(QString, domain);
        QFETCH(QString, entity);
        QFETCH(qint64, id);
        QFETCH(QString, url);
        QCOMPARE(pds::pipedriveWebLink(domain, entity, id).toString(), url);
    }

    void csvQuotesAndDefusesCells()
    {
        pds::Problem problem;
        problem.runId = 3;
        problem.entity = u"persons"_s;
        problem.pipedriveId = 17;
        problem.kind = pds::Problem::Kind::Skipped;
        problem.reason = u"no valid email"_s;
        problem.detail = u"=HYPERLINK(\"x\"), \"quoted\"\nnext line"_s;
        problem.createdAt = QDateTime(QDate(2025, 1, 2), QTime(3, 4, 5), Qt::UTC);
        const QByteArray csv = pds::ProblemsModel::toCsv({ problem }, u"acme"_s);
        const QByteArray expected = "time,run_id,entity,pipedrive_id,kind,reason,detail,link\r\n"
                                    "2025-01-02T03:04:05Z,3,persons,17,skipped,no valid email,"
                                    "\"'=HYPERLINK(\"\"x\"\"), \"\"quoted\"\"\nnext line\","
                                    "https://acme.pipedrive.com/person/17\r\n";
        QCOMPARE(csv, expected);
    }

    void modelShowsProblemsWithLinks()
    {
        pds::Problem deal;
        deal.entity = u"deals"_s;
        deal.pipedriveId = 5;
        deal.kind = pds::Problem::Kind::Failed;
        deal.reason = u"stage unknown"_s;
        pds::Problem note = deal;
        note.entity = u"notes"_s;
        pds::ProblemsModel model;
        model.setCompanyDomain(u"acme"_s);
        model.setProblems({ deal, note });
        QCOMPARE(model.rowCount(), 2);
        QCOMPARE(model.index(0, pds::ProblemsModel::Reason).data().toString(), u"stage unknown"_s);
        QCOMPARE(model.index(0, pds::ProblemsModel::Kind).data().toString(), u"Failed"_s);
        QCOMPARE(model.index(0, pds::ProblemsModel::EntityColumn).data().toString(), u"Deals"_s);
        QCOMPARE(model.link(0), QUrl(u"https://acme.pipedrive.com/deal/5"_s));
        QVERIFY(!model.link(1).isValid());
        QVERIFY(!model.link(2).isValid());
    }

    void errorsAreWordedForTheUser()
    {
        pds::ApiError auth;
        auth.kind = pds::ApiError::Kind::Authentication;
        QVERIFY(pds::UserText::api(auth).contains(u"refused the API token"_s));
        // A 403 with data is a permission the token's user lacks: the token itself is fine.
        pds::ApiError forbidden;
        forbidden.kind = pds::ApiError::Kind::Forbidden;
        forbidden.path = u"/api/v2/deals"_s;
        QVERIFY(!pds::UserText::api(forbidden).contains(u"refused the API token"_s));
        QVERIFY(pds::UserText::api(forbidden).contains(u"/api/v2/deals"_s));
        QVERIFY(pds::UserText::api(forbidden).contains(u"permission"_s));
        pds::ApiError closed;
        closed.kind = pds::ApiError::Kind::AccountClosed;
        QVERIFY(pds::UserText::api(closed).contains(u"account is not open"_s));

        pds::ApiError budget;
        budget.kind = pds::ApiError::Kind::BudgetExhausted;
        const QDateTime now(QDate(2025, 3, 4), QTime(15, 0), Qt::UTC);
        QCOMPARE(pds::UserText::budgetResetTime(budget, now).toUTC(),
            QDateTime(QDate(2025, 3, 5), QTime(0, 0), Qt::UTC));
        budget.rateLimit.retryAfterSeconds = 600;
        QCOMPARE(pds::UserText::budgetResetTime(budget, now), now.addSecs(600));
        QVERIFY(pds::UserText::api(budget, now).contains(u"budget is used up"_s));

        pds::DbError notCrm = pds::DbError::make(pds::DbError::Kind::NotACrmDatabase, u"x"_s);
        notCrm.missing = QStringList { u"users"_s, u"accounts.name"_s };
        const QString text = pds::UserText::database(notCrm);
        QVERIFY(text.contains(u"not a CRM database"_s));
        QVERIFY(text.contains(u"accounts.name"_s));
        QVERIFY(
            pds::UserText::database(pds::DbError::make(pds::DbError::Kind::Unreachable, u"Gone."_s))
                .contains(u"cannot be reached"_s));
    }

    void preferencesRoundTripThroughTheSettings()
    {
        QTemporaryDir dir;
        pds::Settings settings(dir.filePath(u"s.ini"_s));
        pds::SyncPreferences prefs = pds::SyncPreferences::load(settings);
        QCOMPARE(prefs.pageSize, 500);
        QCOMPARE(prefs.config.deletionPolicy, pds::DeletionPolicy::Report);
        QCOMPARE(prefs.config.firstNamePlaceholder, u"Unknown"_s);
        prefs.pageSize = 50;
        prefs.config.defaultOwnerUserId = 4;
        prefs.config.deletionPolicy = pds::DeletionPolicy::Delete;
        prefs.config.phonePlaceholder = u"n/a"_s;
        prefs.config.stageMap = { { 3, u"Sales"_s, u"Demo"_s, u"negotiation"_s } };
        prefs.save(settings);
        pds::Settings reread(dir.filePath(u"s.ini"_s));
        const pds::SyncPreferences loaded = pds::SyncPreferences::load(reread);
        QCOMPARE(loaded.pageSize, 50);
        QCOMPARE(loaded.config.defaultOwnerUserId, qint64(4));
        QCOMPARE(loaded.config.deletionPolicy, pds::DeletionPolicy::Delete);
        QVERIFY(loaded.config == prefs.config);
        pds::SyncOptions options;
        loaded.applyTo(options);
        QCOMPARE(options.pageSize, 50);
        QCOMPARE(options.defaultOwnerUserId, qint64(4));
        QCOMPARE(options.mapping.phonePlaceholder, u"n/a"_s);
        QCOMPARE(options.mapping.stageMap.value(3), u"negotiation"_s);
        // With the settings, a run that brings a changed map re-reads in full.
        options.entities = { pds::Entity::Deals };
        loaded.applyTo(options, reread);
        QVERIFY(options.full);
    }

    void workerRunsTasksOffTheCallersThread()
    {
        pds::DatabaseWorker worker;
        QObject context;
        QThread *taskThread = nullptr;
        QThread *doneThread = nullptr;
        int result = 0;
        worker.run<int>(
            [&] {
                taskThread = QThread::currentThread();
                return 42;
            },
            &context,
            [&](int value) {
                doneThread = QThread::currentThread();
                result = value;
            });
        QSignalSpy idle(&worker, &pds::DatabaseWorker::idle);
        QVERIFY(idle.wait(5000));
        QCOMPARE(result, 42);
        QVERIFY(taskThread && taskThread != QThread::currentThread());
        QCOMPARE(doneThread, QThread::currentThread());

        // A result whose receiver is gone is dropped.
        auto *gone = new QObject;
        bool called = false;
        worker.run<int>([] { return 1; }, gone, [&](int) { called = true; });
        delete gone;
        QVERIFY(idle.wait(5000));
        QVERIFY(!called);
    }

    void readingAMissingSqliteFileCreatesNothing()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(u"none.sqlite3"_s);
        const auto config = pds::DatabaseConfig::sqlite(path);
        QVERIFY(pds::tasks::readStats(config).notSyncedYet);
        QVERIFY(pds::tasks::readProblems(config, {}).notSyncedYet);
        QCOMPARE(pds::tasks::checkDatabase(config).state, pds::tasks::DatabaseCheck::State::Empty);
        QVERIFY(!QFile::exists(path));
    }

    void stallMonitorSeesABlockedLoop()
    {
        pds::StallMonitor monitor;
        monitor.start(5);
        QTRY_VERIFY(monitor.ticks() >= 3);
        // Block this thread's loop on purpose: that is what the monitor must notice.
        QElapsedTimer blocked;
        blocked.start();
        while (blocked.elapsed() < 120) { }
        const qint64 ticks = monitor.ticks();
        QTRY_VERIFY(monitor.ticks() > ticks);
        QVERIFY2(monitor.longestStallMs() >= 100,
            QByteArray::number(monitor.longestStallMs()).constData());
        monitor.stop();
        QVERIFY(!monitor.isRunning());
    }
};

QTEST_MAIN(TestAppParts)
#include "tst_appparts.moc"
