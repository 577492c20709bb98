#include "mapping/mapping.h"

#include "mapping/jsonreader.h"

#include <QRegularExpression>
#include <QSet>
#include <QStringList>
#include <QVarLengthArray>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <map>
#include <mutex>
#include <vector>

using namespace Qt::StringLiterals;

namespace pds::mapping {

Problem Problem::skipped(const QString &reason, const QString &detail)
{
    return { Skipped, reason, detail };
}

Problem Problem::merged(const QString &reason, const QString &detail)
{
    return { Merged, reason, detail };
}

Problem Problem::warning(const QString &reason, const QString &detail)
{
    return { Warning, reason, detail };
}

Problem Problem::deleted(const QString &detail)
{
    return { Deleted, u"deleted in Pipedrive"_s, detail };
}

QString kindName(Problem::Kind kind)
{
    switch (kind) {
    case Problem::Skipped:
        return u"skipped"_s;
    case Problem::Merged:
        return u"merged"_s;
    case Problem::Warning:
        return u"warning"_s;
    case Problem::Deleted:
        return u"deleted"_s;
    }
    return u"warning"_s;
}

namespace {

// Problem details quote values; a 10,000-character value must not become a 10,000-character
// problem.
QString quoted(const QString &value)
{
    constexpr qsizetype maxLength = 80;
    if (value.size() <= maxLength)
        return u'"' + value + u'"';
    return u'"' + leftWhole(value, maxLength) + u"\u2026\""_s;
}

QString describe(const json::Value &value)
{
    if (value.isString())
        return quoted(value.toString());
    if (value.isDouble())
        return numberText(value.toDouble());
    return json::typeName(value);
}

template<class Row> bool takeId(const json::Object &record, Mapped<Row> &result)
{
    const json::Value value = record.value("id");
    const std::optional<qint64> id = readId(value);
    if (!id) {
        result.problems.append(Problem::skipped(u"missing id"_s, u"id: "_s + describe(value)));
        return false;
    }
    result.pipedriveId = id;
    // pipedrive_mappings.pipedrive_id is a 32-bit integer column.
    if (*id > std::numeric_limits<qint32>::max()) {
        result.problems.append(Problem::skipped(u"id out of range"_s, QString::number(*id)));
        return false;
    }
    return true;
}

// v2 is_deleted, v1 active_flag = false (persons, organizations, activities, notes).
bool isDeletedRecord(const json::Object &record)
{
    return readBool(record, "is_deleted") == true || readBool(record, "active_flag") == false;
}

QDateTime readTime(const json::Object &record, const json::Key &key, QList<Problem> &problems)
{
    const json::Value value = record.value(key);
    if (value.isNull() || value.isUndefined())
        return {};
    // A time is read from the JSON's bytes, without a QString (a sixth of reading a deal's or
    // an activity's times); a text that is no time is read again below, for its warning.
    if (const QByteArrayView bytes = value.utf8InPlace(); !bytes.isEmpty()) {
        const QDateTime time = parsePipedriveTime(bytes);
        if (time.isValid())
            return time;
    }
    const QString text = value.isString() ? value.toString().trimmed() : QString();
    const QDateTime time = parsePipedriveTime(text);
    // Empty and all-zero times are Pipedrive's way to say "none": not worth a warning.
    const bool none = value.isString() && (text.isEmpty() || text.startsWith(u"0000-00-00"));
    if (!time.isValid() && !none)
        problems.append(
            Problem::warning(u"invalid time"_s, key.toString() + u": "_s + describe(value)));
    return time;
}

// created_at/updated_at: each falls back to the other, both to the engine's fallback time.
void readTimes(const json::Object &record, const json::Key &addKey, const json::Key &updateKey,
    const MappingOptions &options, QDateTime &createdAt, QDateTime &updatedAt,
    QList<Problem> &problems)
{
    createdAt = readTime(record, addKey, problems);
    updatedAt = readTime(record, updateKey, problems);
    if (!createdAt.isValid() && !updatedAt.isValid()) {
        problems.append(Problem::warning(
            u"missing time"_s, addKey.toString() + u", "_s + updateKey.toString()));
        createdAt = updatedAt
            = options.fallbackTime.isValid() ? options.fallbackTime.toUTC() : QDateTime();
    } else if (!createdAt.isValid()) {
        createdAt = updatedAt;
    } else if (!updatedAt.isValid()) {
        updatedAt = createdAt;
    }
}

OptText trimmed(const QString &text)
{
    return trimmedOrNull(text);
}

// Text of a field that may come as a string, a number, {"value": ...}, or a list of
// {"value", "primary"} items (phone/email style; the primary one, else the first).
OptText flexibleText(const json::Value &value)
{
    if (value.isObject())
        return readText(value.toObject().value("value"));
    if (value.isArray()) {
        OptText first;
        for (const json::Value &item : value.toArray()) {
            const OptText text = flexibleText(item);
            if (!text)
                continue;
            if (item.isObject() && readBool(item.toObject(), u"primary") == true)
                return text;
            if (!first)
                first = text;
        }
        return first;
    }
    return readText(value);
}

struct Channel
{
    QString value;
    bool primary = false;
};

// Person e-mails/phones: v2 [{value, primary, label}], v1 the same under "email"/"phone",
// or a bare string / list of strings in odd payloads. Pipedrive's order is kept.
QList<Channel> readChannels(const json::Value &value)
{
    QList<Channel> channels;
    const auto add = [&channels](const json::Value &item) {
        if (item.isObject()) {
            const json::Object object = item.toObject();
            if (const OptText text = readText(object.value("value")))
                channels.append({ *text, readBool(object, "primary") == true });
        } else if (const OptText text = readText(item)) {
            channels.append({ *text, false });
        }
    };
    if (value.isArray()) {
        for (const json::Value &item : value.toArray())
            add(item);
    } else {
        add(value);
    }
    return channels;
}

json::Value firstPresent(const json::Object &record, const json::Key &a, const json::Key &b)
{
    const json::Value value = record.value(a);
    if (!value.isUndefined() && !value.isNull())
        return value;
    return record.value(b);
}

// A field the user maps: a custom field (v2 custom_fields, or v1 at the root) or a built-in.
// `custom` is the record's custom_fields, read once by callers that look up many fields.
// `key`: a QString, or a json::Key worked out once for every record (see PlannedKey).
template<class K>
json::Value mappedField(const json::Object &record, const json::Object &custom, const K &key)
{
    if (key.isEmpty())
        return json::Value(json::Value::Undefined);
    const json::Value value = custom.value(key);
    if (!value.isUndefined())
        return value;
    return record.value(key);
}

json::Value mappedField(const json::Object &record, const QString &key)
{
    return mappedField(record, record.value("custom_fields").toObject(), key);
}

// What a field's type makes of its value. Told apart without a lower-cased copy of the type for
// each field of each record (that and the comparisons after it were a third of the custom
// fields' comment lines, the bulk of mapping a deal).
enum class FieldKind { User, People, Org, Deal, Option, Set, Monetary, Time, Other };

FieldKind fieldKind(QStringView type)
{
    // ASCII letters folded by hand: Qt's case-insensitive comparison was most of this.
    const auto is = [type](QLatin1StringView name) {
        if (type.size() != name.size())
            return false;
        for (qsizetype i = 0; i < name.size(); ++i) {
            char16_t c = type[i].unicode();
            if (c >= u'A' && c <= u'Z')
                c += u'a' - u'A';
            if (c != name[i].unicode())
                return false;
        }
        return true;
    };
    if (is("user"_L1))
        return FieldKind::User;
    if (is("people"_L1))
        return FieldKind::People;
    if (is("org"_L1))
        return FieldKind::Org;
    if (is("deal"_L1))
        return FieldKind::Deal;
    if (is("enum"_L1) || is("status"_L1) || is("varchar_options"_L1))
        return FieldKind::Option;
    if (is("set"_L1))
        return FieldKind::Set;
    if (is("monetary"_L1))
        return FieldKind::Monetary;
    if (is("time"_L1))
        return FieldKind::Time;
    return FieldKind::Other;
}

// The lower-case name of a linking kind, as FieldLink::type gives it.
QString linkTypeName(FieldKind kind)
{
    switch (kind) {
    case FieldKind::User:
        return u"user"_s;
    case FieldKind::People:
        return u"people"_s;
    case FieldKind::Org:
        return u"org"_s;
    case FieldKind::Deal:
        return u"deal"_s;
    default:
        return {};
    }
}

struct Address
{
    OptText address;
    OptText city;
    OptText state;
    OptText zip;
};

// v2 address object {value, route, street_number, locality, admin_area_level_1, postal_code}
// (a custom address field's too, in custom_fields), or a v1 string with flat <prefix>_route, ...
// siblings.
Address readAddress(const json::Object &record, const QString &key)
{
    const json::Value value = mappedField(record, key);
    // An address part: in the v2 object, or the v1 sibling <key>_<part>. Field keys are ASCII: the
    // sibling's name is put together in Latin-1 on the stack (a QString for each part was most of
    // reading a person's absent address).
    const json::Object object = value.toObject();
    QVarLengthArray<char, 96> sibling;
    const bool latin1Key = std::all_of(
        key.cbegin(), key.cend(), [](QChar c) { return c.unicode() > 0 && c.unicode() < 0x80; });
    if (!value.isObject() && latin1Key) {
        for (const QChar c : key)
            sibling.append(char(c.unicode()));
        sibling.append('_');
    }
    const qsizetype prefixSize = sibling.size();
    const auto part = [&](QLatin1StringView name) {
        if (value.isObject())
            return readText(object.value(name));
        if (!latin1Key)
            return readText(record.value(key + u'_' + name));
        sibling.resize(prefixSize);
        sibling.append(name.data(), name.size());
        return readText(record.value(QLatin1StringView(sibling.constData(), sibling.size())));
    };
    const OptText full = value.isObject() ? readText(object.value("value")) : readText(value);
    Address address;
    QStringList street;
    if (const OptText route = part("route"_L1))
        street.append(*route);
    if (const OptText number = part("street_number"_L1))
        street.append(*number);
    address.address = street.isEmpty() ? full : trimmed(street.join(u' '));
    address.city = part("locality"_L1);
    address.state = part("admin_area_level_1"_L1);
    address.zip = part("postal_code"_L1);
    return address;
}

// javascript:, vbscript: and data: URLs run code when the CRM ever renders the website as a
// link; browsers ignore whitespace and control characters inside the scheme, so do we.
bool isScriptUrl(const QString &url)
{
    QString scheme;
    for (const QChar c : url) {
        if (c == u':')
            break;
        if (c.unicode() > 0x20)
            scheme.append(c.toLower());
    }
    return url.contains(u':')
        && (scheme == u"javascript" || scheme == u"vbscript" || scheme == u"data");
}

std::optional<int> readProbability(const json::Value &value, bool *invalid)
{
    *invalid = false;
    if (value.isNull() || value.isUndefined())
        return std::nullopt;
    const std::optional<double> number = readNumber(value);
    if (!number || *number < 0 || *number > 100) {
        *invalid = true;
        return std::nullopt;
    }
    return qRound(*number);
}

// A date field that should be "YYYY-MM-DD" but may carry a full time.
QDate readDate(const json::Object &record, QStringView key)
{
    const OptText text = readText(record, key);
    if (!text)
        return {};
    const QDate date = parsePipedriveDate(*text);
    if (date.isValid())
        return date;
    return parsePipedriveTime(*text).date();
}

QVariant nullable(const OptText &text)
{
    return text ? QVariant(*text) : QVariant(QMetaType::fromType<QString>());
}

template<class T> QVariant nullable(const std::optional<T> &value)
{
    return value ? QVariant::fromValue(*value) : QVariant(QMetaType::fromType<T>());
}

// An option's label by its id. `byNumber` (optional): the options whose ids are integers, by
// number, so that an id sent as a number is looked up without its text (writing the number as
// text and hashing that was most of a label's cost).
QString labelFor(const json::Value &item, const CustomFieldDef &def,
    const QHash<qint64, QString> *byNumber = nullptr)
{
    if (item.isObject()) { // include_option_labels=true: {"id", "label"}
        const json::Object object = item.toObject();
        if (const OptText label = readText(object.value("label")))
            return *label;
        return labelFor(object.value("id"), def, byNumber);
    }
    if (byNumber && item.isDouble()) {
        const double number = item.toDouble();
        // The numbers numberText() writes as integers, as readText() reads the id below.
        if (std::fabs(number) < 1e15 && number == std::floor(number)) {
            const auto it = byNumber->constFind(qint64(number));
            if (it != byNumber->constEnd())
                return *it;
        }
    }
    const OptText id = readText(item);
    if (!id)
        return {};
    return def.options.value(*id, *id);
}

QString genericText(const json::Value &value)
{
    switch (value.type()) {
    case json::Value::Bool:
        return value.toBool() ? u"Yes"_s : u"No"_s;
    case json::Value::String:
    case json::Value::Double:
        return readText(value).value_or(QString());
    case json::Value::Array: {
        QStringList parts;
        for (const json::Value &item : value.toArray()) {
            const QString text = genericText(item);
            if (!text.isEmpty())
                parts.append(text);
        }
        return parts.join(u", "_s);
    }
    case json::Value::Object: {
        const json::Object object = value.toObject();
        for (const QString &key : { u"label"_s, u"name"_s, u"value"_s }) {
            const QString text = genericText(object.value(key));
            if (!text.isEmpty())
                return text;
        }
        return {};
    }
    default:
        return {};
    }
}

// customFieldText() with the field's kind worked out already, and its numeric option ids (see
// labelFor()).
QString fieldTextOfKind(const json::Value &value, const CustomFieldDef &def, FieldKind kind,
    const QString &linkedName, const QHash<qint64, QString> *optionsByNumber)
{
    if (value.isNull() || value.isUndefined())
        return {};
    if (const QString link = linkTypeName(kind); !link.isEmpty()) {
        if (const OptText name = trimmed(linkedName))
            return *name;
        if (value.isObject()) // v1: {"name", "value", ...}
            return genericText(value);
        if (const std::optional<qint64> id = readId(value)) {
            const QString what = kind == FieldKind::People ? u"person"_s
                : kind == FieldKind::Org                   ? u"organization"_s
                                                           : link;
            return what + u' ' + QString::number(*id);
        }
        return genericText(value);
    }
    if (kind == FieldKind::Option)
        return labelFor(value, def, optionsByNumber);
    if (kind == FieldKind::Set) {
        QList<json::Value> items;
        if (value.isArray()) {
            for (const json::Value &item : value.toArray())
                items.append(item);
        } else if (value.isString()) { // v1: "12,34"
            for (const QString &id : value.toString().split(u',', Qt::SkipEmptyParts))
                items.append(id.trimmed());
        } else {
            items.append(value);
        }
        QStringList labels;
        for (const json::Value &item : std::as_const(items)) {
            const QString label = labelFor(item, def, optionsByNumber);
            if (!label.isEmpty())
                labels.append(label);
        }
        return labels.join(u", "_s);
    }
    if (value.isObject()) {
        const json::Object object = value.toObject();
        const QString main = genericText(object.value("value"));
        if (kind == FieldKind::Monetary) {
            const OptText currency = readText(object.value("currency"));
            return main.isEmpty() || !currency ? main : main + u' ' + *currency;
        }
        const QString until = genericText(object.value("until"));
        if (!until.isEmpty())
            return main + u" - "_s + until;
        if (kind == FieldKind::Time) {
            if (const OptText zone = readText(object.value("timezone_name")))
                return main.isEmpty() ? main : main + u' ' + *zone;
        }
        if (!main.isEmpty())
            return main;
    }
    return genericText(value);
}

} // namespace

QString customFieldText(
    const json::Value &value, const CustomFieldDef &def, const QString &linkedName)
{
    return fieldTextOfKind(value, def, fieldKind(def.type), linkedName, nullptr);
}

namespace {

std::optional<CustomFieldDef> readFieldDef(const json::Value &itemValue)
{
    static const QRegularExpression hashKey(u"^[0-9a-f]{40}$"_s);
    const json::Object item = itemValue.toObject();
    CustomFieldDef def;
    def.key = readText(firstPresent(item, "field_code", "key")).value_or(QString());
    if (def.key.isEmpty())
        return std::nullopt;
    def.custom = readBool(item, "is_custom_field") == true || readBool(item, "edit_flag") == true
        || hashKey.match(def.key).hasMatch();
    def.name = readText(firstPresent(item, "field_name", "name")).value_or(def.key);
    def.type = readText(item, "field_type").value_or(QString());
    for (const json::Value &option : item.value("options").toArray()) {
        const json::Object object = option.toObject();
        const OptText id = readText(object.value("id"));
        const OptText label = readText(object.value("label"));
        if (id && label)
            def.options.insert(*id, *label);
    }
    return def;
}

} // namespace

QHash<QString, CustomFieldDef> customFieldDefs(const json::Array &fieldItems)
{
    QHash<QString, CustomFieldDef> defs;
    int order = 0;
    for (const json::Value &itemValue : fieldItems) {
        std::optional<CustomFieldDef> def = readFieldDef(itemValue);
        if (!def || !def->custom)
            continue;
        def->order = order++;
        defs.insert(def->key, *def);
    }
    return defs;
}

QList<CustomFieldDef> fieldDefs(const json::Array &fieldItems)
{
    QList<CustomFieldDef> defs;
    QSet<QString> seen;
    for (const json::Value &itemValue : fieldItems) {
        std::optional<CustomFieldDef> def = readFieldDef(itemValue);
        if (!def || seen.contains(def->key))
            continue;
        seen.insert(def->key);
        def->order = int(defs.size());
        defs.append(*def);
    }
    return defs;
}

// ---- Field map --------------------------------------------------------------------------------

QString fieldSourceName(FieldSource source)
{
    switch (source) {
    case FieldSource::Organization:
        return u"organizations"_s;
    case FieldSource::Person:
        return u"persons"_s;
    case FieldSource::Deal:
        return u"deals"_s;
    }
    return {};
}

const QList<FieldTarget> &fieldTargets()
{
    using Part = FieldTarget::Part;
    static const QList<FieldTarget> targets = {
        { u"accounts.phone"_s, FieldSource::Organization, {}, Part::Whole },
        { u"accounts.email"_s, FieldSource::Organization, {}, Part::Whole },
        { u"accounts.website"_s, FieldSource::Organization, u"website"_s, Part::Whole },
        { u"accounts.address"_s, FieldSource::Organization, u"address"_s, Part::Street },
        { u"accounts.city"_s, FieldSource::Organization, u"address"_s, Part::City },
        { u"accounts.state"_s, FieldSource::Organization, u"address"_s, Part::State },
        { u"accounts.zip"_s, FieldSource::Organization, u"address"_s, Part::Zip },
        { u"persons.address"_s, FieldSource::Person, u"postal_address"_s, Part::Street },
        { u"persons.city"_s, FieldSource::Person, u"postal_address"_s, Part::City },
        { u"persons.state"_s, FieldSource::Person, u"postal_address"_s, Part::State },
        { u"persons.zip"_s, FieldSource::Person, u"postal_address"_s, Part::Zip },
        { u"leads.interested_in"_s, FieldSource::Person, {}, Part::Whole },
        { u"opportunities.type"_s, FieldSource::Deal, {}, Part::Whole },
    };
    return targets;
}

const FieldTarget *findFieldTarget(QStringView id)
{
    for (const FieldTarget &target : fieldTargets()) {
        if (target.id == id)
            return &target;
    }
    return nullptr;
}

QString fieldKeyFor(const FieldMap &map, const FieldTarget &target)
{
    const auto it = map.constFind(target.id);
    return it == map.constEnd() ? target.defaultKey : it->trimmed();
}

const QHash<QString, CustomFieldDef> &MappingOptions::fieldsOf(FieldSource source) const
{
    switch (source) {
    case FieldSource::Organization:
        return organizationFields;
    case FieldSource::Person:
        return personFields;
    case FieldSource::Deal:
        return dealFields;
    }
    return dealFields;
}

namespace {

// A field's value with the v1 sibling keys folded in (monetary <key>_currency).
// A v1 monetary amount, with the currency found beside it (<key>_currency), as v2's object.
json::Value amountWithCurrency(const json::Value &amount, const QString &currency)
{
    return json::Value(QJsonObject { { u"value"_s, amount.toQt() }, { u"currency"_s, currency } });
}

json::Value fieldValue(const json::Object &record, const json::Object &custom, const QString &key,
    const CustomFieldDef *def)
{
    json::Value value = mappedField(record, custom, key);
    if (def && value.isDouble() && fieldKind(def->type) == FieldKind::Monetary) {
        if (const OptText currency = readText(record, QString(key + u"_currency"_s)))
            value = amountWithCurrency(value, *currency);
    }
    return value;
}

json::Value fieldValue(const json::Object &record, const QString &key, const CustomFieldDef *def)
{
    return fieldValue(record, record.value("custom_fields").toObject(), key, def);
}

// The text of a field the user maps: phone/email style lists by their primary item, option ids
// as labels, linked records by name.
OptText fieldText(const json::Object &record, const QString &key,
    const QHash<QString, CustomFieldDef> &defs, const FieldLinkNames &linkNames)
{
    if (key.isEmpty())
        return std::nullopt;
    const auto it = defs.constFind(key);
    const CustomFieldDef *def = it != defs.constEnd() ? &*it : nullptr;
    const json::Value value = fieldValue(record, key, def);
    const bool channelList = value.isArray() && !value.toArray().isEmpty()
        && value.toArray().first().toObject().contains(u"value"_s);
    if (!def || channelList)
        return flexibleText(value);
    return trimmed(customFieldText(value, *def, linkNames.value(key)));
}

bool isAddressValue(
    const json::Object &record, const QString &key, const QHash<QString, CustomFieldDef> &defs)
{
    if (key == u"address" || key == u"postal_address")
        return true;
    const auto it = defs.constFind(key);
    if (it != defs.constEnd() && it->type == u"address")
        return true;
    const json::Value value = mappedField(record, key);
    if (value.isObject()) {
        const json::Object object = value.toObject();
        return object.contains(u"locality"_s) || object.contains(u"route"_s)
            || object.contains(u"postal_code"_s);
    }
    return record.contains(key + u"_locality"_s) || record.contains(key + u"_route"_s);
}

OptText targetText(const json::Object &record, const FieldTarget &target, const QString &key,
    const QHash<QString, CustomFieldDef> &defs, const FieldLinkNames &linkNames)
{
    if (key.isEmpty())
        return std::nullopt;
    if (target.part != FieldTarget::Part::Whole && isAddressValue(record, key, defs)) {
        const Address address = readAddress(record, key);
        switch (target.part) {
        case FieldTarget::Part::Street:
            return address.address;
        case FieldTarget::Part::City:
            return address.city;
        case FieldTarget::Part::State:
            return address.state;
        case FieldTarget::Part::Zip:
            return address.zip;
        case FieldTarget::Part::Whole:
            break;
        }
    }
    return fieldText(record, key, defs, linkNames);
}

// The text the field map gives a target of `options`.
OptText mappedText(const json::Object &record, QStringView targetId, const MappingOptions &options,
    const FieldLinkNames &linkNames)
{
    const FieldTarget *target = findFieldTarget(targetId);
    if (!target)
        return std::nullopt;
    return targetText(record, *target, fieldKeyFor(options.fieldMap, *target),
        options.fieldsOf(target->source), linkNames);
}

// The four address targets (street, city, state, zip, in that order): the address is read once
// when they all take the same address field (the default), else each as mappedText().
Address mappedAddress(const json::Object &record, const std::array<QStringView, 4> &targetIds,
    const MappingOptions &options, const FieldLinkNames &linkNames)
{
    const FieldTarget *first = findFieldTarget(targetIds[0]);
    const QString key = first ? fieldKeyFor(options.fieldMap, *first) : QString();
    bool shared = !key.isEmpty();
    for (QStringView id : targetIds) {
        const FieldTarget *target = shared ? findFieldTarget(id) : nullptr;
        shared = target && target->part != FieldTarget::Part::Whole
            && target->source == first->source && fieldKeyFor(options.fieldMap, *target) == key;
    }
    if (shared && isAddressValue(record, key, options.fieldsOf(first->source)))
        return readAddress(record, key);
    return { mappedText(record, targetIds[0], options, linkNames),
        mappedText(record, targetIds[1], options, linkNames),
        mappedText(record, targetIds[2], options, linkNames),
        mappedText(record, targetIds[3], options, linkNames) };
}

// A key of a record looked up for every record: its UTF-8 and json::keyHash() worked out once.
struct PlannedKey
{
    explicit PlannedKey(const QString &key)
        : utf8(key.toUtf8())
        , hash(json::keyHash(view()))
    { }
    json::Key key() const { return json::Key(view(), hash); }
    std::string_view view() const { return { utf8.constData(), size_t(utf8.size()) }; }

