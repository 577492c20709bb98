// Keeping the CRM current, end to end against the fake server into SQLite and PostgreSQL:
// incremental syncs read only what changed and end where a full sync into an empty database
// ends; records deleted in Pipedrive go by the deletion policy; dry runs count what a real run
// does and write nothing.

#include "crmdump.h"
#include "db/schemamanager.h"
#include "fakepipedrive.h"
#include "mapping/texttools.h"
#include "pipedrivechanges.h"
#include "sync/syncrunner.h"
#include "testdatabase.h"

#include <QSignalSpy>
#include <QSqlError>
#include <QSqlQuery>
#include <QtTest>

using namespace pds;
using namespace Qt::StringLiterals;
using pds::test::TestDatabase;
using FE = pds::test::Entity;

namespace {

constexpr int SyncTimeoutMs = 180000;
constexpr int PageSize = 100;

qint64 count(Database &db, const QString &sql, const QVariantList &values = {})
{
    QSqlQuery query(db.handle());
    query.prepare(sql);
    for (const QVariant &value : values)
        query.addBindValue(value);
    if (!query.exec() || !query.next())
        return -1;
    return query.value(0).toLongLong();
}

Entity appEntity(FE entity)
{
    switch (entity) {
    case FE::Organizations:
        return Entity::Organizations;
    case FE::Persons:
        return Entity::Persons;
    case FE::Deals:
        return Entity::Deals;
    case FE::Activities:
        return Entity::Activities;
    case FE::Notes:
        return Entity::Notes;
    default:
        return Entity::Users;
    }
}

QString countsText(const RunCounts &c)
{
    return QStringLiteral("fetched %1 created %2 updated %3 unchanged %4 merged %5 skipped %6 "
                          "failed %7 deleted %8")
        .arg(c.fetched)
        .arg(c.created)
        .arg(c.updated)
        .arg(c.unchanged)
        .arg(c.merged)
        .arg(c.skipped)
        .arg(c.failed)
        .arg(c.deleted);
}

// The counts that say what a run did to the CRM (not how many requests it took).
RunCounts effect(RunCounts c)
{
    c.requests = 0;
    c.tokens = 0;
    return c;
}

} // namespace

class TestIncremental : public QObject
{
    Q_OBJECT

private:
    pds::test::FakePipedriveServer m_server;
    QString m_token;
    QDateTime m_since; // times from here on come from the syncs' (and the fake's) clocks

    SyncOptions options(const DatabaseConfig &database) const
    {
        SyncOptions o;
        o.baseUrl = m_server.baseUrl();
        o.token = m_token;
        o.database = database;
        o.bcryptCost = 4;
        o.retry = RetryPolicy { 3, 10, 50, 3 };
        o.pageSize = PageSize;
        return o;
    }

    using ProgressHook = std::function<void(SyncRunner &, const SyncProgress &)>;
    RunSummary sync(const SyncOptions &o, const ProgressHook &hook = {})
    {
        SyncRunner runner;
        if (hook)
            connect(&runner, &SyncRunner::progress, this,
                [&runner, hook](const SyncProgress &progress) { hook(runner, progress); });
        QSignalSpy finished(&runner, &SyncRunner::finished);
        if (!runner.start(o) || !finished.wait(SyncTimeoutMs)) {
            RunSummary failed;
            failed.outcome = SyncOutcome::Failed;
            failed.message = QStringLiteral("the sync did not finish");
            return failed;
        }
        return finished.first().first().value<RunSummary>();
    }

    static bool completed(const RunSummary &summary)
    {
        return summary.outcome == SyncOutcome::Succeeded
            || summary.outcome == SyncOutcome::FinishedWithProblems;
    }

    static EntityResult resultFor(const RunSummary &summary, Entity entity)
    {
        for (const EntityResult &result : summary.entities) {
            if (result.entity == entity)
                return result;
        }
        return {};
    }

    // The problems a run recorded, in one order.
    static QStringList problems(const DatabaseConfig &config)
    {
        Database db;
        if (db.open(config).isError())
            return QStringList { QStringLiteral("cannot open the database") };
        QStringList rows;
        QSqlQuery q(db.handle());
        q.exec(QStringLiteral("SELECT entity, pipedrive_id, kind, reason, detail FROM "
                              "pipedrive_sync_problems"));
        while (q.next())
            rows << QStringList { q.value(0).toString(), q.value(1).toString(),
                q.value(2).toString(), q.value(3).toString(), q.value(4).toString() }
                        .join(QLatin1Char('|'));
        rows.sort();
        return rows;
    }

    // Each entity's counts, a line each.
    static QStringList counts(const RunSummary &summary)
    {
        QStringList lines;
        for (const EntityResult &r : summary.entities)
            lines << entityName(r.entity) + QStringLiteral(": ") + countsText(r.counts);
        return lines;
    }

    // Each entity's requests and tokens, a line each.
    static QStringList requestsAndTokens(const RunSummary &summary)
    {
        QStringList lines;
        for (const EntityResult &r : summary.entities)
            lines << QStringLiteral("%1: %2 requests, %3 tokens")
                         .arg(entityName(r.entity))
                         .arg(r.counts.requests)
                         .arg(r.counts.tokens);
        return lines;
    }

    std::unique_ptr<TestDatabase> database()
    {
        QFETCH(QString, kind);
        return std::make_unique<TestDatabase>(TestDatabase::kindFromName(kind));
    }

    // Pipedrive's list of one primary work address (a person's emails or phones).
    static QJsonArray workAddress(const QString &value)
    {
        return QJsonArray { QJsonObject {
            { u"value"_s, value }, { u"primary"_s, true }, { u"label"_s, u"work"_s } } };
    }

    // A person added "in Pipedrive" with one e-mail and no deals (a lead), owned by `owner`,
    // else by the first user.
    qint64 addPerson(const QString &name, const QString &email, qint64 owner = 0)
    {
        if (owner == 0)
            owner = m_server.dataset().table(FE::Users).constFirst().id;
        return m_server.addRecord(FE::Persons,
            { { u"name"_s, name }, { u"emails"_s, workAddress(email) }, { u"owner_id"_s, owner } });
    }

    static void addKinds()
    {
        QTest::addColumn<QString>("kind");
        for (const QString &kind : TestDatabase::kindNames())
            QTest::newRow(qPrintable(kind)) << kind;
    }

    QStringList canonical(const DatabaseConfig &config)
    {
        Database db;
        if (db.open(config).isError())
            return { QStringLiteral("cannot open the database") };
        return pds::test::dumpForComparison(db, { m_since, true });
    }

    // How the CRM in `actual` differs from the one in `expected`, which must hold a full sync's
    // rows (more than 500); empty when they hold the same.
    QString crmDifference(const DatabaseConfig &expected, const DatabaseConfig &actual)
    {
        const QStringList want = canonical(expected);
        if (want.size() <= 500)
            return QStringLiteral("only %1 rows where a full sync's were expected")
                .arg(want.size());
        const QStringList got = canonical(actual);
        return got == want ? QString() : pds::test::firstDifferences(want, got);
    }

    // How the CRM in `crm` differs from a first import of what Pipedrive holds now (a full sync
    // into an empty database of the same kind); empty when they hold the same.
    QString differenceFromAFirstImport(const DatabaseConfig &crm)
    {
        TestDatabase fresh(
            crm.isPostgres() ? TestDatabase::Kind::Postgres : TestDatabase::Kind::Sqlite);
        if (!fresh.isValid())
            return fresh.whyNot();
        const RunSummary first = sync(options(fresh.config()));
        if (!completed(first))
            return first.message;
        return crmDifference(fresh.config(), crm);
    }

    // The high-water mark the next incremental pass of `entity` asks from (minus the overlap).
    static QDateTime sinceOf(Database &db, Entity entity)
    {
        QSqlQuery query(db.handle());
        query.prepare(
            QStringLiteral("SELECT high_water_mark FROM pipedrive_sync_state WHERE entity = ?"));
        query.addBindValue(entityName(entity));
        if (!query.exec() || !query.next())
            return {};
        return mapping::parsePipedriveTime(query.value(0).toString()).addSecs(-120);
    }

