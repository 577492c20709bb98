// The company fit configuration (pds::SyncConfig): JSON export and import with clear errors,
// the Settings keys the app and the CLI share, what a run takes from it, and the full re-read a
// changed map causes.

#include "config/settings.h"
#include "config/syncconfig.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;
using pds::SyncConfig;

namespace {

const QString kPhoneKey = u"9fadf4cd4415589522f8d54c4f0482e1df7a862a"_s;

SyncConfig sampleConfig()
{
    SyncConfig config;
    config.firstNamePlaceholder = u"Vorname"_s;
    config.lastNamePlaceholder = u"Nachname"_s;
    config.phonePlaceholder = u"unbekannt"_s;
    config.accountPlaceholder = u"(keine Firma)"_s;
    config.opportunityType = u"existing_customer"_s;
    config.defaultOwnerUserId = 3;
    config.deletionPolicy = pds::DeletionPolicy::Delete;
    config.fieldMap = { { u"accounts.phone"_s, kPhoneKey }, { u"accounts.website"_s, QString() },
        { u"leads.interested_in"_s, u"label_ids"_s } };
    config.stageMap = { { 4, u"Sales"_s, u"Demo"_s, u"negotiation"_s },
        { 2, u"Sales"_s, u"Qualified"_s, u"proposal"_s } };
    config.filters = { { u"deals"_s, { 7, u"Big deals"_s } },
        { u"persons"_s, { 9, u"Customers in Berlin"_s } } };
    pds::mapping::CustomFieldDef phone;
    phone.key = kPhoneKey;
    phone.name = u"Switchboard"_s;
    phone.type = u"phone"_s;
    pds::mapping::CustomFieldDef segment;
    segment.key = u"0123456789abcdef0123456789abcdef01234567"_s;
    segment.name = u"Segment"_s;
    segment.type = u"enum"_s;
    segment.options = { { u"1"_s, u"SMB"_s }, { u"2"_s, u"Enterprise"_s }, { u"10"_s, u"Mid"_s } };
    segment.order = 1;
    pds::mapping::CustomFieldDef website;
    website.key = u"website"_s;
    website.name = u"Website"_s;
    website.type = u"varchar"_s;
    website.custom = false;
    website.order = 2;
    config.fields.insert(u"organizations"_s, { phone, segment, website });
    return config;
}

} // namespace

class TestSyncConfig : public QObject
{
    Q_OBJECT

private slots:
    void defaultsAreTheMappingDefaults()
    {
        const SyncConfig config;
        QCOMPARE(config.phonePlaceholder, u"N/A"_s);
        QCOMPARE(config.opportunityType, u"new_customer"_s);
        QVERIFY(config.validate().isEmpty());
        QStringList errors;
        const std::optional<SyncConfig> back = SyncConfig::fromJson(config.toJson(), &errors);
        QVERIFY2(back, qPrintable(errors.join(u'\n')));
        QVERIFY(*back == config);
    }

    void exportsNamesNextToKeysAndIds()
    {
        const QJsonObject json = sampleConfig().toJson();
        QCOMPARE(json.value(u"format"_s).toString(), u"pipedrive-sync-configuration"_s);
        QCOMPARE(json.value(u"version"_s).toInt(), 1);
        const QJsonObject phone = json[u"field_map"_s][u"accounts.phone"_s].toObject();
        QCOMPARE(phone.value(u"field"_s).toString(), kPhoneKey);
        QCOMPARE(phone.value(u"field_name"_s).toString(), u"Switchboard"_s);
        QVERIFY(json[u"field_map"_s][u"accounts.website"_s][u"field"_s].isNull());
        const QJsonArray stages = json.value(u"stage_map"_s).toArray();
        QCOMPARE(stages.size(), 2);
        QCOMPARE(stages.at(0)[u"stage_id"_s].toInt(), 4); // in the order of the map
        QCOMPARE(stages.at(0)[u"stage"_s].toString(), u"Demo"_s);
        QCOMPARE(json[u"filters"_s][u"deals"_s][u"name"_s].toString(), u"Big deals"_s);
        const QJsonArray options = json[u"fields"_s][u"organizations"_s][1][u"options"_s].toArray();
        QCOMPARE(options.size(), 3);
        QCOMPARE(options.at(2)[u"label"_s].toString(), u"Mid"_s); // by numeric id: 1, 2, 10
    }

