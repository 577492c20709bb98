// pipedrive-sync-cli killed with SIGKILL at many points of a sync and started again each time: the
// database it ends with equals the one of a single uninterrupted sync. Also what the CLI says and
// where the token goes (nowhere) when the budget runs out, when it runs verbosely or crashes.

#include "crmdump.h"
#include "testdatabase.h"

#include <QDirIterator>
#include <QEventLoop>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QProcess>
#include <QRegularExpression>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QtTest>

#include <csignal>

namespace {

QString binary(const char *relative)
{
    return QStringLiteral(PDS_BINARY_DIR) + QLatin1Char('/') + QLatin1String(relative);
}

constexpr int RunTimeoutMs = 60000;

struct Result
{
    int exitCode = -1; // -2: killed or crashed
    bool killed = false; // by this test
    QString out;
    QString err;
    int requests = 0; // "GET" lines on stderr (--verbose)
    QString lastRequest;
};

QString databaseUrl(const pds::DatabaseConfig &config)
{
    return config.isSqlite() ? QStringLiteral("sqlite:") + config.sqlitePath
                             : QStringLiteral("postgresql://%1@%2:%3/%4")
                                   .arg(config.user, config.host)
                                   .arg(config.port)
                                   .arg(config.databaseName);
}

} // namespace

class TestKillResume : public QObject
{
    Q_OBJECT

private:
    QProcess m_fake;
    QString m_url;
    QString m_token;
    QTemporaryDir m_home;
    QDateTime m_since;

    QProcessEnvironment environment() const
    {
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        // Saved settings of this test only, never the user's.
        env.insert(QStringLiteral("XDG_CONFIG_HOME"), m_home.filePath(QStringLiteral("config")));
        env.insert(QStringLiteral("XDG_DATA_HOME"), m_home.filePath(QStringLiteral("data")));
        env.insert(QStringLiteral("PIPEDRIVE_COMPANY_DOMAIN"), m_url);
        env.insert(QStringLiteral("PIPEDRIVE_API_TOKEN"), m_token);
        env.insert(QStringLiteral("PDS_BCRYPT_COST"), QStringLiteral("4"));
        env.remove(QStringLiteral("QT_LOGGING_RULES"));
        return env;
    }

    // Runs the CLI; with killAfterRequests > 0 it gets SIGKILL once it has logged that many
    // requests (each logged when its answer is in: the page before it is committed by then).
    // `onStderrLine` sees every line as it comes (the process still running).
    Result run(const QStringList &arguments, int killAfterRequests = 0,
        const std::function<void(QProcess &, const QString &)> &onStderrLine = {},
        const QProcessEnvironment &env = {})
    {
        QProcess process;
        process.setProcessEnvironment(env.isEmpty() ? environment() : env);
        Result result;
        QByteArray pending;
        QEventLoop loop;
        connect(&process, &QProcess::readyReadStandardError, &loop, [&] {
            pending += process.readAllStandardError();
            qsizetype newline;
            while ((newline = pending.indexOf('\n')) >= 0) {
                const QString line = QString::fromUtf8(pending.left(newline));
                pending.remove(0, newline + 1);
                result.err += line + QLatin1Char('\n');
                if (line.contains(QLatin1String("GET /api/"))) {
                    ++result.requests;
                    result.lastRequest = line.mid(line.indexOf(QLatin1String("GET ")));
                }
                if (onStderrLine)
                    onStderrLine(process, line);
                if (killAfterRequests > 0 && !result.killed
                    && result.requests >= killAfterRequests) {
                    result.killed = true;
                    process.kill(); // SIGKILL: no handler, no cleanup
                }
            }
        });
        connect(&process, &QProcess::finished, &loop, &QEventLoop::quit);
        QTimer::singleShot(RunTimeoutMs, &loop, &QEventLoop::quit);
        process.start(binary("src/cli/pipedrive-sync-cli"), arguments);
        if (!process.waitForStarted())
            return result;
        loop.exec();
        if (process.state() != QProcess::NotRunning) {
            process.kill();
            process.waitForFinished();
            result.exitCode = -3; // hung
            return result;
        }
        result.err += QString::fromUtf8(pending + process.readAllStandardError());
        result.out = QString::fromUtf8(process.readAllStandardOutput());
        result.exitCode = process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -2;
        return result;
    }

