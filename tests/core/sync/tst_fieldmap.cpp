// The company fit end to end against the fake Pipedrive server: FieldCatalog reads what the
// account offers (fields by name, options by label, stages, saved filters, samples), a
// SyncConfig made from it drives a sync, and the CRM rows show the field map, the stage map and
// the filter.

#include "config/fieldcatalog.h"
#include "config/settings.h"
#include "config/syncconfig.h"
#include "fakepipedrive.h"
#include "openapivalidator.h"
#include "sync/syncrunner.h"
#include "testdatabase.h"

#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QSignalSpy>
#include <QSqlError>
#include <QSqlQuery>
#include <QSqlRecord>
#include <QtTest>

using namespace Qt::StringLiterals;
using namespace pds;
using pds::test::FakePipedriveServer;
using pds::test::TestDatabase;
using FE = pds::test::Entity;
using pds::test::FieldSet;

namespace {

constexpr int TimeoutMs = 120000;
const pds::test::DatasetSizes SmallDataset { 6, 40, 60, 30, 40, 20 };

QList<QStringList> rows(Database &db, const QString &sql)
{
    QList<QStringList> result;
    QSqlQuery query(db.handle());
    if (!query.exec(sql))
        qWarning() << sql << query.lastError().text();
    while (query.next()) {
        QStringList row;
        for (int i = 0; i < query.record().count(); ++i)
            row << (query.value(i).isNull() ? u"NULL"_s : query.value(i).toString());
        result << row;
    }
    return result;
}

const mapping::CustomFieldDef *findField(
    const QList<mapping::CustomFieldDef> &defs, const QString &name)
{
    for (const mapping::CustomFieldDef &def : defs) {
        if (def.name == name)
            return &def;
    }
    return nullptr;
}

// The labels of a v2 set value, in the value's order.
QString setLabels(const QJsonValue &value, const mapping::CustomFieldDef &def)
{
    QStringList labels;
    for (const QJsonValue &id : value.toArray())
        labels << def.options.value(QString::number(id.toInteger()));
    return labels.join(u", "_s);
}

} // namespace

class TestFieldMap : public QObject
{
    Q_OBJECT

private:
    FakePipedriveServer m_server;
    QNetworkAccessManager m_nam;
    const QString m_token = u"fit-token"_s;

    std::optional<PipedriveCatalog> loadCatalog(int listPageSize = 500)
    {
        FieldCatalog catalog(&m_nam, { m_server.baseUrl(), m_token, 30000 });
        catalog.setListPageSize(listPageSize);
        QSignalSpy loaded(&catalog, &FieldCatalog::loaded);
        QSignalSpy failed(&catalog, &FieldCatalog::failed);
        catalog.load();
        if (!QTest::qWaitFor([&] { return !loaded.isEmpty() || !failed.isEmpty(); }, TimeoutMs)
            || loaded.isEmpty())
            return std::nullopt;
        return loaded.first().first().value<PipedriveCatalog>();
    }

    SyncOptions options(const DatabaseConfig &database) const
    {
        SyncOptions o;
        o.baseUrl = m_server.baseUrl();
        o.token = m_token;
        o.database = database;
        o.bcryptCost = 4;
        o.retry = RetryPolicy { 3, 10, 50, 3 };
        o.pageSize = 50;
        return o;
    }

    RunSummary sync(const SyncOptions &o)
    {
        SyncRunner runner;
        QSignalSpy finished(&runner, &SyncRunner::finished);
        if (!runner.start(o) || !finished.wait(TimeoutMs))
            return { SyncOutcome::Failed, {}, {}, {}, u"no answer"_s };
        return finished.first().first().value<RunSummary>();
    }

    static bool completed(const RunSummary &summary)
    {
        return summary.outcome == SyncOutcome::Succeeded
            || summary.outcome == SyncOutcome::FinishedWithProblems;
    }

private slots:
    void initTestCase()
    {
        qRegisterMetaType<PipedriveCatalog>();
        m_server.setApiToken(m_token);
        m_server.generate(8, SmallDataset);
        QVERIFY(m_server.listen() != 0);
    }

