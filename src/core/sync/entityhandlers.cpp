// The rules of each entity (SPEC §4) on top of the pure mapping functions: resolve a record's
// links through the CRM, map it, write it with its mapping row, report what was not imported.

#include "mapping/mapping.h"
#include "mapping/passwordhash.h"
#include "sync/passwordhasher.h"
#include "sync/reconcile.h"
#include "sync/synccontext.h"

#include <QSqlQuery>
#include <QSqlRecord>

namespace pds {

namespace {

using mapping::Mapped;

QString typeName(const char *type)
{
    return QLatin1String(type);
}

// A record must have an id the CRM's 32-bit mapping columns can hold.
bool checkId(SyncContext &context, std::optional<qint64> id, DbError *error)
{
    if (id && CrmStore::fitsMapping(*id))
        return true;
    *error = context.report(id, Problem::Kind::Skipped,
        id ? QStringLiteral("id too large for the CRM's mapping table")
           : QStringLiteral("missing id"));
    return false;
}

// Values of the CRM row mapped to (type, pipedrive id), remembered for the page.
QVariantList mappedValues(SyncContext &context, const char *type, const QString &table,
    const QString &columns, qint64 pipedriveId, DbError *error)
{
    return context.store.linkedValues(typeName(type), table, columns, pipedriveId, error);
}

// The ids a page's records link to through `field` (v1 or v2 shape).
QList<qint64> linkedIds(
    const QList<mapping::RecordRefs> &refs, std::optional<qint64> mapping::RecordRefs::*field)
{
    QList<qint64> ids;
    for (const mapping::RecordRefs &ref : refs) {
        if (const std::optional<qint64> id = ref.*field; id && CrmStore::fitsMapping(*id))
            ids << *id;
    }
    return ids;
}

// Reads what a page's records will ask for in a few queries instead of a few per record.
DbError prefetch(SyncContext &context, const QJsonArray &items, const char *ownType,
    QList<std::tuple<std::optional<qint64> mapping::RecordRefs::*, const char *, QString, QString>>
        linked,
    QList<std::pair<std::optional<qint64> mapping::RecordRefs::*, const char *>> mappings = {})
{
    DbError error;
    QList<mapping::RecordRefs> &refs = context.pageRefs;
    refs.clear();
    refs.reserve(items.size());
    for (const QJsonValue &value : items)
        refs << mapping::recordRefs(value.toObject());
    context.store.prefetchMappings(
        typeName(ownType), linkedIds(refs, &mapping::RecordRefs::id), &error);
    for (const auto &[field, type] : mappings) {
        if (error.isOk())
            context.store.prefetchMappings(typeName(type), linkedIds(refs, field), &error);
    }
    for (const auto &[field, type, table, columns] : linked) {
        if (error.isOk())
            context.store.prefetchLinked(
                typeName(type), table, columns, linkedIds(refs, field), &error);
    }
    return error;
}

QString accountName(SyncContext &context, std::optional<qint64> orgId, DbError *error)
{
    if (!orgId)
        return {};
    const QVariantList values = mappedValues(context, mappingType::Organization,
        QStringLiteral("accounts"), QStringLiteral("t.name"), *orgId, error);
    return values.value(0).toString();
}

// The saved Pipedrive filter the user chose for an entity (SPEC §2): only its records are read.
// v2 lists ignore owner_id and ids next to filter_id; updated_since still narrows.
void addFilter(const SyncContext &context, const char *entity, QUrlQuery &query)
{
    const qint64 filterId = context.options.mapping.filterIds.value(QLatin1String(entity), 0);
    if (filterId > 0)
        query.addQueryItem(QStringLiteral("filter_id"), QString::number(filterId));
}

// Names for the user, person, organization and deal fields of a record (v2 sends bare ids): the
// CRM rows they were synced to. Unknown links stay out; the mapping then says "user 12".
mapping::FieldLinkNames fieldLinkNames(SyncContext &context, const QJsonObject &record,
    const QHash<QString, mapping::CustomFieldDef> &defs, DbError *error)
{
    mapping::FieldLinkNames names;
    for (const mapping::FieldLink &link : mapping::fieldLinks(record, defs)) {
        QString name;
        if (link.type == QLatin1String("user")) {
            const auto user = context.lookups.users.constFind(link.id);
            if (user == context.lookups.users.constEnd())
                continue;
            const std::optional<QVariantMap> row
                = context.store.readRow(QStringLiteral("users"), user->crmId,
                    { QStringLiteral("first_name"), QStringLiteral("last_name"),
                        QStringLiteral("email") },
                    error);
            if (row) {
                name = (row->value(QStringLiteral("first_name")).toString() + QLatin1Char(' ')
                    + row->value(QStringLiteral("last_name")).toString())
                           .trimmed();
                if (name.isEmpty())
                    name = row->value(QStringLiteral("email")).toString();
            }
        } else if (link.type == QLatin1String("people")) {
            QVariantList parts
                = mappedValues(context, mappingType::Contact, QStringLiteral("contacts"),
                    QStringLiteral("t.first_name, t.last_name"), link.id, error);
            if (parts.isEmpty() && !error->isError())
                parts = mappedValues(context, mappingType::Lead, QStringLiteral("leads"),
                    QStringLiteral("t.first_name, t.last_name"), link.id, error);
            name = (parts.value(0).toString() + QLatin1Char(' ') + parts.value(1).toString())
                       .trimmed();
        } else if (link.type == QLatin1String("org")) {
            name = accountName(context, link.id, error);
        } else if (link.type == QLatin1String("deal")) {
            name = mappedValues(context, mappingType::Opportunity, QStringLiteral("opportunities"),
                QStringLiteral("t.opportunity_name"), link.id, error)
                       .value(0)
                       .toString();
        }
        if (error->isError())
            return names;
        if (!name.isEmpty())
            names.insert(link.key, name);
    }
    return names;
}

CrmStore::RowPlan plan(const QString &table, const char *type, const QVariantMap &columns,
    const QString &naturalKey = {})
{
    CrmStore::RowPlan p;
    p.table = table;
    p.mappingType = typeName(type);
    p.columns = columns;
    p.naturalKey = naturalKey;
    return p;
}

// Writes a plan and counts it; skips (and reports) what the database refuses for this record.
DbError writePlan(SyncContext &context, qint64 pipedriveId, const CrmStore::RowPlan &rowPlan,
    CrmStore::WriteResult *result = nullptr)
{
    DbError error;
    const std::optional<CrmStore::WriteResult> written
        = context.store.writeRecord(pipedriveId, rowPlan, &error);
    if (!written)
        return error;
    if (result)
        *result = *written;
    return context.count(pipedriveId, *written);
}

// ---- users ----------------------------------------------------------------------------------

class UsersHandler : public EntityHandler
{
public:
    DbError beginPage(SyncContext &context, const QJsonArray &items) override
    {
        context.store.beginPage();
        return prefetch(context, items, mappingType::User, {});
    }
    QList<Source> sources(const SyncContext &) const override
    {
        // No change filter exists for users: the whole list, one request (API-NOTES §10).
        return { { endpoints::users(), {}, false } };
    }

