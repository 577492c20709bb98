#pragma once

#include "db/databaseconfig.h"
#include "db/dberror.h"
#include "db/runjournal.h"
#include "sync/entity.h"
#include "sync/maintenance.h"

#include <QList>
#include <QString>
#include <QStringList>

// The app's database work as plain functions of values: each opens its own connection, does
// one thing and closes it. They run in DatabaseWorker's thread, never in the GUI thread.
namespace pds::tasks {

// What "Test connection" found in a database, without changing it.
struct DatabaseCheck
{
    enum class State { Failed, Empty, CrmReady, NotCrm };
    State state = State::Failed;
    DbError error; // State::Failed: why
    QStringList missing; // State::NotCrm: "table" or "table.column" the sync needs
    int tableCount = 0;
    bool hasAppTables = false; // a sync has run here before
};
DatabaseCheck checkDatabase(const DatabaseConfig &config);

struct StatsSnapshot
{
    DbError error;
    bool notSyncedYet = false; // no database yet, or none of the app's tables in it
    QList<EntityStats> entities;
    QList<RunRecord> runs; // newest first
};
StatsSnapshot readStats(const DatabaseConfig &config, int runLimit = 200);

struct ProblemsSnapshot
{
    DbError error;
    bool notSyncedYet = false;
    QList<Problem> problems; // newest first
};
ProblemsSnapshot readProblems(const DatabaseConfig &config, const ProblemFilter &filter);

struct ClearResult
{
    DbError error;
    qint64 removedMappings = 0;
};
ClearResult clearMappings(const DatabaseConfig &config, const QList<Entity> &entities);

// A CRM user, for the default owner choice.
struct CrmUser
{
    qint64 id = 0;
    QString email;
    QString name;
};
struct CrmUsers
{
    DbError error;
    QList<CrmUser> users;
};
CrmUsers readCrmUsers(const DatabaseConfig &config, int limit = 500);

} // namespace pds::tasks