    void catalogNamesFieldsOptionsStagesAndFilters()
    {
        m_server.resetCounters();
        // Two fields a page: the *Fields lists are read to their end.
        const std::optional<PipedriveCatalog> catalog = loadCatalog(2);
        QVERIFY(catalog);
        const auto &data = m_server.dataset();
        QCOMPARE(catalog->fields.value(u"deals"_s).size(), data.fields(FieldSet::Deal).size());
        QCOMPARE(catalog->fields.value(u"persons"_s).size(), data.fields(FieldSet::Person).size());
        QCOMPARE(catalog->fields.value(u"organizations"_s).size(),
            data.fields(FieldSet::Organization).size());
        const mapping::CustomFieldDef *source
            = findField(catalog->fields.value(u"deals"_s), u"Deal source"_s);
        QVERIFY(source);
        QVERIFY(source->custom);
        QCOMPARE(source->key, data.customFieldKey(FieldSet::Deal, u"Deal source"_s));
        QCOMPARE(source->type, u"enum"_s);
        QCOMPARE(QStringList(source->options.values()).size(), 4);
        QVERIFY(source->options.values().contains(u"Trade fair"_s));
        const mapping::CustomFieldDef *website
            = findField(catalog->fields.value(u"organizations"_s), u"Website"_s);
        QVERIFY(website && !website->custom && website->key == u"website"_s);

        QCOMPARE(catalog->pipelines.size(), data.count(FE::Pipelines));
        QCOMPARE(catalog->stages.size(), data.count(FE::Stages));
        QCOMPARE(catalog->stages.first().name, u"Lead in"_s);
        QCOMPARE(catalog->pipelineName(catalog->stages.first().pipelineId),
            catalog->pipelines.first().name);

        QCOMPARE(catalog->filters.size(), data.filters().size());
        const QList<PipedriveCatalog::Filter> dealFilters = catalog->filtersFor(u"deals"_s);
        QCOMPARE(dealFilters.size(), 2);
        QCOMPARE(dealFilters.at(0).name, u"All open deals"_s); // by name
        QCOMPARE(catalog->filtersFor(u"activities"_s).size(), 1);
        QVERIFY(catalog->filtersFor(u"notes"_s).isEmpty());

        QCOMPARE(catalog->samples.value(u"persons"_s).size(), 5);
        QCOMPARE(catalog->samples.value(u"deals"_s).size(), 5);

        // Paged: more requests than lists.
        QVERIFY2(m_server.requestCount() > 12, qPrintable(m_server.requestLog().join(u'\n')));
        bool pagedFields = false;
        for (const QString &line : m_server.requestLog())
            pagedFields
                = pagedFields || (line.contains(u"dealFields"_s) && line.contains(u"cursor="_s));
        QVERIFY(pagedFields);
    }

    void fakeFiltersMatchTheSpec()
    {
        pds::test::OpenApiValidator validator;
        QString error;
        QVERIFY2(
            validator.load(QStringLiteral(PDS_SHARED_DIR "/pipedrive/openapi/v1.json"), &error),
            qPrintable(error));
        QNetworkRequest request(
            QUrl(m_server.baseUrl().toString() + u"/api/v1/filters?type=deals"_s));
        request.setRawHeader("x-api-token", m_token.toUtf8());
        QNetworkReply *reply = m_nam.get(request);
        QSignalSpy done(reply, &QNetworkReply::finished);
        QVERIFY(done.wait(10000));
        const QJsonObject body = QJsonDocument::fromJson(reply->readAll()).object();
        reply->deleteLater();
        QCOMPARE(body.value(u"data"_s).toArray().size(), 2);
        const QStringList violations
            = validator.validateResponse(u"get"_s, u"/filters"_s, 200, body);
        QVERIFY2(violations.isEmpty(), qPrintable(violations.join(u'\n')));
    }