    static bool isListRequest(const QString &request)
    {
        static const QStringList lists { QStringLiteral("/api/v2/organizations"),
            QStringLiteral("/api/v2/persons"), QStringLiteral("/api/v2/deals"),
            QStringLiteral("/api/v2/deals/archived"), QStringLiteral("/api/v2/activities"),
            QStringLiteral("/api/v1/notes") };
        return lists.contains(request.section(QLatin1Char('?'), 0, 0));
    }

    static int listRequests(const QList<QString> &log)
    {
        return int(std::count_if(log.cbegin(), log.cend(), isListRequest));
    }

    // Records of a list that an incremental pass from `since` gets (deals: not the deleted ones,
    // which their own list reports).
    int changedSince(FE entity, const QDateTime &since) const
    {
        int n = 0;
        for (const auto &record : m_server.dataset().table(entity)) {
            if (record.updateSecs < since.toSecsSinceEpoch())
                continue;
            if (entity == FE::Deals
                && record.json.value(QLatin1String("status")).toString()
                    == QLatin1String("deleted"))
                continue;
            ++n;
        }
        return n;
    }

private slots:
    void initTestCase()
    {
        m_token = QStringLiteral("%1").arg(
            QRandomGenerator::global()->generate64(), 16, 16, QLatin1Char('0'));
        m_server.setApiToken(m_token);
        QVERIFY(m_server.listen() != 0);
        // The generated records are older; changes through the test API happen from now on.
        m_since = QDateTime::currentDateTimeUtc().addSecs(-5);
    }

    void init()
    {
        // Every test starts from the same Pipedrive account.
        m_server.generate(20261129, pds::test::DatasetSizes());
        pds::test::prepareInPipedrive(m_server);
        m_server.setFaultPlan({});
        m_server.resetCounters();
    }

    void incrementalReadsOnlyWhatChangedAndEndsLikeAFullSync_data() { addKinds(); }
    void incrementalReadsOnlyWhatChangedAndEndsLikeAFullSync()
    {
        auto crm = database();
        if (!crm->isValid())
            QSKIP(qPrintable(crm->whyNot()));
        SyncOptions o = options(crm->config());
        o.deletionPolicy = DeletionPolicy::Delete;
        const RunSummary first = sync(o);
        QVERIFY2(completed(first), qPrintable(first.message));
        // Pipedrive's settings (users/me, pipelines, stages, fields, ...) are read every time.
        const int lookups = m_server.requestCount() - listRequests(m_server.requestLog())
            - int(resultFor(first, Entity::Users).counts.requests);

        pds::test::PipedriveChanges changes;
        QHash<Entity, QDateTime> since;
        {
            Database db;
            QVERIFY(db.open(crm->config()).isOk());
            for (FE entity : pds::test::changedEntities()) {
                since.insert(appEntity(entity), sinceOf(db, appEntity(entity)));
                QVERIFY(since.value(appEntity(entity)).isValid());
            }
            QVERIFY(pds::test::changeInPipedrive(m_server, db, 0, &changes));
        }

        m_server.resetCounters();
        const RunSummary second = sync(o);
        QVERIFY2(completed(second), qPrintable(second.message));

        // Only what changed was read: per entity exactly the records updated since its mark
        // (the changes, and whatever else the 120 s overlap catches), through one request per
        // list, each asking for changes only.
        for (FE fake : pds::test::changedEntities()) {
            const Entity entity = appEntity(fake);
            const RunCounts c = resultFor(second, entity).counts;
            const int expected = changedSince(fake, since.value(entity));
            QVERIFY2(c.fetched == expected,
                qPrintable(QStringLiteral("%1: read %2, changed since the mark %3")
                               .arg(entityName(entity))
                               .arg(c.fetched)
                               .arg(expected)));
            const int listed = m_server.dataset().count(fake);
            QVERIFY2(c.fetched < listed / 4, qPrintable(entityName(entity)));
            QCOMPARE(c.created, qint64(changes.added.value(fake).size()));
            QCOMPARE(c.updated, qint64(changes.updated.value(fake).size()));
            QCOMPARE(c.merged, 0);
            QCOMPARE(c.failed, 0);
            // Deals say they were deleted; the others only vanish, which a full sync finds.
            QCOMPARE(c.deleted, fake == FE::Deals ? 1 : 0);
        }
        // Users have no change filter: the whole list, in one request.
        QCOMPARE(
            resultFor(second, Entity::Users).counts.fetched, m_server.dataset().count(FE::Users));
        QCOMPARE(resultFor(second, Entity::Users).counts.requests, 1);
        const QList<QString> log = m_server.requestLog();
        for (const QString &request : log) {
            if (isListRequest(request))
                QVERIFY2(request.contains(QLatin1String("updated_since=")), qPrintable(request));
        }
        // One page each: organizations, persons, deals (open/won/lost, archived, deleted),
        // activities, notes; besides them only the users and the settings.
        QCOMPARE(listRequests(log), 7);
        QCOMPARE(m_server.requestCount(), lookups + 1 + 7);

        // The deleted deal is gone; what vanished from the other lists is still there until a
        // full sync compares the ids.
        {
            Database db;
            QVERIFY(db.open(crm->config()).isOk());
            QCOMPARE(count(db,
                         QStringLiteral("SELECT COUNT(*) FROM pipedrive_mappings WHERE "
                                        "pipedrive_type = 'Opportunity' AND pipedrive_id = ?"),
                         { changes.deleted.value(FE::Deals).constFirst() }),
                0);
            QCOMPARE(count(db,
                         QStringLiteral("SELECT COUNT(*) FROM pipedrive_mappings WHERE "
                                        "pipedrive_type = 'Organization' AND pipedrive_id = ?"),
                         { changes.deleted.value(FE::Organizations).constFirst() }),
                1);
        }

        // A full sync into an empty database: the reference.
        TestDatabase fresh(
            crm->config().isPostgres() ? TestDatabase::Kind::Postgres : TestDatabase::Kind::Sqlite);
        QVERIFY(fresh.isValid());
        QVERIFY(completed(sync(options(fresh.config()))));

        // A full sync over the incremental one finds the vanished records and deletes their
        // rows; then both databases hold the same rows (row ids aside: the incremental one
        // created the new records after all others, so the dumps are keyed by Pipedrive ids).
        SyncOptions full = o;
        full.full = true;
        const RunSummary third = sync(full);
        QVERIFY2(completed(third), qPrintable(third.message));
        for (FE fake : pds::test::changedEntities()) {
            const RunCounts c = resultFor(third, appEntity(fake)).counts;
            QVERIFY2(c.created == 0 && c.updated == 0 && c.merged == 0,
                qPrintable(entityName(appEntity(fake)) + QStringLiteral(": ") + countsText(c)));
            QCOMPARE(c.deleted, fake == FE::Deals ? 0 : 1);
        }
        const QString difference = crmDifference(fresh.config(), crm->config());
        QVERIFY2(difference.isEmpty(), qPrintable(difference));
    }