    QByteArray utf8;
    quint32 hash;
};

// A custom field that goes into comments, with what each record's line of it needs worked out.
struct CommentField
{
    explicit CommentField(const CustomFieldDef *field)
        : def(field)
        , kind(fieldKind(field->type))
        , key(field->key)
        , currencyKey(field->key + u"_currency"_s)
    {
        for (auto it = def->options.cbegin(); it != def->options.cend(); ++it) {
            bool isNumber = false;
            const qint64 id = it.key().toLongLong(&isNumber);
            // Only ids whose text is the number's own ("7", not "07" or "+7"): a number sent
            // for them reads as that text.
            if (isNumber && QString::number(id) == it.key())
                optionsByNumber.insert(id, it.value());
        }
    }

    const CustomFieldDef *def;
    FieldKind kind;
    PlannedKey key;
    PlannedKey currencyKey; // <key>_currency: a monetary field's currency (v1)
    QHash<qint64, QString> optionsByNumber;
};

// What the mapping shows of a source's fields, the same for every record of a run: worked out
// once per thread for the definitions and field map at hand. The cache holds copies of both, so
// that the same (shared) data is recognised without comparing it, and the definitions it points
// into stay alive.
struct FieldPlan
{
    FieldSource source;
    QHash<QString, CustomFieldDef> fields;
    FieldMap fieldMap;
    // The custom fields that go into comments, in their order.
    std::vector<CommentField> comments;
    // The link fields (user, person, organization, deal) whose text is shown: in comments or
    // given a target by the field map (of any source: a superset is harmless). By key.
    QList<std::pair<const CustomFieldDef *, QString>> links; // and their link type
};

const FieldPlan &fieldPlan(FieldSource source, const MappingOptions &options)
{
    thread_local std::vector<FieldPlan> cache;
    const QHash<QString, CustomFieldDef> &fields = options.fieldsOf(source);
    for (const FieldPlan &cached : cache) {
        if (cached.source == source && cached.fields.isSharedWith(fields)
            && cached.fieldMap.isSharedWith(options.fieldMap))
            return cached;
    }
    FieldPlan entry { source, fields, options.fieldMap, {}, {} };
    QSet<QString> mapped;
    QSet<QString> targeted;
    for (const FieldTarget &target : fieldTargets()) {
        const QString key = fieldKeyFor(entry.fieldMap, target);
        targeted.insert(key);
        if (target.source == source)
            mapped.insert(key);
    }
    // Read through const: the copy must stay shared, and the pointers into it valid.
    QList<const CustomFieldDef *> comments;
    for (const CustomFieldDef &def : std::as_const(entry.fields)) {
        const bool inComments = def.custom && def.inComments && !mapped.contains(def.key);
        if (inComments)
            comments.append(&def);
        const QString type = linkTypeName(fieldKind(def.type));
        if (!type.isEmpty() && (inComments || targeted.contains(def.key)))
            entry.links.append({ &def, type });
    }
    // QHash order is random; comments must be byte-for-byte stable between runs, and the
    // engine's lookups should not wander either.
    std::sort(
        comments.begin(), comments.end(), [](const CustomFieldDef *a, const CustomFieldDef *b) {
            return a->order != b->order ? a->order < b->order : a->key < b->key;
        });
    entry.comments.reserve(size_t(comments.size()));
    for (const CustomFieldDef *def : std::as_const(comments))
        entry.comments.emplace_back(def);
    std::sort(entry.links.begin(), entry.links.end(),
        [](const auto &a, const auto &b) { return a.first->key < b.first->key; });
    std::erase_if(cache, [&](const FieldPlan &cached) { return cached.source == source; });
    cache.push_back(std::move(entry));
    return cache.back();
}

// "Name: value" lines of the custom fields that the field map leaves unused, in field order.
QStringList customFieldLines(const json::Object &record, FieldSource source,
    const MappingOptions &options, const FieldLinkNames &linkNames)
{
    const std::vector<CommentField> &fields = fieldPlan(source, options).comments;
    QStringList lines;
    if (fields.empty())
        return lines;
    const json::Object custom = record.value("custom_fields").toObject();
    for (const CommentField &field : fields) {
        const CustomFieldDef *def = field.def;
        // As fieldValue() reads it, through the keys worked out for the run.
        json::Value value = mappedField(record, custom, field.key.key());
        if (value.isDouble() && field.kind == FieldKind::Monetary) {
            if (const OptText currency = readText(record.value(field.currencyKey.key())))
                value = amountWithCurrency(value, *currency);
        }
        const QString text = fieldTextOfKind(
            value, *def, field.kind, linkNames.value(def->key), &field.optionsByNumber);
        if (text.isEmpty())
            continue;
        // Put together in one allocation (two concatenations made two).
        const QString &name = def->name.isEmpty() ? def->key : def->name;
        QString line;
        line.reserve(name.size() + 2 + text.size());
        line.append(name).append(u": "_s).append(text);
        lines.append(std::move(line));
    }
    return lines;
}

} // namespace

QList<FieldLink> fieldLinks(
    const json::Object &record, FieldSource source, const MappingOptions &options)
{
    QList<FieldLink> links;
    std::optional<json::Object> custom; // read at the first link field
    for (const auto &[def, type] : fieldPlan(source, options).links) {
        if (!custom)
            custom = record.value("custom_fields").toObject();
        if (const std::optional<qint64> id = readId(mappedField(record, *custom, def->key)))
            links.append({ def->key, type, *id });
    }
    return links;
}

QString fieldTargetText(const json::Object &record, const FieldTarget &target, const QString &key,
    const QHash<QString, CustomFieldDef> &defs, const FieldLinkNames &linkNames)
{
    return targetText(record, target, key, defs, linkNames).value_or(QString());
}

QHash<qint64, QString> priorityLabels(const json::Array &activityFieldItems)
{
    QHash<qint64, QString> labels;
    for (const json::Value &itemValue : activityFieldItems) {
        const json::Object item = itemValue.toObject();
        if (readText(firstPresent(item, "field_code", "key")) != u"priority"_s)
            continue;
        for (const json::Value &option : item.value("options").toArray()) {
            const json::Object object = option.toObject();
            const std::optional<qint64> id = readId(object.value("id"));
            const OptText label = readText(object.value("label"));
            if (id && label)
                labels.insert(*id, *label);
        }
    }
    return labels;
}

RecordRefs recordRefs(const json::Object &record)
{
    RecordRefs refs;
    refs.id = readId(record, "id");
    refs.ownerId = readId(record, "owner_id");
    refs.userId = readId(record, "user_id");
    refs.orgId = readId(record, "org_id");
    refs.personId = readId(record, "person_id");
    refs.dealId = readId(record, "deal_id");
    refs.stageId = readId(record, "stage_id");
    refs.pipelineId = readId(record, "pipeline_id");
    refs.leadId = readText(record, "lead_id");
    refs.activityType = readText(record, "type");
    return refs;
}

QList<RecordRefs> recordRefs(const json::Array &items)
{
    QList<RecordRefs> refs;
    refs.reserve(items.size());
    // Read at once: no reference counted for each record (see json::Object::borrowed()).
    for (const json::Value &value : items.borrowed())
        refs << recordRefs(value.toObject());
    return refs;
}

// ---- Users ------------------------------------------------------------------------------------

QString userIdentity(const json::Object &user)
{
    const json::Value value = user.value("email");
    if (!value.isString())
        return {};
    const QString email = normaliseEmail(value.toString());
    return isValidEmail(email) ? email : QString();
}

Mapped<UserRow> mapUser(const json::Object &user, const MappingOptions &options)
{
    Mapped<UserRow> result;
    if (!takeId(user, result))
        return result;
    UserRow row;
    row.email = userIdentity(user);
    if (row.email.isEmpty()) {
        result.problems.append(
            Problem::skipped(u"no valid email"_s, u"email: "_s + describe(user.value("email"))));
        return result;
    }
    if (const OptText name = readText(user, "name")) {
        const NameParts parts = splitName(*name);
        row.firstName = parts.first;
        row.lastName = parts.last;
    }
    row.phone = readText(user, "phone");
    // Deactivated users stay in the CRM (they own records) but cannot sign in.
    const std::optional<bool> active = readBool(firstPresent(user, "active_flag", "activated"));
    if (!active)
        result.problems.append(Problem::warning(u"missing active flag"_s, u"not approved"_s));
    row.approved = active.value_or(false);
    readTimes(user, "created", "modified", options, row.createdAt, row.updatedAt, result.problems);
    result.row = row;
    return result;
}

// ---- Organizations ------------------------------------------------------------------------

Mapped<AccountRow> mapOrganization(
    const json::Object &organization, const OrganizationLinks &links, const MappingOptions &options)
{
    Mapped<AccountRow> result;
    if (!takeId(organization, result))
        return result;
    if (isDeletedRecord(organization)) {
        result.problems.append(Problem::deleted());
        return result;
    }
    AccountRow row;
    const OptText name = readText(organization, "name");
    if (!name) {
        result.problems.append(Problem::skipped(
            u"missing name"_s, u"name: "_s + describe(organization.value("name"))));
        return result;
    }
    row.name = *name;

    const FieldLinkNames &names = links.fieldLinkNames;
    const Address address = mappedAddress(organization,
        { u"accounts.address", u"accounts.city", u"accounts.state", u"accounts.zip" }, options,
        names);
    row.address = address.address;
    row.city = address.city;
    row.state = address.state;
    row.zip = address.zip;
    row.assignedTo = trimmed(links.ownerEmail);

    if (const OptText phone = mappedText(organization, u"accounts.phone", options, names)) {
        row.phone = *phone;
    } else if (const OptText placeholder = trimmed(options.phonePlaceholder)) {
        row.phone = *placeholder;
    } else {
        result.problems.append(Problem::skipped(u"no phone"_s, u"no phone placeholder set"_s));
        return result;
    }

    if (const OptText email = mappedText(organization, u"accounts.email", options, names)) {
        const QString normalised = normaliseEmail(*email);
        if (isValidEmail(normalised))
            row.email = normalised;
        else
            result.problems.append(Problem::warning(u"invalid email"_s, quoted(*email)));
    }

    // The rake task copied cc_email (the org's Smart BCC address) into website; never again.
    const FieldTarget *websiteTarget = findFieldTarget(u"accounts.website");
    if (fieldKeyFor(options.fieldMap, *websiteTarget) == u"cc_email") {
        result.problems.append(
            Problem::warning(u"cc_email is not a website"_s, u"website left empty"_s));
    } else if (const OptText website
        = mappedText(organization, u"accounts.website", options, names)) {
        if (website->contains(u'@') && !website->contains(u"://"))
            result.problems.append(
                Problem::warning(u"website looks like an email"_s, quoted(*website)));
        else if (isScriptUrl(*website))
            result.problems.append(Problem::warning(u"unsafe website"_s, quoted(*website)));
        else
            row.website = website;
    }

    readTimes(organization, "add_time", "update_time", options, row.createdAt, row.updatedAt,
        result.problems);
    result.row = row;
    return result;
}

// ---- Persons --------------------------------------------------------------------------------

Mapped<PersonRow> mapPerson(
    const json::Object &person, const PersonLinks &links, const MappingOptions &options)
{
    Mapped<PersonRow> result;
    if (!takeId(person, result))
        return result;
    if (isDeletedRecord(person)) {
        result.problems.append(Problem::deleted());
        return result;
    }

    // E-mail: the primary one if valid, else the first valid one in Pipedrive's order.
    const QList<Channel> emails = readChannels(firstPresent(person, "emails", "email"));
    QString email;
    for (const Channel &candidate : emails) {
        const QString normalised = normaliseEmail(candidate.value);
        if (candidate.primary && isValidEmail(normalised)) {
            email = normalised;
            break;
        }
    }
    for (qsizetype i = 0; email.isEmpty() && i < emails.size(); ++i) {
        const QString normalised = normaliseEmail(emails[i].value);
        if (isValidEmail(normalised))
            email = normalised;
    }
    if (email.isEmpty()) {
        QStringList invalid;
        for (qsizetype i = 0; i < emails.size() && i < 5; ++i)
            invalid.append(quoted(emails[i].value));
        result.problems.append(Problem::skipped(
            u"no valid email"_s, invalid.isEmpty() ? u"no email"_s : invalid.join(u", "_s)));
        return result;
    }

    OptText first = readText(person, "first_name");
    OptText last = readText(person, "last_name");
    if (!first && !last) {
        if (const OptText name = readText(person, "name")) {
            const NameParts parts = splitName(*name);
            first = parts.first;
            last = parts.last;
        }
    }
    if (!first)
        first = trimmed(options.firstNamePlaceholder);
    if (!last)
        last = trimmed(options.lastNamePlaceholder);
    if (!first || !last) {
        result.problems.append(
            Problem::skipped(u"missing name"_s, u"no name and no name placeholder set"_s));
        return result;
    }

    OptText phone;
    const QList<Channel> phones = readChannels(firstPresent(person, "phones", "phone"));
    for (const Channel &candidate : phones) {
        if (candidate.primary) {
            phone = candidate.value;
            break;
        }
    }
    if (!phone && !phones.isEmpty())
        phone = phones.first().value;

    const FieldLinkNames &names = links.fieldLinkNames;
    const Address address = mappedAddress(person,
        { u"persons.address", u"persons.city", u"persons.state", u"persons.zip" }, options, names);
    QDateTime createdAt;
    QDateTime updatedAt;
    readTimes(person, "add_time", "update_time", options, createdAt, updatedAt, result.problems);

    if (links.hasDeals) {
        ContactRow row;
        row.firstName = *first;
        row.lastName = *last;
        row.company = trimmed(links.organizationName);
        row.email = email;
        row.phone = phone;
        row.address = address.address;
        row.city = address.city;
        row.state = address.state;
        row.zip = address.zip;
        row.createdAt = createdAt;
        row.updatedAt = updatedAt;
        result.row = PersonRow(row);
        return result;
    }

    LeadRow row;
    const OptText owner = trimmed(links.ownerEmail);
    if (!owner) {
        result.problems.append(Problem::skipped(u"no lead owner"_s, u"owner has no email"_s));
        return result;
    }
    if (!links.ownerUserId) {
        result.problems.append(Problem::skipped(u"no owner user"_s, u"owner not in the CRM"_s));
        return result;
    }
    row.firstName = *first;
    row.lastName = *last;
    row.company = trimmed(links.organizationName);
    row.email = email;
    row.phone = phone;
    row.address = address.address;
    row.city = address.city;
    row.state = address.state;
    row.zip = address.zip;
    row.interestedIn = mappedText(person, u"leads.interested_in", options, names);
    const QStringList comments = customFieldLines(person, FieldSource::Person, options, names);
    if (!comments.isEmpty())
        row.comments = comments.join(u'\n');
    row.leadStatus = links.hasActivities ? u"contacted"_s : u"new"_s;
    row.leadSource = u"pipedrive"_s;
    row.leadOwner = *owner;
    row.assignedToId = *links.ownerUserId;
    row.createdAt = createdAt;
    row.updatedAt = updatedAt;
    result.row = PersonRow(row);
    return result;
}

LeadRow qualifiedLead(LeadRow lead)
{
    lead.leadStatus = u"qualified"_s;
    return lead;
}

ContactRow contactFromLead(const LeadRow &lead)
{
    ContactRow contact;
    contact.firstName = lead.firstName;
    contact.lastName = lead.lastName;
    contact.company = lead.company;
    contact.email = lead.email;
    contact.phone = lead.phone;
    contact.address = lead.address;
    contact.city = lead.city;
    contact.state = lead.state;
    contact.zip = lead.zip;
    contact.createdAt = lead.createdAt;
    contact.updatedAt = lead.updatedAt;
    return contact;
}

// ---- Deals ----------------------------------------------------------------------------------

namespace {

QString dealStage(const json::Object &deal, const QString &status, const DealLinks &links,
    const MappingOptions &options, QList<Problem> &problems)
{
    if (status == u"won")
        return u"closed_won"_s;
    if (status == u"lost")
        return u"closed_lost"_s;
    if (!status.isEmpty() && status != u"open")
        problems.append(Problem::warning(u"unknown status"_s, quoted(status)));
    if (const std::optional<qint64> stageId = readId(deal, "stage_id")) {
        const auto it = options.stageMap.constFind(*stageId);
        if (it != options.stageMap.constEnd()) {
            if (isCrmStage(*it))
                return *it;
            problems.append(Problem::warning(
                u"invalid stage map entry"_s, QString::number(*stageId) + u" -> "_s + quoted(*it)));
        }
    }
    return crmStageForName(links.stageName.trimmed());
}

std::optional<QDate> dealClosingDate(const json::Object &deal, const QString &status)
{
    QList<QStringView> keys = { u"expected_close_date", u"local_close_date", u"close_time" };
    if (status == u"won")
        keys << u"local_won_date" << u"won_time";
    else if (status == u"lost")
        keys << u"local_lost_date" << u"lost_time";
    for (QStringView key : std::as_const(keys)) {
        const QDate date = readDate(deal, key);
        if (date.isValid())
            return date;
    }
    return std::nullopt;
}

} // namespace

Mapped<OpportunityRow> mapDeal(
    const json::Object &deal, const DealLinks &links, const MappingOptions &options)
{
    Mapped<OpportunityRow> result;
    if (!takeId(deal, result))
        return result;
    const QString status = readText(deal, "status").value_or(QString()).toLower();
    if (status == u"deleted" || readBool(deal, "is_deleted") == true
        || readBool(deal, "deleted") == true) {
        result.problems.append(Problem::deleted());
        return result;
    }

    OpportunityRow row;
    const OptText title = readText(deal, "title");
    if (!title) {
        result.problems.append(
            Problem::skipped(u"missing title"_s, u"title: "_s + describe(deal.value("title"))));
        return result;
    }
    row.opportunityName = *title;
    const OptText owner = trimmed(links.ownerEmail);
    if (!owner) {
        result.problems.append(Problem::skipped(u"no owner"_s, u"owner has no email"_s));
        return result;
    }
    row.owner = *owner;

    OptText account = trimmed(links.organizationName);
    if (!account)
        account = trimmed(links.personOrganizationName);
    if (!account)
        account = trimmed(options.accountPlaceholder);
    if (!account) {
        result.problems.append(
            Problem::skipped(u"no account name"_s, u"no organization and no placeholder set"_s));
        return result;
    }
    row.accountName = *account;
    row.type = options.opportunityType.trimmed().isEmpty() ? u"new_customer"_s
                                                           : options.opportunityType.trimmed();
    if (const OptText typeText
        = mappedText(deal, u"opportunities.type", options, links.fieldLinkNames)) {
        if (const std::optional<QString> type = crmOpportunityType(*typeText))
            row.type = *type;
        else
            result.problems.append(Problem::warning(
                u"unknown opportunity type"_s, quoted(*typeText) + u" -> "_s + row.type));
    }
    row.stage = dealStage(deal, status, links, options, result.problems);

    const json::Value value = deal.value("value");
    row.amount = readNumber(value);
    if (!row.amount && !value.isNull() && !value.isUndefined())
        result.problems.append(Problem::warning(u"invalid value"_s, describe(value)));

    bool invalidProbability = false;
    row.probability = readProbability(deal.value("probability"), &invalidProbability);
    if (invalidProbability)
        result.problems.append(
            Problem::warning(u"invalid probability"_s, describe(deal.value("probability"))));
    if (!row.probability && links.stageProbability && *links.stageProbability >= 0
        && *links.stageProbability <= 100)
        row.probability = qRound(*links.stageProbability);

    row.contactName = trimmed(links.personEmail);
    row.closingDate = dealClosingDate(deal, status);

    QStringList comments;
    if (const OptText currency = readText(deal, "currency"))
        comments.append(u"Currency: "_s + *currency);
    if (const OptText pipeline = trimmed(links.pipelineName))
        comments.append(u"Pipeline: "_s + *pipeline);
    if (const OptText stage = trimmed(links.stageName))
        comments.append(u"Stage: "_s + *stage);
    if (const OptText reason = readText(deal, "lost_reason"))
        comments.append(u"Lost reason: "_s + *reason);
    if (readBool(deal, "is_archived") == true)
        comments.append(u"Archived: Yes"_s);
    comments.append(customFieldLines(deal, FieldSource::Deal, options, links.fieldLinkNames));
    if (!comments.isEmpty())
        row.comments = comments.join(u'\n');

    readTimes(
        deal, "add_time", "update_time", options, row.createdAt, row.updatedAt, result.problems);
    result.row = row;
    return result;
}

// ---- Activities -------------------------------------------------------------------------------

namespace {

QString activityPriority(const json::Value &value, const MappingOptions &options)
{
    if (value.isObject()) // {"id", "label"}
        return crmPriorityForLabel(readText(value.toObject().value("label")).value_or(QString()));
    if (const std::optional<qint64> id = readId(value)) {
        const auto it = options.activityPriorities.constFind(*id);
        return it != options.activityPriorities.constEnd() ? crmPriorityForLabel(*it) : u"medium"_s;
    }
    if (value.isString()) // a label already ("High")
        return crmPriorityForLabel(value.toString());
    return u"medium"_s;
}

// "H:MM", "HH:MM", "H:MM:SS" or "HH:MM:SS" in ASCII digits, read by hand (a regular
// expression was 1.4% of the stage worker's time); invalid otherwise, or out of range.
QTime parseDueTime(QStringView text)
{
    int values[3] = { 0, 0, 0 };
    // Each part: its digits (1 or 2 for the hours, 2 for the others), then ':' or the end.
    qsizetype at = 0;
    for (int part = 0; part < 3; ++part) {
        const qsizetype start = at;
        while (at < text.size() && at - start < 2 && text[at] >= u'0' && text[at] <= u'9')
            values[part] = values[part] * 10 + (text[at++].unicode() - u'0');
        const qsizetype digits = at - start;
        if (digits == 0 || (part > 0 && digits != 2))
            return {};
        if (at == text.size())
            return part == 0 ? QTime() : QTime(values[0], values[1], values[2]);
        if (part == 2 || text[at] != u':')
            return {};
        ++at;
    }
    return {};
}

std::optional<QDateTime> activityDue(const json::Object &activity, QList<Problem> &problems)
{
    const OptText dateText = readText(activity, "due_date");
    if (!dateText)
        return std::nullopt;
    const QDate date = parsePipedriveDate(*dateText);
    if (!date.isValid()) {
        if (!dateText->startsWith(u"0000-00-00"))
            problems.append(Problem::warning(u"invalid due date"_s, quoted(*dateText)));
        return std::nullopt;
    }
    QTime time(0, 0);
    if (const OptText timeText = readText(activity, "due_time")) {
        const QTime parsed = parseDueTime(*timeText);
        if (parsed.isValid())
            time = parsed;
        else
            problems.append(Problem::warning(u"invalid due time"_s, quoted(*timeText)));
    }
    return QDateTime(date, time, Qt::UTC);
}

} // namespace

Mapped<TaskRow> mapActivity(
    const json::Object &activity, const ActivityLinks &links, const MappingOptions &options)
{
    Mapped<TaskRow> result;
    if (!takeId(activity, result))
        return result;
    if (isDeletedRecord(activity)) {
        result.problems.append(Problem::deleted());
        return result;
    }
    if (!links.assigneeUserId) {
        result.problems.append(Problem::skipped(u"no assignee"_s, u"owner not in the CRM"_s));
        return result;
    }
    TaskRow row;
    row.assigneeId = *links.assigneeUserId;
    OptText title = readText(activity, "subject");
    if (!title)
        title = trimmed(links.activityTypeName);
    if (!title)
        title = readText(activity, "type");
    row.title = title.value_or(u"Activity"_s);

    // The note's text, then a blank line and a line for each link: put together in one
    // allocation (a string for each line and two joins made seven).
    const json::Value note = activity.value("note");
    const QString text = note.isString() ? htmlToPlainText(note.toString()) : QString();
    const std::pair<QStringView, OptText> linkLines[] = {
        { u"Deal: ", trimmed(links.dealTitle) },
        { u"Person: ", trimmed(links.personName) },
        { u"Organization: ", trimmed(links.organizationName) },
        { u"Location: ", flexibleText(activity.value("location")) },
    };
    qsizetype size = text.size() + 1;
    for (const auto &[label, line] : linkLines)
        size += line ? label.size() + line->size() + 2 : 0;
    QString description;
    description.reserve(size);
    description += text;
    bool firstLine = true;
    for (const auto &[label, line] : linkLines) {
        if (!line)
            continue;
        if (!description.isEmpty())
            description += firstLine ? u"\n\n" : u"\n";
        description.append(label).append(*line);
        firstLine = false;
    }
    if (!description.isEmpty())
        row.description = description;

    row.dueDate = activityDue(activity, result.problems);
    row.completed = readBool(activity, "done").value_or(false);
    row.priority = activityPriority(activity.value("priority"), options);
    readTimes(activity, "add_time", "update_time", options, row.createdAt, row.updatedAt,
        result.problems);
    result.row = row;
    return result;
}

// ---- Notes ----------------------------------------------------------------------------------

Mapped<NoteRow> mapNote(
    const json::Object &note, const NoteLinks &links, const MappingOptions &options)
{
    Mapped<NoteRow> result;
    if (!takeId(note, result))
        return result;
    if (isDeletedRecord(note)) {
        result.problems.append(Problem::deleted());
        return result;
    }
    NoteRow row;
    const json::Value content = note.value("content");
    if (content.isString())
        row.content = htmlToPlainText(content.toString());
    else if (content.isDouble())
        row.content = numberText(content.toDouble());
    if (row.content.isEmpty()) {
        result.problems.append(Problem::skipped(u"empty note"_s,
            content.isString() ? u"no text once markup is removed"_s
                               : u"content: "_s + describe(content)));
        return result;
    }
    row.userId = links.authorUserId;
    row.targets.dealId = readId(note, "deal_id");
    row.targets.personId = readId(note, "person_id");
    row.targets.orgId = readId(note, "org_id");
    row.targets.leadId = readText(note, "lead_id");
    readTimes(
        note, "add_time", "update_time", options, row.createdAt, row.updatedAt, result.problems);
    result.row = row;
    return result;
}

// ---- Columns --------------------------------------------------------------------------------

namespace {

// The names of one kind of row, read from the first row made: each function making a kind of
// row holds one (a function-local static, made once even with both threads mapping).
// An array, not an initializer_list: its values are moved into the row's list, where a list's
// (const) would be copied, each value's copy and release counted twice.
class ColumnNames
{
public:
    template<size_t N> Columns take(std::pair<QString, QVariant> (&&columns)[N])
    {
        std::call_once(m_once, [&] {
            for (const auto &column : columns) {
                Q_ASSERT(m_names.isEmpty() || m_names.constLast() < column.first);
                m_names.append(column.first);
            }
        });
        Columns row { &m_names, {} };
        row.values.reserve(qsizetype(N));
        for (auto &column : columns)
            row.values.append(std::move(column.second));
        return row;
    }

private:
    std::once_flag m_once;
    QStringList m_names;
};

} // namespace

const QStringList &Columns::nameList() const
{
    static const QStringList none;
    return names ? *names : none;
}

QVariant Columns::value(QStringView name) const
{
    const qsizetype at = names ? names->indexOf(name) : -1;
    return at >= 0 ? values.at(at) : QVariant();
}

QVariantMap Columns::toMap() const
{
    // In the order of the names: each goes in at the map's end.
    std::map<QString, QVariant> map;
    for (qsizetype i = 0; names && i < values.size(); ++i)
        map.emplace_hint(map.end(), names->at(i), values.at(i));
    return QVariantMap(std::move(map));
}

Columns rowColumns(const UserRow &row)
{
    static ColumnNames names;
    return names.take({
        { u"approved"_s, row.approved },
        { u"created_at"_s, row.createdAt },
        { u"email"_s, row.email },
        { u"first_name"_s, nullable(row.firstName) },
        { u"last_name"_s, nullable(row.lastName) },
        { u"phone"_s, nullable(row.phone) },
        { u"updated_at"_s, row.updatedAt },
    });
}

Columns rowColumns(const AccountRow &row)
{
    static ColumnNames names;
    return names.take({
        { u"address"_s, nullable(row.address) },
        { u"assigned_to"_s, nullable(row.assignedTo) },
        { u"city"_s, nullable(row.city) },
        { u"created_at"_s, row.createdAt },
        { u"email"_s, nullable(row.email) },
        { u"name"_s, row.name },
        { u"phone"_s, row.phone },
        { u"state"_s, nullable(row.state) },
        { u"updated_at"_s, row.updatedAt },
        { u"website"_s, nullable(row.website) },
        { u"zip"_s, nullable(row.zip) },
    });
}

Columns rowColumns(const ContactRow &row)
{
    static ColumnNames names;
    return names.take({
        { u"address"_s, nullable(row.address) },
        { u"city"_s, nullable(row.city) },
        { u"company"_s, nullable(row.company) },
        { u"created_at"_s, row.createdAt },
        { u"email"_s, row.email },
        { u"first_name"_s, row.firstName },
        { u"last_name"_s, row.lastName },
        { u"phone"_s, nullable(row.phone) },
        { u"state"_s, nullable(row.state) },
        { u"updated_at"_s, row.updatedAt },
        { u"zip"_s, nullable(row.zip) },
    });
}

Columns rowColumns(const LeadRow &row)
{
    static ColumnNames names;
    return names.take({
        { u"account_name"_s, nullable(row.accountName) },
        { u"address"_s, nullable(row.address) },
        { u"assigned_to_id"_s, row.assignedToId },
        { u"city"_s, nullable(row.city) },
        { u"comments"_s, nullable(row.comments) },
        { u"company"_s, nullable(row.company) },
        { u"created_at"_s, row.createdAt },
        { u"email"_s, row.email },
        { u"first_name"_s, row.firstName },
        { u"interested_in"_s, nullable(row.interestedIn) },
        { u"last_name"_s, row.lastName },
        { u"lead_owner"_s, row.leadOwner },
        { u"lead_source"_s, row.leadSource },
        { u"lead_status"_s, row.leadStatus },
        { u"opportunity_name"_s, nullable(row.opportunityName) },
        { u"opportunity_owner"_s, nullable(row.opportunityOwner) },
        { u"phone"_s, nullable(row.phone) },
        { u"state"_s, nullable(row.state) },
        { u"updated_at"_s, row.updatedAt },
        { u"zip"_s, nullable(row.zip) },
    });
}

Columns rowColumns(const OpportunityRow &row)
{
    static ColumnNames names;
    return names.take({
        { u"account_name"_s, row.accountName },
        { u"amount"_s, nullable(row.amount) },
        { u"closing_date"_s, nullable(row.closingDate) },
        { u"comments"_s, nullable(row.comments) },
        { u"contact_name"_s, nullable(row.contactName) },
        { u"created_at"_s, row.createdAt },
        { u"opportunity_name"_s, row.opportunityName },
        { u"owner"_s, row.owner },
        { u"probability"_s, nullable(row.probability) },
        { u"stage"_s, row.stage },
        { u"type"_s, row.type },
        { u"updated_at"_s, row.updatedAt },
    });
}

Columns rowColumns(const TaskRow &row)
{
    static ColumnNames names;
    return names.take({
        { u"assignee_id"_s, row.assigneeId },
        { u"completed"_s, row.completed },
        { u"created_at"_s, row.createdAt },
        { u"description"_s, nullable(row.description) },
        { u"due_date"_s, nullable(row.dueDate) },
        { u"priority"_s, row.priority },
        { u"title"_s, row.title },
        { u"updated_at"_s, row.updatedAt },
    });
}

Columns rowColumns(const NoteRow &row)
{
    static ColumnNames names;
    return names.take({
        { u"content"_s, row.content },
        { u"created_at"_s, row.createdAt },
        { u"updated_at"_s, row.updatedAt },
        { u"user_id"_s, nullable(row.userId) },
    });
}

} // namespace pds::mapping