    void syncFollowsTheFieldMapAndTheStageMap()
    {
        const std::optional<PipedriveCatalog> catalog = loadCatalog();
        QVERIFY(catalog);
        const auto &data = m_server.dataset();

        // A person linking to a user and an organization through custom fields, whose
        // definitions only the configuration has (Pipedrive's v2 sends bare ids).
        const QString managerKey = QString(40, u'a');
        const QString partnerKey = QString(40, u'b');
        const qint64 userId = data.table(FE::Users).first().id;
        const qint64 orgId = data.table(FE::Organizations).first().id;
        const qint64 personId = m_server.addRecord(FE::Persons,
            { { u"name"_s, u"Linked Person"_s },
                { u"emails"_s,
                    QJsonArray { QJsonObject {
                        { u"value"_s, u"linked@example.com"_s }, { u"primary"_s, true } } } },
                { u"owner_id"_s, userId },
                { u"custom_fields"_s,
                    QJsonObject { { managerKey, userId }, { partnerKey, orgId } } } });

        SyncConfig config;
        config.fields = catalog->fields;
        QList<mapping::CustomFieldDef> personFields = config.fields.value(u"persons"_s);
        mapping::CustomFieldDef manager;
        manager.key = managerKey;
        manager.name = u"Account manager"_s;
        manager.type = u"user"_s;
        manager.order = int(personFields.size());
        mapping::CustomFieldDef partner = manager;
        partner.key = partnerKey;
        partner.name = u"Partner"_s;
        partner.type = u"org"_s;
        partner.order = manager.order + 1;
        personFields << manager << partner;
        config.fields.insert(u"persons"_s, personFields);
        const mapping::CustomFieldDef vat
            = *findField(config.fields.value(u"organizations"_s), u"VAT number"_s);
        const mapping::CustomFieldDef interests
            = *findField(config.fields.value(u"persons"_s), u"Interests"_s);
        const mapping::CustomFieldDef tier
            = *findField(config.fields.value(u"persons"_s), u"Customer tier"_s);
        const mapping::CustomFieldDef tags = *findField(config.fields.value(u"deals"_s), u"Tags"_s);
        config.fieldMap = { { u"accounts.phone"_s, vat.key },
            { u"leads.interested_in"_s, interests.key }, { u"opportunities.type"_s, tags.key } };
        // "Lead in" (stage 1) would be prospecting by its name.
        config.stageMap = { { 1, catalog->pipelineName(1), u"Lead in"_s, u"negotiation"_s } };

        TestDatabase testDb(TestDatabase::Kind::Sqlite);
        QVERIFY2(testDb.isValid(), qPrintable(testDb.whyNot()));
        SyncOptions o = options(testDb.config());
        config.applyTo(o);
        const RunSummary summary = sync(o);
        QVERIFY2(completed(summary), qPrintable(summary.message));

        Database db;
        QVERIFY(db.open(testDb.config()).isOk());
        // accounts.phone from the VAT number custom field, else the placeholder (organizations of
        // one name share an account: those are left out).
        const QList<QStringList> accounts = rows(db,
            u"SELECT min(m.pipedrive_id), min(a.phone) FROM accounts a JOIN pipedrive_mappings m "
            "ON m.rails_id = a.id AND m.pipedrive_type = 'Organization' GROUP BY a.id "
            "HAVING count(*) = 1"_s);
        QVERIFY(accounts.size() > 10);
        for (const QStringList &row : accounts) {
            const QJsonObject org = data.record(FE::Organizations, row.at(0).toLongLong());
            const QString expected = org[u"custom_fields"_s][vat.key].toString().trimmed();
            QCOMPARE(row.at(1), expected.isEmpty() ? u"N/A"_s : expected);
        }
        // leads.interested_in from the Interests set by label; the other custom fields by name
        // in the comments, options by label, linked records by name.
        const QList<QStringList> leads = rows(db,
            u"SELECT m.pipedrive_id, l.interested_in, l.comments FROM leads l JOIN "
            "pipedrive_mappings m ON m.rails_id = l.id AND m.pipedrive_type = 'Lead'"_s);
        QVERIFY(leads.size() > 5);
        bool sawLinked = false;
        for (const QStringList &row : leads) {
            const QJsonObject person = data.record(FE::Persons, row.at(0).toLongLong());
            const QJsonObject custom = person.value(u"custom_fields"_s).toObject();
            const QString labels = setLabels(custom.value(interests.key), interests);
            QCOMPARE(row.at(1), labels.isEmpty() ? u"NULL"_s : labels);
            QVERIFY2(!row.at(2).contains(u"Interests:"_s), qPrintable(row.at(2)));
            const QJsonValue tierValue = custom.value(tier.key);
            if (tierValue.isDouble())
                QVERIFY2(row.at(2).contains(u"Customer tier: "_s
                             + tier.options.value(QString::number(tierValue.toInteger()))),
                    qPrintable(row.at(2)));
            QVERIFY2(!row.at(2).contains(tier.key), qPrintable(row.at(2)));
            if (row.at(0).toLongLong() == personId) {
                sawLinked = true;
                const QString userName = data.record(FE::Users, userId).value(u"name"_s).toString();
                const QString orgName
                    = data.record(FE::Organizations, orgId).value(u"name"_s).toString().trimmed();
                QVERIFY2(
                    row.at(2).contains(u"Account manager: "_s + userName), qPrintable(row.at(2)));
                QVERIFY2(row.at(2).contains(u"Partner: "_s + orgName), qPrintable(row.at(2)));
            }
        }
        QVERIFY(sawLinked);
        // opportunities: the stage map before the keywords; the type from the Tags labels.
        const QList<QStringList> opportunities = rows(db,
            u"SELECT m.pipedrive_id, o.stage, o.type, o.comments FROM opportunities o JOIN "
            "pipedrive_mappings m ON m.rails_id = o.id AND m.pipedrive_type = 'Opportunity'"_s);
        QVERIFY(opportunities.size() > 10);
        int mappedStage = 0;
        int existing = 0;
        for (const QStringList &row : opportunities) {
            const QJsonObject deal = data.record(FE::Deals, row.at(0).toLongLong());
            if (deal.value(u"status"_s) == u"open"_s
                && deal.value(u"stage_id"_s).toInteger() == 1) {
                QCOMPARE(row.at(1), u"negotiation"_s);
                ++mappedStage;
            }
            const QString tagLabels = setLabels(deal[u"custom_fields"_s][tags.key], tags);
            const bool renewal = tagLabels.contains(u"Renewal"_s);
            QCOMPARE(row.at(2), renewal ? u"existing_customer"_s : u"new_customer"_s);
            existing += renewal ? 1 : 0;
            QVERIFY2(!row.at(3).contains(u"Tags:"_s), qPrintable(row.at(3)));
        }
        QVERIFY(mappedStage > 0);
        QVERIFY(existing > 0);
    }

