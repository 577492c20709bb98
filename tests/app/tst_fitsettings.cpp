// GUI tests of the company fit in the settings (issue 8): the Field map, Stage map and Filters
// pages against the fake Pipedrive server, the next sync following an edited stage map, and the
// configuration exported from one dialog and imported into another.

#include "appsettings.h"
#include "config/settings.h"
#include "config/syncconfig.h"
#include "config/tokenstore.h"
#include "fakepipedrive.h"
#include "mainwindow.h"
#include "settingsdialog.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTabWidget>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QUuid>
#include <QtTest>

#include <memory>

using namespace Qt::StringLiterals;
using pds::Entity;
using pds::MainWindow;
using pds::RunSummary;
using pds::SettingsDialog;
using pds::SyncOutcome;
using pds::TokenStore;
using pds::test::FakePipedriveServer;
using FE = pds::test::Entity;

namespace {

constexpr int TimeoutMs = 60000;
const pds::test::DatasetSizes SmallDataset { 6, 20, 30, 30, 10, 5 };

template<class T> T *child(QObject *parent, const QString &name)
{
    T *found = parent->findChild<T *>(name);
    if (!found)
        qWarning() << "no child" << name;
    return found;
}

bool selectData(QComboBox *combo, const QVariant &data)
{
    const int index = combo ? combo->findData(data) : -1;
    if (index < 0)
        return false;
    combo->setCurrentIndex(index);
    return true;
}

} // namespace

class TestFitSettings : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<pds::Settings> m_settings;
    std::unique_ptr<TokenStore> m_store;
    std::unique_ptr<FakePipedriveServer> m_server;
    QString m_token;
    QString m_importPath; // what the Interaction answers to "open a file"
    QString m_exportPath; // and to "save a file"

    QString databasePath() const { return m_dir->filePath(u"crm.sqlite3"_s); }
    QString domain() const { return m_server->baseUrl().toString(); }

    bool configure()
    {
        m_settings->setCompanyDomain(domain());
        m_settings->setDatabaseUrl(u"sqlite:"_s + databasePath());
        m_settings->sync();
        QSignalSpy written(m_store.get(), &TokenStore::secretWritten);
        m_store->writeSecret(TokenStore::tokenKey(domain()), m_token);
        return written.wait(10000);
    }

    std::unique_ptr<MainWindow> openWindow()
    {
        auto window = std::make_unique<MainWindow>(m_settings.get(), m_store.get());
        pds::Interaction interaction = pds::Interaction::desktop();
        interaction.chooseSaveFile = [this](QWidget *, const QString &, const QString &,
                                         const QString &, std::function<void(QString)> answer) {
            answer(m_exportPath);
        };
        interaction.chooseOpenFile = [this](QWidget *, const QString &, const QString &,
                                         const QString &, std::function<void(QString)> answer) {
            answer(m_importPath);
        };
        window->setInteraction(interaction);
        QSignalSpy refreshed(window.get(), &MainWindow::viewsRefreshed);
        window->show();
        window->start();
        refreshed.wait(10000);
        return window;
    }

    // The settings with their secrets in, on a fit page, with Pipedrive's catalog read.
    SettingsDialog *openFitPage(MainWindow &window, const QString &page)
    {
        SettingsDialog *dialog = window.openSettings();
        QSignalSpy secrets(dialog, &SettingsDialog::secretsLoaded);
        if (!secrets.wait(10000))
            return nullptr;
        QSignalSpy loaded(dialog, &SettingsDialog::catalogLoaded);
        auto *tabs = child<QTabWidget>(dialog, u"tabs"_s);
        tabs->setCurrentWidget(child<QWidget>(dialog, page));
        if (!loaded.wait(TimeoutMs) || !loaded.first().first().toBool())
            return nullptr;
        return dialog;
    }

    bool save(SettingsDialog *dialog)
    {
        QSignalSpy saved(dialog, &SettingsDialog::saved);
        child<QDialogButtonBox>(dialog, u"buttonBox"_s)->button(QDialogButtonBox::Save)->click();
        return saved.wait(10000);
    }

    RunSummary sync(MainWindow &window, const QString &button)
    {
        QSignalSpy finished(&window, &MainWindow::syncFinished);
        child<QPushButton>(&window, button)->click();
        if (!finished.wait(TimeoutMs))
            return { SyncOutcome::Failed, {}, {}, {}, u"timed out"_s };
        return finished.first().first().value<RunSummary>();
    }

    // The CRM stage of the opportunity a deal became.
    QString opportunityStage(qint64 dealId)
    {
        QString stage;
        {
            QSqlDatabase db = QSqlDatabase::addDatabase(u"QSQLITE"_s, u"check"_s);
            db.setDatabaseName(databasePath());
            if (db.open()) {
                QSqlQuery query(db);
                query.prepare(u"SELECT o.stage FROM opportunities o JOIN pipedrive_mappings m ON "
                              "m.rails_id = o.id WHERE m.pipedrive_type = 'Opportunity' AND "
                              "m.pipedrive_id = ?"_s);
                query.addBindValue(dealId);
                if (query.exec() && query.next())
                    stage = query.value(0).toString();
            }
        }
        QSqlDatabase::removeDatabase(u"check"_s);
        return stage;
    }

