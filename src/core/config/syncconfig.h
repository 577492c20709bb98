#pragma once

#include "mapping/mapping.h"
#include "sync/synctypes.h"

#include <QJsonObject>
#include <QList>
#include <QMap>
#include <QString>
#include <QStringList>

#include <optional>

namespace pds {

class Settings;

// How one company's Pipedrive fits the CRM (SPEC §2, §4): which fields fill the CRM columns
// without a natural source, which CRM stage each pipeline stage becomes, the saved Pipedrive
// filter per entity, the placeholders, the default owner and the deletion policy. The app and
// the CLI read it from the same Settings keys; it exports to and imports from JSON, so that a
// team shares one.
//
// Field and stage maps are keyed by Pipedrive's ids and hashes (that is what the API sends), but
// the configuration also keeps the names those had when the map was made, so that people (and
// the settings dialog without a connection) see names, never hashes or ids.
struct SyncConfig
{
    struct StageEntry
    {
        qint64 stageId = 0;
        QString pipelineName; // for people; the map uses the id
        QString stageName;
        QString crmStage; // one of mapping::openCrmStages()

        friend bool operator==(const StageEntry &, const StageEntry &) = default;
    };
    struct Filter
    {
        qint64 id = 0; // a saved Pipedrive filter
        QString name; // for people; the sync uses the id

        friend bool operator==(const Filter &, const Filter &) = default;
    };

    QString firstNamePlaceholder;
    QString lastNamePlaceholder;
    QString phonePlaceholder;
    QString accountPlaceholder;
    QString opportunityType; // "new_customer" | "existing_customer": when no mapped field says
    qint64 defaultOwnerUserId = 0; // CRM users.id; 0 = the token's own user
    DeletionPolicy deletionPolicy = DeletionPolicy::Report;
    mapping::FieldMap fieldMap; // target id -> field key; absent = the target's default
    QList<StageEntry> stageMap; // stages not listed follow the keyword rules of SPEC §4
    QMap<QString, Filter> filters; // entity name (filterEntities()) -> filter
    // The definitions the map was made with, per source name ("organizations", "persons",
    // "deals"): names and option labels for exports, and for syncs until Pipedrive's own lists
    // are read.
    QMap<QString, QList<mapping::CustomFieldDef>> fields;

    SyncConfig(); // the defaults: mapping::MappingOptions' placeholders, no maps, no filters

    // The entities a Pipedrive filter can narrow, and Pipedrive's filter type for each
    // (GET /api/v1/filters?type=...): organizations -> org, persons -> people, deals -> deals,
    // activities -> activity.
    static QStringList filterEntities();
    static QString pipedriveFilterType(const QString &entity);

    // The CRM stage the map gives a stage, "" when the keyword rules decide.
    QString crmStageFor(qint64 stageId) const;
    // The definitions of a source's fields by key.
    QHash<QString, mapping::CustomFieldDef> fieldsOf(mapping::FieldSource source) const;

    static SyncConfig load(const Settings &settings);
    void save(Settings &settings) const;

    // The exchange format: {"format": "pipedrive-sync-configuration", "version": 1, ...}.
    QJsonObject toJson() const;
    // nullopt and the errors, each naming where it is ("stage_map[2].crm_stage: ..."), when the
    // JSON is not a configuration this version can use.
    static std::optional<SyncConfig> fromJson(const QJsonObject &json, QStringList *errors);
    bool writeFile(const QString &path, QString *error) const;
    static std::optional<SyncConfig> readFile(const QString &path, QStringList *errors);

    // The rules fromJson() checks beyond the JSON's shape; empty when the configuration is fine.
    QStringList validate() const;

    // Copies the configuration into a run's options.
    void applyTo(SyncOptions &options) const;

    // A digest of what decides the CRM rows of one entity. Records an incremental sync would not
    // read again (unchanged in Pipedrive) must be re-read after the map that wrote them changed.
    QString fingerprint(Entity entity) const;

    // Before a run: makes it a full one when the configuration of one of its entities changed
    // since that entity's last completed sync into the same database, and remembers what the run
    // applies (not for dry runs). True when it made the run full.
    bool prepareRun(Settings &settings, SyncOptions &options) const;
    // After each entity of a run: a completed entity has applied the configuration.
    static void noteEntityFinished(Settings &settings, const EntityResult &result);

    friend bool operator==(const SyncConfig &, const SyncConfig &) = default;
};

namespace settingsKeys {
inline const char DefaultOwner[] = "sync/defaultOwnerUserId";
inline const char DeletionPolicy[] = "sync/deletionPolicy"; // "report" | "delete"
inline const char FirstNamePlaceholder[] = "mapping/firstNamePlaceholder";
inline const char LastNamePlaceholder[] = "mapping/lastNamePlaceholder";
inline const char PhonePlaceholder[] = "mapping/phonePlaceholder";
inline const char AccountPlaceholder[] = "mapping/accountPlaceholder";
inline const char OpportunityType[] = "mapping/opportunityType";
inline const char FieldMap[] = "mapping/fieldMap"; // JSON
inline const char StageMap[] = "mapping/stageMap"; // JSON
inline const char Fields[] = "mapping/fields"; // JSON
inline const char Filters[] = "sync/filters"; // JSON
inline const char AppliedConfig[] = "sync/appliedConfig"; // JSON: entity -> database -> digest
inline const char PendingConfig[] = "sync/pendingConfig"; // JSON: entity -> {database, digest}
} // namespace settingsKeys

} // namespace pds