    DbError writeRecord(SyncContext &context, const QJsonObject &record) override
    {
        context.store.beginRecord();
        const Mapped<mapping::UserRow> mapped = mapping::mapUser(record, context.options.mapping);
        DbError error;
        if (!checkId(context, mapped.pipedriveId, &error))
            return error;
        if (!mapped.row)
            return context.reportMapping(mapped.pipedriveId, mapped.problems);
        CrmStore::RowPlan p = plan(QStringLiteral("users"), mappingType::User,
            mapping::toColumns(*mapped.row), QStringLiteral("email"));
        // The password is random and never shown, logged or stored in clear; its bcrypt hash is
        // slow on purpose, so new users start with Devise's empty one (no login possible) and the
        // hasher fills it in on another thread (only for users the CRM did not have).
        // A dry run writes nothing in the end, so it hashes nothing either.
        if (!context.hasher && !context.options.dryRun) {
            const int cost = context.options.bcryptCost;
            p.insertOnly = [cost] {
                return QVariantMap { { QStringLiteral("encrypted_password"),
                    QString::fromLatin1(mapping::bcryptHash(mapping::randomPassword(), cost)) } };
            };
        } else {
            p.insertOnly = [] {
                return QVariantMap { { QStringLiteral("encrypted_password"),
                    QString(QLatin1String("")) } };
            };
        }
        // Which CRM users exist is the CRM's business: the sync never touches a password or the
        // admin flag of a user it did not create, and never grants admin.
        p.keepOnUpdate << QStringLiteral("created_at");
        CrmStore::WriteResult result;
        error = writePlan(context, *mapped.pipedriveId, p, &result);
        if (error.isOk() && context.hasher && result.kind == CrmStore::WriteKind::Created)
            context.hasher->hash(result.railsId);
        return error;
    }
};

// ---- organizations ---------------------------------------------------------------------------

class OrganizationsHandler : public EntityHandler
{
public:
    DbError beginPage(SyncContext &context, const QJsonArray &items) override
    {
        context.store.beginPage();
        return prefetch(context, items, mappingType::Organization, {});
    }
    QList<Source> sources(const SyncContext &context) const override
    {
        QUrlQuery query;
        addFilter(context, "organizations", query);
        return { { endpoints::organizations(), query, true } };
    }