private slots:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        qputenv("PDS_BCRYPT_COST", "4");
        qunsetenv("PIPEDRIVE_API_TOKEN");
        qunsetenv("PIPEDRIVE_COMPANY_DOMAIN");
        QCoreApplication::setOrganizationName(u"PipedriveSyncTests"_s);
        QCoreApplication::setApplicationName(u"tst_fitsettings"_s);
        qRegisterMetaType<RunSummary>();
    }

    void init()
    {
        m_dir = std::make_unique<QTemporaryDir>();
        QVERIFY(m_dir->isValid());
        m_settings = std::make_unique<pds::Settings>(m_dir->filePath(u"settings.ini"_s));
        m_store = std::make_unique<pds::MemoryTokenStore>();
        m_server = std::make_unique<FakePipedriveServer>();
        m_server->generate(11, SmallDataset);
        m_token = u"tok-"_s + QUuid::createUuid().toString(QUuid::Id128);
        m_server->setApiToken(m_token);
        QVERIFY(m_server->listen() != 0);
        QVERIFY(configure());
    }

    void cleanup()
    {
        m_server.reset();
        m_store.reset();
        m_settings.reset();
        m_dir.reset();
    }

    void editedStageMapReachesTheNextSync()
    {
        // An open deal in "Lead in" (stage 1): prospecting by the keyword rules.
        qint64 dealId = 0;
        for (const QJsonObject &deal : m_server->dataset().records(FE::Deals)) {
            if (deal.value(u"status"_s) == u"open"_s && deal.value(u"stage_id"_s).toInteger() == 1)
                dealId = deal.value(u"id"_s).toInteger();
        }
        QVERIFY(dealId > 0);
        auto window = openWindow();
        RunSummary summary = sync(*window, u"syncAllButton"_s);
        QVERIFY2(summary.outcome == SyncOutcome::Succeeded
                || summary.outcome == SyncOutcome::FinishedWithProblems,
            qPrintable(summary.message));
        QCOMPARE(opportunityStage(dealId), u"prospecting"_s);

        // The Stage map lists every stage by name, each on its keyword default.
        SettingsDialog *dialog = openFitPage(*window, u"stageMapTab"_s);
        QVERIFY(dialog);
        auto *table = child<QTableWidget>(dialog, u"stageMapTable"_s);
        QCOMPARE(table->rowCount(), m_server->dataset().count(FE::Stages));
        QCOMPARE(table->item(0, 1)->text(), u"Lead in"_s);
        auto *leadIn = child<QComboBox>(dialog, u"stageCombo_1"_s);
        QCOMPARE(leadIn->currentData().toString(), u"prospecting"_s);
        QVERIFY(leadIn->currentText().contains(u"(by name)"_s));
        QCOMPARE(child<QComboBox>(dialog, u"stageCombo_3"_s)->currentData().toString(),
            u"presentation"_s);
        QVERIFY(selectData(leadIn, u"negotiation"_s));
        QVERIFY(save(dialog));
        QCOMPARE(pds::SyncConfig::load(*m_settings).crmStageFor(1), u"negotiation"_s);

        // Nothing changed in Pipedrive, yet the next sync of deals applies the new map.
        QTRY_VERIFY(!window->settingsDialog());
        summary = sync(*window, u"syncButton_deals"_s);
        QVERIFY2(summary.outcome == SyncOutcome::Succeeded
                || summary.outcome == SyncOutcome::FinishedWithProblems,
            qPrintable(summary.message));
        QCOMPARE(opportunityStage(dealId), u"negotiation"_s);
        // ... and the one after it is incremental again: nothing to update.
        summary = sync(*window, u"syncButton_deals"_s);
        QCOMPARE(summary.totals().updated, 0);
        QCOMPARE(opportunityStage(dealId), u"negotiation"_s);

        // Back to the keywords.
        dialog = openFitPage(*window, u"stageMapTab"_s);
        QVERIFY(dialog);
        child<QPushButton>(dialog, u"resetStagesButton"_s)->click();
        QCOMPARE(child<QComboBox>(dialog, u"stageCombo_1"_s)->currentData().toString(),
            u"prospecting"_s);
        QVERIFY(save(dialog));
        QVERIFY(pds::SyncConfig::load(*m_settings).stageMap.isEmpty());
    }

    void fieldMapShowsFieldsByNameAndPreviewsASample()
    {
        auto window = openWindow();
        SettingsDialog *dialog = openFitPage(*window, u"fieldMapTab"_s);
        QVERIFY(dialog);
        const auto &data = m_server->dataset();
        const QString vatKey
            = data.customFieldKey(pds::test::FieldSet::Organization, u"VAT number"_s);
        auto *phone = child<QComboBox>(dialog, u"fieldCombo_accounts.phone"_s);
        QCOMPARE(phone->currentText(), u"Nothing: the placeholder"_s);
        // Every choice by name: never a 40-hex key.
        for (int i = 0; i < phone->count(); ++i)
            QVERIFY2(!phone->itemText(i).contains(QRegularExpression(u"[0-9a-f]{40}"_s)),
                qPrintable(phone->itemText(i)));
        QVERIFY(phone->findText(u"VAT number"_s) >= 0);
        QVERIFY(selectData(phone, vatKey));
        // The preview shows the value of the first sample organization.
        auto *table = child<QTableWidget>(dialog, u"fieldMapTable"_s);
        const QJsonObject firstOrg = data.records(FE::Organizations).first();
        const QString vat = firstOrg[u"custom_fields"_s][vatKey].toString();
        QCOMPARE(table->item(0, 2)->text(), vat.isEmpty() ? u"(empty)"_s : vat);
        const QString website = firstOrg.value(u"website"_s).toString();
        QCOMPARE(table->item(2, 2)->text(), website.isEmpty() ? u"(empty)"_s : website);

        // Custom fields listed by name, their options by label, and where each goes.
        auto *custom = child<QTableWidget>(dialog, u"customFieldsTable"_s);
        QStringList lines;
        for (int row = 0; row < custom->rowCount(); ++row) {
            QStringList cells;
            for (int column = 0; column < custom->columnCount(); ++column)
                cells << custom->item(row, column)->text();
            lines << cells.join(u" | "_s);
        }
        const QString all = lines.join(u'\n');
        QVERIFY2(all.contains(u"Deals | Deal source | single option | Inbound, Outbound, "
                              "Referral, Trade fair | Comments of opportunities"_s),
            qPrintable(all));
        QVERIFY2(all.contains(u"Organizations | VAT number | text |  | Accounts: phone"_s),
            qPrintable(all));
        QVERIFY2(all.contains(u"Persons | Customer tier | single option | Bronze, Silver, Gold | "
                              "Comments of leads"_s),
            qPrintable(all));
        QVERIFY(!all.contains(QRegularExpression(u"[0-9a-f]{40}"_s)));

        QVERIFY(save(dialog));
        const pds::SyncConfig saved = pds::SyncConfig::load(*m_settings);
        QCOMPARE(saved.fieldMap.value(u"accounts.phone"_s), vatKey);
        // The field names travel with the map.
        bool named = false;
        for (const pds::mapping::CustomFieldDef &def : saved.fields.value(u"organizations"_s))
            named = named || (def.key == vatKey && def.name == u"VAT number"_s);
        QVERIFY(named);
    }

    void filtersOfferTheSavedFiltersByName()
    {
        auto window = openWindow();
        SettingsDialog *dialog = openFitPage(*window, u"filtersTab"_s);
        QVERIFY(dialog);
        auto *deals = child<QComboBox>(dialog, u"filterCombo_deals"_s);
        QStringList names;
        for (int i = 0; i < deals->count(); ++i)
            names << deals->itemText(i);
        QCOMPARE(names,
            QStringList({ u"All records (no filter)"_s, u"All open deals"_s, u"Won deals"_s }));
        QVERIFY(deals->findText(u"Won deals"_s) >= 0);
        deals->setCurrentIndex(deals->findText(u"Won deals"_s));
        QVERIFY(save(dialog));
        const pds::SyncConfig saved = pds::SyncConfig::load(*m_settings);
        QCOMPARE(saved.filters.value(u"deals"_s).name, u"Won deals"_s);
        QVERIFY(saved.filters.value(u"deals"_s).id > 0);
        QVERIFY(!saved.filters.contains(u"persons"_s));
    }

    void exportedConfigurationImportsIntoAnotherSetup()
    {
        auto window = openWindow();
        SettingsDialog *dialog = openFitPage(*window, u"stageMapTab"_s);
        QVERIFY(dialog);
        QVERIFY(selectData(child<QComboBox>(dialog, u"stageCombo_2"_s), u"final_review"_s));
        child<QLineEdit>(dialog, u"phonePlaceholderEdit"_s)->setText(u"unbekannt"_s);
        m_exportPath = m_dir->filePath(u"team.json"_s);
        QSignalSpy exported(dialog, &SettingsDialog::configExported);
        child<QPushButton>(dialog, u"exportConfigButton"_s)->click();
        QTRY_COMPARE(exported.size(), 1);
        QCOMPARE(exported.first().at(1).toString(), QString());
        const pds::SyncConfig sent = dialog->syncConfig();
        dialog->reject();
        QTRY_VERIFY(!window->settingsDialog());
        window.reset();

        // A colleague's installation: other settings, the same Pipedrive company.
        QTemporaryDir other;
        pds::Settings otherSettings(other.filePath(u"settings.ini"_s));
        otherSettings.setCompanyDomain(domain());
        otherSettings.setDatabaseUrl(u"sqlite:"_s + other.filePath(u"crm.sqlite3"_s));
        auto colleague = std::make_unique<MainWindow>(&otherSettings, m_store.get());
        pds::Interaction interaction = pds::Interaction::desktop();
        m_importPath = m_dir->filePath(u"broken.json"_s);
        interaction.chooseOpenFile = [this](QWidget *, const QString &, const QString &,
                                         const QString &, std::function<void(QString)> answer) {
            answer(m_importPath);
        };
        colleague->setInteraction(interaction);
        colleague->show();
        SettingsDialog *theirs = colleague->openSettings();
        QSignalSpy secrets(theirs, &SettingsDialog::secretsLoaded);
        QVERIFY(secrets.wait(10000));
        QSignalSpy imported(theirs, &SettingsDialog::configImported);

        // A damaged file is refused, saying where and why.
        QFile broken(m_importPath);
        QVERIFY(broken.open(QIODevice::WriteOnly));
        broken.write(R"({"format": "pipedrive-sync-configuration", "version": 1,
            "stage_map": [{"stage_id": 2, "crm_stage": "won"}]})");
        broken.close();
        child<QPushButton>(theirs, u"importConfigButton"_s)->click();
        QTRY_COMPARE(imported.size(), 1);
        const QString status = child<QLabel>(theirs, u"saveStatusLabel"_s)->text();
        QVERIFY2(status.contains(u"stage_map[0].crm_stage"_s) && status.contains(u"\"won\""_s),
            qPrintable(status));
        QVERIFY(theirs->syncConfig() == pds::SyncConfig());

        m_importPath = m_exportPath;
        child<QPushButton>(theirs, u"importConfigButton"_s)->click();
        QTRY_COMPARE(imported.size(), 2);
        QVERIFY(imported.last().at(1).toStringList().isEmpty());
        QCOMPARE(child<QComboBox>(theirs, u"stageCombo_2"_s)->currentData().toString(),
            u"final_review"_s);
        QCOMPARE(child<QLineEdit>(theirs, u"phonePlaceholderEdit"_s)->text(), u"unbekannt"_s);
        QVERIFY(save(theirs));
        QVERIFY(pds::SyncConfig::load(otherSettings) == sent);
    }
};

QTEST_MAIN(TestFitSettings)
#include "tst_fitsettings.moc"
