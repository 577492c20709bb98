#pragma once

// Defensive reads from Pipedrive JSON. Real payloads carry wrong types, nulls, v1 nested objects
// where v2 has plain ids, and 0/1 for booleans; these helpers never throw or assert and say
// "absent" (nullopt) for anything they cannot read. The sync engine uses them to pick the ids it
// must resolve before calling the mapping functions, so both read links the same way.

#include "mapping/json.h"

#include <QString>

#include <optional>

namespace pds::mapping {

// A Pipedrive id: an integral JSON number, a decimal string ("42"), or a v1 object carrying it
// in "value" (else "id"), as v1 does for owner_id/person_id/org_id. Zero and negatives are absent.
std::optional<qint64> readId(const json::Value &value);
std::optional<qint64> readId(const json::Object &object, QAnyStringView key);

// Text: a string (trimmed, empty -> absent) or a number rendered without exponent. Booleans,
// arrays and objects are absent.
std::optional<QString> readText(const json::Value &value);
std::optional<QString> readText(const json::Object &object, QAnyStringView key);

// A number: a JSON number or a numeric string in C locale ("12.5"). Anything else is absent.
std::optional<double> readNumber(const json::Value &value);
std::optional<double> readNumber(const json::Object &object, QAnyStringView key);

// A boolean: true/false, 0/1, "0"/"1"/"true"/"false". Anything else is absent.
std::optional<bool> readBool(const json::Value &value);
std::optional<bool> readBool(const json::Object &object, QAnyStringView key);

// The same with a key written in the code (json::Object::value()'s literal keys).
template<std::size_t N>
std::optional<qint64> readId(const json::Object &object, const char (&key)[N])
{
    return readId(object.value(key));
}
template<std::size_t N>
std::optional<QString> readText(const json::Object &object, const char (&key)[N])
{
    return readText(object.value(key));
}
template<std::size_t N>
std::optional<double> readNumber(const json::Object &object, const char (&key)[N])
{
    return readNumber(object.value(key));
}
template<std::size_t N>
std::optional<bool> readBool(const json::Object &object, const char (&key)[N])
{
    return readBool(object.value(key));
}

} // namespace pds::mapping
