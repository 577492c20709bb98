#include "crmstore.h"

#include <QDate>
#include <QSqlQuery>
#include <QSqlRecord>
#include <cmath>

namespace pds {

CrmStore::CrmStore(Database &db)
    : m_db(db)
    , m_now(QDateTime::currentDateTimeUtc())
{ }

QVariant CrmStore::toBindable(const QVariant &value)
{
    if (value.isNull())
        return value;
    switch (value.metaType().id()) {
    case QMetaType::QDateTime: {
        const QDateTime time = value.toDateTime();
        return time.isValid() ? QVariant(Database::formatTimestamp(time))
                              : QVariant(QMetaType::fromType<QString>());
    }
    case QMetaType::QDate: {
        const QDate date = value.toDate();
        return date.isValid() ? QVariant(date.toString(Qt::ISODate))
                              : QVariant(QMetaType::fromType<QString>());
    }
    default:
        return value;
    }
}

bool CrmStore::sameValue(const QVariant &mapped, const QVariant &stored)
{
    const bool mappedNull = mapped.isNull()
        || (mapped.metaType().id() == QMetaType::QDateTime && !mapped.toDateTime().isValid());
    if (mappedNull || stored.isNull())
        return mappedNull && stored.isNull();
    switch (mapped.metaType().id()) {
    case QMetaType::QDateTime:
        return Database::parseTimestamp(stored) == mapped.toDateTime().toUTC();
    case QMetaType::QDate: {
        const QDate date = stored.metaType().id() == QMetaType::QDate
            ? stored.toDate()
            : QDate::fromString(stored.toString().left(10), Qt::ISODate);
        return date == mapped.toDate();
    }
    case QMetaType::Bool:
        return stored.toBool() == mapped.toBool();
    case QMetaType::Double: {
        bool ok = false;
        const double value = stored.toDouble(&ok);
        return ok && std::abs(value - mapped.toDouble()) < 1e-9 * std::max(1.0, std::abs(value));
    }
    case QMetaType::Int:
    case QMetaType::LongLong:
    case QMetaType::UInt:
    case QMetaType::ULongLong:
        return stored.toLongLong() == mapped.toLongLong();
    default:
        return stored.toString() == mapped.toString();
    }
}

QSqlQuery *CrmStore::query(const QString &sql, const QVariantList &values, DbError *error)
{
    QSqlQuery *q = m_db.prepared(sql, error);
    if (!q)
        return nullptr;
    for (qsizetype i = 0; i < values.size(); ++i)
        q->bindValue(int(i), toBindable(values.at(i)));
    if (!m_db.exec(*q, error))
        return nullptr;
    return q;
}

std::optional<qint64> CrmStore::railsIdFor(const QString &type, qint64 pipedriveId, DbError *error)
{
    QSqlQuery *q = query(QStringLiteral("SELECT rails_id FROM pipedrive_mappings WHERE "
                                        "pipedrive_type = ? AND pipedrive_id = ?"),
        { type, pipedriveId }, error);
    if (!q)
        return std::nullopt;
    std::optional<qint64> id;
    if (q->next())
        id = q->value(0).toLongLong();
    q->finish();
    return id;
}

bool CrmStore::setMapping(const QString &type, qint64 pipedriveId, qint64 railsId, DbError *error)
{
    // The unique index on (type, id) makes this an upsert on both dialects; a row the rake task
    // wrote is reused, never duplicated.
    QSqlQuery *q = query(
        QStringLiteral("INSERT INTO pipedrive_mappings (pipedrive_type, pipedrive_id, rails_id, "
                       "created_at, updated_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT "
                       "(pipedrive_type, pipedrive_id) DO UPDATE SET rails_id = excluded.rails_id, "
                       "updated_at = excluded.updated_at WHERE pipedrive_mappings.rails_id <> "
                       "excluded.rails_id"),
        { type, pipedriveId, railsId, m_now, m_now }, error);
    if (!q)
        return false;
    q->finish();
    return true;
}

bool CrmStore::removeMapping(const QString &type, qint64 pipedriveId, DbError *error)
{
    QSqlQuery *q = query(QStringLiteral("DELETE FROM pipedrive_mappings WHERE pipedrive_type = ? "
                                        "AND pipedrive_id = ?"),
        { type, pipedriveId }, error);
    if (!q)
        return false;
    q->finish();
    return true;
}

std::optional<qint64> CrmStore::ownerOf(const QString &type, qint64 railsId, DbError *error)
{
    // The first mapping written for the row owns it: later records that share the row were merged
    // into it, whatever their ids.
    QSqlQuery *q = query(QStringLiteral("SELECT pipedrive_id FROM pipedrive_mappings WHERE "
                                        "pipedrive_type = ? AND rails_id = ? ORDER BY id LIMIT 1"),
        { type, railsId }, error);
    if (!q)
        return std::nullopt;
    std::optional<qint64> owner;
    if (q->next() && !q->value(0).isNull())
        owner = q->value(0).toLongLong();
    q->finish();
    return owner;
}

std::optional<qint64> CrmStore::findIdBy(
    const QString &table, const QString &column, const QVariant &value, DbError *error)
{
    Q_ASSERT(Database::isPlainIdentifier(table) && Database::isPlainIdentifier(column));
    QSqlQuery *q = query(
        QStringLiteral("SELECT id FROM %1 WHERE %2 = ? ORDER BY id LIMIT 1").arg(table, column),
        { value }, error);
    if (!q)
        return std::nullopt;
    std::optional<qint64> id;
    if (q->next())
        id = q->value(0).toLongLong();
    q->finish();
    return id;
}

std::optional<QVariantMap> CrmStore::readRow(
    const QString &table, qint64 id, const QStringList &columns, DbError *error)
{
    Q_ASSERT(Database::isPlainIdentifier(table));
    QSqlQuery *q = query(QStringLiteral("SELECT %1 FROM %2 WHERE id = ?")
                             .arg(columns.join(QStringLiteral(", ")), table),
        { id }, error);
    if (!q)
        return std::nullopt;
    QVariantMap row;
    if (q->next()) {
        for (qsizetype i = 0; i < columns.size(); ++i)
            row.insert(columns.at(i), q->value(int(i)));
    }
    q->finish();
    return row;
}

bool CrmStore::updateRow(
    const QString &table, qint64 id, const QVariantMap &columns, DbError *error)
{
    QStringList assignments;
    QVariantList values;
    for (auto it = columns.cbegin(); it != columns.cend(); ++it) {
        Q_ASSERT(Database::isPlainIdentifier(it.key()));
        assignments << it.key() + QStringLiteral(" = ?");
        values << it.value();
    }
    values << id;
    QSqlQuery *q = query(QStringLiteral("UPDATE %1 SET %2 WHERE id = ?")
                             .arg(table, assignments.join(QStringLiteral(", "))),
        values, error);
    if (!q)
        return false;
    q->finish();
    return true;
}

std::optional<qint64> CrmStore::insertRow(
    const QString &table, const QVariantMap &columns, DbError *error)
{
    QVariantList values;
    for (const QVariant &value : columns)
        values << toBindable(value);
    const qint64 id = m_db.insertReturningId(table, columns.keys(), values, error);
    if (id < 0)
        return std::nullopt;
    return id;
}

bool CrmStore::deleteRow(const QString &table, qint64 id, DbError *error)
{
    Q_ASSERT(Database::isPlainIdentifier(table));
    QSqlQuery *q = query(QStringLiteral("DELETE FROM %1 WHERE id = ?").arg(table), { id }, error);
    if (!q)
        return false;
    q->finish();
    return true;
}

std::optional<CrmStore::WriteResult> CrmStore::writeRecord(
    qint64 pipedriveId, const RowPlan &plan, DbError *error)
{
    const QStringList columns = plan.columns.keys();
    auto updateIfChanged
        = [&](qint64 railsId, const QVariantMap &stored) -> std::optional<WriteResult> {
        QVariantMap changed;
        for (auto it = plan.columns.cbegin(); it != plan.columns.cend(); ++it) {
            if (plan.keepOnUpdate.contains(it.key()))
                continue;
            if (!sameValue(it.value(), stored.value(it.key())))
                changed.insert(it.key(), it.value());
        }
        if (changed.isEmpty())
            return WriteResult { WriteKind::Unchanged, railsId, 0 };
        if (!updateRow(plan.table, railsId, changed, error))
            return std::nullopt;
        return WriteResult { WriteKind::Updated, railsId, 0 };
    };

    const std::optional<qint64> mapped = railsIdFor(plan.mappingType, pipedriveId, error);
    if (error && error->isError())
        return std::nullopt;
    if (mapped) {
        const std::optional<QVariantMap> stored = readRow(plan.table, *mapped, columns, error);
        if (!stored)
            return std::nullopt;
        if (!stored->isEmpty()) {
            const std::optional<qint64> owner = ownerOf(plan.mappingType, *mapped, error);
            if (owner && *owner != pipedriveId)
                return WriteResult { WriteKind::Unchanged, *mapped, 0 };
            return updateIfChanged(*mapped, *stored);
        }
        // The CRM row was deleted there: the record is written anew below.
    }

    if (!plan.naturalKey.isEmpty()) {
        const QVariant key = plan.columns.value(plan.naturalKey);
        const std::optional<qint64> existing = findIdBy(plan.table, plan.naturalKey, key, error);
        if (error && error->isError())
            return std::nullopt;
        if (existing) {
            const std::optional<qint64> owner = ownerOf(plan.mappingType, *existing, error);
            if (!setMapping(plan.mappingType, pipedriveId, *existing, error))
                return std::nullopt;
            if (owner && *owner != pipedriveId)
                return WriteResult { WriteKind::Merged, *existing, *owner };
            // A row the CRM already had (or the old rake task wrote): adopt it.
            const std::optional<QVariantMap> stored
                = readRow(plan.table, *existing, columns, error);
            if (!stored)
                return std::nullopt;
            return updateIfChanged(*existing, *stored);
        }
    }

    QVariantMap row = plan.columns;
    if (plan.insertOnly) {
        const QVariantMap extra = plan.insertOnly();
        for (auto it = extra.cbegin(); it != extra.cend(); ++it)
            row.insert(it.key(), it.value());
    }
    const std::optional<qint64> id = insertRow(plan.table, row, error);
    if (!id)
        return std::nullopt;
    if (!setMapping(plan.mappingType, pipedriveId, *id, error))
        return std::nullopt;
    return WriteResult { WriteKind::Created, *id, 0 };
}

} // namespace pds