    DbError writeRecord(SyncContext &context, const QJsonObject &record) override
    {
        context.store.beginRecord();
        const mapping::RecordRefs refs = context.refsOf(record);
        mapping::OrganizationLinks links;
        if (auto owner
            = context.lookups.ownerOrFallback(refs.ownerId, context.options.defaultOwnerUserId))
            links.ownerEmail = owner->email;
        DbError error;
        links.fieldLinkNames
            = fieldLinkNames(context, record, context.options.mapping.organizationFields, &error);
        if (error.isError())
            return error;
        const Mapped<mapping::AccountRow> mapped
            = mapping::mapOrganization(record, links, context.options.mapping);
        if (!checkId(context, mapped.pipedriveId, &error))
            return error;
        if (mapped.isDeleted())
            return handleDeletedRecord(context, *mapped.pipedriveId);
        if (!mapped.row)
            return context.reportMapping(mapped.pipedriveId, mapped.problems);
        return writePlan(context, *mapped.pipedriveId,
            plan(QStringLiteral("accounts"), mappingType::Organization,
                mapping::toColumns(*mapped.row), QStringLiteral("name")));
    }
};

// ---- persons --------------------------------------------------------------------------------

// Copies the note associations of a lead to the contact its person became (SPEC §4).
DbError linkLeadNotesToContact(SyncContext &context, qint64 leadId, qint64 contactId)
{
    DbError error;
    QSqlQuery *q = context.store.query(
        QStringLiteral(
            "SELECT l.note_id FROM note_associations l WHERE l.notable_type = 'Lead' AND "
            "l.notable_id = ? AND NOT EXISTS (SELECT 1 FROM note_associations c WHERE "
            "c.note_id = l.note_id AND c.notable_type = 'Contact' AND c.notable_id = ?)"),
        { leadId, contactId }, &error);
    if (!q)
        return error;
    QList<qint64> notes;
    while (q->next())
        notes << q->value(0).toLongLong();
    q->finish();
    for (qint64 noteId : std::as_const(notes)) {
        if (!context.store.insertRow(QStringLiteral("note_associations"),
                { { QStringLiteral("note_id"), noteId },
                    { QStringLiteral("notable_type"), QStringLiteral("Contact") },
                    { QStringLiteral("notable_id"), contactId },
                    { QStringLiteral("created_at"), context.store.now() },
                    { QStringLiteral("updated_at"), context.store.now() } },
                &error))
            return error;
    }
    return error;
}

// A person that has a deal now but was imported as a lead: the lead row stays, marked qualified,
// and its notes follow the person to the contact.
DbError qualifyLead(SyncContext &context, qint64 personId, qint64 contactId)
{
    DbError error;
    const std::optional<qint64> leadId
        = context.store.railsIdFor(typeName(mappingType::Lead), personId, &error);
    if (error.isError() || !leadId)
        return error;
    const QStringList columns { QStringLiteral("lead_status"), QStringLiteral("updated_at") };
    const std::optional<QVariantMap> stored
        = context.store.readRow(QStringLiteral("leads"), *leadId, columns, &error);
    if (!stored)
        return error;
    if (!stored->isEmpty()
        && stored->value(QStringLiteral("lead_status")).toString() != u"qualified") {
        if (!context.store.updateRow(QStringLiteral("leads"), *leadId,
                { { QStringLiteral("lead_status"), QStringLiteral("qualified") },
                    { QStringLiteral("updated_at"), context.store.now() } },
                &error, *stored))
            return error;
    }
    return linkLeadNotesToContact(context, *leadId, contactId);
}

class PersonsHandler : public EntityHandler
{
public:
    DbError begin(SyncContext &context) override
    {
        // Persons are matched to leads by email, a column the CRM does not index.
        return context.store.indexKey(QStringLiteral("leads"), QStringLiteral("email"));
    }