    // Two persons sharing a lead by their e-mail; one gets a deal and becomes a contact. The lead
    // stays the other's, unqualified, and syncing again changes nothing.
    void aPersonPromotedFromASharedLeadLeavesItToTheOthers_data() { addKinds(); }
    void aPersonPromotedFromASharedLeadLeavesItToTheOthers()
    {
        auto crm = database();
        if (!crm->isValid())
            QSKIP(qPrintable(crm->whyNot()));
        const qint64 owner = m_server.dataset().table(FE::Users).constFirst().id;
        const qint64 ann = addPerson(u"Ann Three"_s, u"shared3@keys.example"_s);
        const qint64 bob = addPerson(u"Bob Three"_s, u"shared3@keys.example"_s);
        QVERIFY(ann > 0 && bob > 0);
        SyncOptions o = options(crm->config());
        QVERIFY(completed(sync(o)));
        QVERIFY(m_server.addRecord(FE::Deals,
                    { { u"title"_s, u"Bob's first deal"_s }, { u"value"_s, 1200 },
                        { u"person_id"_s, bob }, { u"owner_id"_s, owner } })
            > 0);
        const RunSummary promoted = sync(o);
        QVERIFY2(completed(promoted), qPrintable(promoted.message));
        const auto sharedLead = [&](Database &db) {
            return count(db,
                u"SELECT COUNT(*) FROM leads WHERE email = 'shared3@keys.example' AND "
                "lead_status <> 'qualified'"_s);
        };
        const auto mappings = [&](Database &db, const char *type, qint64 person) {
            return count(db,
                u"SELECT COUNT(*) FROM pipedrive_mappings WHERE pipedrive_type = ? AND "
                "pipedrive_id = ?"_s,
                { QString::fromLatin1(type), person });
        };
        {
            Database db;
            QVERIFY(db.open(crm->config()).isOk());
            QCOMPARE(sharedLead(db), 1);
            QCOMPARE(mappings(db, "Lead", ann), 1);
            QCOMPARE(mappings(db, "Lead", bob), 0);
            QCOMPARE(mappings(db, "Contact", bob), 1);
        }
        SyncOptions full = o;
        full.full = true;
        for (int round = 0; round < 2; ++round) {
            const RunSummary again = sync(full);
            QVERIFY2(completed(again), qPrintable(again.message));
            const RunCounts persons = resultFor(again, Entity::Persons).counts;
            const RunCounts deals = resultFor(again, Entity::Deals).counts;
            QVERIFY2(persons.created == 0 && persons.updated == 0 && deals.updated == 0,
                qPrintable(countsText(persons) + u" / "_s + countsText(deals)));
        }
        Database db;
        QVERIFY(db.open(crm->config()).isOk());
        QCOMPARE(sharedLead(db), 1);
        const QString difference = differenceFromAFirstImport(crm->config());
        QVERIFY2(difference.isEmpty(), qPrintable(difference));
    }

    // A record imported with a value dropped or guessed says so in the problems, as a warning: the
    // row is written and counted as written.
    void aValueDroppedFromAWrittenRowIsAWarning_data() { addKinds(); }
    void aValueDroppedFromAWrittenRowIsAWarning()
    {
        auto crm = database();
        if (!crm->isValid())
            QSKIP(qPrintable(crm->whyNot()));
        const qint64 owner = m_server.dataset().table(FE::Users).constFirst().id;
        const qint64 deal = m_server.addRecord(FE::Deals,
            { { u"title"_s, u"Too likely"_s }, { u"value"_s, 900 }, { u"probability"_s, 150 },
                { u"owner_id"_s, owner } });
        QVERIFY(deal > 0);
        const RunSummary run = sync(options(crm->config()));
        QVERIFY2(completed(run), qPrintable(run.message));
        const QStringList recorded = problems(crm->config());
        QVERIFY2(recorded.contains(u"deals|%1|warning|invalid probability|150"_s.arg(deal)),
            qPrintable(recorded.filter(QString::number(deal)).join(u'\n')));
        Database db;
        QVERIFY(db.open(crm->config()).isOk());
        QCOMPARE(
            count(db,
                u"SELECT COUNT(*) FROM opportunities o JOIN pipedrive_mappings m ON m.rails_id "
                "= o.id AND m.pipedrive_type = 'Opportunity' WHERE m.pipedrive_id = ? AND "
                "o.opportunity_name = 'Too likely'"_s,
                { deal }),
            1);
        // Warnings are no skips: the deals' counts do not change for them.
        const RunCounts deals = resultFor(run, Entity::Deals).counts;
        QCOMPARE(deals.skipped,
            qint64(recorded.filter(QRegularExpression(u"^deals\\|[0-9]*\\|skipped\\|"_s)).size()));
    }

    // A lead that a new deal makes a contact, whose e-mail another person's contact has: merged
    // into that contact, listed under the persons with the person's id, not as a deal's merge.
    void aLeadPromotedIntoAnotherPersonsContactIsAPersonsMerge_data() { addKinds(); }
    void aLeadPromotedIntoAnotherPersonsContactIsAPersonsMerge()
    {
        auto crm = database();
        if (!crm->isValid())
            QSKIP(qPrintable(crm->whyNot()));
        const qint64 owner = m_server.dataset().table(FE::Users).constFirst().id;
        const auto addDeal = [&](qint64 person, const QString &title) {
            return m_server.addRecord(FE::Deals,
                { { u"title"_s, title }, { u"value"_s, 100 }, { u"person_id"_s, person },
                    { u"owner_id"_s, owner } });
        };
        const qint64 cara = addPerson(u"Cara Contact"_s, u"dup@keys.example"_s);
        const qint64 dan = addPerson(u"Dan Lead"_s, u"dup@keys.example"_s);
        QVERIFY(cara > 0 && dan > 0 && addDeal(cara, u"Cara's deal"_s) > 0);
        const SyncOptions o = options(crm->config());
        QVERIFY(completed(sync(o)));
        const qint64 dansDeal = addDeal(dan, u"Dan's deal"_s);
        QVERIFY(dansDeal > 0);
        // The deals alone: the persons' pass, which would read Dan again as a contact, does not
        // run (as for a person whose deal is archived, which the persons' deal counts leave out).
        SyncOptions dealsOnly = o;
        dealsOnly.entities = { Entity::Deals };
        const RunSummary run = sync(dealsOnly);
        QVERIFY2(completed(run), qPrintable(run.message));
        const RunCounts deals = resultFor(run, Entity::Deals).counts;
        QVERIFY2(deals.merged == 0 && deals.created == 1, qPrintable(countsText(deals)));
        const QStringList recorded = problems(crm->config());
        QVERIFY2(recorded.contains(u"persons|%1|merged|same email as another person of the same "
                                   "kind|became a contact through a deal; merged into the row of "
                                   "Pipedrive id %2"_s.arg(dan)
                                       .arg(cara)),
            qPrintable(u"%1 %2: "_s.arg(dan).arg(cara) + recorded.filter(u"merged"_s).join(u'\n')));
        QVERIFY(recorded.filter(u"deals|%1|"_s.arg(dan)).isEmpty());
    }

    // The fallback owner picked in settings may be any CRM user, not only one a Pipedrive user
    // was mapped to (SPEC §4: "or a default user picked in settings").
    void aDefaultOwnerFromTheCrmOwnsWhatHasNoMappedOwner_data() { addKinds(); }
    void aDefaultOwnerFromTheCrmOwnsWhatHasNoMappedOwner()
    {
        auto crm = database();
        if (!crm->isValid())
            QSKIP(qPrintable(crm->whyNot()));
        qint64 admin = -1;
        {
            Database db;
            QVERIFY(db.open(crm->config()).isOk());
            QVERIFY(SchemaManager().ensureSchema(db).isOk());
            QSqlQuery q(db.handle());
            q.prepare(u"INSERT INTO users (email, encrypted_password, first_name, last_name, "
                      "created_at, updated_at) VALUES ('crm.admin@crm.example', 'x', 'Crm', "
                      "'Admin', '2026-01-01 00:00:00', '2026-01-01 00:00:00')"_s);
            QVERIFY2(q.exec(), qPrintable(q.lastError().text()));
            admin = count(db, u"SELECT id FROM users WHERE email = 'crm.admin@crm.example'"_s);
        }
        QVERIFY(admin > 0);
        // A person whose owner is no Pipedrive user the sync knows: a lead.
        const qint64 orphan = addPerson(u"Orphan Owner"_s, u"orphan@keys.example"_s, 987654);
        QVERIFY(orphan > 0);
        SyncOptions o = options(crm->config());
        o.defaultOwnerUserId = admin;
        const RunSummary run = sync(o);
        QVERIFY2(completed(run), qPrintable(run.message));
        Database db;
        QVERIFY(db.open(crm->config()).isOk());
        QCOMPARE(count(db,
                     u"SELECT l.assigned_to_id FROM leads l JOIN pipedrive_mappings m ON "
                     "m.rails_id = l.id AND m.pipedrive_type = 'Lead' WHERE m.pipedrive_id = ?"_s,
                     { orphan }),
            admin);
        QCOMPARE(count(db,
                     u"SELECT COUNT(*) FROM leads WHERE email = 'orphan@keys.example' AND "
                     "lead_owner = 'crm.admin@crm.example'"_s),
            1);
        // Owners Pipedrive has stay theirs.
        QVERIFY(
            count(db, u"SELECT COUNT(*) FROM leads WHERE assigned_to_id <> ?"_s, { admin }) > 10);
    }

