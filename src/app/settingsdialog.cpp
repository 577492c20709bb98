#include "settingsdialog.h"
#include "ui_settingsdialog.h"

#include "api/companydomain.h"
#include "appsettings.h"
#include "config/fieldcatalog.h"
#include "config/schedule.h"
#include "config/settings.h"
#include "config/tokenstore.h"
#include "connectiontester.h"
#include "databasetasks.h"
#include "databaseworker.h"
#include "fitpages.h"
#include "interaction.h"
#include "scheduler.h"
#include "usertext.h"

#include <QDir>
#include <QNetworkAccessManager>
#include <QPushButton>

namespace pds {

namespace {

void makeShowButton(QToolButton *button, QLineEdit *edit)
{
    button->setIcon(QIcon(QStringLiteral(":/icons/show.svg")));
    QObject::connect(button, &QToolButton::toggled, edit, [button, edit](bool shown) {
        edit->setEchoMode(shown ? QLineEdit::Normal : QLineEdit::Password);
        button->setIcon(
            QIcon(shown ? QStringLiteral(":/icons/hide.svg") : QStringLiteral(":/icons/show.svg")));
        button->setText(shown ? SettingsDialog::tr("Hide") : SettingsDialog::tr("Show"));
    });
}

} // namespace

SettingsDialog::SettingsDialog(Settings &settings, TokenStore &store, ConnectionTester &tester,
    DatabaseWorker &worker, const Interaction &interaction, QWidget *parent)
    : QDialog(parent)
    , m_ui(std::make_unique<Ui::SettingsDialog>())
    , m_settings(settings)
    , m_store(store)
    , m_tester(tester)
    , m_worker(worker)
    , m_interaction(interaction)
{
    m_ui->setupUi(this);
    m_ui->testConnectionButton->setIcon(QIcon(QStringLiteral(":/icons/test.svg")));
    m_ui->testDatabaseButton->setIcon(QIcon(QStringLiteral(":/icons/database.svg")));
    makeShowButton(m_ui->showTokenButton, m_ui->tokenEdit);
    makeShowButton(m_ui->showPasswordButton, m_ui->passwordEdit);
    m_ui->showTokenButton->setText(tr("S&how"));

    using SslMode = DatabaseConfig::SslMode;
    const QList<std::pair<SslMode, QString>> sslModes {
        { SslMode::Disable, tr("disable: never encrypt") },
        { SslMode::Allow, tr("allow: encrypt if the server insists") },
        { SslMode::Prefer, tr("prefer: encrypt if the server can (default)") },
        { SslMode::Require, tr("require: always encrypt") },
        { SslMode::VerifyCa, tr("verify-ca: encrypt and check the certificate") },
        { SslMode::VerifyFull, tr("verify-full: also check the host name") },
    };
    for (const auto &[mode, text] : sslModes)
        m_ui->sslModeCombo->addItem(text, DatabaseConfig::sslModeName(mode));
    m_ui->deletionPolicyCombo->addItem(
        tr("Report them in Problems, keep the CRM rows"), int(DeletionPolicy::Report));
    m_ui->deletionPolicyCombo->addItem(
        tr("Delete their rows from the CRM"), int(DeletionPolicy::Delete));
    m_ui->scheduleKindCombo->addItem(tr("Off"), int(Schedule::Kind::Off));
    m_ui->scheduleKindCombo->addItem(tr("Every"), int(Schedule::Kind::EveryHours));
    m_ui->scheduleKindCombo->addItem(tr("Daily at"), int(Schedule::Kind::DailyAt));
    connect(m_ui->scheduleKindCombo, &QComboBox::currentIndexChanged, this,
        &SettingsDialog::updateScheduleFields);
    connect(m_ui->scheduleHoursSpin, &QSpinBox::valueChanged, this, [this](int hours) {
        m_ui->scheduleHoursSpin->setSuffix(hours == 1 ? tr(" hour") : tr(" hours"));
    });

    // The company fit: field map, stage map and filters, read from Pipedrive the first time one
    // of their pages is shown (with the domain and token as typed); the configuration travels
    // as JSON through Export and Import.
    m_fit = new FitPages(m_ui->tabs, this);
    connect(m_fit, &FitPages::loadRequested, this, &SettingsDialog::loadCatalog);
    connect(m_ui->tabs, &QTabWidget::currentChanged, this, [this](int index) {
        if (m_fit->isFitPage(m_ui->tabs->widget(index)) && !m_fit->hasCatalog()
            && !(m_catalog && m_catalog->isLoading()) && !tokenForCheck().isEmpty()
            && !m_ui->domainEdit->text().trimmed().isEmpty())
            loadCatalog();
    });
    QPushButton *exportButton
        = m_ui->buttonBox->addButton(tr("&Export…"), QDialogButtonBox::ActionRole);
    exportButton->setObjectName(QStringLiteral("exportConfigButton"));
    exportButton->setToolTip(tr("Save the sync options, maps and filters as a file for others"));
    exportButton->setAutoDefault(false);
    connect(exportButton, &QPushButton::clicked, this, &SettingsDialog::exportConfig);
    QPushButton *importButton
        = m_ui->buttonBox->addButton(tr("&Import…"), QDialogButtonBox::ActionRole);
    importButton->setObjectName(QStringLiteral("importConfigButton"));
    importButton->setToolTip(
        tr("Take the sync options, maps and filters from a file someone exported"));
    importButton->setAutoDefault(false);
    connect(importButton, &QPushButton::clicked, this, &SettingsDialog::importConfig);

    connect(
        m_ui->testConnectionButton, &QPushButton::clicked, this, &SettingsDialog::testConnection);
    connect(m_ui->testDatabaseButton, &QPushButton::clicked, this, &SettingsDialog::testDatabase);
    connect(m_ui->browseButton, &QPushButton::clicked, this, &SettingsDialog::chooseSqliteFile);
    connect(m_ui->sqliteRadio, &QRadioButton::toggled, this, &SettingsDialog::updateDatabaseKind);
    connect(m_ui->buttonBox, &QDialogButtonBox::accepted, this, &SettingsDialog::save);
    connect(m_ui->buttonBox, &QDialogButtonBox::rejected, this, &SettingsDialog::reject);
    connect(&m_store, &TokenStore::secretRead, this, &SettingsDialog::onSecretRead);
    connect(&m_store, &TokenStore::secretWritten, this, &SettingsDialog::onSecretStored);
    connect(&m_store, &TokenStore::secretDeleted, this, &SettingsDialog::onSecretStored);
    // Results of a test describe the fields as they were: clear them when the fields change.
    for (QLineEdit *edit : { m_ui->domainEdit, m_ui->tokenEdit })
        connect(edit, &QLineEdit::textEdited, m_ui->connectionResultLabel, &QLabel::clear);
    for (QLineEdit *edit : { m_ui->sqlitePathEdit, m_ui->hostEdit, m_ui->databaseNameEdit,
             m_ui->userEdit, m_ui->passwordEdit })
        connect(edit, &QLineEdit::textEdited, m_ui->databaseResultLabel, &QLabel::clear);
    load();
}

SettingsDialog::~SettingsDialog() = default;

void SettingsDialog::load()
{
    const QString domain = m_settings.savedCompanyDomain();
    m_ui->domainEdit->setText(domain);
    if (!Settings::environmentToken().isEmpty())
        m_ui->tokenHintLabel->setText(m_ui->tokenHintLabel->text() + QLatin1Char(' ')
            + tr("PIPEDRIVE_API_TOKEN is set in the environment and is used instead of the "
                 "saved token."));
    if (!qEnvironmentVariable("PIPEDRIVE_COMPANY_DOMAIN").trimmed().isEmpty())
        m_ui->tokenHintLabel->setText(m_ui->tokenHintLabel->text() + QLatin1Char(' ')
            + tr("PIPEDRIVE_COMPANY_DOMAIN is set in the environment and overrides this domain."));

    QString urlError;
    const DatabaseConfig database
        = savedDatabaseConfig(m_settings, &urlError).value_or(DatabaseConfig::defaultConfig());
    if (!urlError.isEmpty())
        m_ui->databaseResultLabel->setText(
            tr("The saved database setting could not be read (%1); showing the default.")
                .arg(urlError));
    m_ui->sqlitePathEdit->setText(database.isSqlite()
            ? QDir::toNativeSeparators(database.sqlitePath)
            : QDir::toNativeSeparators(DatabaseConfig::defaultSqlitePath()));
    if (database.isPostgres()) {
        m_ui->postgresRadio->setChecked(true);
        m_ui->hostEdit->setText(database.host);
        m_ui->portSpin->setValue(database.port);
        m_ui->databaseNameEdit->setText(database.databaseName);
        m_ui->userEdit->setText(database.user);
        m_ui->sslModeCombo->setCurrentIndex(
            m_ui->sslModeCombo->findData(DatabaseConfig::sslModeName(database.sslMode)));
    } else {
        m_ui->sqliteRadio->setChecked(true);
        m_ui->sslModeCombo->setCurrentIndex(m_ui->sslModeCombo->findData(
            DatabaseConfig::sslModeName(DatabaseConfig::SslMode::Prefer)));
    }
    updateDatabaseKind();

    const SyncPreferences prefs = SyncPreferences::load(m_settings);
    m_ui->pageSizeSpin->setValue(prefs.pageSize);
    m_savedOwner = prefs.config.defaultOwnerUserId;
    const Schedule schedule = Schedule::load(m_settings);
    m_ui->scheduleKindCombo->setCurrentIndex(m_ui->scheduleKindCombo->findData(int(schedule.kind)));
    m_ui->scheduleHoursSpin->setValue(schedule.everyHours);
    m_ui->scheduleHoursSpin->setSuffix(schedule.everyHours == 1 ? tr(" hour") : tr(" hours"));
    m_ui->scheduleTimeEdit->setTime(schedule.dailyAt);
    m_ui->keepInTrayCheck->setChecked(
        m_settings.value(QString::fromLatin1(scheduleKeys::KeepInTray), true).toBool());
    updateScheduleFields();
    m_ui->defaultOwnerCombo->addItem(tr("The Pipedrive token's own user"), qint64(0));
    showConfig(prefs.config);
    loadOwners(database);

    // The secrets come from the keychain; the fields fill in when it answers.
    if (!domain.isEmpty()) {
        m_tokenKey = TokenStore::tokenKey(domain);
        m_pendingReads.insert(m_tokenKey);
    }
    if (database.isPostgres()) {
        m_passwordKey = TokenStore::databasePasswordKey(databaseUrlFor(database));
        m_pendingReads.insert(m_passwordKey);
    }
    if (m_pendingReads.isEmpty()) {
        QMetaObject::invokeMethod(this, &SettingsDialog::secretsLoaded, Qt::QueuedConnection);
        return;
    }
    for (const QString &key : std::as_const(m_pendingReads))
        m_store.readSecret(key);
}

void SettingsDialog::loadOwners(const DatabaseConfig &config)
{
    m_worker.run<tasks::CrmUsers>([config] { return tasks::readCrmUsers(config); }, this,
        [this](const tasks::CrmUsers &result) {
            QComboBox *combo = m_ui->defaultOwnerCombo;
            const qint64 current = combo->currentData().toLongLong();
            while (combo->count() > 1)
                combo->removeItem(1);
            bool found = current == 0;
            for (const tasks::CrmUser &user : result.users) {
                combo->addItem(
                    user.name.isEmpty() ? user.email : tr("%1 <%2>").arg(user.name, user.email),
                    user.id);
                found = found || user.id == current;
            }
            if (!found)
                combo->addItem(tr("CRM user #%1").arg(current), current);
            combo->setCurrentIndex(combo->findData(current));
        });
}

void SettingsDialog::onSecretRead(const QString &key, const QString &secret, const QString &error)
{
    if (!m_pendingReads.remove(key))
        return;
    if (!error.isEmpty()) {
        m_ui->saveStatusLabel->setText(error);
    } else if (key == m_tokenKey && !m_ui->tokenEdit->isModified()) {
        m_ui->tokenEdit->setText(secret);
    } else if (key == m_passwordKey && !m_ui->passwordEdit->isModified()) {
        m_ui->passwordEdit->setText(secret);
    }
    if (m_pendingReads.isEmpty())
        emit secretsLoaded();
}

DatabaseConfig SettingsDialog::databaseConfig() const
{
    if (m_ui->sqliteRadio->isChecked())
        return DatabaseConfig::sqlite(
            QDir::fromNativeSeparators(m_ui->sqlitePathEdit->text().trimmed()));
    DatabaseConfig config;
    config.kind = DatabaseConfig::Kind::Postgres;
    config.host = m_ui->hostEdit->text().trimmed();
    config.port = m_ui->portSpin->value();
    config.databaseName = m_ui->databaseNameEdit->text().trimmed();
    config.user = m_ui->userEdit->text().trimmed();
    config.password = m_ui->passwordEdit->text();
    config.sslMode = DatabaseConfig::sslModeFromName(m_ui->sslModeCombo->currentData().toString())
                         .value_or(DatabaseConfig::SslMode::Prefer);
    return config;
}

QString SettingsDialog::tokenForCheck() const
{
    const QString typed = m_ui->tokenEdit->text().trimmed();
    return typed.isEmpty() ? Settings::environmentToken() : typed;
}

void SettingsDialog::testConnection()
{
    m_ui->testConnectionButton->setEnabled(false);
    m_ui->connectionResultLabel->setText(tr("Asking Pipedrive…"));
    m_tester.check(m_ui->domainEdit->text(), tokenForCheck(), this,
        [this](const AccountInfo &account, const ApiError &error) {
            m_ui->testConnectionButton->setEnabled(true);
            if (error.isError()) {
                m_ui->connectionResultLabel->setText(UserText::api(error));
                m_ui->connectionResultLabel->setToolTip(error.toString());
                emit connectionTested(false);
                return;
            }
            m_ui->connectionResultLabel->setText(
                tr("Connected to %1 as %2 (%3).")
                    .arg(account.companyName, account.userName, account.userEmail));
            m_ui->connectionResultLabel->setToolTip({});
            emit connectionTested(true);
        });
}

void SettingsDialog::testDatabase()
{
    const DatabaseConfig config = databaseConfig();
    if (config.isSqlite() && config.sqlitePath.isEmpty()) {
        m_ui->databaseResultLabel->setText(tr("Choose a file for the database."));
        emit databaseTested(false);
        return;
    }
    m_ui->testDatabaseButton->setEnabled(false);
    m_ui->databaseResultLabel->setText(tr("Connecting…"));
    m_worker.run<tasks::DatabaseCheck>([config] { return tasks::checkDatabase(config); }, this,
        [this, config](const tasks::DatabaseCheck &check) {
            m_ui->testDatabaseButton->setEnabled(true);
            using State = tasks::DatabaseCheck::State;
            QString text;
            switch (check.state) {
            case State::Failed:
                text = UserText::database(check.error);
                break;
            case State::Empty:
                text = config.isSqlite() && check.tableCount == 0
                    ? tr("Ready. The database is new or empty: the first sync creates the CRM "
                         "schema in it.")
                    : tr("Connected. The database is empty: the first sync creates the CRM "
                         "schema in it.");
                break;
            case State::CrmReady:
                text = check.hasAppTables
                    ? tr("Connected to a CRM database (%n tables) that has been synced before.",
                        nullptr, check.tableCount)
                    : tr("Connected to a CRM database (%n tables). The first sync adds its own "
                         "pipedrive_sync_* tables.",
                        nullptr, check.tableCount);
                break;
            case State::NotCrm:
                text = tr("Connected, but this is not a CRM database: it lacks %1.")
                           .arg(QLocale().createSeparatedList(check.missing.mid(0, 6)));
                break;
            }
            m_ui->databaseResultLabel->setText(text);
            m_ui->databaseResultLabel->setToolTip(check.error.toString());
            const bool ok = check.state == State::Empty || check.state == State::CrmReady;
            if (ok)
                loadOwners(config);
            emit databaseTested(ok);
        });
}

void SettingsDialog::chooseSqliteFile()
{
    m_interaction.chooseDatabaseFile(this, tr("The CRM's SQLite database"),
        m_ui->sqlitePathEdit->text(),
        tr("SQLite databases (*.sqlite3 *.sqlite *.db);;All files (*)"),
        [dialog = QPointer<SettingsDialog>(this)](const QString &path) {
            if (!dialog || path.isEmpty())
                return;
            dialog->m_ui->sqlitePathEdit->setText(QDir::toNativeSeparators(path));
            dialog->m_ui->databaseResultLabel->clear();
        });
}

void SettingsDialog::updateDatabaseKind()
{
    m_ui->databaseStack->setCurrentWidget(
        m_ui->sqliteRadio->isChecked() ? m_ui->sqlitePage : m_ui->postgresPage);
    m_ui->databaseResultLabel->clear();
}

void SettingsDialog::updateScheduleFields()
{
    const auto kind = Schedule::Kind(m_ui->scheduleKindCombo->currentData().toInt());
    m_ui->scheduleHoursSpin->setVisible(kind == Schedule::Kind::EveryHours);
    m_ui->scheduleTimeEdit->setVisible(kind == Schedule::Kind::DailyAt);
    m_ui->keepInTrayCheck->setEnabled(kind != Schedule::Kind::Off);
}

void SettingsDialog::setBusy(bool busy)
{
    m_ui->buttonBox->button(QDialogButtonBox::Save)->setEnabled(!busy);
    m_ui->tabs->setEnabled(!busy);
}

void SettingsDialog::failSave(const QString &message, QWidget *focus)
{
    m_saving = false;
    m_pendingWrites.clear();
    setBusy(false);
    m_ui->saveStatusLabel->setText(message);
    if (focus) {
        for (int i = 0; i < m_ui->tabs->count(); ++i) {
            if (m_ui->tabs->widget(i)->isAncestorOf(focus))
                m_ui->tabs->setCurrentIndex(i);
        }
        focus->setFocus();
    }
    emit saveFailed(message);
}

void SettingsDialog::save()
{
    if (m_saving)
        return;
    const QString domain = m_ui->domainEdit->text().trimmed();
    QString domainError;
    if (!baseUrlForCompany(domain, &domainError).isValid())
        return failSave(tr("Enter your Pipedrive company domain: the name before "
                           ".pipedrive.com in the address of your Pipedrive account."),
            m_ui->domainEdit);
    const QString token = m_ui->tokenEdit->text().trimmed();
    if (token.isEmpty() && Settings::environmentToken().isEmpty())
        return failSave(tr("Enter the API token: in Pipedrive, open Personal preferences > API "
                           "and copy your personal token."),
            m_ui->tokenEdit);
    const DatabaseConfig database = databaseConfig();
    if (database.isSqlite() && database.sqlitePath.isEmpty())
        return failSave(tr("Choose a file for the SQLite database."), m_ui->sqlitePathEdit);
    if (database.isPostgres() && database.databaseName.isEmpty())
        return failSave(tr("Enter the name of the PostgreSQL database."), m_ui->databaseNameEdit);

    m_saving = true;
    setBusy(true);
    m_ui->saveStatusLabel->setText(tr("Saving to the keychain…"));
    // Every write is in flight before the first answer comes.
    QList<std::pair<QString, QString>> writes;
    QStringList deletes;
    if (!token.isEmpty())
        writes.append({ TokenStore::tokenKey(domain), token });
    if (database.isPostgres()) {
        const QString key = TokenStore::databasePasswordKey(databaseUrlFor(database));
        if (database.password.isEmpty())
            deletes << key;
        else
            writes.append({ key, database.password });
    }
    for (const auto &write : std::as_const(writes))
        m_pendingWrites.insert(write.first);
    for (const QString &key : std::as_const(deletes))
        m_pendingWrites.insert(key);
    if (m_pendingWrites.isEmpty())
        return finishSave();
    for (const auto &[key, secret] : std::as_const(writes))
        m_store.writeSecret(key, secret);
    for (const QString &key : std::as_const(deletes))
        m_store.deleteSecret(key);
}

void SettingsDialog::onSecretStored(const QString &key, const QString &error)
{
    if (!m_saving || !m_pendingWrites.remove(key))
        return;
    if (!error.isEmpty())
        return failSave(tr("Nothing was saved: %1").arg(error));
    if (m_pendingWrites.isEmpty())
        finishSave();
}

void SettingsDialog::finishSave()
{
    m_settings.setCompanyDomain(m_ui->domainEdit->text());
    m_settings.setDatabaseUrl(databaseUrlFor(databaseConfig()));
    SyncPreferences prefs;
    prefs.pageSize = m_ui->pageSizeSpin->value();
    prefs.config = syncConfig();
    prefs.save(m_settings);
    Schedule schedule;
    schedule.kind = Schedule::Kind(m_ui->scheduleKindCombo->currentData().toInt());
    schedule.everyHours = m_ui->scheduleHoursSpin->value();
    schedule.dailyAt = m_ui->scheduleTimeEdit->time();
    schedule.save(m_settings);
    m_settings.setValue(
        QString::fromLatin1(scheduleKeys::KeepInTray), m_ui->keepInTrayCheck->isChecked());
    m_settings.sync();
    m_saving = false;
    setBusy(false);
    m_ui->saveStatusLabel->clear();
    emit saved();
    accept();
}

// ---- The company fit
// -----------------------------------------------------------------------------

void SettingsDialog::showConfig(const SyncConfig &config)
{
    m_ui->firstNamePlaceholderEdit->setText(config.firstNamePlaceholder);
    m_ui->lastNamePlaceholderEdit->setText(config.lastNamePlaceholder);
    m_ui->phonePlaceholderEdit->setText(config.phonePlaceholder);
    m_ui->accountPlaceholderEdit->setText(config.accountPlaceholder);
    m_ui->deletionPolicyCombo->setCurrentIndex(
        m_ui->deletionPolicyCombo->findData(int(config.deletionPolicy)));
    QComboBox *owner = m_ui->defaultOwnerCombo;
    if (owner->findData(config.defaultOwnerUserId) < 0)
        owner->addItem(
            tr("CRM user #%1").arg(config.defaultOwnerUserId), config.defaultOwnerUserId);
    owner->setCurrentIndex(owner->findData(config.defaultOwnerUserId));
    m_fit->setConfig(config);
}

SyncConfig SettingsDialog::syncConfig() const
{
    SyncConfig config;
    // An empty placeholder means the default one, as it always did in the settings.
    const auto text = [](const QLineEdit *edit, QString &target) {
        const QString typed = edit->text().trimmed();
        if (!typed.isEmpty())
            target = typed;
    };
    text(m_ui->firstNamePlaceholderEdit, config.firstNamePlaceholder);
    text(m_ui->lastNamePlaceholderEdit, config.lastNamePlaceholder);
    text(m_ui->phonePlaceholderEdit, config.phonePlaceholder);
    text(m_ui->accountPlaceholderEdit, config.accountPlaceholder);
    config.defaultOwnerUserId = m_ui->defaultOwnerCombo->currentData().toLongLong();
    config.deletionPolicy = DeletionPolicy(m_ui->deletionPolicyCombo->currentData().toInt());
    m_fit->applyTo(config);
    return config;
}

void SettingsDialog::loadCatalog()
{
    QString domainError;
    const QUrl base = baseUrlForCompany(m_ui->domainEdit->text(), &domainError);
    const QString token = tokenForCheck();
    if (!base.isValid() || token.isEmpty()) {
        m_fit->setStatus(tr("Enter the company domain and the API token on the Pipedrive page "
                            "first."),
            false);
        emit catalogLoaded(false);
        return;
    }
    if (m_catalog)
        m_catalog->deleteLater();
    auto *nam = findChild<QNetworkAccessManager *>(QStringLiteral("catalogNetwork"));
    if (!nam) {
        nam = new QNetworkAccessManager(this);
        nam->setObjectName(QStringLiteral("catalogNetwork"));
    }
    m_catalog = new FieldCatalog(nam, { base, token, 60000 }, this);
    m_fit->setStatus(tr("Reading fields, stages and filters from Pipedrive…"), true);
    FieldCatalog *catalog = m_catalog;
    connect(catalog, &FieldCatalog::loaded, this, [this, catalog](const PipedriveCatalog &result) {
        if (catalog != m_catalog)
            return;
        m_fit->setCatalog(result);
        emit catalogLoaded(true);
    });
    connect(catalog, &FieldCatalog::failed, this, [this, catalog](const ApiError &error) {
        if (catalog != m_catalog)
            return;
        m_fit->setStatus(UserText::api(error), false);
        emit catalogLoaded(false);
    });
    catalog->load();
}

void SettingsDialog::exportConfig()
{
    const SyncConfig config = syncConfig();
    m_interaction.chooseSaveFile(this, tr("Export the sync configuration"),
        QDir::home().filePath(QStringLiteral("pipedrive-sync-configuration.json")),
        tr("Configuration files (*.json)"),
        [dialog = QPointer<SettingsDialog>(this), config](const QString &path) {
            if (!dialog || path.isEmpty())
                return;
            QString error;
            if (config.writeFile(path, &error))
                dialog->m_ui->saveStatusLabel->setText(
                    tr("Exported the sync options, maps and filters to %1.")
                        .arg(QDir::toNativeSeparators(path)));
            else
                dialog->m_ui->saveStatusLabel->setText(
                    tr("Could not write %1: %2").arg(QDir::toNativeSeparators(path), error));
            emit dialog->configExported(path, error);
        });
}

void SettingsDialog::importConfig()
{
    m_interaction.chooseOpenFile(this, tr("Import a sync configuration"), QDir::homePath(),
        tr("Configuration files (*.json);;All files (*)"),
        [dialog = QPointer<SettingsDialog>(this)](const QString &path) {
            if (!dialog || path.isEmpty())
                return;
            QStringList errors;
            const std::optional<SyncConfig> config = SyncConfig::readFile(path, &errors);
            if (!config) {
                // Said in full: a team's file should be fixable from this message alone.
                dialog->m_ui->saveStatusLabel->setText(
                    tr("%1 was not imported:\n%2")
                        .arg(QDir::toNativeSeparators(path), errors.mid(0, 8).join(u'\n')));
                emit dialog->configImported(path, errors);
                return;
            }
            dialog->showConfig(*config);
            dialog->m_ui->saveStatusLabel->setText(
                tr("Imported %1. Save to use it.").arg(QDir::toNativeSeparators(path)));
            emit dialog->configImported(path, {});
        });
}

} // namespace pds
