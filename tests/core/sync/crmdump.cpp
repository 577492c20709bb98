#include "crmdump.h"

#include "testdatabase.h"

#include <QHash>
#include <QRegularExpression>
#include <QSet>
#include <QSqlError>
#include <QSqlQuery>
#include <QSqlRecord>

#include <algorithm>

namespace pds::test {

namespace {

// pipedrive_mappings.pipedrive_type -> the CRM table its rails_id points into.
const QHash<QString, QString> &typeTables()
{
    static const QHash<QString, QString> tables {
        { QStringLiteral("User"), QStringLiteral("users") },
        { QStringLiteral("Organization"), QStringLiteral("accounts") },
        { QStringLiteral("Contact"), QStringLiteral("contacts") },
        { QStringLiteral("Lead"), QStringLiteral("leads") },
        { QStringLiteral("Opportunity"), QStringLiteral("opportunities") },
        { QStringLiteral("Task"), QStringLiteral("tasks") },
        { QStringLiteral("Note"), QStringLiteral("notes") },
    };
    return tables;
}

// note_associations.notable_type -> table.
QString notableTable(const QString &type)
{
    if (type == QLatin1String("Account"))
        return QStringLiteral("accounts");
    return typeTables().value(type);
}

// Foreign keys of the CRM tables the sync writes: column -> table (fixed ones only).
QString referencedTable(const QString &table, const QString &column)
{
    if (column == QLatin1String("assigned_to_id") || column == QLatin1String("assignee_id")
        || (table == QLatin1String("notes") && column == QLatin1String("user_id")))
        return QStringLiteral("users");
    if (table == QLatin1String("note_associations") && column == QLatin1String("note_id"))
        return QStringLiteral("notes");
    return {};
}

QString normalise(const QVariant &value, const QString &column, const DumpOptions &options)
{
    if (value.isNull())
        return QStringLiteral("NULL");
    const QString text = value.toString();
    if (column == QLatin1String("encrypted_password"))
        return text.startsWith(QLatin1String("$2a$")) && text.size() == 60
            ? QStringLiteral("<bcrypt>")
            : text;
    static const QRegularExpression timestamp(
        QStringLiteral("^\\d{4}-\\d\\d-\\d\\d[ T]\\d\\d:\\d\\d:\\d\\d"));
    if (value.metaType().id() == QMetaType::QDateTime || timestamp.match(text).hasMatch()) {
        const QDateTime time = Database::parseTimestamp(value);
        if (time.isValid()) {
            if (options.since.isValid() && time >= options.since)
                return QStringLiteral("<now>");
            return time.toString(Qt::ISODateWithMs);
        }
    }
    return text;
}

} // namespace

QStringList dumpForComparison(Database &db, const DumpOptions &options)
{
    // (table, id) -> "Type#lowest Pipedrive id mapped to the row"
    QHash<QString, QString> identity;
    auto key = [](const QString &table, const QVariant &id) {
        return table + QLatin1Char(':') + id.toString();
    };
    if (options.canonicalIds) {
        QSqlQuery query(db.handle());
        query.setForwardOnly(true);
        if (!query.exec(QStringLiteral("SELECT pipedrive_type, MIN(pipedrive_id), rails_id FROM "
                                       "pipedrive_mappings GROUP BY pipedrive_type, rails_id")))
            return { QStringLiteral("error reading mappings: ") + query.lastError().text() };
        while (query.next()) {
            const QString type = query.value(0).toString();
            identity.insert(key(typeTables().value(type), query.value(2)),
                type + QLatin1Char('#') + query.value(1).toString());
        }
    }
    auto identityOf = [&](const QString &table, const QVariant &id) {
        if (id.isNull())
            return QStringLiteral("NULL");
        return identity.value(key(table, id), QStringLiteral("<unmapped %1>").arg(table));
    };

    QStringList lines;
    for (const QString &table : crmTables()) {
        QSqlQuery query(db.handle());
        query.setForwardOnly(true);
        if (!query.exec(QStringLiteral("SELECT * FROM %1 ORDER BY id").arg(table))) {
            lines << QStringLiteral("error reading %1: %2").arg(table, query.lastError().text());
            continue;
        }
        QStringList tableLines;
        while (query.next()) {
            const QSqlRecord record = query.record();
            QStringList values;
            for (int i = 0; i < record.count(); ++i) {
                const QString column = record.fieldName(i);
                const QVariant value = query.value(i);
                QString text;
                if (!options.canonicalIds) {
                    text = normalise(value, column, options);
                } else if (column == QLatin1String("id")) {
                    text = table == QLatin1String("pipedrive_mappings") ? QStringLiteral("-")
                                                                        : identityOf(table, value);
                } else if (table == QLatin1String("pipedrive_mappings")
                    && column == QLatin1String("rails_id")) {
                    text
                        = identityOf(typeTables().value(
                                         record.value(QStringLiteral("pipedrive_type")).toString()),
                            value);
                } else if (table == QLatin1String("note_associations")
                    && column == QLatin1String("notable_id")) {
                    text = identityOf(
                        notableTable(record.value(QStringLiteral("notable_type")).toString()),
                        value);
                } else if (const QString target = referencedTable(table, column);
                           !target.isEmpty()) {
                    text = identityOf(target, value);
                } else {
                    text = normalise(value, column, options);
                }
                values << column + QLatin1Char('=') + text;
            }
            tableLines << table + QLatin1Char('|') + values.join(QLatin1Char('|'));
        }
        if (options.canonicalIds)
            std::sort(tableLines.begin(), tableLines.end());
        lines << tableLines;
    }
    return lines;
}

QString firstDifferences(const QStringList &expected, const QStringList &actual, int max)
{
    QStringList out;
    out << QStringLiteral("%1 lines expected, %2 found").arg(expected.size()).arg(actual.size());
    const QSet<QString> expectedSet(expected.cbegin(), expected.cend());
    const QSet<QString> actualSet(actual.cbegin(), actual.cend());
    int shown = 0;
    for (const QString &line : expected) {
        if (!actualSet.contains(line) && shown++ < max)
            out << QStringLiteral("missing: ") + line.left(400);
    }
    shown = 0;
    for (const QString &line : actual) {
        if (!expectedSet.contains(line) && shown++ < max)
            out << QStringLiteral("extra:   ") + line.left(400);
    }
    if (expectedSet == actualSet && expected != actual)
        out << QStringLiteral("same lines in another order or repeated");
    return out.join(QLatin1Char('\n'));
}

QList<qint64> handledIds(Database &db, const QStringList &mappingTypes, const QString &entity)
{
    QSet<qint64> ids;
    QSqlQuery query(db.handle());
    QStringList marks;
    for (qsizetype i = 0; i < mappingTypes.size(); ++i)
        marks << QStringLiteral("?");
    query.prepare(QStringLiteral("SELECT pipedrive_id FROM pipedrive_mappings WHERE "
                                 "pipedrive_type IN (%1)")
                      .arg(marks.join(QLatin1Char(','))));
    for (const QString &type : mappingTypes)
        query.addBindValue(type);
    if (query.exec()) {
        while (query.next())
            ids.insert(query.value(0).toLongLong());
    }
    query.prepare(QStringLiteral("SELECT pipedrive_id FROM pipedrive_sync_problems WHERE entity "
                                 "= ? AND pipedrive_id IS NOT NULL"));
    query.addBindValue(entity);
    if (query.exec()) {
        while (query.next())
            ids.insert(query.value(0).toLongLong());
    }
    QList<qint64> sorted(ids.cbegin(), ids.cend());
    std::sort(sorted.begin(), sorted.end());
    return sorted;
}

} // namespace pds::test