    // POST /__test/faults on the standalone fake.
    bool setFaults(const QJsonObject &faults)
    {
        QNetworkAccessManager nam;
        QNetworkRequest request(QUrl(m_url + QStringLiteral("/__test/faults")));
        request.setHeader(QNetworkRequest::ContentTypeHeader, QStringLiteral("application/json"));
        QNetworkReply *reply = nam.post(request, QJsonDocument(faults).toJson());
        QSignalSpy done(reply, &QNetworkReply::finished);
        const bool ok = done.wait(10000) && reply->error() == QNetworkReply::NoError;
        reply->deleteLater();
        return ok;
    }

    QStringList dump(const pds::DatabaseConfig &config, bool canonical)
    {
        pds::Database db;
        if (db.open(config).isError())
            return { QStringLiteral("cannot open the database") };
        return pds::test::dumpForComparison(db, { m_since, canonical });
    }

    static bool completed(const Result &result)
    {
        return result.exitCode == 0 || result.exitCode == 1;
    }

private slots:
    void initTestCase()
    {
        QVERIFY(m_home.isValid());
        QLoggingCategory::setFilterRules(QStringLiteral("pds.*.debug=false"));
        m_since = QDateTime::currentDateTimeUtc().addSecs(-60);
        m_token = QString::number(QRandomGenerator::global()->generate64(), 16)
            + QString::number(QRandomGenerator::global()->generate64(), 16);
        // Pages of 25: a mid-size account becomes many pages, hence many places to be killed.
        QDir().mkpath(m_home.filePath(QStringLiteral("config/PipedriveSync")));
        QFile settings(m_home.filePath(QStringLiteral("config/PipedriveSync/pipedrive-sync.conf")));
        QVERIFY(settings.open(QIODevice::WriteOnly));
        settings.write("[sync]\npageSize=25\n");
        settings.close();

        m_fake.setProgram(binary("tests/support/fake-pipedrive"));
        m_fake.setArguments({ QStringLiteral("--port"), QStringLiteral("0"),
            QStringLiteral("--seed"), QStringLiteral("4242"), QStringLiteral("--records"),
            QStringLiteral("2500"), QStringLiteral("--token"), m_token });
        m_fake.start();
        QVERIFY(m_fake.waitForStarted());
        QTRY_VERIFY_WITH_TIMEOUT(m_fake.canReadLine(), 20000);
        const QString line = QString::fromUtf8(m_fake.readLine()).trimmed();
        const QRegularExpressionMatch match
            = QRegularExpression(QStringLiteral("^listening (http://127\\.0\\.0\\.1:\\d+)$"))
                  .match(line);
        QVERIFY2(match.hasMatch(), qPrintable(line));
        m_url = match.captured(1);
    }

    void cleanupTestCase()
    {
        m_fake.kill();
        m_fake.waitForFinished();
    }

    void init() { QVERIFY(setFaults({ { QStringLiteral("reset_counters"), true } })); }