    void roundTripsThroughJsonFilesAndSettings()
    {
        const SyncConfig config = sampleConfig();
        QStringList errors;
        const std::optional<SyncConfig> fromJson = SyncConfig::fromJson(config.toJson(), &errors);
        QVERIFY2(fromJson, qPrintable(errors.join(u'\n')));
        QVERIFY(*fromJson == config);

        QTemporaryDir dir;
        const QString path = dir.filePath(u"team.json"_s);
        QString error;
        QVERIFY2(config.writeFile(path, &error), qPrintable(error));
        const std::optional<SyncConfig> fromFile = SyncConfig::readFile(path, &errors);
        QVERIFY2(fromFile, qPrintable(errors.join(u'\n')));
        QVERIFY(*fromFile == config);

        pds::Settings settings(dir.filePath(u"settings.ini"_s));
        config.save(settings);
        settings.sync();
        pds::Settings reread(dir.filePath(u"settings.ini"_s));
        QVERIFY(SyncConfig::load(reread) == config);
        // The keys the app's placeholders always used.
        QCOMPARE(reread.value(u"mapping/phonePlaceholder"_s).toString(), u"unbekannt"_s);
        QCOMPARE(reread.value(u"sync/deletionPolicy"_s).toString(), u"delete"_s);
    }