    // A setup that never opened the field map (a cron job's): the sync reads the persons' field
    // definitions itself, so that their custom fields reach the leads' comments by label.
    void personFieldsAreReadByTheSyncItself()
    {
        const std::optional<PipedriveCatalog> catalog = loadCatalog();
        QVERIFY(catalog);
        const mapping::CustomFieldDef tier
            = *findField(catalog->fields.value(u"persons"_s), u"Customer tier"_s);
        TestDatabase testDb(TestDatabase::Kind::Sqlite);
        QVERIFY(testDb.isValid());
        SyncOptions o = options(testDb.config());
        o.entities = { Entity::Users, Entity::Organizations, Entity::Persons };
        SyncConfig().applyTo(o);
        QVERIFY(o.mapping.personFields.isEmpty());
        m_server.resetCounters();
        const RunSummary summary = sync(o);
        QVERIFY2(completed(summary), qPrintable(summary.message));
        QVERIFY(m_server.requestLog().filter(u"/api/v2/personFields"_s).size() >= 1);
        Database db;
        QVERIFY(db.open(testDb.config()).isOk());
        const QList<QStringList> leads = rows(db,
            u"SELECT m.pipedrive_id, l.comments FROM leads l JOIN pipedrive_mappings m ON "
            "m.rails_id = l.id AND m.pipedrive_type = 'Lead'"_s);
        int tiers = 0;
        for (const QStringList &row : leads) {
            const QJsonObject person
                = m_server.dataset().record(FE::Persons, row.at(0).toLongLong());
            const QJsonValue value = person[u"custom_fields"_s][tier.key];
            if (!value.isDouble())
                continue;
            QVERIFY2(row.at(1).contains(u"Customer tier: "_s
                         + tier.options.value(QString::number(value.toInteger()))),
                qPrintable(row.at(1)));
            ++tiers;
        }
        QVERIFY(tiers > 0);
    }