    // Lists come by id: a record read on an early page and changed before the pass ends is older
    // than records changed later on later pages. The next run still reads it.
    void aChangeMadeWhileAPassReadsIsReadByTheNextRun_data() { addKinds(); }
    void aChangeMadeWhileAPassReadsIsReadByTheNextRun()
    {
        auto crm = database();
        if (!crm->isValid())
            QSKIP(qPrintable(crm->whyNot()));
        const SyncOptions o = options(crm->config());
        QVERIFY(completed(sync(o)));
        const auto phoneOf = [&](qint64 personId) {
            Database db;
            if (db.open(crm->config()).isError())
                return u"cannot open the database"_s;
            QSqlQuery q(db.handle());
            q.prepare(
                u"SELECT phone FROM contacts t JOIN pipedrive_mappings m ON m.rails_id = t.id "
                "AND m.pipedrive_type = 'Contact' WHERE m.pipedrive_id = ? UNION ALL "
                "SELECT phone FROM leads t JOIN pipedrive_mappings m ON m.rails_id = t.id "
                "AND m.pipedrive_type = 'Lead' WHERE m.pipedrive_id = ?"_s);
            q.addBindValue(personId);
            q.addBindValue(personId);
            return q.exec() && q.next() ? q.value(0).toString() : u"no row"_s;
        };
        // The first person the CRM holds a row of (page 1), and the last person (a later page).
        qint64 early = 0;
        for (const auto &record : m_server.dataset().table(FE::Persons)) {
            if (phoneOf(record.id) != u"no row"_s && (early == 0 || record.id < early))
                early = record.id;
        }
        qint64 late = 0;
        for (const auto &record : m_server.dataset().table(FE::Persons))
            late = qMax(late, record.id);
        QVERIFY(early > 0 && late > early + 2 * PageSize);
        const auto phone = [](const QString &number) {
            return QJsonObject { { u"phones"_s, workAddress(number) } };
        };
        // While the second page is asked for: the first person changes, then, ten minutes later
        // on Pipedrive's clock, the last one.
        bool changed = false;
        m_server.beforeRequest(u"/api/v2/persons"_s, 1, [&] {
            changed = m_server.updateRecord(FE::Persons, early, phone(u"+49 30 1111"_s));
            m_server.setClockOffsetSecs(600);
            changed = changed && m_server.updateRecord(FE::Persons, late, phone(u"+49 30 2222"_s));
        });
        SyncOptions full = o;
        full.full = true;
        QVERIFY(completed(sync(full)));
        QVERIFY(changed);
        QVERIFY(phoneOf(early) != u"+49 30 1111"_s); // read before it changed

        const RunSummary next = sync(o);
        QVERIFY2(completed(next), qPrintable(next.message));
        QCOMPARE(phoneOf(early), u"+49 30 1111"_s);
    }

    // A list's first page is asked for ahead, while the list before it is read: the pass that
    // takes it read from then on, so its mark stops there, not where the pass itself began.
    void aFirstPageAskedForAheadCountsFromWhenItWasAsked()
    {
        TestDatabase crm(TestDatabase::Kind::Sqlite);
        QVERIFY2(crm.isValid(), qPrintable(crm.whyNot()));
        SyncOptions o = options(crm.config());
        o.entities = { Entity::Users, Entity::Organizations, Entity::Persons, Entity::Deals };
        QVERIFY(o.prefetchSources);
        qint64 late = 0;
        for (const auto &record : m_server.dataset().table(FE::Deals))
            late = qMax(late, record.id);
        // A far server: the persons' pages take seconds after the deals' first one was asked for.
        m_server.setLatencyMs(1000);
        QDateTime asked;
        bool changed = false;
        m_server.beforeRequest(u"/api/v2/deals"_s, 0, [&] {
            asked = QDateTime::currentDateTimeUtc();
            // The last deal, on a later page, changes ten minutes later on Pipedrive's clock.
            m_server.setClockOffsetSecs(600);
            changed = m_server.updateRecord(FE::Deals, late, { { u"value"_s, 4321 } });
        });
        const RunSummary run = sync(o);
        m_server.setLatencyMs(0);
        QVERIFY2(completed(run), qPrintable(run.message));
        QVERIFY(changed && asked.isValid());
        // Asked for ahead: before the persons' last page.
        const QList<QString> log = m_server.requestLog();
        qsizetype firstDeals = -1, lastPersons = -1;
        for (qsizetype i = 0; i < log.size(); ++i) {
            if (firstDeals < 0 && log.at(i).startsWith(u"/api/v2/deals?"_s))
                firstDeals = i;
            if (log.at(i).startsWith(u"/api/v2/persons?"_s))
                lastPersons = i;
        }
        QVERIFY2(firstDeals >= 0 && firstDeals < lastPersons, qPrintable(log.join(u'\n')));
        Database db;
        QVERIFY(db.open(crm.config()).isOk());
        QSqlQuery q(db.handle());
        QVERIFY(
            q.exec(u"SELECT high_water_mark FROM pipedrive_sync_state WHERE entity = 'deals'"_s));
        QVERIFY(q.next());
        const QDateTime mark = mapping::parsePipedriveTime(q.value(0).toString());
        QVERIFY2(mark.isValid() && mark <= asked,
            qPrintable(q.value(0).toString() + u" after "_s + asked.toString(Qt::ISODateWithMs)));
    }

