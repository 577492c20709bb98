#pragma once

#include "db/database.h"
#include "fakepipedrive.h"

#include <QHash>
#include <QList>
#include <QStringList>

namespace pds::test {

// Changes made "in Pipedrive" through the fake's test data API, between two syncs: for each of
// organizations, persons, deals, activities and notes some records updated, one added, one
// deleted.
//
// They are chosen so that a sync that reads only what changed can end with exactly the CRM a
// full sync into an empty database gives. The CRM keeps copies of linked records' names (a
// deal's account name, a task's description, a contact's company) and derives a person's kind
// from its deals and activities, while Pipedrive does not touch a record's update_time when only
// its links change. So a change here never renames a linked record, never changes whose deals or
// activities a person has in a way that changes the person's row, and deletes only records that
// nothing refers to and whose CRM row no other record shares.
struct PipedriveChanges
{
    QHash<Entity, QList<qint64>> updated;
    QHash<Entity, QList<qint64>> added;
    QHash<Entity, QList<qint64>> deleted;

    int count(Entity entity) const
    {
        return int(updated.value(entity).size() + added.value(entity).size()
            + deleted.value(entity).size());
    }
};

// Before the first sync: adds what the generated account lacks for the changes, an organization
// that nothing refers to (every generated one has persons or deals).
void prepareInPipedrive(FakePipedriveServer &server);

// `db` is the CRM after a first sync: records are picked among those it holds. `round` varies
// the picks (and the new records' names) between calls. False (with a warning) when the dataset
// has no suitable record or the fake refused a change.
bool changeInPipedrive(
    FakePipedriveServer &server, Database &db, int round, PipedriveChanges *changes);

// The entities of the changes, in sync order.
QList<Entity> changedEntities();

// Every app table but the run history (pipedrive_sync_runs), row by row: for "the dry run
// wrote nothing" checks.
QStringList dumpAppTables(Database &db);

} // namespace pds::test
