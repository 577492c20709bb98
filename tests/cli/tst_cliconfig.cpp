// pipedrive-sync-cli and the company fit: --config FILE (a configuration exported by the app)
// applied to a sync, its errors, and config show / export / import against the saved settings.
// Real processes against the standalone fake server.

#include "config/syncconfig.h"
#include "db/database.h"
#include "fakedataset.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QtTest>

using namespace Qt::StringLiterals;

namespace {

constexpr int kSeed = 11;
constexpr int kRecords = 400;

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

QStringList column(const QString &databasePath, const QString &sql)
{
    pds::Database db;
    QStringList values;
    if (db.open(pds::DatabaseConfig::sqlite(databasePath)).isError())
        return { u"<cannot open>"_s };
    QSqlQuery query(db.handle());
    query.exec(sql);
    while (query.next())
        values << query.value(0).toString();
    return values;
}

} // namespace

class TestCliConfig : public QObject
{
    Q_OBJECT

private:
    QProcess m_fake;
    QString m_url;
    QString m_token;
    QTemporaryDir m_home;
    pds::test::FakeDataset m_data; // what the standalone fake serves

    Result run(const QStringList &arguments)
    {
        QProcess process;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        // Saved settings of this test only, never the user's.
        env.insert(u"XDG_CONFIG_HOME"_s, m_home.filePath(u"config"_s));
        env.insert(u"XDG_DATA_HOME"_s, m_home.filePath(u"data"_s));
        env.insert(u"PIPEDRIVE_COMPANY_DOMAIN"_s, m_url);
        env.insert(u"PIPEDRIVE_API_TOKEN"_s, m_token);
        env.insert(u"PDS_BCRYPT_COST"_s, u"4"_s);
        process.setProcessEnvironment(env);
        process.start(binary("src/cli/pipedrive-sync-cli"), arguments);
        Result result;
        if (!process.waitForFinished(120000)) {
            process.kill();
            process.waitForFinished();
            return result;
        }
        result.exitCode = process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -2;
        result.out = QString::fromUtf8(process.readAllStandardOutput());
        result.err = QString::fromUtf8(process.readAllStandardError());
        return result;
    }

    QString writeFile(const QString &name, const QByteArray &contents)
    {
        const QString path = m_home.filePath(name);
        QFile file(path);
        if (!file.open(QIODevice::WriteOnly))
            return {};
        file.write(contents);
        return path;
    }

    // Open deals in the stage "Lead in" (1), which the keyword rules make prospecting.
    QStringList openDealsInStageOne() const
    {
        QStringList ids;
        for (const QJsonObject &deal : m_data.records(pds::test::Entity::Deals)) {
            if (deal.value(u"status"_s) == u"open"_s && deal.value(u"stage_id"_s).toInteger() == 1)
                ids << QString::number(deal.value(u"id"_s).toInteger());
        }
        return ids;
    }

private slots:
    void initTestCase()
    {
        QVERIFY(m_home.isValid());
        m_token = QString::number(QRandomGenerator::global()->generate64(), 16);
        m_data = pds::test::FakeDataset::generate(
            kSeed, pds::test::DatasetSizes::fromTotal(kRecords));
        m_fake.setProgram(binary("tests/support/fake-pipedrive"));
        m_fake.setArguments({ u"--port"_s, u"0"_s, u"--seed"_s, QString::number(kSeed),
            u"--records"_s, QString::number(kRecords), u"--token"_s, m_token });
        m_fake.start();
        QVERIFY(m_fake.waitForStarted());
        QTRY_VERIFY_WITH_TIMEOUT(m_fake.canReadLine(), 20000);
        const QString line = QString::fromUtf8(m_fake.readLine()).trimmed();
        const QRegularExpressionMatch match
            = QRegularExpression(u"^listening (http://127\\.0\\.0\\.1:\\d+)$"_s).match(line);
        QVERIFY2(match.hasMatch(), qPrintable(line));
        m_url = match.captured(1);
        QVERIFY(!openDealsInStageOne().isEmpty());
    }

    void cleanupTestCase()
    {
        m_fake.kill();
        m_fake.waitForFinished();
    }