    DbError beginPage(SyncContext &context, const QJsonArray &items) override
    {
        context.store.beginPage();
        return prefetch(context, items, mappingType::Contact,
            { { &mapping::RecordRefs::orgId, mappingType::Organization, QStringLiteral("accounts"),
                QStringLiteral("t.name") } },
            { { &mapping::RecordRefs::id, mappingType::Lead } });
    }
    QList<Source> sources(const SyncContext &context) const override
    {
        // The deal counts decide contact or lead without reading every deal first.
        QUrlQuery query;
        addFilter(context, "persons", query);
        query.addQueryItem(QStringLiteral("include_fields"),
            QStringLiteral("open_deals_count,closed_deals_count,won_deals_count,"
                           "lost_deals_count,activities_count"));
        return { { endpoints::persons(), query, true } };
    }

    DbError writeRecord(SyncContext &context, const QJsonObject &record) override
    {
        context.store.beginRecord();
        const mapping::RecordRefs refs = context.refsOf(record);
        DbError error;
        if (!checkId(context, refs.id, &error))
            return error;
        const qint64 personId = *refs.id;
        mapping::PersonLinks links;
        auto count = [&record](const char *key) {
            return qint64(record.value(QLatin1String(key)).toDouble());
        };
        const std::optional<qint64> contactId
            = context.store.railsIdFor(typeName(mappingType::Contact), personId, &error);
        if (error.isError())
            return error;
        // Once a contact, always a contact: deals may be archived or deleted later.
        links.hasDeals = contactId.has_value() || count("open_deals_count") > 0
            || count("closed_deals_count") > 0 || count("won_deals_count") > 0
            || count("lost_deals_count") > 0;
        links.hasActivities = count("activities_count") > 0;
        links.organizationName = accountName(context, refs.orgId, &error);
        if (error.isError())
            return error;
        if (auto owner
            = context.lookups.ownerOrFallback(refs.ownerId, context.options.defaultOwnerUserId)) {
            links.ownerEmail = owner->email;
            links.ownerUserId = owner->crmId;
        }
        links.fieldLinkNames
            = fieldLinkNames(context, record, context.options.mapping.personFields, &error);
        if (error.isError())
            return error;
        const Mapped<mapping::PersonRow> mapped
            = mapping::mapPerson(record, links, context.options.mapping);
        if (mapped.isDeleted())
            return handleDeletedRecord(context, personId);
        if (!mapped.row)
            return context.reportMapping(personId, mapped.problems);
        if (const auto *contact = std::get_if<mapping::ContactRow>(&*mapped.row)) {
            CrmStore::WriteResult result;
            error = writePlan(context, personId,
                plan(QStringLiteral("contacts"), mappingType::Contact, mapping::toColumns(*contact),
                    QStringLiteral("email")),
                &result);
            if (error.isError())
                return error;
            return qualifyLead(context, personId, result.railsId);
        }
        const auto &lead = std::get<mapping::LeadRow>(*mapped.row);
        return writePlan(context, personId,
            plan(QStringLiteral("leads"), mappingType::Lead, mapping::toColumns(lead),
                QStringLiteral("email")));
    }
};

// ---- deals ----------------------------------------------------------------------------------

struct PersonInfo
{
    QString email;
    QString company;
    QString name;
};

// The contact of a person; a person known only as a lead is promoted to a contact first, since
// a deal makes a person a contact (SPEC §4).
std::optional<PersonInfo> contactOfPerson(SyncContext &context, qint64 personId, DbError *error)
{
    QVariantList values = mappedValues(context, mappingType::Contact, QStringLiteral("contacts"),
        QStringLiteral("t.email, t.company, t.first_name, t.last_name"), personId, error);
    if (error->isError())
        return std::nullopt;
    if (values.isEmpty()) {
        const std::optional<qint64> leadId
            = context.store.railsIdFor(typeName(mappingType::Lead), personId, error);
        if (error->isError() || !leadId)
            return std::nullopt;
        const mapping::LeadRow lead = [&] {
            mapping::LeadRow row;
            const std::optional<QVariantMap> stored
                = context.store.readRow(QStringLiteral("leads"), *leadId,
                    { QStringLiteral("first_name"), QStringLiteral("last_name"),
                        QStringLiteral("company"), QStringLiteral("email"), QStringLiteral("phone"),
                        QStringLiteral("address"), QStringLiteral("city"), QStringLiteral("state"),
                        QStringLiteral("zip"), QStringLiteral("created_at"),
                        QStringLiteral("updated_at") },
                    error);
            if (!stored)
                return row;
            auto opt = [&](const char *key) -> mapping::OptText {
                const QVariant value = stored->value(QLatin1String(key));
                return value.isNull() ? mapping::OptText() : mapping::OptText(value.toString());
            };
            row.firstName = stored->value(QStringLiteral("first_name")).toString();
            row.lastName = stored->value(QStringLiteral("last_name")).toString();
            row.company = opt("company");
            row.email = stored->value(QStringLiteral("email")).toString();
            row.phone = opt("phone");
            row.address = opt("address");
            row.city = opt("city");
            row.state = opt("state");
            row.zip = opt("zip");
            row.createdAt = Database::parseTimestamp(stored->value(QStringLiteral("created_at")));
            row.updatedAt = Database::parseTimestamp(stored->value(QStringLiteral("updated_at")));
            return row;
        }();
        if (error->isError() || lead.email.isEmpty())
            return std::nullopt;
        CrmStore::WriteResult result;
        *error = writePlan(context, personId,
            plan(QStringLiteral("contacts"), mappingType::Contact,
                mapping::toColumns(mapping::contactFromLead(lead)), QStringLiteral("email")),
            &result);
        if (error->isError())
            return std::nullopt;
        // Counted as a deal's side effect: the deal itself is counted by its own write.
        if (result.kind == CrmStore::WriteKind::Created)
            --context.counts.created;
        else if (result.kind == CrmStore::WriteKind::Updated)
            --context.counts.updated;
        else if (result.kind == CrmStore::WriteKind::Unchanged)
            --context.counts.unchanged;
        *error = qualifyLead(context, personId, result.railsId);
        if (error->isError())
            return std::nullopt;
        return PersonInfo { lead.email, lead.company.value_or(QString()),
            lead.firstName + QLatin1Char(' ') + lead.lastName };
    }
    return PersonInfo { values.value(0).toString(), values.value(1).toString(),
        (values.value(2).toString() + QLatin1Char(' ') + values.value(3).toString()).trimmed() };
}

class DealsHandler : public EntityHandler
{
public:
    DbError beginPage(SyncContext &context, const QJsonArray &items) override
    {
        context.store.beginPage();
        return prefetch(context, items, mappingType::Opportunity,
            { { &mapping::RecordRefs::orgId, mappingType::Organization, QStringLiteral("accounts"),
                  QStringLiteral("t.name") },
                { &mapping::RecordRefs::personId, mappingType::Contact, QStringLiteral("contacts"),
                    QStringLiteral("t.email, t.company, t.first_name, t.last_name") } },
            { { &mapping::RecordRefs::personId, mappingType::Lead } });
    }
    QList<Source> sources(const SyncContext &context) const override
    {
        // Archived deals are not in /deals since 2025-07-15: they have their own list.
        QUrlQuery query;
        addFilter(context, "deals", query);
        // Deleted deals are listed for 30 days (API-NOTES §7): the deletion policy's source. Last,
        // so that the checkpoints' source numbers of the other two stay.
        QUrlQuery deleted = query;
        deleted.addQueryItem(QStringLiteral("status"), QStringLiteral("deleted"));
        return { { endpoints::deals(), query, true }, { endpoints::archivedDeals(), query, true },
            { endpoints::deals(), deleted, true, true } };
    }