    void killedAtManyPointsResumesToTheSameDatabase_data()
    {
        QTest::addColumn<QString>("kind");
        for (const QString &kind : pds::test::TestDatabase::kindNames())
            QTest::newRow(qPrintable(kind)) << kind;
    }
    void killedAtManyPointsResumesToTheSameDatabase()
    {
        QFETCH(QString, kind);
        using pds::test::TestDatabase;
        TestDatabase reference(TestDatabase::kindFromName(kind));
        TestDatabase killed(TestDatabase::kindFromName(kind));
        if (!reference.isValid())
            QSKIP(qPrintable(reference.whyNot()));
        QVERIFY(killed.isValid());

        const Result uninterrupted = run({ QStringLiteral("sync"), QStringLiteral("--database"),
            databaseUrl(reference.config()) });
        QVERIFY2(completed(uninterrupted), qPrintable(uninterrupted.err.right(2000)));

        // Where to kill, in requests logged by this run. A restart reads Pipedrive's settings
        // again (6 requests) and asks each finished entity for changes (7 more at most, deals
        // have two sources); pages that come fast share a transaction, up to four
        // (SyncOptions::pageJoinWaitMs): from 19 on, every run commits at least one new page; the
        // small ones die during the start-up, the schema creation and the lookups, and those
        // from 15 to 18 may die with every page they wrote in a transaction not committed yet.
        // The sequence is fixed: the same kills every time.
        const QList<int> killPoints { 1, 16, 2, 21, 22, 7, 23, 20, 24, 17, 3, 25, 20, 22, 26, 21,
            20, 23, 20, 22, 21, 20, 24, 20, 21, 20, 22, 20, 21, 20, 23, 20, 20, 21, 20, 22, 20, 21,
            20, 20, 23, 20, 21, 20, 20, 22, 20, 20, 21, 20 };
        const QStringList arguments { QStringLiteral("sync"), QStringLiteral("--verbose"),
            QStringLiteral("--database"), databaseUrl(killed.config()) };
        int kills = 0;
        Result last;
        for (int i = 0;; ++i) {
            QVERIFY2(i < killPoints.size() + 1, "the sync never finished between the kills");
            last = run(arguments, killPoints.value(i, 0));
            if (!last.killed)
                break;
            QCOMPARE(last.exitCode, -2);
            ++kills;
            qInfo().noquote() << "killed after" << last.requests << "requests, the last"
                              << last.lastRequest.left(120);
            if (killed.config().isSqlite()) {
                // Whatever the moment, the file is a sound database.
                pds::Database db;
                QVERIFY(db.open(killed.config()).isOk());
                QSqlQuery check(db.handle());
                QVERIFY(check.exec(QStringLiteral("PRAGMA quick_check")) && check.next());
                QCOMPARE(check.value(0).toString(), QStringLiteral("ok"));
            }
        }
        QVERIFY2(completed(last), qPrintable(last.err.right(2000)));
        QVERIFY2(kills >= 10, qPrintable(QString::number(kills)));
        qInfo("%d kills before the sync finished", kills);

        // Equal, no duplicates: on SQLite row for row with the same ids (each page commits
        // atomically and the next run goes on with the next page, so rows are created in the same
        // order). PostgreSQL's sequences do not roll back with a killed page, so its ids may skip
        // numbers there: compared by Pipedrive identity, every foreign key included.
        const QStringList expected = dump(reference.config(), true);
        const QStringList actual = dump(killed.config(), true);
        QVERIFY(expected.size() > 2000);
        QVERIFY2(actual == expected, qPrintable(pds::test::firstDifferences(expected, actual)));
        if (killed.config().isSqlite()) {
            const QStringList exact = dump(killed.config(), false);
            const QStringList exactExpected = dump(reference.config(), false);
            QVERIFY2(exact == exactExpected,
                qPrintable(pds::test::firstDifferences(exactExpected, exact)));
        }
        pds::Database db;
        QVERIFY(db.open(killed.config()).isOk());
        QSqlQuery duplicates(db.handle());
        QVERIFY(duplicates.exec(QStringLiteral(
            "SELECT COUNT(*) FROM (SELECT pipedrive_type, pipedrive_id FROM pipedrive_mappings "
            "GROUP BY pipedrive_type, pipedrive_id HAVING COUNT(*) > 1) d")));
        QVERIFY(duplicates.next());
        QCOMPARE(duplicates.value(0).toInt(), 0);
        // The killed runs are on record as interrupted.
        QSqlQuery interrupted(db.handle());
        QVERIFY(interrupted.exec(QStringLiteral("SELECT COUNT(*) FROM pipedrive_sync_runs WHERE "
                                                "outcome IN ('interrupted', 'running')")));
        QVERIFY(interrupted.next());
        QVERIFY(interrupted.value(0).toInt() > 0);
    }

