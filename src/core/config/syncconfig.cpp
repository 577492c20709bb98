#include "syncconfig.h"

#include "config/settings.h"
#include "mapping/texttools.h"

#include <QCryptographicHash>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QSaveFile>
#include <QSet>

#include <algorithm>

namespace pds {

namespace {

const QString kFormat = QStringLiteral("pipedrive-sync-configuration");
constexpr int kVersion = 1;

QString key(const char *name)
{
    return QString::fromLatin1(name);
}

QString quoted(const QString &text)
{
    return QLatin1Char('"') + text + QLatin1Char('"');
}

QString deletionPolicyName(DeletionPolicy policy)
{
    return policy == DeletionPolicy::Delete ? QStringLiteral("delete") : QStringLiteral("report");
}

QList<mapping::FieldSource> allSources()
{
    return { mapping::FieldSource::Organization, mapping::FieldSource::Person,
        mapping::FieldSource::Deal };
}

QJsonObject fieldDefJson(const mapping::CustomFieldDef &def)
{
    QJsonArray options;
    QStringList ids = def.options.keys();
    // Option ids are numbers for custom fields: in their order, not the text's.
    std::sort(ids.begin(), ids.end(), [](const QString &a, const QString &b) {
        bool okA = false;
        bool okB = false;
        const qint64 na = a.toLongLong(&okA);
        const qint64 nb = b.toLongLong(&okB);
        if (okA && okB)
            return na < nb;
        return okA != okB ? okA : a < b;
    });
    for (const QString &id : std::as_const(ids))
        options.append(QJsonObject {
            { QStringLiteral("id"), id }, { QStringLiteral("label"), def.options.value(id) } });
    QJsonObject object { { QStringLiteral("key"), def.key }, { QStringLiteral("name"), def.name },
        { QStringLiteral("type"), def.type }, { QStringLiteral("custom"), def.custom } };
    if (!options.isEmpty())
        object.insert(QStringLiteral("options"), options);
    return object;
}

// Reads JSON and says what is wrong in words, each error prefixed with where it is.
class Reader
{
public:
    explicit Reader(QStringList *errors)
        : m_errors(errors)
    { }

    void error(const QString &path, const QString &message)
    {
        m_errors->append(path + QStringLiteral(": ") + message);
    }
    bool ok() const { return m_errors->isEmpty(); }

    std::optional<QString> text(const QJsonValue &value, const QString &path)
    {
        if (value.isString())
            return value.toString();
        error(path, QStringLiteral("expected text, found %1").arg(typeName(value)));
        return std::nullopt;
    }

    std::optional<qint64> integer(const QJsonValue &value, const QString &path, qint64 minimum)
    {
        const double number = value.toDouble(-1);
        if (!value.isDouble() || number != double(qint64(number)) || number < double(minimum)
            || number > 9007199254740992.0) {
            error(path,
                QStringLiteral("expected a whole number of at least %1, found %2")
                    .arg(minimum)
                    .arg(describe(value)));
            return std::nullopt;
        }
        return qint64(number);
    }

    bool object(const QJsonValue &value, const QString &path)
    {
        if (value.isObject())
            return true;
        error(path, QStringLiteral("expected an object, found %1").arg(typeName(value)));
        return false;
    }

    bool array(const QJsonValue &value, const QString &path)
    {
        if (value.isArray())
            return true;
        error(path, QStringLiteral("expected a list, found %1").arg(typeName(value)));
        return false;
    }

    void unknownKeys(const QJsonObject &object, const QStringList &known, const QString &path)
    {
        for (auto it = object.constBegin(); it != object.constEnd(); ++it) {
            if (!known.contains(it.key()))
                error(path.isEmpty() ? it.key() : path + QLatin1Char('.') + it.key(),
                    QStringLiteral("unknown setting (known: %1)")
                        .arg(known.join(QStringLiteral(", "))));
        }
    }

    static QString typeName(const QJsonValue &value)
    {
        switch (value.type()) {
        case QJsonValue::Null:
            return QStringLiteral("null");
        case QJsonValue::Bool:
            return QStringLiteral("true/false");
        case QJsonValue::Double:
            return QStringLiteral("a number");
        case QJsonValue::String:
            return QStringLiteral("text");
        case QJsonValue::Array:
            return QStringLiteral("a list");
        case QJsonValue::Object:
            return QStringLiteral("an object");
        case QJsonValue::Undefined:
            return QStringLiteral("nothing");
        }
        return QString();
    }

