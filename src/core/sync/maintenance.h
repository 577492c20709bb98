#pragma once

#include "db/database.h"
#include "db/runjournal.h"
#include "sync/entity.h"

#include <QList>
#include <optional>

namespace pds {

// What the stats view and `stats` show for one entity.
struct EntityStats
{
    Entity entity = Entity::Users;
    QString crmTables; // "contacts + leads"
    qint64 crmRows = 0;
    qint64 mappedRows = 0;
    std::optional<RunRecord> lastRun;
};

QList<EntityStats> readStats(Database &db, DbError *error);

// Forgets which CRM rows came from which Pipedrive records, for the given entities: the next
// sync matches by natural keys again and re-reads everything (checkpoints and high-water marks
// go too). CRM rows themselves are left alone. Returns the number of mapping rows removed.
qint64 clearMappings(Database &db, const QList<Entity> &entities, DbError *error);

// The CRM tables that hold an entity's rows.
QStringList crmTablesFor(Entity entity);

} // namespace pds