    // Persons sharing a lead by their e-mail, then changing it: each ends on the row a first import
    // would give it, and the shared row keeps the key of those still sharing it.
    void aRecordWhoseKeyChangesLeavesTheRowItShared_data() { addKinds(); }
    void aRecordWhoseKeyChangesLeavesTheRowItShared()
    {
        auto crm = database();
        if (!crm->isValid())
            QSKIP(qPrintable(crm->whyNot()));
        const auto setEmail = [&](qint64 id, const QString &email) {
            return m_server.updateRecord(FE::Persons, id, { { u"emails"_s, workAddress(email) } });
        };
        // Persons without deals are leads; the first of a pair owns the row, the second is merged.
        const qint64 ann1 = addPerson(u"Ann One"_s, u"shared1@keys.example"_s);
        const qint64 bob1 = addPerson(u"Bob One"_s, u"shared1@keys.example"_s);
        const qint64 ann2 = addPerson(u"Ann Two"_s, u"shared2@keys.example"_s);
        const qint64 bob2 = addPerson(u"Bob Two"_s, u"shared2@keys.example"_s);
        const qint64 cy = addPerson(u"Cy Alone"_s, u"cy@keys.example"_s);
        QVERIFY(ann1 > 0 && bob1 > 0 && ann2 > 0 && bob2 > 0 && cy > 0);
        const SyncOptions o = options(crm->config());
        const RunSummary first = sync(o);
        QVERIFY2(completed(first), qPrintable(first.message));

        const auto leadEmail = [&](qint64 personId) {
            Database db;
            if (db.open(crm->config()).isError())
                return u"cannot open the database"_s;
            QSqlQuery q(db.handle());
            q.prepare(u"SELECT l.email FROM leads l JOIN pipedrive_mappings m ON m.rails_id = l.id "
                      "WHERE m.pipedrive_type = 'Lead' AND m.pipedrive_id = ?"_s);
            q.addBindValue(personId);
            return q.exec() && q.next() ? q.value(0).toString() : u"no lead"_s;
        };
        const auto rowOwner = [&](const QString &email) {
            Database db;
            if (db.open(crm->config()).isError())
                return qint64(-1);
            return count(db,
                u"SELECT m.pipedrive_id FROM pipedrive_mappings m JOIN leads l ON l.id = "
                "m.rails_id WHERE m.pipedrive_type = 'Lead' AND l.email = ? ORDER BY m.id LIMIT 1"_s,
                { email });
        };
        QCOMPARE(leadEmail(bob1), u"shared1@keys.example"_s);
        QCOMPARE(rowOwner(u"shared1@keys.example"_s), ann1);
        QCOMPARE(rowOwner(u"shared2@keys.example"_s), ann2);

        // The merged one and the owner each get an address of their own.
        QVERIFY(setEmail(bob1, u"bob1@keys.example"_s));
        QVERIFY(setEmail(ann2, u"ann2@keys.example"_s));
        const RunSummary second = sync(o);
        QVERIFY2(completed(second), qPrintable(second.message));
        const RunCounts persons = resultFor(second, Entity::Persons).counts;
        QVERIFY2(persons.created == 2 && persons.merged == 0 && persons.failed == 0,
            qPrintable(countsText(persons)));
        QCOMPARE(leadEmail(ann1), u"shared1@keys.example"_s);
        QCOMPARE(leadEmail(bob1), u"bob1@keys.example"_s);
        QCOMPARE(leadEmail(ann2), u"ann2@keys.example"_s);
        QCOMPARE(leadEmail(bob2), u"shared2@keys.example"_s);
        QCOMPARE(rowOwner(u"shared2@keys.example"_s), bob2);

        // Bob Two, re-read, now writes the row he kept: then the CRM is what a first import of
        // this Pipedrive gives.
        SyncOptions full = o;
        full.full = true;
        const RunSummary third = sync(full);
        QVERIFY2(completed(third), qPrintable(third.message));
        QCOMPARE(resultFor(third, Entity::Persons).counts.created, 0);
        const QString difference = differenceFromAFirstImport(crm->config());
        QVERIFY2(difference.isEmpty(), qPrintable(difference));

        // A person alone on its row who takes another row's address joins that row (the CRM
        // keeps e-mails unique among leads), reported as merged; the row it left stays.
        QVERIFY(setEmail(cy, u"shared1@keys.example"_s));
        const RunSummary fourth = sync(o);
        QVERIFY2(completed(fourth), qPrintable(fourth.message));
        const RunCounts moved = resultFor(fourth, Entity::Persons).counts;
        QVERIFY2(moved.merged == 1 && moved.failed == 0 && moved.created == 0,
            qPrintable(countsText(moved)));
        QCOMPARE(leadEmail(cy), u"shared1@keys.example"_s);
        QCOMPARE(rowOwner(u"shared1@keys.example"_s), ann1);
        Database db;
        QVERIFY(db.open(crm->config()).isOk());
        QCOMPARE(count(db, u"SELECT COUNT(*) FROM leads WHERE email = ?"_s,
                     { u"shared1@keys.example"_s }),
            1);
        QCOMPARE(
            count(db, u"SELECT COUNT(*) FROM leads WHERE email = ?"_s, { u"cy@keys.example"_s }),
            1);
    }

    void reportPolicyKeepsTheRowsAndListsEachDeletion_data() { addKinds(); }
    void reportPolicyKeepsTheRowsAndListsEachDeletion()
    {
        auto crm = database();
        if (!crm->isValid())
            QSKIP(qPrintable(crm->whyNot()));
        const SyncOptions o = options(crm->config()); // the default policy: report
        QCOMPARE(o.deletionPolicy, DeletionPolicy::Report);
        QVERIFY(completed(sync(o)));
        pds::test::PipedriveChanges changes;
        QStringList rowsBefore;
        {
            Database db;
            QVERIFY(db.open(crm->config()).isOk());
            QVERIFY(pds::test::changeInPipedrive(m_server, db, 0, &changes));
        }
        SyncOptions full = o;
        full.full = true;
        const RunSummary summary = sync(full);
        QVERIFY2(completed(summary), qPrintable(summary.message));
        Database db;
        QVERIFY(db.open(crm->config()).isOk());
        for (FE fake : pds::test::changedEntities()) {
            const Entity entity = appEntity(fake);
            QCOMPARE(resultFor(summary, entity).counts.deleted, 1);
            const qint64 id = changes.deleted.value(fake).constFirst();
            // Reported, with the record's id ...
            QCOMPARE(count(db,
                         QStringLiteral("SELECT COUNT(*) FROM pipedrive_sync_problems WHERE kind "
                                        "= 'deleted' AND entity = ? AND pipedrive_id = ? AND "
                                        "reason = 'deleted in Pipedrive'"),
                         { entityName(entity), id }),
                1);
            // ... and still in the CRM, mapped.
            qint64 rows = 0;
            for (const QString &type : mappingTypesFor(entity)) {
                rows += count(db,
                    QStringLiteral("SELECT COUNT(*) FROM pipedrive_mappings WHERE pipedrive_type "
                                   "= ? AND pipedrive_id = ?"),
                    { type, id });
            }
            QVERIFY2(rows >= 1, qPrintable(entityName(entity)));
        }
        // The stats say so too.
        QCOMPARE(count(db,
                     QStringLiteral("SELECT SUM(deleted) FROM pipedrive_sync_runs WHERE id IN "
                                    "(SELECT MAX(id) FROM pipedrive_sync_runs GROUP BY entity)")),
            5);
    }

    void deletePolicyRemovesOnlyRowsTheSyncCreated_data() { addKinds(); }
    void deletePolicyRemovesOnlyRowsTheSyncCreated()
    {
        auto crm = database();
        if (!crm->isValid())
            QSKIP(qPrintable(crm->whyNot()));
        // An organization the CRM had before (the old rake task mapped it) ...
        const qint64 rakeOrg = m_server.addRecord(FE::Organizations,
            { { QStringLiteral("name"), QStringLiteral("Rake Era Holdings") },
                { QStringLiteral("owner_id"), 1 } });
        {
            Database db;
            QVERIFY(db.open(crm->config()).isOk());
            SchemaManager schema;
            QVERIFY(schema.ensureSchema(db).isOk());
            QSqlQuery q(db.handle());
            QVERIFY(q.exec(
                QStringLiteral("INSERT INTO accounts (id, name, phone, created_at, updated_at) "
                               "VALUES (777, 'Rake Era Holdings', 'x', '2020-01-01 00:00:00', "
                               "'2020-01-01 00:00:00')")));
            q.prepare(
                QStringLiteral("INSERT INTO pipedrive_mappings (pipedrive_type, pipedrive_id, "
                               "rails_id, created_at, updated_at) VALUES ('Organization', ?, 777, "
                               "'2020-01-01 00:00:00', '2020-01-01 00:00:00')"));
            q.addBindValue(rakeOrg);
            QVERIFY(q.exec());
        }
        SyncOptions o = options(crm->config());
        o.deletionPolicy = DeletionPolicy::Delete;
        QVERIFY(completed(sync(o)));
        // ... one of three organizations that share an account (same name) ...
        const QList<qint64> globex = { 2, 3, 4 };
        // ... and one the sync created, with a note on it.
        pds::test::PipedriveChanges changes;
        qint64 createdAccount = 0;
        {
            Database db;
            QVERIFY(db.open(crm->config()).isOk());
            QVERIFY(pds::test::changeInPipedrive(m_server, db, 0, &changes));
            createdAccount = count(db,
                QStringLiteral("SELECT rails_id FROM pipedrive_mappings WHERE pipedrive_type = "
                               "'Organization' AND pipedrive_id = ?"),
                { changes.deleted.value(FE::Organizations).constFirst() });
            QVERIFY(createdAccount > 0);
            QCOMPARE(count(db,
                         QStringLiteral("SELECT COUNT(DISTINCT rails_id) FROM pipedrive_mappings "
                                        "WHERE pipedrive_type = 'Organization' AND pipedrive_id "
                                        "IN (2, 3, 4)")),
                1);
        }
        QVERIFY(m_server.deleteRecord(FE::Organizations, rakeOrg));
        QVERIFY(m_server.deleteRecord(FE::Organizations, globex.first()));

        SyncOptions full = o;
        full.full = true;
        const RunSummary summary = sync(full);
        QVERIFY2(completed(summary), qPrintable(summary.message));
        QCOMPARE(resultFor(summary, Entity::Organizations).counts.deleted, 3);

        Database db;
        QVERIFY(db.open(crm->config()).isOk());
        // The row the CRM had stays, still mapped, and the problem says why.
        QCOMPARE(count(db, QStringLiteral("SELECT COUNT(*) FROM accounts WHERE id = 777")), 1);
        QCOMPARE(count(db,
                     QStringLiteral("SELECT COUNT(*) FROM pipedrive_sync_problems WHERE kind = "
                                    "'deleted' AND pipedrive_id = ? AND reason = 'deleted in "
                                    "Pipedrive: the CRM row stays' AND detail LIKE '%before the "
                                    "sync%'"),
                     { rakeOrg }),
            1);
        // The shared account stays for the other two; only the deleted one's mapping went.
        QCOMPARE(
            count(db,
                QStringLiteral("SELECT COUNT(*) FROM pipedrive_mappings WHERE "
                               "pipedrive_type = 'Organization' AND pipedrive_id IN (2, 3, 4)")),
            2);
        // The row the sync created went, with its mapping.
        QCOMPARE(count(db, QStringLiteral("SELECT COUNT(*) FROM accounts WHERE id = ?"),
                     { createdAccount }),
            0);
        QCOMPARE(count(db,
                     QStringLiteral("SELECT COUNT(*) FROM pipedrive_sync_problems WHERE kind = "
                                    "'deleted' AND reason = 'deleted in Pipedrive: removed from "
                                    "the CRM'")),
            5); // one per changed entity
        // Notes of deleted records lose their associations, never point at nothing.
        QCOMPARE(count(db,
                     QStringLiteral(
                         "SELECT COUNT(*) FROM note_associations n WHERE (n.notable_type = "
                         "'Contact' AND n.notable_id NOT IN (SELECT id FROM contacts)) OR "
                         "(n.notable_type = 'Lead' AND n.notable_id NOT IN (SELECT id FROM leads)) "
                         "OR (n.notable_type = 'Opportunity' AND n.notable_id NOT IN (SELECT id "
                         "FROM opportunities)) OR (n.notable_type = 'Account' AND n.notable_id NOT "
                         "IN (SELECT id FROM accounts)) OR n.note_id NOT IN (SELECT id FROM "
                         "notes)")),
            0);
    }