    DbError writeRecord(SyncContext &context, const QJsonObject &record) override
    {
        context.store.beginRecord();
        const mapping::RecordRefs refs = context.refsOf(record);
        DbError error;
        if (!checkId(context, refs.id, &error))
            return error;
        const qint64 dealId = *refs.id;
        // Before any link is looked up: a deleted deal must not promote its person to a contact.
        if (record.value(QLatin1String("status")).toString() == QLatin1String("deleted")
            || record.value(QLatin1String("is_deleted")).toBool())
            return handleDeletedRecord(context, dealId);
        // Only deleted deals are of interest in their list (should a filter widen it).
        if (context.deletionsSource)
            return error;
        mapping::DealLinks links;
        links.organizationName = accountName(context, refs.orgId, &error);
        if (error.isError())
            return error;
        if (refs.personId) {
            const std::optional<PersonInfo> person
                = contactOfPerson(context, *refs.personId, &error);
            if (error.isError())
                return error;
            if (person) {
                links.personEmail = person->email;
                links.personOrganizationName = person->company;
            }
        }
        if (auto owner
            = context.lookups.ownerOrFallback(refs.ownerId, context.options.defaultOwnerUserId))
            links.ownerEmail = owner->email;
        if (refs.stageId) {
            const Lookups::Stage stage = context.lookups.stages.value(*refs.stageId);
            links.stageName = stage.name;
            links.stageProbability = stage.probability;
            links.pipelineName = context.lookups.pipelines.value(
                refs.pipelineId ? *refs.pipelineId : stage.pipelineId);
        } else if (refs.pipelineId) {
            links.pipelineName = context.lookups.pipelines.value(*refs.pipelineId);
        }
        links.fieldLinkNames
            = fieldLinkNames(context, record, context.options.mapping.dealFields, &error);
        if (error.isError())
            return error;
        const Mapped<mapping::OpportunityRow> mapped
            = mapping::mapDeal(record, links, context.options.mapping);
        if (mapped.isDeleted())
            return handleDeletedRecord(context, dealId);
        if (!mapped.row)
            return context.reportMapping(dealId, mapped.problems);
        return writePlan(context, dealId,
            plan(QStringLiteral("opportunities"), mappingType::Opportunity,
                mapping::toColumns(*mapped.row)));
    }
};

// ---- activities -----------------------------------------------------------------------------

class ActivitiesHandler : public EntityHandler
{
public:
    DbError beginPage(SyncContext &context, const QJsonArray &items) override
    {
        context.store.beginPage();
        return prefetch(context, items, mappingType::Task,
            { { &mapping::RecordRefs::dealId, mappingType::Opportunity,
                  QStringLiteral("opportunities"), QStringLiteral("t.opportunity_name") },
                { &mapping::RecordRefs::personId, mappingType::Contact, QStringLiteral("contacts"),
                    QStringLiteral("t.first_name, t.last_name") },
                { &mapping::RecordRefs::personId, mappingType::Lead, QStringLiteral("leads"),
                    QStringLiteral("t.first_name, t.last_name") },
                { &mapping::RecordRefs::orgId, mappingType::Organization,
                    QStringLiteral("accounts"), QStringLiteral("t.name") } });
    }
    QList<Source> sources(const SyncContext &context) const override
    {
        QUrlQuery query;
        addFilter(context, "activities", query);
        return { { endpoints::activities(), query, true } };
    }

