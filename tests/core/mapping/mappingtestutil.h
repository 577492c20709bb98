#pragma once

// Helpers of the mapping tests: fixture files (tests/core/mapping/fixtures/*.json, read from
// the source tree) and readable comparisons of rows and problems.

#include "mapping/mapping.h"

#include <QDate>
#include <QDateTime>
#include <QFile>
#include <QHash>
#include <QJsonDocument>
#include <QJsonObject>
#include <QStringList>
#include <QVariantMap>

namespace pds::test {

inline QJsonObject fixtureFile(const QString &name)
{
    static QHash<QString, QJsonObject> cache;
    const auto it = cache.constFind(name);
    if (it != cache.constEnd())
        return *it;
    QFile file(QStringLiteral(PDS_SOURCE_DIR "/tests/core/mapping/fixtures/") + name
        + QStringLiteral(".json"));
    if (!file.open(QIODevice::ReadOnly))
        qFatal("cannot open fixture file %s", qPrintable(file.fileName()));
    QJsonParseError error;
    const QJsonDocument document = QJsonDocument::fromJson(file.readAll(), &error);
    if (!document.isObject())
        qFatal("fixture file %s: %s", qPrintable(file.fileName()), qPrintable(error.errorString()));
    cache.insert(name, document.object());
    return document.object();
}

// "users/admin-john": the record named admin-john in fixtures/users.json.
inline QJsonObject fixture(const QString &spec)
{
    const qsizetype slash = spec.indexOf(u'/');
    const QJsonObject file = fixtureFile(spec.left(slash));
    const QString name = spec.mid(slash + 1);
    if (!file.contains(name))
        qFatal("no fixture %s", qPrintable(spec));
    return file.value(name).toObject();
}

// A column value as the text a test expects: NULL, CRM time/date text, numbers without ".0".
inline QString columnText(const QVariant &value)
{
    if (!value.isValid() || value.isNull())
        return QStringLiteral("NULL");
    switch (value.typeId()) {
    case QMetaType::QDateTime:
        return mapping::formatCrmTime(value.toDateTime());
    case QMetaType::QDate:
        return mapping::formatCrmDate(value.toDate());
    case QMetaType::Double:
        return mapping::numberText(value.toDouble());
    case QMetaType::Bool:
        return value.toBool() ? QStringLiteral("true") : QStringLiteral("false");
    default:
        return value.toString();
    }
}

// Mismatches between actual columns and the expected subset, as "column: got X, want Y".
inline QStringList compareColumns(const QVariantMap &actual, const QVariantMap &expected)
{
    QStringList mismatches;
    for (auto it = expected.constBegin(); it != expected.constEnd(); ++it) {
        if (it.key().startsWith(u'_'))
            continue; // meta expectations, checked by the test itself
        if (!actual.contains(it.key())) {
            mismatches.append(it.key() + QStringLiteral(": no such column"));
            continue;
        }
        const QString got = columnText(actual.value(it.key()));
        const QString want = columnText(it.value());
        if (got != want) {
            const auto shorten = [](const QString &s) {
                return s.size() > 200 ? s.left(200) + QStringLiteral("...(%1 chars)").arg(s.size())
                                      : s;
            };
            mismatches.append(QStringLiteral("%1: got [%2], want [%3]")
                                  .arg(it.key(), shorten(got), shorten(want)));
        }
    }
    return mismatches;
}

// Problems as "kind: reason" lines.
inline QStringList problemLines(const QList<mapping::Problem> &problems)
{
    QStringList lines;
    for (const mapping::Problem &p : problems)
        lines.append(mapping::kindName(p.kind) + QStringLiteral(": ") + p.reason);
    return lines;
}

inline QJsonObject patched(QJsonObject record, const QJsonObject &patch)
{
    for (auto it = patch.constBegin(); it != patch.constEnd(); ++it)
        record.insert(it.key(), it.value());
    return record;
}

} // namespace pds::test
