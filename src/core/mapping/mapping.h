#pragma once

// The mapping layer: Pipedrive JSON in, CRM rows and problems out (SPEC §3, §4).
//
// Every function here is pure: no I/O, no database, no clock, no randomness. The sync engine
// resolves a record's links through the database first (owner -> CRM user and e-mail,
// org_id -> account name, stage_id -> stage name, ...) and passes the results in a small
// *Links struct, so memory never grows with the size of the account. `readId()` and
// `recordRefs()` read the ids to resolve the same way the mappers read everything else.
//
// Shapes: users and notes in v1 shape (GET /api/v1/users, /api/v1/notes); organizations,
// persons, deals and activities in v2 shape, with v1 variants (nested id objects, "email"/
// "phone" arrays, string addresses, 0/1 booleans) tolerated.
//
// Each mapper returns Mapped<Row>: `row` is set when the record can be written; `problems`
// explains what was skipped, dropped or doubtful. A record deleted in Pipedrive gives no row
// and a Problem::Deleted, so the engine applies the deletion policy. Problem::reason is a short
// stable phrase (the Problems view groups by it); Problem::detail names the values involved.
// Merged is never produced here: merging needs the database; the engine reports it with
// Problem::merged(), matching rows by their natural key (users/contacts/leads: the
// normalised `email`; accounts: the trimmed `name`).
//
// Rows use CRM column names in lowerCamel; std::optional marks nullable columns (nullopt ->
// NULL). Times are UTC QDateTime; formatCrmTime() gives Rails' SQLite text. `toColumns()` turns
// a row into column name -> QVariant (typed nulls) for binding.

#include "mapping/json.h"
#include "mapping/texttools.h"

#include <QDate>
#include <QDateTime>
#include <QHash>
#include <QList>
#include <QString>
#include <QVariantMap>

#include <optional>
#include <variant>

namespace pds::mapping {

struct Problem
{
    enum Kind {
        Skipped, // no row: the record cannot be stored
        Merged, // the row was folded into another one (engine only)
        Warning, // a row was produced, but something was dropped or guessed
        Deleted, // deleted in Pipedrive: no row, apply the deletion policy
    };
    Kind kind = Warning;
    QString reason; // stable, code-like: "no valid email"
    QString detail; // the values involved, for people

    static Problem skipped(const QString &reason, const QString &detail = {});
    static Problem merged(const QString &reason, const QString &detail = {});
    static Problem warning(const QString &reason, const QString &detail = {});
    static Problem deleted(const QString &detail = {});