    DbError writeRecord(SyncContext &context, const QJsonObject &record) override
    {
        context.store.beginRecord();
        const mapping::RecordRefs refs = context.refsOf(record);
        DbError error;
        if (!checkId(context, refs.id, &error))
            return error;
        mapping::ActivityLinks links;
        if (auto owner
            = context.lookups.ownerOrFallback(refs.ownerId, context.options.defaultOwnerUserId))
            links.assigneeUserId = owner->crmId;
        if (refs.activityType)
            links.activityTypeName = context.lookups.activityTypes.value(*refs.activityType);
        if (refs.dealId)
            links.dealTitle
                = mappedValues(context, mappingType::Opportunity, QStringLiteral("opportunities"),
                    QStringLiteral("t.opportunity_name"), *refs.dealId, &error)
                      .value(0)
                      .toString();
        if (!error.isError() && refs.personId) {
            QVariantList name
                = mappedValues(context, mappingType::Contact, QStringLiteral("contacts"),
                    QStringLiteral("t.first_name, t.last_name"), *refs.personId, &error);
            if (name.isEmpty() && !error.isError())
                name = mappedValues(context, mappingType::Lead, QStringLiteral("leads"),
                    QStringLiteral("t.first_name, t.last_name"), *refs.personId, &error);
            links.personName
                = (name.value(0).toString() + QLatin1Char(' ') + name.value(1).toString())
                      .trimmed();
        }
        if (!error.isError())
            links.organizationName = accountName(context, refs.orgId, &error);
        if (error.isError())
            return error;
        const Mapped<mapping::TaskRow> mapped
            = mapping::mapActivity(record, links, context.options.mapping);
        if (mapped.isDeleted())
            return handleDeletedRecord(context, *refs.id);
        if (!mapped.row)
            return context.reportMapping(refs.id, mapped.problems);
        return writePlan(context, *refs.id,
            plan(QStringLiteral("tasks"), mappingType::Task, mapping::toColumns(*mapped.row)));
    }
};

// ---- notes ----------------------------------------------------------------------------------

class NotesHandler : public EntityHandler
{
public:
    DbError beginPage(SyncContext &context, const QJsonArray &items) override
    {
        context.store.beginPage();
        return prefetch(context, items, mappingType::Note, {},
            { { &mapping::RecordRefs::dealId, mappingType::Opportunity },
                { &mapping::RecordRefs::personId, mappingType::Contact },
                { &mapping::RecordRefs::personId, mappingType::Lead },
                { &mapping::RecordRefs::orgId, mappingType::Organization } });
    }
    QList<Source> sources(const SyncContext &) const override
    {
        QUrlQuery query;
        query.addQueryItem(QStringLiteral("sort"), QStringLiteral("id ASC"));
        return { { endpoints::notes(), query, true } };
    }