    void acceptsShortHandWrittenForms()
    {
        QStringList errors;
        const std::optional<SyncConfig> config = SyncConfig::fromJson(
            QJsonDocument::fromJson(R"({"format": "pipedrive-sync-configuration", "version": 1,
                "field_map": {"accounts.email": "abc", "accounts.website": null},
                "stage_map": [{"stage_id": 5, "crm_stage": "analysis"}],
                "filters": {"deals": {"id": 3}, "persons": null}})")
                .object(),
            &errors);
        QVERIFY2(config, qPrintable(errors.join(u'\n')));
        QCOMPARE(config->fieldMap.value(u"accounts.email"_s), u"abc"_s);
        QVERIFY(config->fieldMap.contains(u"accounts.website"_s));
        QCOMPARE(config->crmStageFor(5), u"analysis"_s);
        QCOMPARE(config->crmStageFor(6), QString());
        QCOMPARE(config->filters.value(u"deals"_s).id, 3);
        QVERIFY(!config->filters.contains(u"persons"_s));
        QCOMPARE(config->phonePlaceholder, u"N/A"_s); // absent: the default
    }

    void refusesBadConfigurationsSayingWhereAndWhy_data()
    {
        QTest::addColumn<QString>("json");
        QTest::addColumn<QString>("error");
        const QString head = u"\"format\": \"pipedrive-sync-configuration\", \"version\": 1"_s;
        const auto row = [&head](const char *name, const QString &body, const QString &error) {
            QTest::newRow(name) << (u"{"_s + head + (body.isEmpty() ? QString() : u", "_s + body)
                + u"}"_s) << error;
        };
        QTest::newRow("another JSON file")
            << u"{\"name\": \"x\"}"_s << u"format: this is not a Pipedrive Sync configuration"_s;
        QTest::newRow("a newer version") << u"{\"format\": \"pipedrive-sync-configuration\", "
                                            "\"version\": 2}"_s
                                         << u"version: written by a newer version"_s;
        row("unknown setting", u"\"stage_mapping\": []"_s, u"stage_mapping: unknown setting"_s);
        row("unknown CRM column", u"\"field_map\": {\"accounts.name\": \"x\"}"_s,
            u"field_map.accounts.name: no such CRM column"_s);
        row("field key of the wrong type", u"\"field_map\": {\"accounts.phone\": 5}"_s,
            u"field_map.accounts.phone: expected the key of a Pipedrive field"_s);
        row("cc_email as website", u"\"field_map\": {\"accounts.website\": \"cc_email\"}"_s,
            u"field_map.accounts.website: cc_email is the organization's Smart BCC"_s);
        row("closed stage for an open deal",
            u"\"stage_map\": [{\"stage_id\": 1, \"crm_stage\": \"closed_won\"}]"_s,
            u"stage_map[0].crm_stage: \"closed_won\" is not a CRM stage for open deals"_s);
        row("unknown stage",
            u"\"stage_map\": [{\"stage_id\": 1, \"crm_stage\": \"analysis\"}, "
            "{\"stage_id\": 2, \"crm_stage\": \"Demo\"}]"_s,
            u"stage_map[1].crm_stage: \"Demo\" is not a CRM stage"_s);
        row("stage id not a number",
            u"\"stage_map\": [{\"stage_id\": \"3\", \"crm_stage\": \"analysis\"}]"_s,
            u"stage_map[0].stage_id: expected a whole number of at least 1, found \"3\""_s);
        row("stage mapped twice",
            u"\"stage_map\": [{\"stage_id\": 1, \"crm_stage\": \"analysis\"}, "
            "{\"stage_id\": 1, \"crm_stage\": \"proposal\"}]"_s,
            u"stage_map[1].stage_id: stage 1 is mapped twice"_s);
        row("filter on notes", u"\"filters\": {\"notes\": {\"id\": 1}}"_s,
            u"filters.notes: unknown setting"_s);
        row("filter id zero", u"\"filters\": {\"deals\": {\"id\": 0}}"_s,
            u"filters.deals.id: expected a whole number of at least 1"_s);
        row("deletion policy", u"\"deletion_policy\": \"purge\""_s,
            u"deletion_policy: \"purge\" is not a deletion policy"_s);
        row("opportunity type", u"\"opportunity_type\": \"partner\""_s,
            u"opportunity_type: \"partner\" is not an opportunity type"_s);
        row("negative owner", u"\"default_owner_user_id\": -1"_s,
            u"default_owner_user_id: expected a whole number of at least 0"_s);
        row("placeholder not text", u"\"placeholders\": {\"phone\": 5}"_s,
            u"placeholders.phone: expected text"_s);
        row("field without key", u"\"fields\": {\"deals\": [{\"name\": \"x\"}]}"_s,
            u"fields.deals[0].key: expected text"_s);
    }

    void refusesBadConfigurationsSayingWhereAndWhy()
    {
        QFETCH(QString, json);
        QFETCH(QString, error);
        QJsonParseError parse;
        const QJsonDocument document = QJsonDocument::fromJson(json.toUtf8(), &parse);
        QVERIFY2(document.isObject(), qPrintable(parse.errorString()));
        QStringList errors;
        QVERIFY(!SyncConfig::fromJson(document.object(), &errors));
        QVERIFY2(!errors.isEmpty() && errors.join(u'\n').contains(error),
            qPrintable(errors.join(u'\n')));
    }

    void readFileSaysWhatIsWrongWithTheFile()
    {
        QTemporaryDir dir;
        QStringList errors;
        QVERIFY(!SyncConfig::readFile(dir.filePath(u"missing.json"_s), &errors));
        QVERIFY(errors.join(u'\n').contains(u"missing.json"_s));
        QFile broken(dir.filePath(u"broken.json"_s));
        QVERIFY(broken.open(QIODevice::WriteOnly));
        broken.write("{\"format\": ");
        broken.close();
        QVERIFY(!SyncConfig::readFile(broken.fileName(), &errors));
        QVERIFY2(errors.join(u'\n').contains(u"not JSON"_s), qPrintable(errors.join(u'\n')));
    }

    void damagedSettingsFallBackToNoMap()
    {
        QTemporaryDir dir;
        pds::Settings settings(dir.filePath(u"settings.ini"_s));
        settings.setValue(u"mapping/stageMap"_s, u"[{\"stage_id\": 1, \"crm_stage\": \"won\"}]"_s);
        settings.setValue(u"mapping/fieldMap"_s, u"{\"accounts.phone\": \"abc\"}"_s);
        const SyncConfig config = SyncConfig::load(settings);
        QVERIFY(config.stageMap.isEmpty()); // refused as a whole
        QCOMPARE(config.fieldMap.value(u"accounts.phone"_s), u"abc"_s); // the rest still read
    }

    void appliesToARunsOptions()
    {
        pds::SyncOptions options;
        sampleConfig().applyTo(options);
        QCOMPARE(options.defaultOwnerUserId, 3);
        QCOMPARE(options.deletionPolicy, pds::DeletionPolicy::Delete);
        QCOMPARE(options.mapping.firstNamePlaceholder, u"Vorname"_s);
        QCOMPARE(options.mapping.opportunityType, u"existing_customer"_s);
        QCOMPARE(options.mapping.stageMap.value(4), u"negotiation"_s);
        QCOMPARE(options.mapping.filterIds.value(u"deals"_s), 7);
        QCOMPARE(options.mapping.filterIds.value(u"persons"_s), 9);
        QVERIFY(!options.mapping.filterIds.contains(u"activities"_s));
        QCOMPARE(options.mapping.fieldMap.value(u"accounts.phone"_s), kPhoneKey);
        QCOMPARE(options.mapping.organizationFields.value(kPhoneKey).name, u"Switchboard"_s);
        QVERIFY(options.mapping.dealFields.isEmpty());
    }

    void changedMapsMakeTheNextRunFull()
    {
        QTemporaryDir dir;
        pds::Settings settings(dir.filePath(u"settings.ini"_s));
        pds::SyncOptions options;
        options.database = pds::DatabaseConfig::sqlite(dir.filePath(u"crm.sqlite3"_s));
        options.entities = { pds::Entity::Organizations, pds::Entity::Deals };
        const auto finish = [&settings](pds::Entity entity, pds::SyncOutcome outcome) {
            pds::EntityResult result;
            result.entity = entity;
            result.outcome = outcome;
            SyncConfig::noteEntityFinished(settings, result);
        };

        // The defaults, never changed: incremental as before.
        SyncConfig config;
        QVERIFY(!config.prepareRun(settings, options));
        QVERIFY(!options.full);

        // A new stage map concerns deals: the run that brings it re-reads in full ...
        config.stageMap = { { 4, u"Sales"_s, u"Demo"_s, u"negotiation"_s } };
        QVERIFY(
            config.fingerprint(pds::Entity::Deals) != SyncConfig().fingerprint(pds::Entity::Deals));
        QCOMPARE(config.fingerprint(pds::Entity::Organizations),
            SyncConfig().fingerprint(pds::Entity::Organizations));
        QVERIFY(config.prepareRun(settings, options));
        QVERIFY(options.full);
        // ... until deals completed with it; a failed or cancelled pass did not apply it.
        finish(pds::Entity::Organizations, pds::SyncOutcome::Succeeded);
        finish(pds::Entity::Deals, pds::SyncOutcome::Failed);
        options.full = false;
        QVERIFY(config.prepareRun(settings, options));
        finish(pds::Entity::Deals, pds::SyncOutcome::FinishedWithProblems);
        options.full = false;
        QVERIFY(!config.prepareRun(settings, options));
        QVERIFY(!options.full);

        // A dry run applies nothing.
        config.filters.insert(u"deals"_s, { 7, u"Big deals"_s });
        options.dryRun = true;
        QVERIFY(config.prepareRun(settings, options));
        finish(pds::Entity::Deals, pds::SyncOutcome::Succeeded);
        options.dryRun = false;
        options.full = false;
        QVERIFY(config.prepareRun(settings, options));
        finish(pds::Entity::Deals, pds::SyncOutcome::Succeeded);

        // Another database has seen none of it.
        options.full = false;
        QVERIFY(!config.prepareRun(settings, options));
        options.database = pds::DatabaseConfig::sqlite(dir.filePath(u"other.sqlite3"_s));
        QVERIFY(config.prepareRun(settings, options));
    }
};

QTEST_GUILESS_MAIN(TestSyncConfig)
#include "tst_syncconfig.moc"
