#include "testdatabase.h"

#include "db/schemamanager.h"

#include <QRandomGenerator>
#include <QSqlError>
#include <QSqlQuery>
#include <QSqlRecord>
#include <QUuid>

namespace pds::test {

namespace {

// Runs one statement on the server's maintenance database (CREATE/DROP DATABASE).
QString adminExec(const QString &sql)
{
    const QString name
        = QStringLiteral("pds-test-admin-") + QUuid::createUuid().toString(QUuid::Id128);
    QString error;
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QPSQL"), name);
        db.setHostName(qEnvironmentVariable("PDS_TEST_PG_HOST"));
        db.setPort(qEnvironmentVariableIntValue("PDS_TEST_PG_PORT"));
        db.setUserName(qEnvironmentVariable("PDS_TEST_PG_USER", QStringLiteral("postgres")));
        db.setDatabaseName(QStringLiteral("postgres"));
        if (!db.open()) {
            error = db.lastError().text();
        } else {
            QSqlQuery query(db);
            if (!query.exec(sql))
                error = query.lastError().text();
        }
        db.close();
    }
    QSqlDatabase::removeDatabase(name);
    return error;
}

} // namespace

TestDatabase::Kind TestDatabase::kindFromName(const QString &name)
{
    return name == QLatin1String("postgresql") ? Kind::Postgres : Kind::Sqlite;
}

TestDatabase::TestDatabase(Kind kind)
{
    if (kind == Kind::Sqlite) {
        m_valid = m_dir.isValid();
        m_config = DatabaseConfig::sqlite(m_dir.filePath(QStringLiteral("crm.sqlite3")));
        return;
    }
    if (qEnvironmentVariable("PDS_TEST_PG_HOST").isEmpty()) {
        m_whyNot
            = QStringLiteral("PDS_TEST_PG_HOST is not set: run the tests through scripts/test.sh, "
                             "which starts a PostgreSQL server");
        return;
    }
    m_pgName = QStringLiteral("pds_test_%1").arg(QRandomGenerator::global()->generate64(), 0, 16);
    // The name is made here from hex digits only: no data reaches this statement.
    const QString error = adminExec(QStringLiteral("CREATE DATABASE %1").arg(m_pgName));
    if (!error.isEmpty()) {
        m_whyNot = error;
        return;
    }
    m_config.kind = DatabaseConfig::Kind::Postgres;
    m_config.host = qEnvironmentVariable("PDS_TEST_PG_HOST");
    m_config.port = qEnvironmentVariableIntValue("PDS_TEST_PG_PORT");
    m_config.user = qEnvironmentVariable("PDS_TEST_PG_USER", QStringLiteral("postgres"));
    m_config.databaseName = m_pgName;
    m_valid = true;
}

TestDatabase::~TestDatabase()
{
    if (!m_pgName.isEmpty())
        adminExec(QStringLiteral("DROP DATABASE IF EXISTS %1 WITH (FORCE)").arg(m_pgName));
}

QStringList crmTables()
{
    return { QStringLiteral("users"), QStringLiteral("accounts"), QStringLiteral("contacts"),
        QStringLiteral("leads"), QStringLiteral("opportunities"), QStringLiteral("tasks"),
        QStringLiteral("notes"), QStringLiteral("note_associations"),
        QStringLiteral("pipedrive_mappings") };
}

QStringList dumpCrm(Database &db)
{
    QStringList lines;
    for (const QString &table : crmTables()) {
        QSqlQuery query(db.handle());
        query.setForwardOnly(true);
        if (!query.exec(QStringLiteral("SELECT * FROM %1 ORDER BY id").arg(table))) {
            lines << QStringLiteral("error reading %1: %2").arg(table, query.lastError().text());
            continue;
        }
        while (query.next()) {
            const QSqlRecord record = query.record();
            QStringList values;
            for (int i = 0; i < record.count(); ++i) {
                const QVariant value = query.value(i);
                values << (value.isNull() ? QStringLiteral("NULL") : value.toString());
            }
            lines << table + QLatin1Char('|') + values.join(QLatin1Char('|'));
        }
    }
    return lines;
}

std::pair<QString, int> commonestSubject(const QList<QJsonObject> &activities)
{
    QMap<QString, int> titles;
    for (const QJsonObject &activity : activities) {
        const QString subject = activity.value(QLatin1String("subject")).toString().trimmed();
        if (!subject.isEmpty() && !subject.contains(QLatin1Char('\''))
            && !subject.contains(QLatin1Char('\\')))
            ++titles[subject];
    }
    std::pair<QString, int> commonest { QString(), 0 };
    for (auto it = titles.cbegin(); it != titles.cend(); ++it) {
        if (it.value() > commonest.second)
            commonest = { it.key(), it.value() };
    }
    return commonest;
}

bool refuseTasksTitled(Database &db, const QString &title, bool slow, DbError *error)
{
    const QString quoted = QLatin1Char('\'') + title + QLatin1Char('\'');
    if (db.isSqlite()) {
        return db.exec(
            QStringLiteral("CREATE TRIGGER refuse_one BEFORE INSERT ON tasks WHEN "
                           "NEW.title = %1%2 BEGIN SELECT RAISE(ABORT, 'refused by the "
                           "test'); END")
                .arg(quoted,
                    slow ? QStringLiteral(" OR length(randomblob(400000)) < 0") : QString()),
            error);
    }
    return db.exec(
               QStringLiteral("CREATE FUNCTION refuse_one() RETURNS trigger AS $$ BEGIN %2IF "
                              "NEW.title = %1 THEN RAISE EXCEPTION 'refused by the test' "
                              "USING ERRCODE = '23514'; END IF; RETURN NEW; END $$ LANGUAGE "
                              "plpgsql")
                   .arg(quoted,
                       slow ? QStringLiteral("PERFORM count(*) FROM generate_series(1, 20000); ")
                            : QString()),
               error)
        && db.exec(QStringLiteral("CREATE TRIGGER refuse_one BEFORE INSERT ON tasks FOR EACH ROW "
                                  "EXECUTE FUNCTION refuse_one()"),
            error);
}

bool refuseTasksTitled(
    const DatabaseConfig &config, const QString &title, bool slow, DbError *error)
{
    Database db;
    *error = db.open(config);
    if (error->isOk())
        *error = SchemaManager().ensureSchema(db);
    return error->isOk() && refuseTasksTitled(db, title, slow, error);
}

} // namespace pds::test