    static QString describe(const QJsonValue &value)
    {
        if (value.isDouble())
            return mapping::numberText(value.toDouble());
        if (value.isString())
            return quoted(value.toString());
        return typeName(value);
    }

private:
    QStringList *m_errors;
};

std::optional<mapping::CustomFieldDef> readFieldDef(
    Reader &reader, const QJsonValue &value, const QString &path, int order)
{
    if (!reader.object(value, path))
        return std::nullopt;
    const QJsonObject object = value.toObject();
    reader.unknownKeys(object,
        { QStringLiteral("key"), QStringLiteral("name"), QStringLiteral("type"),
            QStringLiteral("custom"), QStringLiteral("options") },
        path);
    mapping::CustomFieldDef def;
    def.order = order;
    const std::optional<QString> fieldKey
        = reader.text(object.value(QStringLiteral("key")), path + QStringLiteral(".key"));
    if (fieldKey && fieldKey->trimmed().isEmpty())
        reader.error(path + QStringLiteral(".key"), QStringLiteral("must not be empty"));
    def.key = fieldKey.value_or(QString()).trimmed();
    if (object.contains(QStringLiteral("name")))
        def.name = reader.text(object.value(QStringLiteral("name")), path + QStringLiteral(".name"))
                       .value_or(QString());
    if (object.contains(QStringLiteral("type")))
        def.type = reader.text(object.value(QStringLiteral("type")), path + QStringLiteral(".type"))
                       .value_or(QString());
    const QJsonValue custom = object.value(QStringLiteral("custom"));
    if (custom.isBool())
        def.custom = custom.toBool();
    else if (!custom.isUndefined())
        reader.error(path + QStringLiteral(".custom"), QStringLiteral("expected true or false"));
    const QJsonValue options = object.value(QStringLiteral("options"));
    if (!options.isUndefined() && !options.isNull()
        && reader.array(options, path + QStringLiteral(".options"))) {
        const QJsonArray list = options.toArray();
        for (qsizetype i = 0; i < list.size(); ++i) {
            const QString at = path + QStringLiteral(".options[%1]").arg(i);
            if (!reader.object(list.at(i), at))
                continue;
            const QJsonObject option = list.at(i).toObject();
            const QJsonValue id = option.value(QStringLiteral("id"));
            const QString idText
                = id.isDouble() ? mapping::numberText(id.toDouble()) : id.toString();
            if (idText.isEmpty()) {
                reader.error(at + QStringLiteral(".id"), QStringLiteral("expected an option id"));
                continue;
            }
            if (const std::optional<QString> label
                = reader.text(option.value(QStringLiteral("label")), at + QStringLiteral(".label")))
                def.options.insert(idText, *label);
        }
    }
    if (!reader.ok())
        return std::nullopt;
    return def;
}

QString digest(const QJsonObject &object)
{
    return QString::fromLatin1(QCryptographicHash::hash(
        QJsonDocument(object).toJson(QJsonDocument::Compact), QCryptographicHash::Sha256)
                                   .toHex()
                                   .left(20));
}

QJsonObject jsonSetting(const Settings &settings, const char *name)
{
    return QJsonDocument::fromJson(settings.value(key(name)).toString().toUtf8()).object();
}

QString compact(const QJsonValue &value)
{
    const QJsonDocument document
        = value.isArray() ? QJsonDocument(value.toArray()) : QJsonDocument(value.toObject());
    return QString::fromUtf8(document.toJson(QJsonDocument::Compact));
}

} // namespace

SyncConfig::SyncConfig()
{
    const mapping::MappingOptions defaults;
    firstNamePlaceholder = defaults.firstNamePlaceholder;
    lastNamePlaceholder = defaults.lastNamePlaceholder;
    phonePlaceholder = defaults.phonePlaceholder;
    accountPlaceholder = defaults.accountPlaceholder;
    opportunityType = defaults.opportunityType;
}

QStringList SyncConfig::filterEntities()
{
    return { QStringLiteral("organizations"), QStringLiteral("persons"), QStringLiteral("deals"),
        QStringLiteral("activities") };
}

QString SyncConfig::pipedriveFilterType(const QString &entity)
{
    if (entity == QLatin1String("organizations"))
        return QStringLiteral("org");
    if (entity == QLatin1String("persons"))
        return QStringLiteral("people");
    if (entity == QLatin1String("deals"))
        return QStringLiteral("deals");
    if (entity == QLatin1String("activities"))
        return QStringLiteral("activity");
    return {};
}

QString SyncConfig::crmStageFor(qint64 stageId) const
{
    for (const StageEntry &entry : stageMap) {
        if (entry.stageId == stageId)
            return entry.crmStage;
    }
    return {};
}

QHash<QString, mapping::CustomFieldDef> SyncConfig::fieldsOf(mapping::FieldSource source) const
{
    QHash<QString, mapping::CustomFieldDef> defs;
    for (const mapping::CustomFieldDef &def : fields.value(mapping::fieldSourceName(source)))
        defs.insert(def.key, def);
    return defs;
}

// ---- Settings ---------------------------------------------------------------------------------

SyncConfig SyncConfig::load(const Settings &settings)
{
    SyncConfig config;
    const auto text = [&settings](const char *name, QString &target) {
        const QString value = settings.value(key(name)).toString();
        if (!value.isEmpty()) // empty: the default
            target = value;
    };
    text(settingsKeys::FirstNamePlaceholder, config.firstNamePlaceholder);
    text(settingsKeys::LastNamePlaceholder, config.lastNamePlaceholder);
    text(settingsKeys::PhonePlaceholder, config.phonePlaceholder);
    text(settingsKeys::AccountPlaceholder, config.accountPlaceholder);
    text(settingsKeys::OpportunityType, config.opportunityType);
    config.defaultOwnerUserId
        = qMax<qint64>(0, settings.value(key(settingsKeys::DefaultOwner), 0).toLongLong());
    config.deletionPolicy
        = settings.value(key(settingsKeys::DeletionPolicy)).toString() == QLatin1String("delete")
        ? DeletionPolicy::Delete
        : DeletionPolicy::Report;

    // The maps are kept in the exchange format's shape: one reader for both, and a damaged
    // setting is dropped rather than half-read.
    QJsonObject json = config.toJson();
    json.insert(QStringLiteral("field_map"), jsonSetting(settings, settingsKeys::FieldMap));
    json.insert(QStringLiteral("filters"), jsonSetting(settings, settingsKeys::Filters));
    json.insert(QStringLiteral("fields"), jsonSetting(settings, settingsKeys::Fields));
    json.insert(QStringLiteral("stage_map"),
        QJsonDocument::fromJson(settings.value(key(settingsKeys::StageMap)).toString().toUtf8())
            .array());
    for (const QString &part : { QStringLiteral("field_map"), QStringLiteral("filters"),
             QStringLiteral("fields"), QStringLiteral("stage_map") }) {
        QJsonObject single = SyncConfig().toJson();
        single.insert(part, json.value(part));
        QStringList errors;
        const std::optional<SyncConfig> read = fromJson(single, &errors);
        if (!read)
            continue;
        if (part == QLatin1String("field_map"))
            config.fieldMap = read->fieldMap;
        else if (part == QLatin1String("filters"))
            config.filters = read->filters;
        else if (part == QLatin1String("fields"))
            config.fields = read->fields;
        else
            config.stageMap = read->stageMap;
    }
    return config;
}

void SyncConfig::save(Settings &settings) const
{
    const QJsonObject json = toJson();
    settings.setValue(key(settingsKeys::FirstNamePlaceholder), firstNamePlaceholder);
    settings.setValue(key(settingsKeys::LastNamePlaceholder), lastNamePlaceholder);
    settings.setValue(key(settingsKeys::PhonePlaceholder), phonePlaceholder);
    settings.setValue(key(settingsKeys::AccountPlaceholder), accountPlaceholder);
    settings.setValue(key(settingsKeys::OpportunityType), opportunityType);
    settings.setValue(key(settingsKeys::DefaultOwner), defaultOwnerUserId);
    settings.setValue(key(settingsKeys::DeletionPolicy), deletionPolicyName(deletionPolicy));
    settings.setValue(
        key(settingsKeys::FieldMap), compact(json.value(QStringLiteral("field_map"))));
    settings.setValue(
        key(settingsKeys::StageMap), compact(json.value(QStringLiteral("stage_map"))));
    settings.setValue(key(settingsKeys::Filters), compact(json.value(QStringLiteral("filters"))));
    settings.setValue(key(settingsKeys::Fields), compact(json.value(QStringLiteral("fields"))));
}

// ---- JSON -------------------------------------------------------------------------------------

QJsonObject SyncConfig::toJson() const
{
    QJsonObject fieldMapJson;
    for (auto it = fieldMap.constBegin(); it != fieldMap.constEnd(); ++it) {
        const mapping::FieldTarget *target = mapping::findFieldTarget(it.key());
        QJsonObject entry { { QStringLiteral("field"),
            it->isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(*it) } };
        if (target && !it->isEmpty()) {
            const mapping::CustomFieldDef def = fieldsOf(target->source).value(*it);
            if (!def.name.isEmpty())
                entry.insert(QStringLiteral("field_name"), def.name);
        }
        fieldMapJson.insert(it.key(), entry);
    }
    QJsonArray stages;
    for (const StageEntry &entry : stageMap)
        stages.append(QJsonObject { { QStringLiteral("stage_id"), double(entry.stageId) },
            { QStringLiteral("pipeline"), entry.pipelineName },
            { QStringLiteral("stage"), entry.stageName },
            { QStringLiteral("crm_stage"), entry.crmStage } });
    QJsonObject filtersJson;
    for (auto it = filters.constBegin(); it != filters.constEnd(); ++it)
        filtersJson.insert(it.key(),
            QJsonObject {
                { QStringLiteral("id"), double(it->id) }, { QStringLiteral("name"), it->name } });
    QJsonObject fieldsJson;
    for (auto it = fields.constBegin(); it != fields.constEnd(); ++it) {
        QJsonArray list;
        for (const mapping::CustomFieldDef &def : *it)
            list.append(fieldDefJson(def));
        fieldsJson.insert(it.key(), list);
    }
    return {
        { QStringLiteral("format"), kFormat },
        { QStringLiteral("version"), kVersion },
        { QStringLiteral("placeholders"),
            QJsonObject { { QStringLiteral("first_name"), firstNamePlaceholder },
                { QStringLiteral("last_name"), lastNamePlaceholder },
                { QStringLiteral("phone"), phonePlaceholder },
                { QStringLiteral("organization"), accountPlaceholder } } },
        { QStringLiteral("opportunity_type"), opportunityType },
        { QStringLiteral("default_owner_user_id"), double(defaultOwnerUserId) },
        { QStringLiteral("deletion_policy"), deletionPolicyName(deletionPolicy) },
        { QStringLiteral("field_map"), fieldMapJson },
        { QStringLiteral("stage_map"), stages },
        { QStringLiteral("filters"), filtersJson },
        { QStringLiteral("fields"), fieldsJson },
    };
}

std::optional<SyncConfig> SyncConfig::fromJson(const QJsonObject &json, QStringList *errors)
{
    QStringList ownErrors;
    QStringList &problems = errors ? *errors : ownErrors;
    problems.clear();
    Reader reader(&problems);
    SyncConfig config;

    if (json.value(QStringLiteral("format")) != QJsonValue(kFormat)) {
        reader.error(QStringLiteral("format"),
            QStringLiteral("this is not a Pipedrive Sync configuration (expected \"format\": %1)")
                .arg(quoted(kFormat)));
        return std::nullopt;
    }
    const std::optional<qint64> version
        = reader.integer(json.value(QStringLiteral("version")), QStringLiteral("version"), 1);
    if (version && *version > kVersion) {
        reader.error(QStringLiteral("version"),
            QStringLiteral("written by a newer version of Pipedrive Sync (format %1; this one "
                           "reads %2)")
                .arg(*version)
                .arg(kVersion));
        return std::nullopt;
    }
    reader.unknownKeys(json,
        { QStringLiteral("format"), QStringLiteral("version"), QStringLiteral("placeholders"),
            QStringLiteral("opportunity_type"), QStringLiteral("default_owner_user_id"),
            QStringLiteral("deletion_policy"), QStringLiteral("field_map"),
            QStringLiteral("stage_map"), QStringLiteral("filters"), QStringLiteral("fields") },
        QString());

    const QJsonValue placeholders = json.value(QStringLiteral("placeholders"));
    if (!placeholders.isUndefined()
        && reader.object(placeholders, QStringLiteral("placeholders"))) {
        const QJsonObject object = placeholders.toObject();
        const QList<std::pair<QString, QString *>> known {
            { QStringLiteral("first_name"), &config.firstNamePlaceholder },
            { QStringLiteral("last_name"), &config.lastNamePlaceholder },
            { QStringLiteral("phone"), &config.phonePlaceholder },
            { QStringLiteral("organization"), &config.accountPlaceholder },
        };
        QStringList names;
        for (const auto &[name, target] : known) {
            names << name;
            const QJsonValue value = object.value(name);
            if (value.isUndefined())
                continue;
            if (const std::optional<QString> text
                = reader.text(value, QStringLiteral("placeholders.") + name))
                *target = text->trimmed();
        }
        reader.unknownKeys(object, names, QStringLiteral("placeholders"));
    }

    const QJsonValue type = json.value(QStringLiteral("opportunity_type"));
    if (!type.isUndefined()) {
        if (const std::optional<QString> text
            = reader.text(type, QStringLiteral("opportunity_type")))
            config.opportunityType = *text;
    }
    const QJsonValue owner = json.value(QStringLiteral("default_owner_user_id"));
    if (!owner.isUndefined() && !owner.isNull()) {
        if (const std::optional<qint64> id
            = reader.integer(owner, QStringLiteral("default_owner_user_id"), 0))
            config.defaultOwnerUserId = *id;
    }
    const QJsonValue policy = json.value(QStringLiteral("deletion_policy"));
    if (!policy.isUndefined()) {
        const QString text
            = reader.text(policy, QStringLiteral("deletion_policy")).value_or(QString());
        if (text == QLatin1String("delete"))
            config.deletionPolicy = DeletionPolicy::Delete;
        else if (text == QLatin1String("report"))
            config.deletionPolicy = DeletionPolicy::Report;
        else if (policy.isString())
            reader.error(QStringLiteral("deletion_policy"),
                QStringLiteral("%1 is not a deletion policy (report or delete)").arg(quoted(text)));
    }

    const QJsonValue fieldMap = json.value(QStringLiteral("field_map"));
    if (!fieldMap.isUndefined() && !fieldMap.isNull()
        && reader.object(fieldMap, QStringLiteral("field_map"))) {
        const QJsonObject object = fieldMap.toObject();
        for (auto it = object.constBegin(); it != object.constEnd(); ++it) {
            const QString path = QStringLiteral("field_map.") + it.key();
            if (!mapping::findFieldTarget(it.key())) {
                QStringList targets;
                for (const mapping::FieldTarget &target : mapping::fieldTargets())
                    targets << target.id;
                reader.error(path,
                    QStringLiteral("no such CRM column (known: %1)")
                        .arg(targets.join(QStringLiteral(", "))));
                continue;
            }
            // {"field": KEY|null, "field_name": ...}, or KEY, or null for "nothing".
            QJsonValue value = *it;
            if (value.isObject()) {
                reader.unknownKeys(value.toObject(),
                    { QStringLiteral("field"), QStringLiteral("field_name") }, path);
                value = value.toObject().value(QStringLiteral("field"));
                if (value.isUndefined()) {
                    reader.error(path + QStringLiteral(".field"),
                        QStringLiteral("missing: the key of a Pipedrive field, or null"));
                    continue;
                }
            }
            if (value.isNull()) {
                config.fieldMap.insert(it.key(), QString());
            } else if (value.isString()) {
                config.fieldMap.insert(it.key(), value.toString().trimmed());
            } else {
                reader.error(path,
                    QStringLiteral("expected the key of a Pipedrive field, or null, found %1")
                        .arg(Reader::typeName(value)));
            }
        }
    }

    const QJsonValue stageMap = json.value(QStringLiteral("stage_map"));
    if (!stageMap.isUndefined() && !stageMap.isNull()
        && reader.array(stageMap, QStringLiteral("stage_map"))) {
        const QJsonArray list = stageMap.toArray();
        for (qsizetype i = 0; i < list.size(); ++i) {
            const QString path = QStringLiteral("stage_map[%1]").arg(i);
            if (!reader.object(list.at(i), path))
                continue;
            const QJsonObject object = list.at(i).toObject();
            reader.unknownKeys(object,
                { QStringLiteral("stage_id"), QStringLiteral("pipeline"), QStringLiteral("stage"),
                    QStringLiteral("crm_stage") },
                path);
            StageEntry entry;
            entry.stageId = reader
                                .integer(object.value(QStringLiteral("stage_id")),
                                    path + QStringLiteral(".stage_id"), 1)
                                .value_or(0);
            if (object.contains(QStringLiteral("pipeline")))
                entry.pipelineName = reader
                                         .text(object.value(QStringLiteral("pipeline")),
                                             path + QStringLiteral(".pipeline"))
                                         .value_or(QString());
            if (object.contains(QStringLiteral("stage")))
                entry.stageName = reader
                                      .text(object.value(QStringLiteral("stage")),
                                          path + QStringLiteral(".stage"))
                                      .value_or(QString());
            entry.crmStage = reader
                                 .text(object.value(QStringLiteral("crm_stage")),
                                     path + QStringLiteral(".crm_stage"))
                                 .value_or(QString());
            config.stageMap.append(entry);
        }
    }

    const QJsonValue filters = json.value(QStringLiteral("filters"));
    if (!filters.isUndefined() && !filters.isNull()
        && reader.object(filters, QStringLiteral("filters"))) {
        const QJsonObject object = filters.toObject();
        reader.unknownKeys(object, filterEntities(), QStringLiteral("filters"));
        for (const QString &entity : filterEntities()) {
            const QJsonValue value = object.value(entity);
            const QString path = QStringLiteral("filters.") + entity;
            if (value.isUndefined() || value.isNull())
                continue;
            if (!reader.object(value, path))
                continue;
            const QJsonObject filter = value.toObject();
            reader.unknownKeys(filter, { QStringLiteral("id"), QStringLiteral("name") }, path);
            if (filter.value(QStringLiteral("id")).isNull())
                continue; // no filter
            Filter choice;
            choice.id
                = reader
                      .integer(filter.value(QStringLiteral("id")), path + QStringLiteral(".id"), 1)
                      .value_or(0);
            if (filter.contains(QStringLiteral("name")))
                choice.name = reader
                                  .text(filter.value(QStringLiteral("name")),
                                      path + QStringLiteral(".name"))
                                  .value_or(QString());
            if (choice.id > 0)
                config.filters.insert(entity, choice);
        }
    }

    const QJsonValue fields = json.value(QStringLiteral("fields"));
    if (!fields.isUndefined() && !fields.isNull()
        && reader.object(fields, QStringLiteral("fields"))) {
        const QJsonObject object = fields.toObject();
        QStringList sources;
        for (mapping::FieldSource source : allSources())
            sources << mapping::fieldSourceName(source);
        reader.unknownKeys(object, sources, QStringLiteral("fields"));
        for (const QString &source : std::as_const(sources)) {
            const QJsonValue value = object.value(source);
            const QString path = QStringLiteral("fields.") + source;
            if (value.isUndefined() || value.isNull() || !reader.array(value, path))
                continue;
            const QJsonArray list = value.toArray();
            QList<mapping::CustomFieldDef> defs;
            for (qsizetype i = 0; i < list.size(); ++i) {
                QStringList fieldErrors;
                Reader fieldReader(&fieldErrors);
                if (const std::optional<mapping::CustomFieldDef> def = readFieldDef(fieldReader,
                        list.at(i), path + QStringLiteral("[%1]").arg(i), int(defs.size())))
                    defs.append(*def);
                problems << fieldErrors;
            }
            config.fields.insert(source, defs);
        }
    }

    problems << config.validate();
    if (!problems.isEmpty())
        return std::nullopt;
    return config;
}

QStringList SyncConfig::validate() const
{
    QStringList problems;
    if (opportunityType != QLatin1String("new_customer")
        && opportunityType != QLatin1String("existing_customer"))
        problems << QStringLiteral("opportunity_type: %1 is not an opportunity type (new_customer "
                                   "or existing_customer)")
                        .arg(quoted(opportunityType));
    if (defaultOwnerUserId < 0)
        problems << QStringLiteral("default_owner_user_id: must not be negative");
    for (auto it = fieldMap.constBegin(); it != fieldMap.constEnd(); ++it) {
        if (!mapping::findFieldTarget(it.key()))
            problems << QStringLiteral("field_map.%1: no such CRM column").arg(it.key());
        else if (it.key() == QLatin1String("accounts.website") && *it == QLatin1String("cc_email"))
            problems << QStringLiteral("field_map.accounts.website: cc_email is the organization's "
                                       "Smart BCC address, not a website");
    }
    QSet<qint64> stageIds;
    for (qsizetype i = 0; i < stageMap.size(); ++i) {
        const StageEntry &entry = stageMap.at(i);
        const QString path = QStringLiteral("stage_map[%1]").arg(i);
        if (entry.stageId <= 0)
            continue; // reported where it was read
        if (stageIds.contains(entry.stageId))
            problems << path
                    + QStringLiteral(".stage_id: stage %1 is mapped twice").arg(entry.stageId);
        stageIds.insert(entry.stageId);
        if (!mapping::isOpenCrmStage(entry.crmStage))
            problems << path
                    + QStringLiteral(".crm_stage: %1 is not a CRM stage for open deals (%2)")
                          .arg(quoted(entry.crmStage),
                              mapping::openCrmStages().join(QStringLiteral(", ")));
    }
    for (auto it = filters.constBegin(); it != filters.constEnd(); ++it) {
        if (!filterEntities().contains(it.key()))
            problems << QStringLiteral("filters.%1: Pipedrive filters exist for %2 only")
                            .arg(it.key(), filterEntities().join(QStringLiteral(", ")));
        else if (it->id <= 0)
            problems << QStringLiteral("filters.%1.id: must be a positive number").arg(it.key());
    }
    return problems;
}

bool SyncConfig::writeFile(const QString &path, QString *error) const
{
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly)) {
        if (error)
            *error = file.errorString();
        return false;
    }
    file.write(QJsonDocument(toJson()).toJson(QJsonDocument::Indented));
    if (!file.commit()) {
        if (error)
            *error = file.errorString();
        return false;
    }
    return true;
}

