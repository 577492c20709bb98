#include "pipedrivechanges.h"

#include <QDebug>
#include <QJsonArray>
#include <QSet>
#include <QSqlError>
#include <QSqlQuery>
#include <QSqlRecord>

namespace pds::test {

namespace {

qint64 idOf(const QJsonValue &value)
{
    return value.isDouble() ? qint64(value.toDouble()) : 0;
}

// Pipedrive ids mapped to CRM rows of `type` that no other record shares (no merge).
QSet<qint64> unsharedMapped(Database &db, const QString &type, QSet<qint64> *shared = nullptr)
{
    QSet<qint64> ids;
    QSqlQuery q(db.handle());
    q.prepare(QStringLiteral(
        "SELECT m.pipedrive_id, (SELECT COUNT(*) FROM pipedrive_mappings o WHERE "
        "o.pipedrive_type = m.pipedrive_type AND o.rails_id = m.rails_id) FROM pipedrive_mappings "
        "m WHERE m.pipedrive_type = ?"));
    q.addBindValue(type);
    if (!q.exec())
        qWarning("mappings: %s", qPrintable(q.lastError().text()));
    while (q.next()) {
        if (q.value(1).toLongLong() == 1)
            ids.insert(q.value(0).toLongLong());
        else if (shared)
            shared->insert(q.value(0).toLongLong());
    }
    return ids;
}

QList<qint64> sorted(const QSet<qint64> &set)
{
    QList<qint64> list(set.cbegin(), set.cend());
    std::sort(list.begin(), list.end());
    return list;
}

} // namespace

QList<Entity> changedEntities()
{
    return { Entity::Organizations, Entity::Persons, Entity::Deals, Entity::Activities,
        Entity::Notes };
}

void prepareInPipedrive(FakePipedriveServer &server)
{
    for (int i = 0; i < 3; ++i)
        server.addRecord(Entity::Organizations,
            { { QStringLiteral("name"), QStringLiteral("Short-lived Venture %1 Ltd").arg(i + 1) },
                { QStringLiteral("owner_id"),
                    server.dataset().table(Entity::Users).constFirst().id } });
}

// (QVERIFY returns nothing: this function says false instead.)
#define CHECK(condition)                                                                           \
    do {                                                                                           \
        if (!(condition)) {                                                                        \
            qWarning("changeInPipedrive: %s does not hold", #condition);                           \
            return false;                                                                          \
        }                                                                                          \
    } while (false)

bool changeInPipedrive(
    FakePipedriveServer &server, Database &db, int round, PipedriveChanges *result)
{
    PipedriveChanges &changes = *result;
    changes = {};
    const FakeDataset &data = server.dataset();

    // What refers to what in Pipedrive.
    QSet<qint64> orgRefs, personRefs, dealRefs;
    QHash<qint64, int> dealsOfPerson; // listed (not deleted) deals per person
    for (const auto &r : data.table(Entity::Persons))
        orgRefs.insert(idOf(r.json.value(QLatin1String("org_id"))));
    for (const auto &r : data.table(Entity::Deals)) {
        orgRefs.insert(idOf(r.json.value(QLatin1String("org_id"))));
        const qint64 person = idOf(r.json.value(QLatin1String("person_id")));
        personRefs.insert(person);
        if (r.json.value(QLatin1String("status")).toString() != QLatin1String("deleted"))
            ++dealsOfPerson[person];
    }
    for (const auto &r : data.table(Entity::Activities)) {
        orgRefs.insert(idOf(r.json.value(QLatin1String("org_id"))));
        personRefs.insert(idOf(r.json.value(QLatin1String("person_id"))));
        for (const QJsonValue &p : r.json.value(QLatin1String("participants")).toArray())
            personRefs.insert(idOf(p.toObject().value(QLatin1String("person_id"))));
        dealRefs.insert(idOf(r.json.value(QLatin1String("deal_id"))));
    }
    for (const auto &r : data.table(Entity::Notes)) {
        orgRefs.insert(idOf(r.json.value(QLatin1String("org_id"))));
        personRefs.insert(idOf(r.json.value(QLatin1String("person_id"))));
        dealRefs.insert(idOf(r.json.value(QLatin1String("deal_id"))));
    }

    // What the CRM holds, one row per record.
    const QSet<qint64> orgs = unsharedMapped(db, QStringLiteral("Organization"));
    QSet<qint64> sharedPersons;
    const QSet<qint64> contacts = unsharedMapped(db, QStringLiteral("Contact"), &sharedPersons);
    const QSet<qint64> leads = unsharedMapped(db, QStringLiteral("Lead"), &sharedPersons);
    const QSet<qint64> deals = unsharedMapped(db, QStringLiteral("Opportunity"));
    const QSet<qint64> tasks = unsharedMapped(db, QStringLiteral("Task"));
    const QSet<qint64> notes = unsharedMapped(db, QStringLiteral("Note"));
    const qint64 owner = data.table(Entity::Users).constFirst().id;

    // Picks the (round+1)-th candidate (ids above the hand-made special records), so that the
    // rounds change different records.
    auto pick = [round](const QList<qint64> &candidates, int skip = 0) -> qint64 {
        QList<qint64> usable;
        for (qint64 id : candidates) {
            if (id > 30)
                usable << id;
        }
        const int index = round * 2 + skip;
        return index < usable.size() ? usable.at(index) : 0;
    };

    // ---- organizations: an address changes, one is new, one goes
    {
        QList<qint64> updatable, deletable;
        for (qint64 id : sorted(orgs)) {
            (orgRefs.contains(id) ? updatable : deletable) << id;
        }
        const qint64 a = pick(updatable), b = pick(updatable, 1), gone = pick(deletable);
        CHECK(a);
        CHECK(b);
        CHECK(gone);
        const QJsonValue addressB
            = data.record(Entity::Organizations, b).value(QLatin1String("address"));
        const QJsonValue addressA
            = data.record(Entity::Organizations, a).value(QLatin1String("address"));
        CHECK(server.updateRecord(Entity::Organizations, a,
            { { QStringLiteral("address"), addressB.isObject() ? addressB : addressA } }));
        CHECK(server.updateRecord(Entity::Organizations, b,
            { { QStringLiteral("address"), QJsonValue(QJsonValue::Null) } }));
        changes.updated[Entity::Organizations] = { a, b };
        changes.added[Entity::Organizations] = { server.addRecord(Entity::Organizations,
            { { QStringLiteral("name"), QStringLiteral("Changed Round %1 GmbH").arg(round) },
                { QStringLiteral("owner_id"), owner } }) };
        CHECK(server.deleteRecord(Entity::Organizations, gone));
        changes.deleted[Entity::Organizations] = { gone };
    }

    // ---- persons: a phone changes, one is new (a lead), one goes
    qint64 contactWithDeals = 0;
    {
        QList<qint64> updatable, deletable;
        for (qint64 id : sorted(contacts + leads)) {
            if (sharedPersons.contains(id))
                continue;
            (personRefs.contains(id) ? updatable : deletable) << id;
        }
        for (qint64 id : sorted(contacts)) {
            if (!sharedPersons.contains(id) && dealsOfPerson.value(id) > 0 && id > 30 + round) {
                contactWithDeals = id;
                break;
            }
        }
        const qint64 a = pick(updatable), b = pick(updatable, 1), gone = pick(deletable);
        CHECK(a && b && gone && contactWithDeals);
        int n = 0;
        for (qint64 id : { a, b }) {
            CHECK(server.updateRecord(Entity::Persons, id,
                { { QStringLiteral("phones"),
                    QJsonArray {
                        QJsonObject { { QStringLiteral("value"),
                                          QStringLiteral("+49 30 %1%2").arg(round).arg(++n) },
                            { QStringLiteral("primary"), true },
                            { QStringLiteral("label"), QStringLiteral("work") } } } } }));
        }
        changes.updated[Entity::Persons] = { a, b };
        changes.added[Entity::Persons] = { server.addRecord(Entity::Persons,
            { { QStringLiteral("name"), QStringLiteral("Ina Round%1").arg(round) },
                { QStringLiteral("emails"),
                    QJsonArray { QJsonObject {
                        { QStringLiteral("value"),
                            QStringLiteral("ina.round%1@changes.example").arg(round) },
                        { QStringLiteral("primary"), true },
                        { QStringLiteral("label"), QStringLiteral("work") } } } },
                { QStringLiteral("owner_id"), owner } }) };
        CHECK(server.deleteRecord(Entity::Persons, gone));
        changes.deleted[Entity::Persons] = { gone };
    }

    // ---- deals: values change, one is new (for a person who is a contact already), one goes
    qint64 noteDeal = 0;
    {
        QList<qint64> updatable, deletable;
        for (qint64 id : sorted(deals)) {
            const QJsonObject deal = data.record(Entity::Deals, id);
            if (deal.isEmpty()
                || deal.value(QLatin1String("status")).toString() == QLatin1String("deleted"))
                continue;
            const qint64 person = idOf(deal.value(QLatin1String("person_id")));
            const bool archived = deal.value(QLatin1String("is_archived")).toBool();
            if (!archived && !dealRefs.contains(id)
                && (person == 0 || dealsOfPerson.value(person) >= 2))
                deletable << id;
            else
                updatable << id;
        }
        const qint64 a = pick(updatable), b = pick(updatable, 1), gone = pick(deletable);
        CHECK(a);
        CHECK(b);
        CHECK(gone);
        noteDeal = a;
        for (qint64 id : { a, b }) {
            const double value
                = data.record(Entity::Deals, id).value(QLatin1String("value")).toDouble();
            CHECK(server.updateRecord(
                Entity::Deals, id, { { QStringLiteral("value"), value + 1000 + round } }));
        }
        changes.updated[Entity::Deals] = { a, b };
        const QJsonObject person = data.record(Entity::Persons, contactWithDeals);
        changes.added[Entity::Deals] = { server.addRecord(Entity::Deals,
            { { QStringLiteral("title"), QStringLiteral("Round %1 deal").arg(round) },
                { QStringLiteral("value"), 4200 + round },
                { QStringLiteral("person_id"), contactWithDeals },
                { QStringLiteral("org_id"), person.value(QLatin1String("org_id")) },
                { QStringLiteral("owner_id"), owner } }) };
        CHECK(server.deleteRecord(Entity::Deals, gone));
        changes.deleted[Entity::Deals] = { gone };
    }

    // ---- activities: done flips, one is new, one without a person goes
    {
        QList<qint64> updatable, deletable;
        for (qint64 id : sorted(tasks)) {
            const QJsonObject activity = data.record(Entity::Activities, id);
            const bool personless = idOf(activity.value(QLatin1String("person_id"))) == 0
                && activity.value(QLatin1String("participants")).toArray().isEmpty();
            (personless ? deletable : updatable) << id;
        }
        const qint64 a = pick(updatable), b = pick(updatable, 1), gone = pick(deletable);
        CHECK(a);
        CHECK(b);
        CHECK(gone);
        for (qint64 id : { a, b }) {
            const bool done
                = data.record(Entity::Activities, id).value(QLatin1String("done")).toBool();
            CHECK(
                server.updateRecord(Entity::Activities, id, { { QStringLiteral("done"), !done } }));
        }
        changes.updated[Entity::Activities] = { a, b };
        changes.added[Entity::Activities] = { server.addRecord(Entity::Activities,
            { { QStringLiteral("subject"), QStringLiteral("Round %1 call").arg(round) },
                { QStringLiteral("type"), QStringLiteral("call") },
                { QStringLiteral("owner_id"), owner } }) };
        CHECK(server.deleteRecord(Entity::Activities, gone));
        changes.deleted[Entity::Activities] = { gone };
    }

    // ---- notes: a text changes, one is new (on a deal), one goes
    {
        const QList<qint64> candidates = sorted(notes);
        const qint64 a = pick(candidates), gone = pick(candidates, 1);
        CHECK(a && gone && noteDeal);
        CHECK(server.updateRecord(Entity::Notes, a,
            { { QStringLiteral("content"),
                QStringLiteral("<p>Changed in round %1</p>").arg(round) } }));
        changes.updated[Entity::Notes] = { a };
        changes.added[Entity::Notes] = { server.addRecord(Entity::Notes,
            { { QStringLiteral("content"), QStringLiteral("<p>Round %1 note</p>").arg(round) },
                { QStringLiteral("deal_id"), noteDeal }, { QStringLiteral("user_id"), owner } }) };
        CHECK(server.deleteRecord(Entity::Notes, gone));
        changes.deleted[Entity::Notes] = { gone };
    }
    return true;
}

QStringList dumpAppTables(Database &db)
{
    QStringList lines;
    for (const QString &table : { QStringLiteral("pipedrive_sync_problems"),
             QStringLiteral("pipedrive_sync_state"), QStringLiteral("pipedrive_sync_changes"),
             QStringLiteral("pipedrive_sync_seen"), QStringLiteral("pipedrive_sync_meta") }) {
        QSqlQuery query(db.handle());
        query.setForwardOnly(true);
        if (!query.exec(QStringLiteral("SELECT * FROM %1 ORDER BY 1, 2").arg(table))) {
            lines << QStringLiteral("error reading %1: %2").arg(table, query.lastError().text());
            continue;
        }
        while (query.next()) {
            const QSqlRecord record = query.record();
            QStringList values;
            for (int i = 0; i < record.count(); ++i) {
                const QVariant value = query.value(i);
                values << (value.isNull() ? QStringLiteral("NULL") : value.toString());
            }
            lines << table + QLatin1Char('|') + values.join(QLatin1Char('|'));
        }
    }
    return lines;
}

} // namespace pds::test