    // The next pages are staged (links read, records mapped) on a second connection while one is
    // written: the CRM, the counts and the problems are those of staging each record right before
    // its write. Pages of 7 put records that depend on each other (a lead a deal promotes, merged
    // persons, notes of the same records) on pages staged before the ones before them commit.
    void stagingAheadWritesWhatOneThreadWrites_data() { addKinds(); }
    void stagingAheadWritesWhatOneThreadWrites()
    {
        QFETCH(QString, kind);
        TestDatabase ahead(TestDatabase::kindFromName(kind));
        TestDatabase serial(TestDatabase::kindFromName(kind));
        if (!ahead.isValid())
            QSKIP(qPrintable(ahead.whyNot()));
        QVERIFY2(serial.isValid(), qPrintable(serial.whyNot()));
        SyncOptions a = options(ahead.config());
        a.pageSize = 7;
        a.deletionPolicy = DeletionPolicy::Delete;
        SyncOptions s = a;
        s.database = serial.config();
        s.stageAhead = false;
        for (int round = 0; round < 2; ++round) {
            if (round > 0) {
                pds::test::PipedriveChanges changes;
                Database db;
                QVERIFY(db.open(serial.config()).isOk());
                QVERIFY(pds::test::changeInPipedrive(m_server, db, 0, &changes));
            }
            const RunSummary one = sync(s);
            QVERIFY2(completed(one), qPrintable(one.message));
            const RunSummary two = sync(a);
            QVERIFY2(completed(two), qPrintable(two.message));
            QCOMPARE(counts(two), counts(one));
            // The comparison is one: the first run staged nothing ahead, the second did.
            QCOMPARE(one.pagesStagedAhead, 0);
            // (Every page of the five entities after users: 140 on the full sync, a few after.)
            QVERIFY2(two.pagesStagedAhead > (round == 0 ? 100 : 0),
                qPrintable(QString::number(two.pagesStagedAhead)));
            const QString difference = crmDifference(serial.config(), ahead.config());
            QVERIFY2(difference.isEmpty(), qPrintable(difference));
            QCOMPARE(problems(ahead.config()), problems(serial.config()));
        }
    }

    // The next source's first page is asked for while the current source's last pages are
    // written (SyncOptions::prefetchSources): the CRM, every pass's counts and the problems are
    // those of a sync that asks for a source's pages only once it starts, on a first import and
    // on the incremental run after changes; each pass's requests and tokens too (its first page
    // counts for it, whenever it came).
    void nextSourcesAskedForAheadWriteWhatOneSourceAtATimeWrites_data() { addKinds(); }
    void nextSourcesAskedForAheadWriteWhatOneSourceAtATimeWrites()
    {
        QFETCH(QString, kind);
        TestDatabase ahead(TestDatabase::kindFromName(kind));
        TestDatabase inTurn(TestDatabase::kindFromName(kind));
        if (!ahead.isValid())
            QSKIP(qPrintable(ahead.whyNot()));
        QVERIFY2(inTurn.isValid(), qPrintable(inTurn.whyNot()));
        SyncOptions a = options(ahead.config());
        a.pageSize = 7;
        SyncOptions t = a;
        t.database = inTurn.config();
        t.prefetchSources = false;
        for (int round = 0; round < 2; ++round) {
            if (round > 0) {
                pds::test::PipedriveChanges changes;
                Database db;
                QVERIFY(db.open(inTurn.config()).isOk());
                QVERIFY(pds::test::changeInPipedrive(m_server, db, 0, &changes));
            }
            const RunSummary one = sync(t);
            QVERIFY2(completed(one), qPrintable(one.message));
            const RunSummary two = sync(a);
            QVERIFY2(completed(two), qPrintable(two.message));
            QCOMPARE(counts(two), counts(one));
            QCOMPARE(requestsAndTokens(two), requestsAndTokens(one));
            QCOMPARE(two.requests, one.requests);
            QCOMPARE(one.sourcesPrefetched, 0);
            // Every source but the first: organizations, persons, the three lists of deals
            // (open and closed, archived, deleted), activities, notes.
            QCOMPARE(two.sourcesPrefetched, 7);
            const QString difference = crmDifference(inTurn.config(), ahead.config());
            QVERIFY2(difference.isEmpty(), qPrintable(difference));
            QCOMPARE(problems(ahead.config()), problems(inTurn.config()));
        }
    }

    // A first page asked for ahead that Pipedrive refuses stops the run as the source's own first
    // request does without asking ahead (whether it was refused before its source started, and
    // asked for again then, or after): the same passes finished, with the same requests, the
    // same CRM; the next runs go on from there to the same CRM.
    void aRefusedPageAskedForAheadStopsTheRunAsItsSourceWould_data() { addKinds(); }
    void aRefusedPageAskedForAheadStopsTheRunAsItsSourceWould()
    {
        QFETCH(QString, kind);
        TestDatabase ahead(TestDatabase::kindFromName(kind));
        TestDatabase inTurn(TestDatabase::kindFromName(kind));
        if (!ahead.isValid())
            QSKIP(qPrintable(ahead.whyNot()));
        QVERIFY2(inTurn.isValid(), qPrintable(inTurn.whyNot()));
        SyncOptions a = options(ahead.config());
        a.pageSize = 7;
        SyncOptions t = a;
        t.database = inTurn.config();
        t.prefetchSources = false;
        // Every request for the open and closed deals' list is refused (a Cloudflare block
        // page): the deals' first source, asked for ahead while the persons are written.
        m_server.failNextHtml403(1000000, 0, QStringLiteral("/api/v2/deals"));
        const RunSummary one = sync(t);
        const RunSummary two = sync(a);
        m_server.setFaultPlan({});
        QCOMPARE(one.outcome, SyncOutcome::Failed);
        QCOMPARE(two.outcome, SyncOutcome::Failed);
        QCOMPARE(two.message, one.message);
        QCOMPARE(resultFor(two, Entity::Deals).outcome, SyncOutcome::Failed);
        // The refused page asked for ahead counts for the deals, not for the persons' pass it
        // came in during: once, or twice when it was refused before the deals began.
        const qint64 refusals = resultFor(two, Entity::Deals).counts.requests;
        QVERIFY2(refusals == 1 || refusals == 2, qPrintable(QString::number(refusals)));
        QCOMPARE(resultFor(one, Entity::Deals).counts.requests, 1);
        const auto finished = [](const RunSummary &summary) {
            QStringList lines = requestsAndTokens(summary);
            lines.removeLast(); // the deals'
            return lines;
        };
        QCOMPARE(finished(two), finished(one));
        QCOMPARE(counts(two), counts(one));
        const QStringList stopped = canonical(inTurn.config());
        QVERIFY(stopped.size() > 100);
        QCOMPARE(canonical(ahead.config()), stopped);

        const RunSummary three = sync(t);
        QVERIFY2(completed(three), qPrintable(three.message));
        const RunSummary four = sync(a);
        QVERIFY2(completed(four), qPrintable(four.message));
        QCOMPARE(counts(four), counts(three));
        const QString difference = crmDifference(inTurn.config(), ahead.config());
        QVERIFY2(difference.isEmpty(), qPrintable(difference));
    }