std::optional<SyncConfig> SyncConfig::readFile(const QString &path, QStringList *errors)
{
    QStringList ownErrors;
    QStringList &problems = errors ? *errors : ownErrors;
    problems.clear();
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        problems << QStringLiteral("%1: %2").arg(path, file.errorString());
        return std::nullopt;
    }
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(file.readAll(), &parseError);
    if (parseError.error != QJsonParseError::NoError) {
        problems << QStringLiteral("%1: not JSON (%2 at character %3)")
                        .arg(path, parseError.errorString())
                        .arg(parseError.offset);
        return std::nullopt;
    }
    if (!document.isObject()) {
        problems << QStringLiteral("%1: expected a JSON object").arg(path);
        return std::nullopt;
    }
    return fromJson(document.object(), &problems);
}

// ---- Runs -------------------------------------------------------------------------------------

void SyncConfig::applyTo(SyncOptions &options) const
{
    options.defaultOwnerUserId = defaultOwnerUserId;
    options.deletionPolicy = deletionPolicy;
    mapping::MappingOptions &m = options.mapping;
    m.firstNamePlaceholder = firstNamePlaceholder;
    m.lastNamePlaceholder = lastNamePlaceholder;
    m.phonePlaceholder = phonePlaceholder;
    m.accountPlaceholder = accountPlaceholder;
    m.opportunityType = opportunityType;
    m.fieldMap = fieldMap;
    m.stageMap.clear();
    for (const StageEntry &entry : stageMap)
        m.stageMap.insert(entry.stageId, entry.crmStage);
    m.filterIds.clear();
    for (auto it = filters.constBegin(); it != filters.constEnd(); ++it)
        m.filterIds.insert(it.key(), it->id);
    // The definitions the map was made with, until the sync reads Pipedrive's own lists.
    m.organizationFields = fieldsOf(mapping::FieldSource::Organization);
    m.personFields = fieldsOf(mapping::FieldSource::Person);
    m.dealFields = fieldsOf(mapping::FieldSource::Deal);
}