    friend bool operator==(const Problem &, const Problem &) = default;
};

// Text for logs and the Problems view: "skipped", "merged", "warning", "deleted".
QString kindName(Problem::Kind kind);

template<class Row> struct Mapped
{
    std::optional<qint64> pipedriveId; // the record's id, when it had a usable one
    std::optional<Row> row;
    QList<Problem> problems;

    bool isDeleted() const
    {
        for (const Problem &p : problems) {
            if (p.kind == Problem::Deleted)
                return true;
        }
        return false;
    }
};

// ---- Rows (CRM columns) ------------------------------------------------------------------

using OptText = std::optional<QString>;

struct UserRow
{
    QString email; // normalised; the user's identity in the CRM
    OptText firstName;
    OptText lastName;
    OptText phone;
    bool approved = false; // Pipedrive active_flag. There is deliberately no admin field.
    QDateTime createdAt;
    QDateTime updatedAt;
};

struct AccountRow
{
    QString name; // trimmed; unique in the CRM
    OptText email;
    OptText assignedTo; // owner's e-mail
    OptText website;
    QString phone; // required by the CRM: mapped field, else the placeholder
    OptText address;
    OptText city;
    OptText state;
    OptText zip;
    QDateTime createdAt;
    QDateTime updatedAt;
};

struct ContactRow
{
    QString firstName;
    QString lastName;
    OptText company;
    QString email; // normalised, valid
    OptText phone;
    OptText address;
    OptText city;
    OptText state;
    OptText zip;
    QDateTime createdAt;
    QDateTime updatedAt;
};

struct LeadRow
{
    QString firstName;
    QString lastName;
    OptText company;
    QString email; // normalised, valid
    OptText phone;
    OptText address;
    OptText city;
    OptText state;
    OptText zip;
    OptText interestedIn;
    OptText comments;
    QString leadStatus; // "new", "contacted", "qualified"
    QString leadSource; // "pipedrive"
    QString leadOwner; // owner's e-mail
    OptText accountName;
    OptText opportunityName;
    OptText opportunityOwner;
    qint64 assignedToId = 0; // CRM users.id
    QDateTime createdAt;
    QDateTime updatedAt;
};

using PersonRow = std::variant<ContactRow, LeadRow>;

struct OpportunityRow
{
    QString opportunityName;
    QString accountName;
    QString type; // "new_customer" (MappingOptions::opportunityType)
    std::optional<double> amount;
    QString stage; // one of the CRM's stages
    QString owner; // owner's e-mail
    std::optional<int> probability;
    OptText contactName; // the person's e-mail: the CRM joins contacts to deals on it
    OptText comments;
    std::optional<QDate> closingDate;
    QDateTime createdAt;
    QDateTime updatedAt;
};

struct TaskRow
{
    QString title;
    OptText description;
    std::optional<QDateTime> dueDate; // UTC
    bool completed = false;
    QString priority; // high, medium, low
    qint64 assigneeId = 0; // CRM users.id
    QDateTime createdAt;
    QDateTime updatedAt;
};

// The Pipedrive records a note is attached to; the engine turns the ones the CRM holds into
// note_associations (deal -> Opportunity, person -> Contact and/or Lead, org -> Account).
struct NoteTargets
{
    std::optional<qint64> dealId;
    std::optional<qint64> personId;
    std::optional<qint64> orgId;
    OptText leadId; // Pipedrive lead (uuid); the CRM has no target for it
    // True when the note is attached to no deal, person or organization.
    bool isEmpty() const { return !dealId && !personId && !orgId; }
};

struct NoteRow
{
    QString content; // plain text, never markup
    std::optional<qint64> userId; // CRM users.id of the author
    NoteTargets targets; // not a column: what to associate the note with
    QDateTime createdAt;
    QDateTime updatedAt;
};

// A row's columns, flat: their names in order (sorted, as a QVariantMap's keys would be; one
// list for every row of a kind, never freed) and the values in the same order. A map built
// node by node for every row, and freed, was 7% of the stage worker's instructions; a new row
// is written from the two lists as they are.
struct Columns
{
    const QStringList *names = nullptr; // null: no columns
    QVariantList values;

    bool isEmpty() const { return values.isEmpty(); }
    qsizetype size() const { return values.size(); }
    const QStringList &nameList() const; // *names, or an empty list
    // A column's value; an invalid QVariant if the row has no such column.
    QVariant value(QStringView name) const;
    QVariantMap toMap() const;
};

// Column name -> value, nullable columns as typed null QVariants, times as UTC QDateTime,
// closing_date as QDate. NoteRow's targets are not columns and are left out.
Columns rowColumns(const UserRow &row);
Columns rowColumns(const AccountRow &row);
Columns rowColumns(const ContactRow &row);
Columns rowColumns(const LeadRow &row);
Columns rowColumns(const OpportunityRow &row);
Columns rowColumns(const TaskRow &row);
Columns rowColumns(const NoteRow &row);
// The same as a map.
template<class Row> QVariantMap toColumns(const Row &row)
{
    return rowColumns(row).toMap();
}

// ---- Options ------------------------------------------------------------------------------

// A field's definition (from GET /api/v2/*Fields, or v1 *Fields).
struct CustomFieldDef
{
    QString key; // field_code / key: the 40-hex hash of a custom field, else "website", ...
    QString name;
    QString type; // field_type: enum, set, monetary, varchar, user, org, people, address, ...
    QHash<QString, QString> options; // option id as text -> label
    int order = 0; // position in the fields list: comment lines follow it
    bool inComments = true; // false keeps a custom field out of the comments
    bool custom = true; // false for Pipedrive's built-in fields (offered by the field map only)

