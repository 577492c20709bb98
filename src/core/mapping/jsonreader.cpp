#include "mapping/jsonreader.h"

#include "mapping/texttools.h"

#include <cmath>
#include <cstring>

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

namespace {

// Text that trimmedOrNull() would return as it is: no NUL, and ends that are neither white
// space nor the first or last byte of a multi-byte character (which might be Unicode white space,
// U+00A0 or U+3000, say). Checked on the UTF-8 bytes, before any conversion: nearly every text is
// so, and the removal of NULs and the trimming scanned each one twice more (3% of the stage
// worker's time).
bool needsNoTrimming(QByteArrayView utf8)
{
    const auto plain = [](char c) {
        const uchar u = uchar(c);
        return u < 0x80 && u != ' ' && (u < 0x09 || u > 0x0D);
    };
    return !utf8.isEmpty() && plain(utf8.front()) && plain(utf8.back())
        && std::memchr(utf8.data(), 0, size_t(utf8.size())) == nullptr;
}

} // namespace

std::optional<QString> readText(const json::Value &value)
{
    switch (value.type()) {
    case json::Value::String: {
        const QByteArrayView utf8 = value.utf8InPlace();
        if (needsNoTrimming(utf8))
            return value.toString();
        return trimmedOrNull(value.toString());
    }
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