QString SyncConfig::fingerprint(Entity entity) const
{
    QJsonObject parts;
    const auto targetsOf = [this](mapping::FieldSource source) {
        QJsonObject keys;
        for (const mapping::FieldTarget &target : mapping::fieldTargets()) {
            if (target.source == source)
                keys.insert(target.id, mapping::fieldKeyFor(fieldMap, target));
        }
        return keys;
    };
    const auto filter = [this](const QString &entityName) {
        return double(filters.value(entityName).id);
    };
    const double owner = double(defaultOwnerUserId);
    switch (entity) {
    case Entity::Users:
    case Entity::Notes:
        break;
    case Entity::Organizations:
        parts = { { QStringLiteral("fields"), targetsOf(mapping::FieldSource::Organization) },
            { QStringLiteral("phone"), phonePlaceholder }, { QStringLiteral("owner"), owner },
            { QStringLiteral("filter"), filter(QStringLiteral("organizations")) } };
        break;
    case Entity::Persons:
        parts = { { QStringLiteral("fields"), targetsOf(mapping::FieldSource::Person) },
            { QStringLiteral("first"), firstNamePlaceholder },
            { QStringLiteral("last"), lastNamePlaceholder }, { QStringLiteral("owner"), owner },
            { QStringLiteral("filter"), filter(QStringLiteral("persons")) } };
        break;
    case Entity::Deals: {
        QJsonObject stages;
        for (const StageEntry &entry : stageMap)
            stages.insert(QString::number(entry.stageId), entry.crmStage);
        parts = { { QStringLiteral("fields"), targetsOf(mapping::FieldSource::Deal) },
            { QStringLiteral("stages"), stages },
            { QStringLiteral("organization"), accountPlaceholder },
            { QStringLiteral("type"), opportunityType }, { QStringLiteral("owner"), owner },
            { QStringLiteral("filter"), filter(QStringLiteral("deals")) } };
        break;
    }
    case Entity::Activities:
        parts = { { QStringLiteral("owner"), owner },
            { QStringLiteral("filter"), filter(QStringLiteral("activities")) } };
        break;
    }
    return digest(parts);
}