    void syncAppliesTheStageMapAndFilterOfAnExportedFile()
    {
        // The file as the app's Export writes it.
        pds::SyncConfig config;
        config.stageMap = { { 1, u"Sales"_s, u"Lead in"_s, u"negotiation"_s } };
        config.filters.insert(u"deals"_s, { 1, u"All open deals"_s });
        const QString path = m_home.filePath(u"team.json"_s);
        QString error;
        QVERIFY2(config.writeFile(path, &error), qPrintable(error));

        const QString withFile = m_home.filePath(u"with-config.sqlite3"_s);
        const Result result = run({ u"sync"_s, u"--config"_s, path, u"--database"_s,
            u"sqlite:"_s + withFile, u"--json"_s });
        QVERIFY2(result.exitCode == 0 || result.exitCode == 1, qPrintable(result.err));
        // The filter: open deals only. The stage map: "Lead in" is negotiation.
        QCOMPARE(column(withFile, u"SELECT DISTINCT stage FROM opportunities WHERE stage LIKE "
                                  "'closed%'"_s),
            QStringList());
        const QStringList stageOne = openDealsInStageOne();
        const QStringList stages = column(withFile,
            u"SELECT DISTINCT o.stage FROM opportunities o JOIN pipedrive_mappings m ON "
            "m.rails_id = o.id AND m.pipedrive_type = 'Opportunity' WHERE m.pipedrive_id IN (%1)"_s
                .arg(stageOne.join(u',')));
        QCOMPARE(stages, QStringList { u"negotiation"_s });

        // Without the file: the saved (default) configuration, all deals, keyword stages.
        const QString without = m_home.filePath(u"without-config.sqlite3"_s);
        const Result plain = run({ u"sync"_s, u"deals"_s, u"users"_s, u"--database"_s,
            u"sqlite:"_s + without, u"--json"_s });
        QVERIFY2(plain.exitCode == 0 || plain.exitCode == 1, qPrintable(plain.err));
        QVERIFY(!column(without, u"SELECT 1 FROM opportunities WHERE stage LIKE 'closed%'"_s)
                     .isEmpty());
        QCOMPARE(column(without,
                     u"SELECT DISTINCT o.stage FROM opportunities o JOIN pipedrive_mappings m "
                     "ON m.rails_id = o.id AND m.pipedrive_type = 'Opportunity' WHERE "
                     "m.pipedrive_id IN (%1)"_s
                         .arg(stageOne.join(u','))),
            QStringList { u"prospecting"_s });
    }

    void configFileWithErrorsIsRefusedSayingWhere()
    {
        const QString path = writeFile(u"broken.json"_s,
            R"({"format": "pipedrive-sync-configuration", "version": 1,
                "stage_map": [{"stage_id": 1, "crm_stage": "won"}],
                "filters": {"notes": {"id": 3}}})");
        const QString database = m_home.filePath(u"refused.sqlite3"_s);
        const Result result
            = run({ u"sync"_s, u"--config"_s, path, u"--database"_s, u"sqlite:"_s + database });
        QCOMPARE(result.exitCode, 2);
        QVERIFY2(result.err.contains(u"stage_map[0].crm_stage"_s), qPrintable(result.err));
        QVERIFY2(result.err.contains(u"filters.notes"_s), qPrintable(result.err));
        QVERIFY(!QFile::exists(database)); // refused before anything was touched

        const Result missing = run({ u"sync"_s, u"--config"_s, m_home.filePath(u"nope.json"_s) });
        QCOMPARE(missing.exitCode, 2);
        QVERIFY2(missing.err.contains(u"nope.json"_s), qPrintable(missing.err));

        const Result asJson = run({ u"config"_s, u"show"_s, u"--config"_s, path, u"--json"_s });
        QCOMPARE(asJson.exitCode, 2);
        const QJsonObject answer = QJsonDocument::fromJson(asJson.out.toUtf8()).object();
        QCOMPARE(answer.value(u"ok"_s).toBool(true), false);
        QCOMPARE(answer.value(u"errors"_s).toArray().size(), 2);
    }

    void configImportShowAndExportUseTheSavedConfiguration()
    {
        const QString path = writeFile(u"import.json"_s,
            R"({"format": "pipedrive-sync-configuration", "version": 1,
                "placeholders": {"phone": "unbekannt"},
                "field_map": {"accounts.website": null},
                "stage_map": [{"stage_id": 4, "pipeline": "Sales", "stage": "Proposal made",
                               "crm_stage": "final_review"}],
                "filters": {"persons": {"id": 4, "name": "People of the owner"}}})");
        const Result imported = run({ u"config"_s, u"import"_s, path });
        QCOMPARE(imported.exitCode, 0);

        const Result shown = run({ u"config"_s, u"--json"_s });
        QCOMPARE(shown.exitCode, 0);
        const QJsonObject answer = QJsonDocument::fromJson(shown.out.toUtf8()).object();
        QStringList errors;
        const std::optional<pds::SyncConfig> saved
            = pds::SyncConfig::fromJson(answer.value(u"config"_s).toObject(), &errors);
        QVERIFY2(saved, qPrintable(errors.join(u'\n')));
        const std::optional<pds::SyncConfig> original = pds::SyncConfig::readFile(path, &errors);
        QVERIFY(original);
        QVERIFY(*saved == *original);
        QCOMPARE(saved->phonePlaceholder, u"unbekannt"_s);

        const QString out = m_home.filePath(u"exported.json"_s);
        QCOMPARE(run({ u"config"_s, u"export"_s, out }).exitCode, 0);
        const std::optional<pds::SyncConfig> exported = pds::SyncConfig::readFile(out, &errors);
        QVERIFY2(exported, qPrintable(errors.join(u'\n')));
        QVERIFY(*exported == *original);

        QCOMPARE(run({ u"config"_s, u"export"_s }).exitCode, 2);
        QCOMPARE(run({ u"config"_s, u"frobnicate"_s }).exitCode, 2);
        // Put the defaults back for the other tests.
        pds::SyncConfig defaults;
        QString error;
        QVERIFY(defaults.writeFile(m_home.filePath(u"defaults.json"_s), &error));
        QCOMPARE(run({ u"config"_s, u"import"_s, m_home.filePath(u"defaults.json"_s) }).exitCode,
            0);
    }
};

QTEST_GUILESS_MAIN(TestCliConfig)
#include "tst_cliconfig.moc"