    void filterSyncsOnlyWhatItMatches()
    {
        const qint64 wonFilter = m_server.addFilter(
            u"deals"_s, u"Won deals of a test"_s, { { u"status"_s, u"won"_s } });
        SyncConfig config;
        config.filters.insert(u"deals"_s, { wonFilter, u"Won deals of a test"_s });
        TestDatabase testDb(TestDatabase::Kind::Sqlite);
        QVERIFY(testDb.isValid());
        SyncOptions o = options(testDb.config());
        o.entities = { Entity::Users, Entity::Deals };
        config.applyTo(o);
        m_server.resetCounters();
        const RunSummary summary = sync(o);
        QVERIFY2(completed(summary), qPrintable(summary.message));
        qint64 won = 0;
        for (const QJsonObject &deal : m_server.dataset().records(FE::Deals))
            won += deal.value(u"status"_s) == u"won"_s ? 1 : 0;
        QVERIFY(won > 0);
        Database db;
        QVERIFY(db.open(testDb.config()).isOk());
        QCOMPARE(
            rows(db, u"SELECT count(*) FROM opportunities"_s).value(0).value(0).toLongLong(), won);
        QCOMPARE(rows(db, u"SELECT DISTINCT stage FROM opportunities"_s),
            QList<QStringList> { { u"closed_won"_s } });
        int filtered = 0;
        for (const QString &line : m_server.requestLog())
            filtered += line.contains(u"filter_id=%1"_s.arg(wonFilter)) ? 1 : 0;
        QVERIFY2(filtered >= 2, qPrintable(m_server.requestLog().join(u'\n')));
        // Deleted deals are asked for without the filter, which v2 lets override the status: a
        // won deal deleted in Pipedrive is reported (deals the CRM never had are passed over).
        for (const QString &line : m_server.requestLog()) {
            QVERIFY2(!(line.contains(u"filter_id="_s) && line.contains(u"status=deleted"_s)),
                qPrintable(line));
        }
        qint64 goneId = 0;
        for (const QJsonObject &deal : m_server.dataset().records(FE::Deals)) {
            if (deal.value(u"status"_s) == u"won"_s) {
                goneId = deal.value(u"id"_s).toInteger();
                break;
            }
        }
        QVERIFY(m_server.deleteRecord(FE::Deals, goneId));
        const RunSummary again = sync(o);
        QVERIFY2(completed(again), qPrintable(again.message));
        RunCounts deals;
        for (const EntityResult &r : again.entities) {
            if (r.entity == Entity::Deals)
                deals = r.counts;
        }
        QCOMPARE(deals.deleted, 1);
        QCOMPARE(rows(db,
                     u"SELECT pipedrive_id FROM pipedrive_sync_problems WHERE kind = "
                     "'deleted' AND entity = 'deals'"_s),
            QList<QStringList> { { QString::number(goneId) } });
    }
};

QTEST_GUILESS_MAIN(TestFieldMap)
#include "tst_fieldmap.moc"
