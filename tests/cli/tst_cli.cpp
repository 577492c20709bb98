// pipedrive-sync-cli as an admin runs it: real processes, the standalone fake server, a SQLite
// file and the PostgreSQL server of the test run; exit codes and output checked.

#include "testdatabase.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QProcess>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

namespace {

QString binary(const char *relative)
{
    return QStringLiteral(PDS_BINARY_DIR) + QLatin1Char('/') + QLatin1String(relative);
}

struct Result
{
    int exitCode = -1;
    QString out;
    QString err;
};

} // namespace

class TestCli : public QObject
{
    Q_OBJECT

private:
    QProcess m_fake;
    QString m_url;
    QString m_token;
    QTemporaryDir m_home;

    Result run(const QStringList &arguments, const QMap<QString, QString> &environment = {},
        int timeoutMs = 120000)
    {
        QProcess process;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        // Saved settings of this test only, never the user's.
        env.insert(QStringLiteral("XDG_CONFIG_HOME"), m_home.filePath(QStringLiteral("config")));
        env.insert(QStringLiteral("XDG_DATA_HOME"), m_home.filePath(QStringLiteral("data")));
        env.insert(QStringLiteral("PIPEDRIVE_COMPANY_DOMAIN"), m_url);
        env.insert(QStringLiteral("PIPEDRIVE_API_TOKEN"), m_token);
        env.insert(QStringLiteral("PDS_BCRYPT_COST"), QStringLiteral("4"));
        for (auto it = environment.cbegin(); it != environment.cend(); ++it) {
            if (it.value().isNull())
                env.remove(it.key());
            else
                env.insert(it.key(), it.value());
        }
        process.setProcessEnvironment(env);
        process.start(binary("src/cli/pipedrive-sync-cli"), arguments);
        Result result;
        if (!process.waitForFinished(timeoutMs)) {
            process.kill();
            process.waitForFinished();
            return result;
        }
        result.exitCode = process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -2;
        result.out = QString::fromUtf8(process.readAllStandardOutput());
        result.err = QString::fromUtf8(process.readAllStandardError());
        return result;
    }

    static QJsonObject json(const Result &result)
    {
        return QJsonDocument::fromJson(result.out.toUtf8()).object();
    }

    static qint64 total(const QJsonObject &summary, const char *key)
    {
        qint64 sum = 0;
        for (const QJsonValue &entity : summary.value(QLatin1String("entities")).toArray())
            sum += qint64(entity.toObject().value(QLatin1String(key)).toDouble());
        return sum;
    }

    // The standalone fake's test data API: changes "in Pipedrive". Returns the answer's data.
    QJsonObject testApi(const QByteArray &method, const QString &path, const QJsonObject &body = {})
    {
        QNetworkAccessManager nam;
        QNetworkRequest request(QUrl(m_url + path));
        request.setHeader(QNetworkRequest::ContentTypeHeader, QStringLiteral("application/json"));
        QNetworkReply *reply = nam.sendCustomRequest(
            request, method, QJsonDocument(body).toJson(QJsonDocument::Compact));
        QSignalSpy finished(reply, &QNetworkReply::finished);
        if (!reply->isFinished() && !finished.wait(10000))
            return {};
        const QJsonObject answer = QJsonDocument::fromJson(reply->readAll()).object();
        reply->deleteLater();
        return answer.value(QLatin1String("data")).toObject();
    }

    static QStringList databaseArguments(const pds::DatabaseConfig &config)
    {
        return { QStringLiteral("--database"),
            config.isSqlite() ? QStringLiteral("sqlite:") + config.sqlitePath
                              : QStringLiteral("postgresql://%1@%2:%3/%4")
                                    .arg(config.user, config.host)
                                    .arg(config.port)
                                    .arg(config.databaseName) };
    }

