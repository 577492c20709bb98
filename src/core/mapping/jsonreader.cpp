#include "mapping/jsonreader.h"

#include "mapping/texttools.h"

#include <cmath>

using namespace Qt::StringLiterals;

namespace pds::mapping {

namespace {

// object.value(key), by a Latin-1 key when the key is ASCII: QJsonObject keeps such keys as
// Latin-1 and compares bytes then, a third faster than comparing with UTF-16 (key lookups were
// 8% of a sync's time).
QJsonValue lookup(const QJsonObject &object, QStringView key)
{
    char latin1[64];
    if (key.size() > qsizetype(sizeof latin1))
        return object.value(key);
    for (qsizetype i = 0; i < key.size(); ++i) {
        const char16_t c = key[i].unicode();
        if (c >= 0x80)
            return object.value(key);
        latin1[i] = char(c);
    }
    return object.value(QLatin1StringView(latin1, key.size()));
}

} // namespace

std::optional<qint64> readId(const QJsonValue &value)
{
    switch (value.type()) {
    case QJsonValue::Double: {
        const double d = value.toDouble();
        // 2^53: beyond it a double no longer holds every integer.
        if (!std::isfinite(d) || d != std::floor(d) || d <= 0 || d > 9007199254740992.0)
            return std::nullopt;
        return static_cast<qint64>(d);
    }
    case QJsonValue::String: {
        bool ok = false;
        const qint64 id = value.toString().trimmed().toLongLong(&ok);
        if (!ok || id <= 0)
            return std::nullopt;
        return id;
    }
    case QJsonValue::Object: {
        const QJsonObject object = value.toObject();
        if (const auto id = readId(object.value(u"value"_s)))
            return id;
        return readId(object.value(u"id"_s));
    }
    default:
        return std::nullopt;
    }
}

std::optional<qint64> readId(const QJsonObject &object, QStringView key)
{
    return readId(lookup(object, key));
}

std::optional<QString> readText(const QJsonValue &value)
{
    switch (value.type()) {
    case QJsonValue::String:
        return trimmedOrNull(value.toString());
    case QJsonValue::Double:
        return trimmedOrNull(numberText(value.toDouble()));
    default:
        return std::nullopt;
    }
}

std::optional<QString> readText(const QJsonObject &object, QStringView key)
{
    return readText(lookup(object, key));
}

std::optional<double> readNumber(const QJsonValue &value)
{
    if (value.isDouble()) {
        const double d = value.toDouble();
        return std::isfinite(d) ? std::optional<double>(d) : std::nullopt;
    }
    if (value.isString()) {
        bool ok = false;
        const double d = value.toString().trimmed().toDouble(&ok); // C locale, never grouping
        if (ok && std::isfinite(d))
            return d;
    }
    return std::nullopt;
}

std::optional<double> readNumber(const QJsonObject &object, QStringView key)
{
    return readNumber(lookup(object, key));
}

std::optional<bool> readBool(const QJsonValue &value)
{
    switch (value.type()) {
    case QJsonValue::Bool:
        return value.toBool();
    case QJsonValue::Double:
        if (value.toDouble() == 0)
            return false;
        if (value.toDouble() == 1)
            return true;
        return std::nullopt;
    case QJsonValue::String: {
        const QString s = value.toString().trimmed().toLower();
        if (s == u"1" || s == u"true")
            return true;
        if (s == u"0" || s == u"false")
            return false;
        return std::nullopt;
    }
    default:
        return std::nullopt;
    }
}

std::optional<bool> readBool(const QJsonObject &object, QStringView key)
{
    return readBool(lookup(object, key));
}

QString jsonTypeName(const QJsonValue &value)
{
    switch (value.type()) {
    case QJsonValue::Null:
        return u"null"_s;
    case QJsonValue::Bool:
        return u"boolean"_s;
    case QJsonValue::Double:
        return u"number"_s;
    case QJsonValue::String:
        return u"string"_s;
    case QJsonValue::Array:
        return u"array"_s;
    case QJsonValue::Object:
        return u"object"_s;
    case QJsonValue::Undefined:
        break;
    }
    return u"missing"_s;
}

} // namespace pds::mapping