    // A run the API stops (every deals' page refused) still ends with every user it created
    // hashed, also when the background hashers never got a core (none: as on a busy machine):
    // which users have a password must not depend on idle time. A cancelled run does not wait.
    void aRunTheApiStopsLeavesNoNewUserWithoutAHash_data() { addKinds(); }
    void aRunTheApiStopsLeavesNoNewUserWithoutAHash()
    {
        QFETCH(QString, kind);
        TestDatabase crm(TestDatabase::kindFromName(kind));
        if (!crm.isValid())
            QSKIP(qPrintable(crm.whyNot()));
        SyncOptions o = options(crm.config());
        o.backgroundHashers = -1;
        m_server.failNextHtml403(1000000, 0, QStringLiteral("/api/v2/deals"));
        const RunSummary failed = sync(o);
        m_server.setFaultPlan({});
        QCOMPARE(failed.outcome, SyncOutcome::Failed);
        QVERIFY(resultFor(failed, Entity::Users).counts.created > 0);
        Database db;
        QVERIFY(db.open(crm.config()).isOk());
        const qint64 users = count(db, QStringLiteral("SELECT COUNT(*) FROM users"));
        QVERIFY(users > 1);
        QCOMPARE(count(db,
                     QStringLiteral("SELECT COUNT(*) FROM users WHERE encrypted_password LIKE "
                                    "'$2a$04$%' AND LENGTH(encrypted_password) = 60")),
            users);
    }

    // Pages written back to back share a transaction (SyncOptions::maxPagesPerTransaction): the
    // CRM, the counts and the problems are those of a transaction per page, also when the
    // database refuses records in pages written behind others in one transaction (the
    // transaction rolls back, its pages are written again, and the refusing page record by
    // record), and on the incremental run after changes.
    void pagesSharingATransactionWriteWhatATransactionPerPageWrites_data() { addKinds(); }
    void pagesSharingATransactionWriteWhatATransactionPerPageWrites()
    {
        QFETCH(QString, kind);
        TestDatabase shared(TestDatabase::kindFromName(kind));
        TestDatabase perPage(TestDatabase::kindFromName(kind));
        if (!shared.isValid())
            QSKIP(qPrintable(shared.whyNot()));
        QVERIFY2(perPage.isValid(), qPrintable(perPage.whyNot()));
        // The most frequent task title (the generator repeats subjects): refused by the database
        // in many pages, whichever transaction they share.
        const auto [refused, sharing]
            = pds::test::commonestSubject(m_server.dataset().records(FE::Activities));
        QVERIFY(sharing >= 5);
        for (const TestDatabase *crm : { &shared, &perPage }) {
            DbError error;
            // (The title comes from the generator and holds no quote.) Each task also costs the
            // database some work, as a slow disk or server would: the writes fall behind the
            // fetching, and pages wait, staged, to join a transaction.
            QVERIFY2(pds::test::refuseTasksTitled(crm->config(), refused, true, &error),
                qPrintable(error.toString()));
        }
        SyncOptions a = options(shared.config());
        a.pageSize = 7;
        a.deletionPolicy = DeletionPolicy::Delete;
        SyncOptions one = a;
        one.database = perPage.config();
        one.maxPagesPerTransaction = 1;
        for (int round = 0; round < 2; ++round) {
            if (round > 0) {
                pds::test::PipedriveChanges changes;
                Database db;
                QVERIFY(db.open(perPage.config()).isOk());
                QVERIFY(pds::test::changeInPipedrive(m_server, db, 0, &changes));
            }
            const RunSummary single = sync(one);
            QVERIFY2(completed(single), qPrintable(single.message));
            const RunSummary grouped = sync(a);
            QVERIFY2(completed(grouped), qPrintable(grouped.message));
            QCOMPARE(counts(grouped), counts(single));
            if (round == 0)
                QVERIFY(resultFor(grouped, Entity::Activities).counts.failed >= 5);
            // The comparison is one: a transaction per page there, fewer here on the full sync
            // (the incremental one has a page or two per entity).
            QCOMPARE(single.pageTransactions, single.pagesWritten);
            QCOMPARE(grouped.pagesWritten, single.pagesWritten);
            QVERIFY2(round > 0 || grouped.pageTransactions < grouped.pagesWritten,
                qPrintable(QStringLiteral("%1 pages in %2 transactions")
                               .arg(grouped.pagesWritten)
                               .arg(grouped.pageTransactions)));
            const QString difference = crmDifference(perPage.config(), shared.config());
            QVERIFY2(difference.isEmpty(), qPrintable(difference));
            QCOMPARE(problems(shared.config()), problems(perPage.config()));
        }
    }

    // A cancel while a page is written behind others in one transaction keeps those others, as
    // it would have kept them each in its own transaction (the page being written is written to
    // its end and kept with them: it has no savepoint of its own to roll back to). The counts say
    // what was kept, and the next sync ends where an uncancelled one does.
    void aCancelKeepsThePagesWrittenBeforeItsOwn_data() { addKinds(); }
    void aCancelKeepsThePagesWrittenBeforeItsOwn()
    {
        QFETCH(QString, kind);
        TestDatabase cancelled(TestDatabase::kindFromName(kind));
        TestDatabase whole(TestDatabase::kindFromName(kind));
        if (!cancelled.isValid())
            QSKIP(qPrintable(cancelled.whyNot()));
        QVERIFY2(whole.isValid(), qPrintable(whole.whyNot()));
        for (const TestDatabase *crm : { &cancelled, &whole }) {
            DbError error;
            // Slow task inserts (no task has that title): the activities' pages share
            // transactions.
            QVERIFY2(pds::test::refuseTasksTitled(
                         crm->config(), QStringLiteral("no task has this title"), true, &error),
                qPrintable(error.toString()));
        }
        SyncOptions o = options(cancelled.config());
        o.pageSize = 7;
        bool asked = false;
        const RunSummary summary = sync(o, [&](SyncRunner &runner, const SyncProgress &progress) {
            // The first page of the activities written: cancelled while the next ones are.
            if (!asked && progress.entity == Entity::Activities && progress.done > 0) {
                asked = true;
                runner.cancel();
            }
        });
        QVERIFY(asked);
        QCOMPARE(summary.outcome, SyncOutcome::Cancelled);
        const EntityResult activities = resultFor(summary, Entity::Activities);
        QCOMPARE(activities.outcome, SyncOutcome::Cancelled);
        Database db;
        QVERIFY(db.open(cancelled.config()).isOk());
        const qint64 tasks = count(db, QStringLiteral("SELECT COUNT(*) FROM tasks"));
        QVERIFY2(tasks > 0, "the pages written before the cancelled one were rolled back");
        QCOMPARE(qint64(activities.counts.created), tasks);
        db.close();
        o.pageSize = 7;
        const RunSummary resumed = sync(o);
        QVERIFY2(completed(resumed), qPrintable(resumed.message));
        SyncOptions w = o;
        w.database = whole.config();
        const RunSummary reference = sync(w);
        QVERIFY2(completed(reference), qPrintable(reference.message));
        const QString difference = crmDifference(whole.config(), cancelled.config());
        QVERIFY2(difference.isEmpty(), qPrintable(difference));
    }

