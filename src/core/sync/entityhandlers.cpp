// The rules of each entity (SPEC §4) on top of the pure mapping functions: resolve a record's
// links through the CRM, map it, write it with its mapping row, report what was not imported.
// Resolving (stage) only reads, mapping is pure, and every change happens in write(): the first
// two may run ahead of the page being written, on another thread and connection.

#include "mapping/mapping.h"
#include "mapping/passwordhash.h"
#include "sync/passwordhasher.h"
#include "sync/reconcile.h"
#include "sync/synccontext.h"

#include <QSqlQuery>
#include <QSqlRecord>

#include <string_view>

namespace pds {

namespace {

using mapping::Mapped;

// The mapping types (mappingType::...) as QStrings: made anew for every record, they were 2% of
// the sync thread's work outside SQLite (an allocation and a conversion each). Told apart by
// address (the constants are inline variables: one address each), as literals whose copies count
// no references; comparing the texts with those of a per-thread list was 0.8% of it still.
QString typeName(const char *type)
{
    // Each constant's text is its name (checked here), so the literal is made from the name.
#define PDS_MAPPING_TYPE(name)                                                                     \
    static_assert(std::string_view(mappingType::name) == #name);                                   \
    if (type == mappingType::name)                                                                 \
        return QStringLiteral(#name);
    PDS_MAPPING_TYPE(Contact)
    PDS_MAPPING_TYPE(Lead)
    PDS_MAPPING_TYPE(Opportunity)
    PDS_MAPPING_TYPE(Organization)
    PDS_MAPPING_TYPE(Task)
    PDS_MAPPING_TYPE(Note)
    PDS_MAPPING_TYPE(User)
#undef PDS_MAPPING_TYPE
    thread_local QList<QString> names;
    const QLatin1StringView wanted(type);
    for (const QString &name : std::as_const(names)) {
        if (name == wanted)
            return name;
    }
    names.append(QString(wanted));
    return names.constLast();
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
LinkedRow mappedValues(StageContext &context, const char *type, const QString &table,
    const QString &columns, qint64 pipedriveId, DbError *error)
{
    return context.links.linkedValues(QLatin1StringView(type), table, columns, pipedriveId, error);
}

// What is read of each table records link to: one set of columns a table, so that what the
// sync wrote of it answers every reader (EntityHandler::linkedTables(), LinkHarvest).
QString accountColumns()
{
    return QStringLiteral("t.name");
}
QString contactColumns()
{
    return QStringLiteral("t.email, t.company, t.first_name, t.last_name");
}
constexpr qsizetype ContactNameAt = 2; // first_name in contactColumns()
QString leadColumns()
{
    return QStringLiteral("t.first_name, t.last_name");
}
QString opportunityColumns()
{
    return QStringLiteral("t.opportunity_name");
}

// "First Last" from a linked row's two values at `first`, trimmed.
QString joinedName(const LinkedRow &row, qsizetype first = 0)
{
    const QStringView firstName = row.value(first);
    const QStringView lastName = row.value(first + 1);
    QString name;
    name.reserve(firstName.size() + 1 + lastName.size());
    name.append(firstName).append(QLatin1Char(' ')).append(lastName);
    return std::move(name).trimmed();
}

// A linked person's "First Last": its contact's, else its lead's.
QString personName(StageContext &context, qint64 personId, DbError *error)
{
    const LinkedRow contact = mappedValues(context, mappingType::Contact,
        QStringLiteral("contacts"), contactColumns(), personId, error);
    if (!contact.isEmpty() || error->isError())
        return joinedName(contact, ContactNameAt);
    return joinedName(mappedValues(
        context, mappingType::Lead, QStringLiteral("leads"), leadColumns(), personId, error));
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

using RefField = std::optional<qint64> mapping::RecordRefs::*;
struct LinkedColumns
{
    RefField field;
    const char *type;
    QString table;
    QString columns;
    // Read only for the ids the entry before found nothing for (a person is read as a lead
    // only when it is no contact).
    bool unlessFoundBefore = false;
};
struct LinkedMapping
{
    RefField field;
    const char *type;
    // Read only for the ids the linked columns of the same field found no row for, after them
    // (a deal's person is looked up as a lead only when it is no contact).
    bool unlessLinked = false;
};

// Mappings of many records in one query per type: (field of the links, mapping type).
DbError prefetchMappings(
    CrmStore &store, const QList<mapping::RecordRefs> &refs, const QList<LinkedMapping> &mappings)
{
    DbError error;
    for (const LinkedMapping &m : mappings) {
        // The records' own mappings: the owners of their rows too (writePlan() asks).
        if (error.isOk())
            store.prefetchMappings(typeName(m.type), linkedIds(refs, m.field), &error,
                m.field == &mapping::RecordRefs::id);
    }
    return error;
}

// Reads the links of a page's records, then what staging them will look up, in a few queries
// instead of a few per record.
DbError prefetchLinks(StageContext &context, const json::Array &items,
    const QList<LinkedColumns> &linked, const QList<LinkedMapping> &mappings = {})
{
    QList<mapping::RecordRefs> &refs = context.pageRefs;
    refs = context.readRefs && context.readRefs->size() == items.size()
        ? *context.readRefs
        : mapping::recordRefs(items);
    // Drops the ids the linked columns `l` have a row for (read before: from the cache).
    const auto dropLinked = [&context](QList<qint64> &ids, const LinkedColumns &l, DbError *error) {
        ids.removeIf([&](qint64 id) {
            return !context.links
                        .linkedValues(QLatin1StringView(l.type), l.table, l.columns, id, error)
                        .isEmpty();
        });
    };
    QList<LinkedMapping> first;
    QList<LinkedMapping> afterLinked;
    for (const LinkedMapping &m : mappings)
        (m.unlessLinked ? afterLinked : first) << m;
    DbError error = prefetchMappings(context.links, refs, first);
    for (qsizetype i = 0; i < linked.size() && error.isOk(); ++i) {
        const LinkedColumns &l = linked.at(i);
        QList<qint64> ids = linkedIds(refs, l.field);
        if (l.unlessFoundBefore && i > 0 && linked.at(i - 1).field == l.field)
            dropLinked(ids, linked.at(i - 1), &error);
        if (error.isOk())
            context.links.prefetchLinked(typeName(l.type), l.table, l.columns, ids, &error);
    }
    for (const LinkedMapping &m : std::as_const(afterLinked)) {
        QList<qint64> ids = linkedIds(refs, m.field);
        for (const LinkedColumns &l : linked) {
            if (l.field == m.field && error.isOk())
                dropLinked(ids, l, &error);
        }
        if (error.isOk())
            context.links.prefetchMappings(typeName(m.type), ids, &error);
    }
    return error;
}

// Hands the mappings of the page's links that prefetchLinks() read over to the sync thread,
// which would look them up again. Only for types that no record of the pass changes: what the
// stage worker read (after the pass before committed) then holds for the whole pass.
void handOverMappings(StageContext &context, const QList<LinkedMapping> &mappings)
{
    for (const LinkedMapping &m : mappings) {
        context.handedOver << context.links.knownMappings(
            typeName(m.type), linkedIds(context.pageRefs, m.field));
    }
}

QString accountName(StageContext &context, std::optional<qint64> orgId, DbError *error)
{
    if (!orgId)
        return {};
    return mappedValues(context, mappingType::Organization, QStringLiteral("accounts"),
        accountColumns(), *orgId, error)
        .value(0)
        .toString();
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
// ownType: the link type of the entity being synced ("org", "people", "deal"): such a link may
// point at a record of this very pass, and *ownEntity tells.
mapping::FieldLinkNames fieldLinkNames(StageContext &context, const json::Object &record,
    mapping::FieldSource source, const char *ownType, bool *ownEntity, DbError *error)
{
    mapping::FieldLinkNames names;
    for (const mapping::FieldLink &link :
        mapping::fieldLinks(record, source, context.options.mapping)) {
        if (ownType && link.type == QLatin1String(ownType))
            *ownEntity = true;
        QString name;
        if (link.type == QLatin1String("user")) {
            const auto user = context.lookups->users.constFind(link.id);
            if (user == context.lookups->users.constEnd())
                continue;
            const std::optional<QVariantMap> row
                = context.links.readRow(QStringLiteral("users"), user->crmId,
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
            name = personName(context, link.id, error);
        } else if (link.type == QLatin1String("org")) {
            name = accountName(context, link.id, error);
        } else if (link.type == QLatin1String("deal")) {
            name = mappedValues(context, mappingType::Opportunity, QStringLiteral("opportunities"),
                opportunityColumns(), link.id, error)
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

CrmStore::RowPlan plan(const QString &table, const char *type, const mapping::Columns &columns,
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

// A handler whose records are staged as `Record`.
template<class Record> class StagingHandler : public EntityHandler
{
public:
    std::unique_ptr<StagedRecord> stage(StageContext &context, const json::Object &record) override
    {
        return std::make_unique<Record>(context, record);
    }
};

// What every staged record keeps: the record, its links, what staging could not read.
template<class Links, class Row> class Staged : public StagedRecord
{
public:
    Staged(const StageContext &context, const json::Object &record)
        : m_options(&context.options)
        , m_record(record)
        , m_refs(context.refsOf(record))
    { }

protected:
    // The mapped record and its row's columns, both made in map(): off the sync thread when the
    // record is staged ahead (the columns were 4% of that thread's time).
    void setMapped(Mapped<Row> mapped)
    {
        m_mapped = std::move(mapped);
        m_columns = {};
        if (m_mapped.row)
            m_columns = columnsOf(*m_mapped.row);
    }
    // An id the CRM's mapping table can hold: checkId() reports the others when written.
    bool hasUsableId() const { return m_refs.id && CrmStore::fitsMapping(*m_refs.id); }
    // The natural key of the plan write() writes the mapped row with (lookupKey()).
    std::optional<KeyLookup> keyOf(const CrmStore::RowPlan &rowPlan) const
    {
        if (!m_mapped.row || stageError.isError())
            return std::nullopt;
        return KeyLookup { rowPlan.table, rowPlan.naturalKey,
            rowPlan.columns.value(rowPlan.naturalKey), rowPlan.mappingType };
    }
    // Writes the mapped row (writePlan()), then reports what its mapping dropped or guessed.
    DbError writeMapped(SyncContext &context, qint64 pipedriveId, const CrmStore::RowPlan &rowPlan,
        CrmStore::WriteResult *result = nullptr) const
    {
        DbError error = writePlan(context, pipedriveId, rowPlan, result);
        if (error.isOk())
            error = context.reportWarnings(pipedriveId, m_mapped.problems);
        return error;
    }
    // The error staging met, if any: the record then fails with it.
    bool failedToStage(DbError *error) const
    {
        *error = stageError;
        return stageError.isError();
    }
    const SyncOptions *m_options;
    json::Object m_record;
    mapping::RecordRefs m_refs;
    Links m_links;
    Mapped<Row> m_mapped;
    mapping::Columns m_columns; // m_mapped.row's, by setMapped()

private:
    template<class R> static mapping::Columns columnsOf(const R &row)
    {
        return mapping::rowColumns(row);
    }
    template<class... Rs> static mapping::Columns columnsOf(const std::variant<Rs...> &row)
    {
        return std::visit([](const auto &r) { return mapping::rowColumns(r); }, row);
    }
};

// ---- users ----------------------------------------------------------------------------------

class StagedUser : public Staged<int, mapping::UserRow>
{
public:
    using Staged::Staged;
    void map() override { setMapped(mapping::mapUser(m_record, m_options->mapping)); }
    DbError write(SyncContext &context) override
    {
        DbError error;
        if (failedToStage(&error) || !checkId(context, m_mapped.pipedriveId, &error))
            return error;
        if (!m_mapped.row)
            return context.reportMapping(m_mapped.pipedriveId, m_mapped.problems);
        CrmStore::RowPlan p
            = plan(QStringLiteral("users"), mappingType::User, m_columns, QStringLiteral("email"));
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
        error = writeMapped(context, *m_mapped.pipedriveId, p, &result);
        if (error.isOk() && context.hasher && result.kind == CrmStore::WriteKind::Created)
            context.hasher->hash(result.railsId);
        return error;
    }
};

class UsersHandler : public StagingHandler<StagedUser>
{
public:
    DbError beginPage(SyncContext &context, const QList<mapping::RecordRefs> &refs) override
    {
        return prefetchMappings(
            context.store, refs, { { &mapping::RecordRefs::id, mappingType::User } });
    }
    QList<Source> sources(const SyncContext &) const override
    {
        // No change filter exists for users: the whole list, one request (API-NOTES §10).
        return { { endpoints::users(), {}, false } };
    }
};

// ---- organizations ---------------------------------------------------------------------------

class StagedOrganization : public Staged<mapping::OrganizationLinks, mapping::AccountRow>
{
public:
    StagedOrganization(StageContext &context, const json::Object &record)
        : Staged(context, record)
    {
        if (auto owner
            = context.lookups->ownerOrFallback(m_refs.ownerId, context.options.defaultOwnerUserId))
            m_links.ownerEmail = owner->email;
        m_links.fieldLinkNames = fieldLinkNames(context, record, mapping::FieldSource::Organization,
            "org", &readsOwnEntity, &stageError);
    }
    void map() override
    {
        if (stageError.isOk())
            setMapped(mapping::mapOrganization(m_record, m_links, m_options->mapping));
    }
    DbError write(SyncContext &context) override
    {
        DbError error;
        if (failedToStage(&error) || !checkId(context, m_mapped.pipedriveId, &error))
            return error;
        if (m_mapped.isDeleted())
            return handleDeletedRecord(context, *m_mapped.pipedriveId);
        if (!m_mapped.row)
            return context.reportMapping(m_mapped.pipedriveId, m_mapped.problems);
        return writeMapped(context, *m_mapped.pipedriveId, rowPlan());
    }
    std::optional<KeyLookup> lookupKey() const override { return keyOf(rowPlan()); }

private:
    CrmStore::RowPlan rowPlan() const
    {
        return plan(QStringLiteral("accounts"), mappingType::Organization, m_columns,
            QStringLiteral("name"));
    }
};

class OrganizationsHandler : public StagingHandler<StagedOrganization>
{
public:
    DbError begin(SyncContext &context) override
    {
        // Organizations are matched to accounts by name (the CRM's unique index). A pass over
        // every organization looks every name up: in memory, those no account has are answered
        // without a statement, as the contacts' e-mails. A few changes ask the index.
        if (!context.listsEveryRecord)
            return {};
        return context.store.indexKey(
            QStringLiteral("accounts"), QStringLiteral("name"), CrmStore::BeyondMemory::None);
    }
    DbError beginPage(SyncContext &context, const QList<mapping::RecordRefs> &refs) override
    {
        return prefetchMappings(
            context.store, refs, { { &mapping::RecordRefs::id, mappingType::Organization } });
    }
    QList<Source> sources(const SyncContext &context) const override
    {
        QUrlQuery query;
        addFilter(context, "organizations", query);
        return { { endpoints::organizations(), query, true } };
    }
};

// ---- persons --------------------------------------------------------------------------------

// A new note_associations row, as mapping::Columns with names every such row shares: kept back
// in one group by the list's address, with no map of five columns built for each (the maps and
// their inserts were nearly half of writing the notes: 28 M instructions at 20k, 16 M without).
mapping::Columns associationRow(
    qint64 noteId, const QString &notableType, qint64 notableId, const QDateTime &now)
{
    static const QStringList names { QStringLiteral("note_id"), QStringLiteral("notable_type"),
        QStringLiteral("notable_id"), QStringLiteral("created_at"), QStringLiteral("updated_at") };
    return { &names, { noteId, notableType, notableId, now, now } };
}

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
                associationRow(noteId, QStringLiteral("Contact"), contactId, context.store.now()),
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
    // A lead row other persons still share (one e-mail) stays theirs and unqualified: this
    // person, a contact now, leaves it, as a first import would have it. Whose of its notes are
    // this person's cannot be told there, so none are copied: the notes pass links them.
    const std::optional<bool> shared
        = context.store.sharesRow(typeName(mappingType::Lead), *leadId, personId, &error);
    if (!shared)
        return error;
    if (*shared) {
        context.store.removeMapping(typeName(mappingType::Lead), personId, &error);
        return error;
    }
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

class StagedPerson : public Staged<mapping::PersonLinks, mapping::PersonRow>
{
public:
    StagedPerson(StageContext &context, const json::Object &record)
        : Staged(context, record)
    {
        if (!hasUsableId())
            return; // write() reports it
        const qint64 personId = *m_refs.id;
        auto count = [&record](const json::Key &key) {
            return qint64(record.value(key).toDouble());
        };
        const std::optional<qint64> contactId
            = context.links.railsIdFor(typeName(mappingType::Contact), personId, &stageError);
        if (stageError.isError())
            return;
        m_contactKnown = contactId.has_value();
        // Once a contact, always a contact: deals may be archived or deleted later.
        m_links.hasDeals = contactId.has_value() || count("open_deals_count") > 0
            || count("closed_deals_count") > 0 || count("won_deals_count") > 0
            || count("lost_deals_count") > 0;
        m_links.hasActivities = count("activities_count") > 0;
        m_links.organizationName = accountName(context, m_refs.orgId, &stageError);
        if (stageError.isError())
            return;
        if (auto owner = context.lookups->ownerOrFallback(
                m_refs.ownerId, context.options.defaultOwnerUserId)) {
            m_links.ownerEmail = owner->email;
            m_links.ownerUserId = owner->crmId;
        }
        m_links.fieldLinkNames = fieldLinkNames(
            context, record, mapping::FieldSource::Person, "people", &readsOwnEntity, &stageError);
    }
    void map() override
    {
        if (stageError.isOk() && hasUsableId())
            setMapped(mapping::mapPerson(m_record, m_links, m_options->mapping));
    }
    bool stale(SyncContext &context) override
    {
        if (StagedRecord::stale(context))
            return true;
        // An earlier page made it a contact since.
        DbError error;
        return !m_contactKnown && hasUsableId()
            && (context.store.railsIdFor(typeName(mappingType::Contact), *m_refs.id, &error)
                || error.isError());
    }
    DbError write(SyncContext &context) override
    {
        DbError error;
        if (!checkId(context, m_refs.id, &error) || failedToStage(&error))
            return error;
        const qint64 personId = *m_refs.id;
        if (m_mapped.isDeleted())
            return handleDeletedRecord(context, personId);
        if (!m_mapped.row)
            return context.reportMapping(personId, m_mapped.problems);
        if (isContact()) {
            CrmStore::WriteResult result;
            error = writeMapped(context, personId, rowPlan(), &result);
            if (error.isError())
                return error;
            return qualifyLead(context, personId, result.railsId);
        }
        return writeMapped(context, personId, rowPlan());
    }
    std::optional<KeyLookup> lookupKey() const override { return keyOf(rowPlan()); }

private:
    bool isContact() const
    {
        return m_mapped.row && std::holds_alternative<mapping::ContactRow>(*m_mapped.row);
    }
    // A contact (the person has deals) or a lead, matched by e-mail.
    CrmStore::RowPlan rowPlan() const
    {
        return isContact()
            ? plan(QStringLiteral("contacts"), mappingType::Contact, m_columns,
                QStringLiteral("email"))
            : plan(QStringLiteral("leads"), mappingType::Lead, m_columns, QStringLiteral("email"));
    }
    bool m_contactKnown = false;
};

class PersonsHandler : public StagingHandler<StagedPerson>
{
public:
    DbError begin(SyncContext &context) override
    {
        // Persons are matched to leads by email, a column the CRM does not index; to contacts by
        // email, which it does. A pass over every person looks every e-mail up: the contacts'
        // in memory answer those no contact has without a statement. For a few changed persons,
        // reading every contact's e-mail first would cost more than asking the index.
        DbError error;
        if (context.listsEveryRecord)
            error = context.store.indexKey(
                QStringLiteral("contacts"), QStringLiteral("email"), CrmStore::BeyondMemory::None);
        if (error.isOk())
            error = context.store.indexKey(QStringLiteral("leads"), QStringLiteral("email"));
        return error;
    }
    DbError stagePage(StageContext &context, const json::Array &items) override
    {
        return prefetchLinks(context, items,
            { { &mapping::RecordRefs::orgId, mappingType::Organization, QStringLiteral("accounts"),
                accountColumns() } },
            { { &mapping::RecordRefs::id, mappingType::Contact } });
    }
    DbError beginPage(SyncContext &context, const QList<mapping::RecordRefs> &refs) override
    {
        return prefetchMappings(context.store, refs,
            { { &mapping::RecordRefs::id, mappingType::Contact },
                { &mapping::RecordRefs::id, mappingType::Lead } });
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
};

// ---- deals ----------------------------------------------------------------------------------

struct PersonInfo
{
    QString email;
    QString company;
    QString name;
};

// What a deal's person is in the CRM: its contact's values, or, for a person known only as a
// lead, the lead (which the deal's write promotes to a contact, since a deal makes a person a
// contact, SPEC §4).
struct DealPerson
{
    std::optional<PersonInfo> info;
    qint64 leadId = -1; // >= 0: known only as this lead
    mapping::LeadRow lead;
};

DealPerson readDealPerson(StageContext &context, qint64 personId, DbError *error)
{
    DealPerson person;
    const LinkedRow values = mappedValues(context, mappingType::Contact, QStringLiteral("contacts"),
        contactColumns(), personId, error);
    if (error->isError())
        return person;
    if (!values.isEmpty()) {
        person.info = PersonInfo { values.value(0).toString(), values.value(1).toString(),
            joinedName(values, 2) };
        return person;
    }
    const std::optional<qint64> leadId
        = context.links.railsIdFor(typeName(mappingType::Lead), personId, error);
    if (error->isError() || !leadId)
        return person;
    const std::optional<QVariantMap> stored
        = context.links.readRow(QStringLiteral("leads"), *leadId,
            { QStringLiteral("first_name"), QStringLiteral("last_name"), QStringLiteral("company"),
                QStringLiteral("email"), QStringLiteral("phone"), QStringLiteral("address"),
                QStringLiteral("city"), QStringLiteral("state"), QStringLiteral("zip"),
                QStringLiteral("created_at"), QStringLiteral("updated_at") },
            error);
    if (!stored)
        return person;
    auto opt = [&](const char *key) -> mapping::OptText {
        const QVariant value = stored->value(QLatin1String(key));
        return value.isNull() ? mapping::OptText() : mapping::OptText(value.toString());
    };
    mapping::LeadRow &row = person.lead;
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
    if (row.email.isEmpty())
        return person;
    person.leadId = *leadId;
    person.info = PersonInfo { row.email, row.company.value_or(QString()),
        row.firstName + QLatin1Char(' ') + row.lastName };
    return person;
}

// A person known only as a lead becomes a contact (its notes follow), the lead stays qualified.
DbError promoteLead(SyncContext &context, qint64 personId, const mapping::LeadRow &lead)
{
    // Not counted: a deal's side effect, the deal itself is counted by its own write.
    DbError error;
    const std::optional<CrmStore::WriteResult> result = context.store.writeRecord(personId,
        plan(QStringLiteral("contacts"), mappingType::Contact,
            mapping::rowColumns(mapping::contactFromLead(lead)), QStringLiteral("email")),
        &error);
    if (!result)
        return error;
    // Merged into another person's contact: the person's problem, listed under the persons.
    if (result->kind == CrmStore::WriteKind::Merged) {
        error = context.reportPersonMerged(personId, result->mergedWithPipedriveId);
        if (error.isError())
            return error;
    }
    return qualifyLead(context, personId, result->railsId);
}

class StagedDeal : public Staged<mapping::DealLinks, mapping::OpportunityRow>
{
public:
    StagedDeal(StageContext &context, const json::Object &record)
        : Staged(context, record)
        , m_deletionsSource(context.deletionsSource)
    {
        if (!hasUsableId())
            return; // write() reports it
        // Before any link is looked up: a deleted deal must not promote its person to a contact.
        m_deleted = record.value("status").toString() == QLatin1String("deleted")
            || record.value("is_deleted").toBool();
        // Only deleted deals are of interest in their list (should a filter widen it).
        if (m_deleted || m_deletionsSource)
            return;
        m_links.organizationName = accountName(context, m_refs.orgId, &stageError);
        if (stageError.isError())
            return;
        if (m_refs.personId) {
            m_person = readDealPerson(context, *m_refs.personId, &stageError);
            if (stageError.isError())
                return;
            if (m_person.info) {
                m_links.personEmail = m_person.info->email;
                m_links.personOrganizationName = m_person.info->company;
            }
        }
        if (auto owner
            = context.lookups->ownerOrFallback(m_refs.ownerId, context.options.defaultOwnerUserId))
            m_links.ownerEmail = owner->email;
        if (m_refs.stageId) {
            const Lookups::Stage stage = context.lookups->stages.value(*m_refs.stageId);
            m_links.stageName = stage.name;
            m_links.stageProbability = stage.probability;
            m_links.pipelineName = context.lookups->pipelines.value(
                m_refs.pipelineId ? *m_refs.pipelineId : stage.pipelineId);
        } else if (m_refs.pipelineId) {
            m_links.pipelineName = context.lookups->pipelines.value(*m_refs.pipelineId);
        }
        m_links.fieldLinkNames = fieldLinkNames(
            context, record, mapping::FieldSource::Deal, "deal", &readsOwnEntity, &stageError);
    }
    void map() override
    {
        if (stageError.isOk() && hasUsableId() && !m_deleted && !m_deletionsSource)
            setMapped(mapping::mapDeal(m_record, m_links, m_options->mapping));
    }
    void trimLookups(mapping::RecordRefs &refs) const override
    {
        // Only a lead is promoted, which reads the person's mappings; a contact (nearly every
        // person with deals) or a person the CRM does not have is not looked up (two IN lists
        // of a page's persons were a tenth of this pass's writing).
        if (stageError.isOk() && !readsOwnEntity && m_person.leadId < 0)
            refs.personId.reset();
    }
    bool stale(SyncContext &context) override
    {
        if (StagedRecord::stale(context))
            return true;
        // An earlier page promoted the lead since.
        DbError error;
        return m_person.leadId >= 0
            && (context.store.railsIdFor(typeName(mappingType::Contact), *m_refs.personId, &error)
                || error.isError());
    }
    DbError write(SyncContext &context) override
    {
        DbError error;
        if (!checkId(context, m_refs.id, &error))
            return error;
        const qint64 dealId = *m_refs.id;
        if (m_deleted)
            return handleDeletedRecord(context, dealId);
        if (m_deletionsSource || failedToStage(&error))
            return error;
        if (m_person.leadId >= 0) {
            error = promoteLead(context, *m_refs.personId, m_person.lead);
            if (error.isError())
                return error;
        }
        if (m_mapped.isDeleted())
            return handleDeletedRecord(context, dealId);
        if (!m_mapped.row)
            return context.reportMapping(dealId, m_mapped.problems);
        return writeMapped(context, dealId,
            plan(QStringLiteral("opportunities"), mappingType::Opportunity, m_columns));
    }

private:
    bool m_deletionsSource = false;
    bool m_deleted = false;
    DealPerson m_person;
};

class DealsHandler : public StagingHandler<StagedDeal>
{
public:
    DbError stagePage(StageContext &context, const json::Array &items) override
    {
        // A deleted deal reads no links (StagedDeal).
        if (context.deletionsSource)
            return prefetchLinks(context, items, {});
        return prefetchLinks(context, items,
            { { &mapping::RecordRefs::orgId, mappingType::Organization, QStringLiteral("accounts"),
                  accountColumns() },
                { &mapping::RecordRefs::personId, mappingType::Contact, QStringLiteral("contacts"),
                    contactColumns() } },
            { { &mapping::RecordRefs::personId, mappingType::Lead, true } });
    }
    DbError beginPage(SyncContext &context, const QList<mapping::RecordRefs> &refs) override
    {
        return prefetchMappings(context.store, refs,
            { { &mapping::RecordRefs::id, mappingType::Opportunity },
                { &mapping::RecordRefs::personId, mappingType::Contact },
                { &mapping::RecordRefs::personId, mappingType::Lead } });
    }
    QList<Source> sources(const SyncContext &context) const override
    {
        // Archived deals are not in /deals since 2025-07-15: they have their own list.
        QUrlQuery query;
        addFilter(context, "deals", query);
        // Deleted deals are listed for 30 days (API-NOTES §7): the deletion policy's source. Last,
        // so that the checkpoints' source numbers of the other two stay. Never with the filter:
        // v2 ignores status next to filter_id and would list the filter's deals again; the
        // deleted deals the CRM has no mapping of are passed over.
        QUrlQuery deleted;
        deleted.addQueryItem(QStringLiteral("status"), QStringLiteral("deleted"));
        return { { endpoints::deals(), query, true }, { endpoints::archivedDeals(), query, true },
            { endpoints::deals(), deleted, true, true } };
    }
};

// ---- activities -----------------------------------------------------------------------------

class StagedActivity : public Staged<mapping::ActivityLinks, mapping::TaskRow>
{
public:
    StagedActivity(StageContext &context, const json::Object &record)
        : Staged(context, record)
    {
        if (!hasUsableId())
            return; // write() reports it
        if (auto owner
            = context.lookups->ownerOrFallback(m_refs.ownerId, context.options.defaultOwnerUserId))
            m_links.assigneeUserId = owner->crmId;
        if (m_refs.activityType)
            m_links.activityTypeName = context.lookups->activityTypes.value(*m_refs.activityType);
        DbError &error = stageError;
        if (m_refs.dealId)
            m_links.dealTitle = mappedValues(context, mappingType::Opportunity,
                QStringLiteral("opportunities"), opportunityColumns(), *m_refs.dealId, &error)
                                    .value(0)
                                    .toString();
        if (!error.isError() && m_refs.personId)
            m_links.personName = personName(context, *m_refs.personId, &error);
        if (!error.isError())
            m_links.organizationName = accountName(context, m_refs.orgId, &error);
    }
    void map() override
    {
        if (stageError.isOk() && hasUsableId())
            setMapped(mapping::mapActivity(m_record, m_links, m_options->mapping));
    }
    DbError write(SyncContext &context) override
    {
        DbError error;
        if (!checkId(context, m_refs.id, &error) || failedToStage(&error))
            return error;
        if (m_mapped.isDeleted())
            return handleDeletedRecord(context, *m_refs.id);
        if (!m_mapped.row)
            return context.reportMapping(m_refs.id, m_mapped.problems);
        return writeMapped(
            context, *m_refs.id, plan(QStringLiteral("tasks"), mappingType::Task, m_columns));
    }
};

class ActivitiesHandler : public StagingHandler<StagedActivity>
{
public:
    DbError stagePage(StageContext &context, const json::Array &items) override
    {
        return prefetchLinks(context, items,
            { { &mapping::RecordRefs::dealId, mappingType::Opportunity,
                  QStringLiteral("opportunities"), opportunityColumns() },
                { &mapping::RecordRefs::personId, mappingType::Contact, QStringLiteral("contacts"),
                    contactColumns() },
                { &mapping::RecordRefs::personId, mappingType::Lead, QStringLiteral("leads"),
                    leadColumns(), true },
                { &mapping::RecordRefs::orgId, mappingType::Organization,
                    QStringLiteral("accounts"), accountColumns() } });
    }
    DbError beginPage(SyncContext &context, const QList<mapping::RecordRefs> &refs) override
    {
        return prefetchMappings(
            context.store, refs, { { &mapping::RecordRefs::id, mappingType::Task } });
    }
    QList<Source> sources(const SyncContext &context) const override
    {
        QUrlQuery query;
        addFilter(context, "activities", query);
        return { { endpoints::activities(), query, true } };
    }
};

// ---- notes ----------------------------------------------------------------------------------

// The note's associations made to match its targets (a note links to several records).
DbError syncAssociations(SyncContext &context, const CrmStore::WriteResult &note,
    const QList<QPair<QString, qint64>> &targets)
{
    DbError error;
    QList<QPair<QString, qint64>> have;
    QList<qint64> stale;
    // A note inserted just now has none (note_id is a foreign key; ids are never reused).
    if (note.kind != CrmStore::WriteKind::Created
        && !context.store.rows(
            QStringLiteral("SELECT id, notable_type, notable_id FROM "
                           "note_associations WHERE note_id = ?"),
            { note.railsId },
            [&](const QVariantList &row) {
                const QPair<QString, qint64> target { row.at(1).toString(),
                    row.at(2).toLongLong() };
                if (targets.contains(target))
                    have.append(target);
                else
                    stale.append(row.at(0).toLongLong());
            },
            &error))
        return error;
    bool changed = !stale.isEmpty();
    for (qint64 id : std::as_const(stale)) {
        if (!context.store.deleteRow(QStringLiteral("note_associations"), id, &error))
            return error;
    }
    for (const auto &target : targets) {
        if (have.contains(target))
            continue;
        changed = true;
        if (!context.store.insertRow(QStringLiteral("note_associations"),
                associationRow(note.railsId, target.first, target.second, context.store.now()),
                &error))
            return error;
    }
    // A note whose text is unchanged but whose links changed was updated all the same.
    if (changed && note.kind == CrmStore::WriteKind::Unchanged) {
        --context.counts.unchanged;
        ++context.counts.updated;
    }
    return error;
}

class StagedNote : public Staged<mapping::NoteLinks, mapping::NoteRow>
{
public:
    StagedNote(StageContext &context, const json::Object &record)
        : Staged(context, record)
    {
        if (m_refs.userId && context.lookups->users.contains(*m_refs.userId))
            m_links.authorUserId = context.lookups->users.value(*m_refs.userId).crmId;
    }
    void map() override
    {
        if (hasUsableId())
            setMapped(mapping::mapNote(m_record, m_links, m_options->mapping));
    }
    DbError write(SyncContext &context) override
    {
        DbError error;
        if (!checkId(context, m_refs.id, &error) || failedToStage(&error))
            return error;
        const qint64 noteId = *m_refs.id;
        if (m_mapped.isDeleted())
            return handleDeletedRecord(context, noteId);
        if (!m_mapped.row)
            return context.reportMapping(noteId, m_mapped.problems);

        // The CRM rows the note belongs to: one association per linked record it holds.
        QList<QPair<QString, qint64>> targets;
        const mapping::NoteTargets &t = m_mapped.row->targets;
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
        error = writeMapped(
            context, noteId, plan(QStringLiteral("notes"), mappingType::Note, m_columns), &result);
        if (error.isError())
            return error;
        return syncAssociations(context, result, targets);
    }
};

class NotesHandler : public StagingHandler<StagedNote>
{
public:
    DbError stagePage(StageContext &context, const json::Array &items) override
    {
        // A note's links are the only mappings its pass reads but does not write.
        const QList<LinkedMapping> links { { &mapping::RecordRefs::dealId,
                                               mappingType::Opportunity },
            { &mapping::RecordRefs::personId, mappingType::Contact },
            { &mapping::RecordRefs::personId, mappingType::Lead },
            { &mapping::RecordRefs::orgId, mappingType::Organization } };
        const DbError error = prefetchLinks(context, items, {}, links);
        if (error.isOk())
            handOverMappings(context, links);
        return error;
    }
    // The links' mappings are mostly handed over by the stage worker: read here are the ones it
    // did not (a page staged on this thread), and the notes' own.
    DbError beginPage(SyncContext &context, const QList<mapping::RecordRefs> &refs) override
    {
        return prefetchMappings(context.store, refs,
            { { &mapping::RecordRefs::id, mappingType::Note },
                { &mapping::RecordRefs::dealId, mappingType::Opportunity },
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
};

} // namespace

DbError EntityHandler::stagePage(StageContext &context, const json::Array &items)
{
    return prefetchLinks(context, items, {});
}

DbError EntityHandler::beginPage(SyncContext &, const QList<mapping::RecordRefs> &)
{
    return {};
}

QList<LinkSpec> EntityHandler::linkedTables()
{
    return { { typeName(mappingType::Organization), QStringLiteral("accounts"), accountColumns() },
        { typeName(mappingType::Contact), QStringLiteral("contacts"), contactColumns() },
        { typeName(mappingType::Lead), QStringLiteral("leads"), leadColumns() },
        { typeName(mappingType::Opportunity), QStringLiteral("opportunities"),
            opportunityColumns() } };
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