    friend bool operator==(const CustomFieldDef &, const CustomFieldDef &) = default;
};

// The custom fields of a *Fields response (v2 items with is_custom_field, or v1 items with
// edit_flag / a 40-hex key), keyed by field key, in list order.
QHash<QString, CustomFieldDef> customFieldDefs(const json::Array &fieldItems);
// Every field of a *Fields response, built-in and custom (`custom` says which), in list order:
// what the field map offers.
QList<CustomFieldDef> fieldDefs(const json::Array &fieldItems);
// The option labels of the activity "priority" field (GET /api/v2/activityFields or v1).
QHash<qint64, QString> priorityLabels(const json::Array &activityFieldItems);

// ---- Field map ----------------------------------------------------------------------------

// The Pipedrive records a CRM table is filled from, and whose *Fields list describes them.
enum class FieldSource { Organization, Person, Deal };
QString fieldSourceName(FieldSource source); // "organizations", "persons", "deals"

// A CRM column without a natural source in Pipedrive, which the user fills from a field of
// their choice (SPEC §4): accounts' phone, email, website and address parts, contacts' and
// leads' address parts, leads' interested_in, opportunities' type.
struct FieldTarget
{
    // Which part of an address-type value a column takes; a plain value is taken whole.
    enum class Part { Whole, Street, City, State, Zip };

    QString id; // "accounts.phone"; "persons.city" fills contacts.city and leads.city
    FieldSource source = FieldSource::Organization;
    QString defaultKey; // the built-in field used while the user maps none; empty: none
    Part part = Part::Whole;
};
// Every target, in the order the settings show them.
const QList<FieldTarget> &fieldTargets();
const FieldTarget *findFieldTarget(QStringView id);

// Target id -> the key of the Pipedrive field (built-in or custom) that fills it. A target not
// in the map takes its default field; one mapped to "" takes nothing.
using FieldMap = QHash<QString, QString>;
QString fieldKeyFor(const FieldMap &map, const FieldTarget &target);

struct MappingOptions
{
    QString firstNamePlaceholder = QStringLiteral("Unknown");
    QString lastNamePlaceholder = QStringLiteral("Unknown");
    QString phonePlaceholder = QStringLiteral("N/A");
    QString accountPlaceholder = QStringLiteral("(no organization)");
    QString opportunityType = QStringLiteral("new_customer"); // unless the field map says
    FieldMap fieldMap;
    QHash<qint64, QString> stageMap; // Pipedrive stage id -> CRM stage, before the keywords
    // Field definitions by key. Custom fields the field map does not use go into comments as
    // "Name: value" lines: deals' into opportunities.comments, persons' into leads.comments.
    // Mapped fields take their option labels from here.
    QHash<QString, CustomFieldDef> dealFields;
    QHash<QString, CustomFieldDef> personFields;
    QHash<QString, CustomFieldDef> organizationFields;
    // Entity name ("organizations", "persons", "deals", "activities") -> the id of a saved
    // Pipedrive filter: only the records it matches are synced.
    QHash<QString, qint64> filterIds;
    QHash<qint64, QString> activityPriorities; // priority option id -> label
    // created_at/updated_at for a record with neither add_time nor update_time (NOT NULL in
    // the CRM). The engine passes the run's start; left invalid, such rows get invalid times.
    QDateTime fallbackTime;

