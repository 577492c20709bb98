#include "mapping/jsonreader.h"

#include "mapping/texttools.h"

#include <cmath>

using namespace Qt::StringLiterals;

namespace pds::mapping {

std::optional<qint64> readId(const json::Value &value)
{
    switch (value.type()) {
    case json::Value::Double: {
        const double d = value.toDouble();
        // 2^53: beyond it a double no longer holds every integer.
        if (!std::isfinite(d) || d != std::floor(d) || d <= 0 || d > 9007199254740992.0)
            return std::nullopt;
        return static_cast<qint64>(d);
    }
    case json::Value::String: {
        bool ok = false;
        const qint64 id = value.toString().trimmed().toLongLong(&ok);
        if (!ok || id <= 0)
            return std::nullopt;
        return id;
    }
    case json::Value::Object: {
        const json::Object object = value.toObject();
        if (const auto id = readId(object.value(u"value"_s)))
            return id;
        return readId(object.value(u"id"_s));
    }
    default:
        return std::nullopt;
    }
}

std::optional<qint64> readId(const json::Object &object, QAnyStringView key)
{
    return readId(object.value(key));
}

std::optional<QString> readText(const json::Value &value)
{
    switch (value.type()) {
    case json::Value::String:
        return trimmedOrNull(value.toString());
    case json::Value::Double:
        return trimmedOrNull(numberText(value.toDouble()));
    default:
        return std::nullopt;
    }
}

std::optional<QString> readText(const json::Object &object, QAnyStringView key)
{
    return readText(object.value(key));
}

std::optional<double> readNumber(const json::Value &value)
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

std::optional<double> readNumber(const json::Object &object, QAnyStringView key)
{
    return readNumber(object.value(key));
}

std::optional<bool> readBool(const json::Value &value)
{
    switch (value.type()) {
    case json::Value::Bool:
        return value.toBool();
    case json::Value::Double:
        if (value.toDouble() == 0)
            return false;
        if (value.toDouble() == 1)
            return true;
        return std::nullopt;
    case json::Value::String: {
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

std::optional<bool> readBool(const json::Object &object, QAnyStringView key)
{
    return readBool(object.value(key));
}

} // namespace pds::mapping
