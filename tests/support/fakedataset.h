#pragma once

#include <QDateTime>
#include <QHash>
#include <QJsonArray>
#include <QJsonObject>
#include <QList>
#include <QString>

#include <optional>

namespace pds::test {

// The record kinds the fake serves. Users and notes are kept in their v1 shape (they have no v2
// list), everything else in its v2 shape.
enum class Entity {
    Users,
    Organizations,
    Persons,
    Deals,
    Activities,
    Notes,
    Pipelines,
    Stages,
    ActivityTypes
};

// Field-metadata lists: v2 items for deals/persons/organizations/activities, v1 items for notes.
enum class FieldSet { Deal, Person, Organization, Activity, Note };

QString entityName(Entity entity); // "users", "organizations", ..., "activityTypes"
std::optional<Entity> entityFromName(QStringView name);

struct DatasetSizes
{
    int users = 6;
    int organizations = 40;
    int persons = 300;
    int deals = 150;
    int activities = 400;
    int notes = 100;

    // Splits a total by the ratio 1:40:300:150:400:100 (users at least 6).
    static DatasetSizes fromTotal(int records);
    int total() const { return users + organizations + persons + deals + activities + notes; }
};

// Times as Pipedrive writes them: v2 RFC 3339 ("2024-11-05T10:56:51Z"), v1 "YYYY-MM-DD HH:MM:SS".
QString v2Time(qint64 secsSinceEpoch);
QString v1Time(qint64 secsSinceEpoch);
// Parses either form (and RFC 3339 with fractions or offsets); nullopt when unparsable.
std::optional<qint64> parseTime(const QString &text);

// The records of one fake Pipedrive company, generated deterministically from a seed.
// Every table is kept sorted by id; ids have gaps after the first 30 (as real ids do).
class FakeDataset
{
public:
    struct Record
    {
        qint64 id = 0;
        qint64 addSecs = 0;
        qint64 updateSecs = 0;
        QJsonObject json;
        quint64 revision = 0; // version() right after the record's last change; 0 = generated
    };

    FakeDataset();

    // Same seed and sizes give the same records, byte for byte.
    static FakeDataset generate(quint32 seed, const DatasetSizes &sizes);

    quint32 seed() const { return m_seed; }
    int count(Entity entity) const { return int(table(entity).size()); }
    const QList<Record> &table(Entity entity) const;
    QList<qint64> ids(Entity entity) const;
    QList<QJsonObject> records(Entity entity) const;
    const Record *find(Entity entity, qint64 id) const; // binary search; nullptr if absent
    QJsonObject record(Entity entity, qint64 id) const; // empty if absent

    const QList<QJsonObject> &fields(FieldSet set) const;
    // The 40-hex key of a custom field by its name ("Deal source", ...); empty if unknown.
    QString customFieldKey(FieldSet set, const QString &name) const;

    // The company of the token's user (users/me adds these).
    QJsonObject company() const;

    // Mutations (the test data API). `now` is the caller's clock; update_time always moves
    // strictly forward for the touched record (at least one second past its previous value).
    qint64 addRecord(Entity entity, QJsonObject record, const QDateTime &now);
    bool updateRecord(Entity entity, qint64 id, const QJsonObject &patch, const QDateTime &now);
    bool deleteRecord(Entity entity, qint64 id, const QDateTime &now); // deals: status "deleted"

    // Saved filters (GET /api/v1/filters): a filter of type "deals", "org", "people" or
    // "activity" matches the records of its entity whose fields equal every condition (a list
    // field matches when it holds the value; a custom field's key looks in custom_fields).
    struct Filter
    {
        qint64 id = 0;
        QString name;
        QString type;
        QJsonObject conditions;
        qint64 userId = 0;
        qint64 addSecs = 0;
    };
    const QList<Filter> &filters() const { return m_filters; }
    const Filter *findFilter(qint64 id) const;
    qint64 addFilter(const QString &type, const QString &name, const QJsonObject &conditions,
        const QDateTime &now);
    // The filter type of an entity's list ("deals" for Deals, ...); empty when none.
    static QString filterType(Entity entity);
    static bool filterMatches(const Filter &filter, const QJsonObject &record);

    // Bumps on every mutation, so caches built on a table can tell they are stale.
    quint64 version() const { return m_version; }
    // version() right after the last record added, changed or removed in the table; 0 = none.
    quint64 tableVersion(Entity entity) const { return m_tableVersions[int(entity)]; }

    // Fields that the fake (like the real API) sends as null although the OpenAPI files do not
    // mark them nullable, keyed by route ("/api/v2/persons" -> {"org_id", ...}).
    static QHash<QString, QStringList> nullsBeyondSpec();

private:
    QList<Record> &tableRef(Entity entity);
    quint64 touch(Entity entity);
    static void stamp(Entity entity, Record &record);
    QJsonObject templateFor(Entity entity, const QJsonObject &given, qint64 secs) const;

    quint32 m_seed = 0;
    quint64 m_version = 0;
    quint64 m_tableVersions[9] = {};
    QList<Record> m_tables[9];
    QList<QJsonObject> m_fields[5];
    QHash<QString, QString> m_customKeys; // "<set>/<name>" -> key
    QJsonObject m_company;
    QList<Filter> m_filters;

    friend class DatasetGenerator;
};

} // namespace pds::test
