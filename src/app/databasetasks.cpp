#include "databasetasks.h"

#include "db/database.h"
#include "db/schemamanager.h"

#include <QFileInfo>
#include <QSqlQuery>

namespace pds::tasks {

namespace {

// SQLite creates a missing file on open: a view that only reads must not leave one behind.
bool sqliteFileMissing(const DatabaseConfig &config)
{
    return config.isSqlite() && !QFileInfo::exists(config.sqlitePath);
}

bool hasAppTables(Database &db, DbError *error)
{
    const QStringList tables = SchemaManager::tables(db, error);
    for (const QString &table : SchemaManager::appTables()) {
        if (!tables.contains(table))
            return false;
    }
    return true;
}

} // namespace

DatabaseCheck checkDatabase(const DatabaseConfig &config)
{
    DatabaseCheck check;
    if (sqliteFileMissing(config)) {
        check.state = DatabaseCheck::State::Empty;
        return check;
    }
    Database db;
    check.error = db.open(config);
    if (check.error.isError())
        return check;
    const QStringList tables = SchemaManager::tables(db, &check.error);
    if (check.error.isError())
        return check;
    check.tableCount = int(tables.size());
    if (tables.isEmpty()) {
        check.state = DatabaseCheck::State::Empty;
        return check;
    }
    check.missing = SchemaManager::missingCrmParts(db, &check.error);
    if (check.error.isError())
        return check;
    check.hasAppTables = hasAppTables(db, &check.error);
    if (check.error.isError())
        return check;
    check.state
        = check.missing.isEmpty() ? DatabaseCheck::State::CrmReady : DatabaseCheck::State::NotCrm;
    return check;
}

StatsSnapshot readStats(const DatabaseConfig &config, int runLimit)
{
    StatsSnapshot snapshot;
    if (sqliteFileMissing(config)) {
        snapshot.notSyncedYet = true;
        return snapshot;
    }
    Database db;
    snapshot.error = db.open(config);
    if (snapshot.error.isError())
        return snapshot;
    if (!hasAppTables(db, &snapshot.error) || !SchemaManager::missingCrmParts(db).isEmpty()) {
        snapshot.notSyncedYet = snapshot.error.isOk();
        return snapshot;
    }
    snapshot.entities = pds::readStats(db, &snapshot.error);
    if (snapshot.error.isError())
        return snapshot;
    RunJournal journal(db);
    snapshot.runs = journal.runs(runLimit, {}, &snapshot.error);
    return snapshot;
}

ProblemsSnapshot readProblems(const DatabaseConfig &config, const ProblemFilter &filter)
{
    ProblemsSnapshot snapshot;
    if (sqliteFileMissing(config)) {
        snapshot.notSyncedYet = true;
        return snapshot;
    }
    Database db;
    snapshot.error = db.open(config);
    if (snapshot.error.isError())
        return snapshot;
    if (!hasAppTables(db, &snapshot.error)) {
        snapshot.notSyncedYet = snapshot.error.isOk();
        return snapshot;
    }
    RunJournal journal(db);
    snapshot.problems = journal.problems(filter, &snapshot.error);
    return snapshot;
}

ClearResult clearMappings(const DatabaseConfig &config, const QList<Entity> &entities)
{
    ClearResult result;
    if (sqliteFileMissing(config))
        return result; // nothing was ever mapped
    Database db;
    result.error = db.open(config);
    if (result.error.isError())
        return result;
    if (!hasAppTables(db, &result.error))
        return result;
    result.removedMappings = pds::clearMappings(db, entities, &result.error);
    return result;
}

CrmUsers readCrmUsers(const DatabaseConfig &config, int limit)
{
    CrmUsers result;
    if (sqliteFileMissing(config))
        return result;
    Database db;
    result.error = db.open(config);
    if (result.error.isError())
        return result;
    if (!SchemaManager::tables(db, &result.error).contains(QStringLiteral("users")))
        return result;
    QSqlQuery *q = db.prepared(QStringLiteral("SELECT id, email, first_name, last_name FROM users "
                                              "ORDER BY email LIMIT ?"),
        &result.error);
    if (!q)
        return result;
    q->bindValue(0, limit);
    if (!db.exec(*q, &result.error))
        return result;
    while (q->next()) {
        CrmUser user;
        user.id = q->value(0).toLongLong();
        user.email = q->value(1).toString();
        user.name = QStringList { q->value(2).toString(), q->value(3).toString() }
                        .join(QLatin1Char(' '))
                        .trimmed();
        result.users.append(user);
    }
    q->finish();
    return result;
}

} // namespace pds::tasks