    void budgetUsedUpExitsWith3AndSaysWhenItResets()
    {
        pds::test::TestDatabase database(pds::test::TestDatabase::Kind::Sqlite);
        const QStringList arguments { QStringLiteral("sync"), QStringLiteral("--database"),
            databaseUrl(database.config()) };
        QVERIFY(setFaults({ { QStringLiteral("daily_budget"), 400 } }));
        const Result stopped = run(arguments);
        QCOMPARE(stopped.exitCode, 3);
        QVERIFY2(stopped.err.contains(QLatin1String("budget"))
                && stopped.err.contains(QLatin1String("midnight"))
                && stopped.err.contains(QLatin1String("UTC"))
                && stopped.err.contains(QLatin1String("resumes")),
            qPrintable(stopped.err.right(1500)));
        // A new day: the next sync finishes.
        QVERIFY(setFaults({ { QStringLiteral("daily_budget"), 0 } }));
        const Result resumed = run(arguments);
        QVERIFY2(completed(resumed), qPrintable(resumed.err.right(1500)));
    }

    void tokenNeverLeaks()
    {
        pds::test::TestDatabase database(pds::test::TestDatabase::Kind::Sqlite);
        const QStringList arguments { QStringLiteral("sync"), QStringLiteral("--verbose"),
            QStringLiteral("--json"), QStringLiteral("--database"),
            databaseUrl(database.config()) };
        // Faults on the way, so that error paths log too.
        QVERIFY(setFaults({ { QStringLiteral("server_error"),
                                QJsonObject { { QStringLiteral("count"), 1 },
                                    { QStringLiteral("after"), 3 } } },
            { QStringLiteral("fail_429"),
                QJsonObject { { QStringLiteral("count"), 1 }, { QStringLiteral("after"), 5 } } },
            { QStringLiteral("bad_records"), true } }));
        QByteArray cmdline;
        const Result result = run(arguments, 0, [&](QProcess &process, const QString &) {
            if (!cmdline.isEmpty())
                return;
            // The arguments as every user of the machine can read them, while it runs.
            QFile file(QStringLiteral("/proc/%1/cmdline").arg(process.processId()));
            if (file.open(QIODevice::ReadOnly))
                cmdline = file.readAll();
        });
        QVERIFY(setFaults({ { QStringLiteral("bad_records"), false } }));
        QVERIFY2(completed(result), qPrintable(result.err.right(1500)));
        QVERIFY(result.requests > 20); // the verbose log has every request
        QVERIFY(cmdline.contains("sync"));
        const QByteArray token = m_token.toUtf8();
        QVERIFY(!cmdline.contains(token));
        QVERIFY(!result.err.contains(m_token));
        QVERIFY(!result.out.contains(m_token));

        // A crash mid-sync: whatever it prints has no token either.
        const Result crashed = run(arguments, 0, [](QProcess &process, const QString &line) {
            if (line.contains(QLatin1String("GET /api/v2/persons")))
                ::kill(pid_t(process.processId()), SIGSEGV);
        });
        QCOMPARE(crashed.exitCode, -2);
        QVERIFY(!crashed.err.contains(m_token) && !crashed.out.contains(m_token));

        // Nor in the database's files or the settings and data folders.
        QStringList searched;
        const QStringList folders { QFileInfo(database.config().sqlitePath).absolutePath(),
            m_home.path() };
        for (const QString &folder : folders) {
            QDirIterator files(folder, QDir::Files | QDir::Hidden, QDirIterator::Subdirectories);
            while (files.hasNext()) {
                QFile file(files.next());
                QVERIFY(file.open(QIODevice::ReadOnly));
                QVERIFY2(!file.readAll().contains(token), qPrintable(file.fileName()));
                searched << file.fileName();
            }
        }
        QVERIFY2(searched.filter(QStringLiteral("crm.sqlite3")).size() >= 1,
            qPrintable(searched.join(QLatin1Char(' '))));
        QVERIFY2(!searched.filter(QStringLiteral("pipedrive-sync.conf")).isEmpty(),
            qPrintable(searched.join(QLatin1Char(' '))));
    }
};

QTEST_GUILESS_MAIN(TestKillResume)
#include "tst_killresume.moc"