    // The connection lost in a page written behind others in one transaction (PostgreSQL's
    // backend ended by a trigger, once): the engine reconnects and writes all of the
    // transaction's pages again, and the CRM, counts and problems are those of a run without
    // the loss.
    void aLostConnectionWritesTheTransactionsPagesAgain()
    {
        TestDatabase lost(TestDatabase::Kind::Postgres);
        TestDatabase whole(TestDatabase::Kind::Postgres);
        if (!lost.isValid())
            QSKIP(qPrintable(lost.whyNot()));
        QVERIFY2(whole.isValid(), qPrintable(whole.whyNot()));
        const QList<QJsonObject> activities = m_server.dataset().records(FE::Activities);
        QVERIFY(activities.size() > 100);
        // A task of the middle of the list: its page is written behind others.
        const QString title = activities.at(activities.size() / 2)
                                  .value(QLatin1String("subject"))
                                  .toString()
                                  .trimmed();
        QVERIFY(!title.isEmpty() && !title.contains(QLatin1Char('\'')));
        for (const TestDatabase *crm : { &lost, &whole }) {
            Database db;
            QVERIFY(db.open(crm->config()).isOk());
            SchemaManager schema;
            DbError error = schema.ensureSchema(db);
            QVERIFY2(error.isOk(), qPrintable(error.toString()));
            // Slow task inserts in both (the writes fall behind and pages share transactions);
            // in one, the first task with that title ends the connection (a sequence is outside
            // the transaction: later tries pass).
            QVERIFY2(db.exec(QStringLiteral("CREATE SEQUENCE fuse"), &error),
                qPrintable(error.toString()));
            QVERIFY2(
                db.exec(QStringLiteral("CREATE FUNCTION slow_task() RETURNS trigger AS $$ "
                                       "BEGIN PERFORM count(*) FROM generate_series(1, "
                                       "20000); IF %1 AND NEW.title = '%2' AND "
                                       "nextval('fuse') = 1 THEN PERFORM "
                                       "pg_terminate_backend(pg_backend_pid()); END IF; "
                                       "RETURN NEW; END $$ LANGUAGE plpgsql")
                            .arg(crm == &lost ? QStringLiteral("true") : QStringLiteral("false"),
                                title),
                    &error),
                qPrintable(error.toString()));
            QVERIFY(db.exec(QStringLiteral("CREATE TRIGGER slow_task BEFORE INSERT ON tasks FOR "
                                           "EACH ROW EXECUTE FUNCTION slow_task()"),
                &error));
        }
        SyncOptions a = options(lost.config());
        a.pageSize = 7;
        SyncOptions b = a;
        b.database = whole.config();
        const RunSummary reference = sync(b);
        QVERIFY2(completed(reference), qPrintable(reference.message));
        const RunSummary summary = sync(a);
        QVERIFY2(completed(summary), qPrintable(summary.message));
        // The trigger did fire, in a transaction of several pages.
        Database db;
        QVERIFY(db.open(lost.config()).isOk());
        QVERIFY(count(db, QStringLiteral("SELECT last_value FROM fuse")) >= 2);
        QVERIFY(summary.pageTransactions < summary.pagesWritten);
        QCOMPARE(counts(summary), counts(reference));
        const QString difference = crmDifference(whole.config(), lost.config());
        QVERIFY2(difference.isEmpty(), qPrintable(difference));
        QCOMPARE(problems(lost.config()), problems(whole.config()));
    }

    void dryRunOnAnEmptyDatabaseCountsLikeTheFirstSync_data() { addKinds(); }
    void dryRunOnAnEmptyDatabaseCountsLikeTheFirstSync()
    {
        auto crm = database();
        if (!crm->isValid())
            QSKIP(qPrintable(crm->whyNot()));
        SyncOptions dry = options(crm->config());
        dry.dryRun = true;
        const RunSummary planned = sync(dry);
        QVERIFY2(completed(planned), qPrintable(planned.message));
        QVERIFY(planned.dryRun);
        {
            Database db;
            QVERIFY(db.open(crm->config()).isOk());
            QVERIFY(pds::test::dumpCrm(db).isEmpty());
            // Only the run history remembers it, with what it would have done.
            QCOMPARE(count(db,
                         QStringLiteral("SELECT COUNT(*) FROM pipedrive_sync_runs WHERE dry_run "
                                        "AND outcome <> 'running'")),
                6);
            QCOMPARE(count(db, QStringLiteral("SELECT SUM(created) FROM pipedrive_sync_runs")),
                planned.totals().created);
            QCOMPARE(count(db, QStringLiteral("SELECT COUNT(*) FROM pipedrive_sync_problems")), 0);
            QCOMPARE(count(db, QStringLiteral("SELECT COUNT(*) FROM pipedrive_sync_changes")), 0);
        }
        // Each page and entity of the dry run saw what the earlier ones would have written (a
        // note finds the contact a person would have become), so the counts are the real ones.
        const RunSummary real = sync(options(crm->config()));
        QVERIFY2(completed(real), qPrintable(real.message));
        QVERIFY(real.totals().created > 500);
        for (const EntityResult &result : real.entities) {
            const RunCounts expected = effect(result.counts);
            const RunCounts actual = effect(resultFor(planned, result.entity).counts);
            QVERIFY2(actual == expected,
                qPrintable(entityName(result.entity) + QStringLiteral(": dry run ")
                    + countsText(actual) + QStringLiteral(", real ") + countsText(expected)));
        }
    }

    void dryRunAfterChangesCountsLikeTheSyncAndWritesNothing_data() { addKinds(); }
    void dryRunAfterChangesCountsLikeTheSyncAndWritesNothing()
    {
        auto crm = database();
        if (!crm->isValid())
            QSKIP(qPrintable(crm->whyNot()));
        SyncOptions o = options(crm->config());
        o.deletionPolicy = DeletionPolicy::Delete;
        QVERIFY(completed(sync(o)));
        QStringList crmBefore, appBefore;
        {
            Database db;
            QVERIFY(db.open(crm->config()).isOk());
            pds::test::PipedriveChanges changes;
            QVERIFY(pds::test::changeInPipedrive(m_server, db, 0, &changes));
            crmBefore = pds::test::dumpCrm(db);
            appBefore = pds::test::dumpAppTables(db);
        }
        QVERIFY(crmBefore.size() > 500);
        auto unchanged = [&] {
            Database db;
            if (db.open(crm->config()).isError())
                return false;
            return pds::test::dumpCrm(db) == crmBefore && pds::test::dumpAppTables(db) == appBefore;
        };
        // Incremental and full, each with everything but the commit.
        SyncOptions dry = o;
        dry.dryRun = true;
        const RunSummary plannedIncremental = sync(dry);
        QVERIFY2(completed(plannedIncremental), qPrintable(plannedIncremental.message));
        QVERIFY(unchanged());
        dry.full = true;
        const RunSummary plannedFull = sync(dry);
        QVERIFY2(completed(plannedFull), qPrintable(plannedFull.message));
        QVERIFY(unchanged());
        QVERIFY(plannedFull.totals().deleted >= 5);
        QVERIFY(plannedFull.totals().created >= 5);

        SyncOptions full = o;
        full.full = true;
        const RunSummary real = sync(full);
        QVERIFY2(completed(real), qPrintable(real.message));
        for (const EntityResult &result : real.entities) {
            const RunCounts expected = effect(result.counts);
            const RunCounts actual = effect(resultFor(plannedFull, result.entity).counts);
            QVERIFY2(actual == expected,
                qPrintable(entityName(result.entity) + QStringLiteral(": dry run ")
                    + countsText(actual) + QStringLiteral(", real ") + countsText(expected)));
        }
        QVERIFY(!unchanged());
    }
};

QTEST_GUILESS_MAIN(TestIncremental)
#include "tst_incremental.moc"
