#include "maintenance.h"

#include <QSqlQuery>

namespace pds {

QStringList crmTablesFor(Entity entity)
{
    switch (entity) {
    case Entity::Users:
        return { QStringLiteral("users") };
    case Entity::Organizations:
        return { QStringLiteral("accounts") };
    case Entity::Persons:
        return { QStringLiteral("contacts"), QStringLiteral("leads") };
    case Entity::Deals:
        return { QStringLiteral("opportunities") };
    case Entity::Activities:
        return { QStringLiteral("tasks") };
    case Entity::Notes:
        return { QStringLiteral("notes") };
    }
    return {};
}

namespace {

qint64 scalar(Database &db, const QString &sql, const QVariantList &values, DbError *error)
{
    QSqlQuery *q = db.prepared(sql, error);
    if (!q)
        return -1;
    for (qsizetype i = 0; i < values.size(); ++i)
        q->bindValue(int(i), values.at(i));
    if (!db.exec(*q, error))
        return -1;
    const qint64 value = q->next() ? q->value(0).toLongLong() : 0;
    q->finish();
    return value;
}

} // namespace

QList<EntityStats> readStats(Database &db, DbError *error)
{
    QList<EntityStats> result;
    RunJournal journal(db);
    for (Entity entity : allEntities()) {
        EntityStats stats;
        stats.entity = entity;
        const QStringList tables = crmTablesFor(entity);
        stats.crmTables = tables.join(QStringLiteral(" + "));
        for (const QString &table : tables) {
            Q_ASSERT(Database::isPlainIdentifier(table));
            const qint64 rows
                = scalar(db, QStringLiteral("SELECT COUNT(*) FROM %1").arg(table), {}, error);
            if (rows < 0)
                return {};
            stats.crmRows += rows;
        }
        for (const QString &type : mappingTypesFor(entity)) {
            const qint64 rows = scalar(db,
                QStringLiteral("SELECT COUNT(*) FROM pipedrive_mappings WHERE pipedrive_type = ?"),
                { type }, error);
            if (rows < 0)
                return {};
            stats.mappedRows += rows;
        }
        const QList<RunRecord> runs = journal.runs(1, entityName(entity), error);
        if (error && error->isError())
            return {};
        if (!runs.isEmpty())
            stats.lastRun = runs.first();
        result.append(stats);
    }
    return result;
}

qint64 clearMappings(Database &db, const QList<Entity> &entities, DbError *error)
{
    RunJournal journal(db);
    DbError local = db.beginTransaction();
    qint64 removed = 0;
    for (Entity entity : entities) {
        for (const QString &type : mappingTypesFor(entity)) {
            if (local.isError())
                break;
            QSqlQuery *q = db.prepared(
                QStringLiteral("DELETE FROM pipedrive_mappings WHERE pipedrive_type = ?"), &local);
            if (!q)
                break;
            q->bindValue(0, type);
            if (!db.exec(*q, &local))
                break;
            removed += q->numRowsAffected();
            q->finish();
        }
        if (local.isOk())
            local = journal.setCheckpoint(entityName(entity), {});
        if (local.isOk())
            local = journal.setHighWaterMark(entityName(entity), {});
    }
    if (local.isOk())
        local = db.commit();
    if (local.isError()) {
        db.rollback();
        if (error)
            *error = local;
        return -1;
    }
    return removed;
}

} // namespace pds
