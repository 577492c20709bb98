#pragma once

#include "db/database.h"
#include "db/databaseconfig.h"

#include <QJsonObject>
#include <QStringList>
#include <QTemporaryDir>
#include <memory>

namespace pds::test {

// A throwaway CRM database for one test: a SQLite file in a temporary folder, or a fresh
// database on the PostgreSQL server scripts/test.sh started (PDS_TEST_PG_*), dropped afterwards.
class TestDatabase
{
public:
    enum class Kind { Sqlite, Postgres };

    explicit TestDatabase(Kind kind);
    ~TestDatabase();

    // False (with the reason) when it could not be made, e.g. no PostgreSQL server configured.
    bool isValid() const { return m_valid; }
    QString whyNot() const { return m_whyNot; }
    const DatabaseConfig &config() const { return m_config; }

    static QStringList kindNames()
    {
        return { QStringLiteral("sqlite"), QStringLiteral("postgresql") };
    }
    static Kind kindFromName(const QString &name);

private:
    bool m_valid = false;
    QString m_whyNot;
    DatabaseConfig m_config;
    QTemporaryDir m_dir;
    QString m_pgName;
};

// Makes the database refuse every task with this title (a trigger; test-only DDL: the title must
// hold no quote), and, with `slow`, cost it some work for every task, as a slow disk or server
// would. False with the error when it could not.
bool refuseTasksTitled(Database &db, const QString &title, bool slow, DbError *error);
// The same on a CRM database made first (the schema created if it is missing).
bool refuseTasksTitled(
    const DatabaseConfig &config, const QString &title, bool slow, DbError *error);
// The subject that most of these activities share (trimmed; none with a quote or a backslash,
// so that refuseTasksTitled() can take it), and how many share it.
std::pair<QString, int> commonestSubject(const QList<QJsonObject> &activities);

// The CRM tables and pipedrive_mappings, row by row in id order, every column as text:
// two dumps are equal when the data is.
QStringList dumpCrm(Database &db);
QStringList crmTables();

} // namespace pds::test
