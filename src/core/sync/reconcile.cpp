#include "reconcile.h"

#include "logging.h"
#include "sync/undojournal.h"

#include "mapping/json.h"
#include <QSqlQuery>

using namespace Qt::StringLiterals;

namespace pds {

namespace {

constexpr qsizetype SeenChunk = 200; // ids per INSERT

QString tableFor(const QString &mappingType)
{
    static const QHash<QString, QString> tables { { u"User"_s, u"users"_s },
        { u"Organization"_s, u"accounts"_s }, { u"Contact"_s, u"contacts"_s },
        { u"Lead"_s, u"leads"_s }, { u"Opportunity"_s, u"opportunities"_s },
        { u"Task"_s, u"tasks"_s }, { u"Note"_s, u"notes"_s } };
    return tables.value(mappingType);
}

// note_associations.notable_type of a mapping type's rows; "" when notes cannot point at them.
QString notableTypeFor(const QString &mappingType)
{
    if (mappingType == u"Organization")
        return u"Account"_s;
    if (mappingType == u"Contact" || mappingType == u"Lead" || mappingType == u"Opportunity")
        return mappingType;
    return {};
}

bool isDatabaseWide(const DbError &error)
{
    return error.isError() && error.kind != DbError::Kind::Constraint
        && error.kind != DbError::Kind::Other;
}

// Deletes the note associations that point at a row (or, for a note, the note's own).
DbError deleteAssociations(SyncContext &context, const QString &mappingType, qint64 railsId)
{
    DbError error;
    QSqlQuery *q = nullptr;
    if (mappingType == u"Note") {
        q = context.store.query(u"SELECT id FROM note_associations WHERE note_id = ? ORDER BY id"_s,
            { railsId }, &error);
    } else {
        const QString notable = notableTypeFor(mappingType);
        if (notable.isEmpty())
            return {};
        q = context.store.query(u"SELECT id FROM note_associations WHERE notable_type = ? AND "
                                "notable_id = ? ORDER BY id"_s,
            { notable, railsId }, &error);
    }
    if (!q)
        return error;
    QList<qint64> ids;
    while (q->next())
        ids << q->value(0).toLongLong();
    q->finish();
    for (qint64 id : std::as_const(ids)) {
        if (!context.store.deleteRow(u"note_associations"_s, id, &error))
            return error;
    }
    return error;
}

} // namespace

bool reconcile::appliesTo(const SyncContext &context)
{
    return context.entity != Entity::Users
        && context.options.mapping.filterIds.value(entityName(context.entity), 0) <= 0;
}

bool reconcile::hasMappings(Database &db, Entity entity, DbError *error)
{
    const QStringList types = mappingTypesFor(entity);
    QVariantList values;
    for (const QString &type : types)
        values << type;
    bool found = false;
    db.forEachRow(
        u"SELECT 1 FROM pipedrive_mappings WHERE pipedrive_type IN (%1) LIMIT 1"_s.arg(
            QStringList(types.size(), u"?"_s).join(u", "_s)),
        values, [&](const QVariantList &) { found = true; }, error);
    return found;
}

DbError reconcile::beginPass(Database &db, Entity entity, bool resumed)
{
    if (resumed)
        return {};
    DbError error;
    QSqlQuery *q = db.run(
        u"DELETE FROM pipedrive_sync_seen WHERE entity = ?"_s, { entityName(entity) }, &error);
    if (q)
        q->finish();
    return error;
}

DbError reconcile::recordSeen(Database &db, Entity entity, const json::Array &records)
{
    QList<qint64> ids;
    ids.reserve(records.size());
    for (const json::Value &record : records) {
        const json::Value id = record.toObject().value(QLatin1String("id"));
        if (id.isDouble())
            ids << qint64(id.toDouble());
    }
    const QString name = entityName(entity);
    DbError error;
    for (qsizetype start = 0; start < ids.size(); start += SeenChunk) {
        const qsizetype count = qMin(SeenChunk, ids.size() - start);
        QStringList rows(count, u"(?, ?)"_s);
        QVariantList values;
        values.reserve(count * 2);
        for (qsizetype i = 0; i < count; ++i)
            values << name << ids.at(start + i);
        // A page read again after a reconnect lists the same ids.
        if (!db.execWrite(
                u"INSERT INTO pipedrive_sync_seen (entity, pipedrive_id) VALUES %1 ON CONFLICT "
                "(entity, pipedrive_id) DO NOTHING"_s.arg(rows.join(u", "_s)),
                values, &error))
            return error;
    }
    return error;
}

DbError reconcile::finishPass(SyncContext &context, UndoJournal *undo)
{
    Database &db = context.db;
    const QString name = entityName(context.entity);
    DbError error;
    QSqlQuery *q
        = db.run(u"SELECT COUNT(*) FROM pipedrive_sync_seen WHERE entity = ?"_s, { name }, &error);
    if (!q)
        return error;
    const qint64 seen = q->next() ? q->value(0).toLongLong() : 0;
    q->finish();

    QList<qint64> missing;
    if (seen > 0) {
        const QStringList types = mappingTypesFor(context.entity);
        QStringList marks(types.size(), u"?"_s);
        QVariantList values;
        for (const QString &type : types)
            values << type;
        values << name;
        q = db.run(
            u"SELECT DISTINCT m.pipedrive_id FROM pipedrive_mappings m WHERE m.pipedrive_type IN "
            "(%1) AND NOT EXISTS (SELECT 1 FROM pipedrive_sync_seen s WHERE s.entity = ? AND "
            "s.pipedrive_id = m.pipedrive_id) ORDER BY m.pipedrive_id"_s.arg(marks.join(u", "_s)),
            values, &error);
        if (!q)
            return error;
        while (q->next())
            missing << q->value(0).toLongLong();
        q->finish();
    } else {
        qCInfo(lcSync) << "the full pass of" << name
                       << "listed no records: no deletions are inferred from it";
    }
    if (!missing.isEmpty())
        qCInfo(lcSync) << missing.size() << name << "mapped in the CRM are gone from Pipedrive";

    for (qint64 id : std::as_const(missing)) {
        // One record that the database refuses (e.g. the CRM's own rows refer to it) fails alone.
        error = db.savepoint(u"deletion"_s);
        if (error.isError())
            return error;
        const RunCounts before = context.counts;
        const qsizetype undoMark = undo ? undo->mark() : 0;
        error = handleDeletedRecord(context, id);
        if (error.isError()) {
            const DbError rollback = db.rollbackToSavepoint(u"deletion"_s);
            context.store.discardCache();
            if (undo)
                undo->rollbackTo(undoMark);
            if (isDatabaseWide(error) || rollback.isError())
                return isDatabaseWide(error) ? error : rollback;
            context.counts = before;
            error = context.report(id, Problem::Kind::Failed,
                u"deleted in Pipedrive, but the CRM refused to remove its rows"_s,
                error.toString());
            if (error.isError())
                return error;
        }
        error = db.releaseSavepoint(u"deletion"_s);
        if (error.isError())
            return error;
    }
    q = db.run(u"DELETE FROM pipedrive_sync_seen WHERE entity = ?"_s, { name }, &error);
    if (q)
        q->finish();
    return error;
}

DbError handleDeletedRecord(SyncContext &context, qint64 pipedriveId)
{
    CrmStore &store = context.store;
    store.beginRecord();
    DbError error;
    QList<QPair<QString, qint64>> mapped; // mapping type -> CRM row
    for (const QString &type : mappingTypesFor(context.entity)) {
        const std::optional<qint64> railsId = store.railsIdFor(type, pipedriveId, &error);
        if (error.isError())
            return error;
        if (railsId)
            mapped.append({ type, *railsId });
    }
    if (mapped.isEmpty())
        return {}; // never in the CRM (or skipped): nothing to do

    if (context.options.deletionPolicy == DeletionPolicy::Report)
        return context.report(pipedriveId, Problem::Kind::Deleted, u"deleted in Pipedrive"_s,
            u"the CRM row stays (deletion policy: report)"_s);

    QStringList removed, kept;
    for (const auto &[type, railsId] : std::as_const(mapped)) {
        const QString table = tableFor(type);
        const QString row = u"%1 row %2"_s.arg(table).arg(railsId);
        const std::optional<bool> shared = store.sharesRow(type, railsId, pipedriveId, &error);
        if (!shared)
            return error;
        if (*shared) {
            // Merged: the row also stands for other Pipedrive records, which still exist.
            if (!store.removeMapping(type, pipedriveId, &error))
                return error;
            kept << u"%1 stays for the other records merged into it"_s.arg(row);
            continue;
        }
        const bool ours = createdBySync(context.db, table, railsId, &error);
        if (error.isError())
            return error;
        if (!ours) {
            kept << u"%1 was in the CRM before the sync"_s.arg(row);
            continue;
        }
        error = deleteAssociations(context, type, railsId);
        if (error.isError())
            return error;
        if (!store.deleteRow(table, railsId, &error)
            || !store.removeMapping(type, pipedriveId, &error))
            return error;
        removed << row;
    }
    if (kept.isEmpty())
        return context.report(pipedriveId, Problem::Kind::Deleted,
            u"deleted in Pipedrive: removed from the CRM"_s, removed.join(u", "_s));
    QString detail = kept.join(u"; "_s);
    if (!removed.isEmpty())
        detail += u"; removed %1"_s.arg(removed.join(u", "_s));
    return context.report(
        pipedriveId, Problem::Kind::Deleted, u"deleted in Pipedrive: the CRM row stays"_s, detail);
}

} // namespace pds