    DbError writeRecord(SyncContext &context, const QJsonObject &record) override
    {
        context.store.beginRecord();
        const mapping::RecordRefs refs = context.refsOf(record);
        DbError error;
        if (!checkId(context, refs.id, &error))
            return error;
        const qint64 noteId = *refs.id;
        mapping::NoteLinks links;
        if (refs.userId && context.lookups.users.contains(*refs.userId))
            links.authorUserId = context.lookups.users.value(*refs.userId).crmId;
        const Mapped<mapping::NoteRow> mapped
            = mapping::mapNote(record, links, context.options.mapping);
        if (mapped.isDeleted())
            return handleDeletedRecord(context, noteId);
        if (!mapped.row)
            return context.reportMapping(noteId, mapped.problems);

        // The CRM rows the note belongs to: one association per linked record it holds.
        QList<QPair<QString, qint64>> targets;
        const mapping::NoteTargets &t = mapped.row->targets;
        auto add = [&](const char *type, const char *notableType, std::optional<qint64> id) {
            if (!id || error.isError())
                return;
            if (auto railsId = context.store.railsIdFor(typeName(type), *id, &error))
                targets.append({ QLatin1String(notableType), *railsId });
        };
        add(mappingType::Opportunity, "Opportunity", t.dealId);
        add(mappingType::Contact, "Contact", t.personId);
        add(mappingType::Lead, "Lead", t.personId);
        add(mappingType::Organization, "Account", t.orgId);
        if (error.isError())
            return error;
        if (targets.isEmpty()) {
            // Reported, not dropped silently (SPEC §4).
            const QString reason = t.isEmpty() && t.leadId
                ? QStringLiteral("linked only to a Pipedrive lead")
                : t.isEmpty() ? QStringLiteral("linked to no record")
                              : QStringLiteral("links to nothing the CRM holds");
            return context.report(noteId, Problem::Kind::Skipped, reason);
        }

        CrmStore::WriteResult result;
        error = writePlan(context, noteId,
            plan(QStringLiteral("notes"), mappingType::Note, mapping::toColumns(*mapped.row)),
            &result);
        if (error.isError())
            return error;
        return syncAssociations(context, result, targets);
    }

private:
    DbError syncAssociations(SyncContext &context, const CrmStore::WriteResult &note,
        const QList<QPair<QString, qint64>> &targets)
    {
        DbError error;
        QSqlQuery *existing = context.store.query(
            QStringLiteral("SELECT id, notable_type, notable_id FROM note_associations WHERE "
                           "note_id = ?"),
            { note.railsId }, &error);
        if (!existing)
            return error;
        QList<QPair<QString, qint64>> have;
        QList<qint64> stale;
        while (existing->next()) {
            const QPair<QString, qint64> target { existing->value(1).toString(),
                existing->value(2).toLongLong() };
            if (targets.contains(target))
                have.append(target);
            else
                stale.append(existing->value(0).toLongLong());
        }
        existing->finish();
        bool changed = !stale.isEmpty();
        for (qint64 id : std::as_const(stale)) {
            if (!context.store.deleteRow(QStringLiteral("note_associations"), id, &error))
                return error;
        }
        for (const auto &target : targets) {
            if (have.contains(target))
                continue;
            changed = true;
            const std::optional<qint64> id
                = context.store.insertRow(QStringLiteral("note_associations"),
                    { { QStringLiteral("note_id"), note.railsId },
                        { QStringLiteral("notable_type"), target.first },
                        { QStringLiteral("notable_id"), target.second },
                        { QStringLiteral("created_at"), context.store.now() },
                        { QStringLiteral("updated_at"), context.store.now() } },
                    &error);
            if (!id)
                return error;
        }
        // A note whose text is unchanged but whose links changed was updated all the same.
        if (changed && note.kind == CrmStore::WriteKind::Unchanged) {
            --context.counts.unchanged;
            ++context.counts.updated;
        }
        return error;
    }
};

} // namespace

DbError EntityHandler::beginPage(SyncContext &context, const QJsonArray &)
{
    context.store.beginPage();
    return {};
}

std::unique_ptr<EntityHandler> EntityHandler::create(Entity entity)
{
    switch (entity) {
    case Entity::Users:
        return std::make_unique<UsersHandler>();
    case Entity::Organizations:
        return std::make_unique<OrganizationsHandler>();
    case Entity::Persons:
        return std::make_unique<PersonsHandler>();
    case Entity::Deals:
        return std::make_unique<DealsHandler>();
    case Entity::Activities:
        return std::make_unique<ActivitiesHandler>();
    case Entity::Notes:
        return std::make_unique<NotesHandler>();
    }
    return nullptr;
}

} // namespace pds