    static QStringList dump(const pds::DatabaseConfig &config)
    {
        pds::Database db;
        if (db.open(config).isError())
            return { QStringLiteral("cannot open") };
        return pds::test::dumpCrm(db);
    }

private slots:
    void initTestCase()
    {
        QVERIFY(m_home.isValid());
        m_token = QString::number(QRandomGenerator::global()->generate64(), 16);
        m_fake.setProgram(binary("tests/support/fake-pipedrive"));
        m_fake.setArguments({ QStringLiteral("--port"), QStringLiteral("0"),
            QStringLiteral("--seed"), QStringLiteral("11"), QStringLiteral("--records"),
            QStringLiteral("2000"), QStringLiteral("--token"), m_token });
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

    // The CLI allocates through mimalloc (CMakeLists.txt: pds_use_allocator), not glibc's
    // malloc: the link order decides, so a change to it would silently lose the allocator.
    void allocatesThroughMimalloc()
    {
#ifdef PDS_SYSTEM_ALLOCATOR
        QSKIP("built with the sanitizers' allocator");
#endif
        const Result result = run({ QStringLiteral("--version") },
            { { QStringLiteral("MIMALLOC_VERBOSE"), QStringLiteral("1") } });
        QCOMPARE(result.exitCode, 0);
        QVERIFY2(
            result.err.contains(QLatin1String("mimalloc: process init")), qPrintable(result.err));
    }

    void checkNamesCompanyAndUser()
    {
        const Result result = run({ QStringLiteral("check") });
        QCOMPARE(result.exitCode, 0);
        QVERIFY2(result.out.contains(QLatin1String("Company: ")), qPrintable(result.out));
        QVERIFY(result.out.contains(QLatin1String("User: ")));
        const Result asJson = run({ QStringLiteral("check"), QStringLiteral("--json") });
        QCOMPARE(asJson.exitCode, 0);
        QVERIFY(!json(asJson).value(QLatin1String("company")).toString().isEmpty());
        QVERIFY(!(result.out + result.err + asJson.out + asJson.err).contains(m_token));
    }

    void checkWithWrongTokenSaysSoAndExits2()
    {
        const Result result = run({ QStringLiteral("check") },
            { { QStringLiteral("PIPEDRIVE_API_TOKEN"), QStringLiteral("wrong-token") } });
        QCOMPARE(result.exitCode, 2);
        QVERIFY2(
            result.err.contains(QLatin1String("Authentication failed")), qPrintable(result.err));
        QVERIFY(!result.err.contains(QLatin1String("wrong-token")));
    }

    void checkWithUnreachableHostExits3()
    {
        const Result result = run({ QStringLiteral("check") },
            { { QStringLiteral("PIPEDRIVE_COMPANY_DOMAIN"),
                QStringLiteral("http://127.0.0.1:1") } });
        QCOMPARE(result.exitCode, 3);
        QVERIFY2(result.err.contains(QLatin1String("Network error")), qPrintable(result.err));
    }

    void checkRefusesPlainHttpToTheInternet()
    {
        const Result result = run({ QStringLiteral("check") },
            { { QStringLiteral("PIPEDRIVE_COMPANY_DOMAIN"),
                QStringLiteral("http://acme.pipedrive.com") } });
        QCOMPARE(result.exitCode, 2);
        QVERIFY(result.err.contains(QLatin1String("https")));
    }

    void unknownCommandOrEntityIsAConfigurationError()
    {
        QCOMPARE(run({ QStringLiteral("frobnicate") }).exitCode, 2);
        const Result result = run({ QStringLiteral("sync"), QStringLiteral("widgets") });
        QCOMPARE(result.exitCode, 2);
        QVERIFY(result.err.contains(QLatin1String("widgets")));
    }

    void syncStatsAndResync_data()
    {
        QTest::addColumn<QString>("kind");
        for (const QString &kind : pds::test::TestDatabase::kindNames())
            QTest::newRow(qPrintable(kind)) << kind;
    }
    void syncStatsAndResync()
    {
        QFETCH(QString, kind);
        pds::test::TestDatabase database(pds::test::TestDatabase::kindFromName(kind));
        if (!database.isValid())
            QSKIP(qPrintable(database.whyNot()));
        const pds::DatabaseConfig &config = database.config();
        const QString url = config.isSqlite() ? QStringLiteral("sqlite:") + config.sqlitePath
                                              : QStringLiteral("postgresql://%1@%2:%3/%4")
                                                    .arg(config.user, config.host)
                                                    .arg(config.port)
                                                    .arg(config.databaseName);
        const QStringList db { QStringLiteral("--database"), url };

        const Result first
            = run(QStringList { QStringLiteral("sync"), QStringLiteral("--json") } + db);
        // 1: finished, with records the CRM cannot hold (persons without an email, ...)
        QVERIFY2(first.exitCode == 1 || first.exitCode == 0, qPrintable(first.err + first.out));
        const QJsonObject summary = json(first);
        QCOMPARE(summary.value(QLatin1String("entities")).toArray().size(), 6);
        QVERIFY(total(summary, "created") > 1000);
        QVERIFY(!first.err.isEmpty()); // progress goes to stderr

        const Result stats
            = run(QStringList { QStringLiteral("stats"), QStringLiteral("--json") } + db);
        QCOMPARE(stats.exitCode, 0);
        const QJsonArray entities = json(stats).value(QLatin1String("entities")).toArray();
        QCOMPARE(entities.size(), 6);
        for (const QJsonValue &value : entities) {
            const QJsonObject entity = value.toObject();
            QVERIFY(entity.value(QLatin1String("crm_rows")).toDouble() > 0);
            QVERIFY(entity.value(QLatin1String("mapped_rows")).toDouble() > 0);
            QVERIFY(entity.contains(QLatin1String("last_run")));
        }
        const Result text = run(QStringList { QStringLiteral("stats") } + db);
        QVERIFY(text.out.contains(QLatin1String("organizations: ")));

        const Result second
            = run(QStringList { QStringLiteral("sync"), QStringLiteral("--json") } + db);
        QVERIFY(second.exitCode == 0 || second.exitCode == 1);
        QCOMPARE(total(json(second), "created"), 0);
        QCOMPARE(total(json(second), "updated"), 0);

        // clear-mappings asks for --yes and then does what it says
        const Result refused
            = run(QStringList { QStringLiteral("clear-mappings"), QStringLiteral("notes") } + db);
        QCOMPARE(refused.exitCode, 2);
        QVERIFY(refused.err.contains(QLatin1String("--yes")));
        const Result cleared
            = run(QStringList { QStringLiteral("clear-mappings"), QStringLiteral("notes"),
                      QStringLiteral("--yes"), QStringLiteral("--json") }
                + db);
        QCOMPARE(cleared.exitCode, 0);
        QVERIFY(json(cleared).value(QLatin1String("removed")).toDouble() > 0);
        const Result after
            = run(QStringList { QStringLiteral("stats"), QStringLiteral("--json") } + db);
        for (const QJsonValue &value : json(after).value(QLatin1String("entities")).toArray()) {
            const QJsonObject entity = value.toObject();
            if (entity.value(QLatin1String("entity")).toString() == QLatin1String("notes"))
                QCOMPARE(entity.value(QLatin1String("mapped_rows")).toDouble(), 0.0);
            else
                QVERIFY(entity.value(QLatin1String("mapped_rows")).toDouble() > 0);
        }
        QVERIFY(!(first.out + first.err + second.out + stats.out).contains(m_token));
    }

    void databaseThatIsNotACrmIsRefused()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("other.sqlite3"));
        {
            pds::Database db;
            QVERIFY(db.open(pds::DatabaseConfig::sqlite(path)).isOk());
            QVERIFY(db.exec(QStringLiteral("CREATE TABLE invoices (id integer primary key)")));
        }
        const Result result = run({ QStringLiteral("sync"), QStringLiteral("--database"),
            QStringLiteral("sqlite:") + path });
        QCOMPARE(result.exitCode, 2);
        QVERIFY2(
            result.err.contains(QLatin1String("CRM"), Qt::CaseInsensitive), qPrintable(result.err));
    }

    void dryRunUndoAndDeletions_data()
    {
        QTest::addColumn<QString>("kind");
        for (const QString &kind : pds::test::TestDatabase::kindNames())
            QTest::newRow(qPrintable(kind)) << kind;
    }
    void dryRunUndoAndDeletions()
    {
        QFETCH(QString, kind);
        pds::test::TestDatabase database(pds::test::TestDatabase::kindFromName(kind));
        if (!database.isValid())
            QSKIP(qPrintable(database.whyNot()));
        const QStringList db = databaseArguments(database.config());
        const QStringList sync { QStringLiteral("sync"), QStringLiteral("--json") };
        const Result first = run(sync + db);
        QVERIFY2(first.exitCode == 0 || first.exitCode == 1, qPrintable(first.err + first.out));
        const QStringList afterFirst = dump(database.config());
        QVERIFY(afterFirst.size() > 1000);

        // A new person in Pipedrive. A dry run says it would create it, and writes nothing.
        const QString email = QStringLiteral("cli.%1@changes.example").arg(kind);
        const qint64 person = qint64(testApi("POST", QStringLiteral("/__test/records/persons"),
            { { QStringLiteral("name"), QStringLiteral("Cli Person") },
                { QStringLiteral("emails"),
                    QJsonArray { QJsonObject { { QStringLiteral("value"), email },
                        { QStringLiteral("primary"), true },
                        { QStringLiteral("label"), QStringLiteral("work") } } } } })
                                         .value(QLatin1String("id"))
                                         .toDouble());
        QVERIFY(person > 0);
        const Result dry = run(sync + db + QStringList { QStringLiteral("--dry-run") });
        QVERIFY2(dry.exitCode == 0 || dry.exitCode == 1, qPrintable(dry.err + dry.out));
        QVERIFY(json(dry).value(QLatin1String("dry_run")).toBool());
        QCOMPARE(total(json(dry), "created"), 1);
        QCOMPARE(dump(database.config()), afterFirst);
        const Result dryText
            = run(QStringList { QStringLiteral("sync"), QStringLiteral("--dry-run") } + db);
        QVERIFY2(dryText.out.contains(QLatin1String("Dry run")), qPrintable(dryText.out));

        // The sync creates it; undo takes the sync back.
        const Result second = run(sync + db);
        QCOMPARE(total(json(second), "created"), 1);
        const Result undone
            = run(QStringList { QStringLiteral("undo"), QStringLiteral("--json") } + db);
        QCOMPARE(undone.exitCode, 0);
        const QJsonObject undoJson = json(undone);
        QVERIFY2(
            undoJson.value(QLatin1String("undone")).toBool(), qPrintable(undone.out + undone.err));
        QVERIFY(undoJson.value(QLatin1String("rows_removed")).toDouble() >= 1);
        QCOMPARE(dump(database.config()), afterFirst);
        // The undo is in the run history, and the next sync reads the person again.
        const Result stats
            = run(QStringList { QStringLiteral("stats"), QStringLiteral("--json") } + db);
        bool undoSeen = false;
        for (const QJsonValue &value : json(stats).value(QLatin1String("entities")).toArray()) {
            const QJsonObject entity = value.toObject();
            if (entity.value(QLatin1String("entity")).toString() == QLatin1String("persons"))
                undoSeen = entity.value(QLatin1String("last_run"))
                               .toObject()
                               .value(QLatin1String("mode"))
                               .toString()
                    == QLatin1String("undo");
        }
        QVERIFY(undoSeen);
        QCOMPARE(total(json(run(sync + db)), "created"), 1);

        // Deleted in Pipedrive: a full sync with the policy "delete" removes the row it created.
        QVERIFY(testApi("DELETE", QStringLiteral("/__test/records/persons/%1").arg(person))
                    .contains(QLatin1String("id")));
        const Result deleting = run(sync + db
            + QStringList { QStringLiteral("--full"), QStringLiteral("--deletion-policy"),
                QStringLiteral("delete") });
        QVERIFY2(deleting.exitCode == 0 || deleting.exitCode == 1, qPrintable(deleting.err));
        QCOMPARE(total(json(deleting), "deleted"), 1);
        QCOMPARE(dump(database.config()), afterFirst);

        // Mistakes say what is wrong and exit 2.
        const Result unknownRun
            = run(QStringList { QStringLiteral("undo"), QStringLiteral("987654") } + db);
        QCOMPARE(unknownRun.exitCode, 2);
        QVERIFY2(unknownRun.err.contains(QLatin1String("no such run")), qPrintable(unknownRun.err));
        QCOMPARE(
            run(QStringList { QStringLiteral("undo"), QStringLiteral("last") } + db).exitCode, 2);
        const Result policy = run(QStringList { QStringLiteral("sync"),
                                      QStringLiteral("--deletion-policy"), QStringLiteral("maybe") }
            + db);
        QCOMPARE(policy.exitCode, 2);
        QVERIFY(policy.err.contains(QLatin1String("maybe")));
    }
};

QTEST_GUILESS_MAIN(TestCli)
#include "tst_cli.moc"