    const QHash<QString, CustomFieldDef> &fieldsOf(FieldSource source) const;
};

// The ids of user, person, organization and deal fields (fields of type user, people, org,
// deal) set in a record whose text the mapping shows (custom fields in comments, fields the field
// map gives a target): the engine resolves them to names, since Pipedrive's v2 sends bare ids and
// the CRM should show names. By key.
struct FieldLink
{
    QString key; // the field's key
    QString type; // "user", "people", "org", "deal"
    qint64 id = 0;
};
QList<FieldLink> fieldLinks(
    const json::Object &record, FieldSource source, const MappingOptions &options);
// Field key -> the name of the record its value links to.
using FieldLinkNames = QHash<QString, QString>;

// The text a target takes from a record with the field `key` (built-in or custom), as the
// mappers compute it: option ids as labels, address parts, linked records by name. For the
// settings' preview. Empty when the record has no value.
QString fieldTargetText(const json::Object &record, const FieldTarget &target, const QString &key,
    const QHash<QString, CustomFieldDef> &defs, const FieldLinkNames &linkNames = {});

// ---- Links the engine resolves ---------------------------------------------------------------

// The ids a record links to, read defensively (v2 plain ids or v1 objects). Absent when the
// record has no such link.
struct RecordRefs
{
    std::optional<qint64> id;
    std::optional<qint64> ownerId; // owner_id
    std::optional<qint64> userId; // user_id: a note's author (v1 activities: the owner)
    std::optional<qint64> orgId;
    std::optional<qint64> personId;
    std::optional<qint64> dealId;
    std::optional<qint64> stageId;
    std::optional<qint64> pipelineId;
    OptText leadId;
    OptText activityType; // activity "type" = ActivityType key_string
};
RecordRefs recordRefs(const json::Object &record);
// The links of each item of a page (an item that is no object: none).
QList<RecordRefs> recordRefs(const json::Array &items);

struct OrganizationLinks
{
    QString ownerEmail;
    FieldLinkNames fieldLinkNames = {}; // names of the records user/org/person fields link to
};

struct PersonLinks
{
    bool hasDeals = false; // any deal: open, won, lost or archived -> contact, else lead
    bool hasActivities = false; // leads: "contacted" when true
    QString organizationName;
    QString ownerEmail; // leads: lead_owner (required for leads)
    std::optional<qint64> ownerUserId; // leads: assigned_to_id (required; engine's fallback)
    FieldLinkNames fieldLinkNames = {}; // names of the records user/org/person fields link to
};

struct DealLinks
{
    QString organizationName;
    QString personEmail;
    QString personOrganizationName;
    QString ownerEmail; // required (engine passes the fallback owner's)
    QString stageName;
    QString pipelineName;
    std::optional<double> stageProbability;
    FieldLinkNames fieldLinkNames = {}; // names of the records user/org/person fields link to
};

struct ActivityLinks
{
    std::optional<qint64> assigneeUserId; // required (engine passes the fallback owner's)
    QString activityTypeName;
    QString dealTitle;
    QString personName;
    QString organizationName;
};

struct NoteLinks
{
    std::optional<qint64> authorUserId;
};

// ---- Mappers --------------------------------------------------------------------------------

// v1 user -> users. Invalid or missing e-mail: skipped "no valid email".
Mapped<UserRow> mapUser(const json::Object &user, const MappingOptions &options = {});
// The CRM identity of a v1 user: its normalised e-mail, empty when not valid. Two Pipedrive
// users with equal identities are case-twins: one CRM user, the second reported as merged.
QString userIdentity(const json::Object &user);

// v2 organization -> accounts. Missing name: skipped "missing name". phone, email, website,
// address, city, state and zip from the fields the field map names ("accounts.*").
Mapped<AccountRow> mapOrganization(const json::Object &organization, const OrganizationLinks &links,
    const MappingOptions &options);

// v2 person -> contacts (links.hasDeals) or leads. No valid e-mail: skipped "no valid email".
// Address parts from the field map ("persons.*"), leads' interested_in too; a lead's comments
// hold the person's unmapped custom fields.
Mapped<PersonRow> mapPerson(
    const json::Object &person, const PersonLinks &links, const MappingOptions &options);
// A lead whose person now has a deal: the person maps to a contact (mapPerson with hasDeals),
// and the old lead row stays, marked qualified.
LeadRow qualifiedLead(LeadRow lead);
// The contact a lead row becomes, for an engine that has only the lead row at hand.
ContactRow contactFromLead(const LeadRow &lead);

// v2 deal -> opportunities. status "deleted": no row, Problem::Deleted. type from the field the
// field map names ("opportunities.type", see crmOpportunityType()), else the option's default.
Mapped<OpportunityRow> mapDeal(
    const json::Object &deal, const DealLinks &links, const MappingOptions &options);

// v2 activity -> tasks. due_date + due_time are UTC; a due date without a time is due at
// 00:00 UTC of that day. No assignee: skipped "no assignee".
Mapped<TaskRow> mapActivity(
    const json::Object &activity, const ActivityLinks &links, const MappingOptions &options);

// v1 note -> notes (+ targets). No text once the markup is gone: skipped "empty note".
Mapped<NoteRow> mapNote(
    const json::Object &note, const NoteLinks &links, const MappingOptions &options);

// The text of a custom field value for comments: enum ids as labels, sets as labels joined
// with ", ", monetary as "value CURRENCY", ranges as "from - until", addresses as their full
// text; user, person, organization and deal fields as `linkedName` (the engine resolves it),
// else as "user 12"; empty when unset.
QString customFieldText(
    const json::Value &value, const CustomFieldDef &def, const QString &linkedName = {});

} // namespace pds::mapping