bool SyncConfig::prepareRun(Settings &settings, SyncOptions &options) const
{
    const QString database = options.database.displayUrl();
    const QJsonObject applied = jsonSetting(settings, settingsKeys::AppliedConfig);
    QJsonObject pending = jsonSetting(settings, settingsKeys::PendingConfig);
    // An entity never synced with a recorded configuration was synced with the defaults.
    const SyncConfig defaults;
    bool changed = false;
    for (Entity entity : std::as_const(options.entities)) {
        const QString name = entityName(entity);
        const QString current = fingerprint(entity);
        const QJsonValue known = applied.value(name).toObject().value(database);
        const QString before = known.isString() ? known.toString() : defaults.fingerprint(entity);
        changed = changed || current != before;
        if (options.dryRun)
            pending.remove(name);
        else
            pending.insert(name,
                QJsonObject { { QStringLiteral("database"), database },
                    { QStringLiteral("digest"), current } });
    }
    settings.setValue(key(settingsKeys::PendingConfig), compact(pending));
    settings.sync();
    if (!changed || options.full)
        return false;
    options.full = true;
    return true;
}

void SyncConfig::noteEntityFinished(Settings &settings, const EntityResult &result)
{
    const bool completed = result.outcome == SyncOutcome::Succeeded
        || result.outcome == SyncOutcome::FinishedWithProblems;
    const QString name = entityName(result.entity);
    QJsonObject pending = jsonSetting(settings, settingsKeys::PendingConfig);
    const QJsonObject entry = pending.value(name).toObject();
    if (!completed || entry.isEmpty())
        return;
    QJsonObject applied = jsonSetting(settings, settingsKeys::AppliedConfig);
    QJsonObject databases = applied.value(name).toObject();
    databases.insert(entry.value(QStringLiteral("database")).toString(),
        entry.value(QStringLiteral("digest")).toString());
    applied.insert(name, databases);
    pending.remove(name);
    settings.setValue(key(settingsKeys::AppliedConfig), compact(applied));
    settings.setValue(key(settingsKeys::PendingConfig), compact(pending));
    settings.sync();
}

} // namespace pds
