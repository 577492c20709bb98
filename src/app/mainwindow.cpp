#include "mainwindow.h"
#include "ui_mainwindow.h"

#include "api/companydomain.h"
#include "appsettings.h"
#include "config/credentials.h"
#include "config/settings.h"
#include "config/tokenstore.h"
#include "connectiontester.h"
#include "databaseworker.h"
#include "db/database.h"
#include "db/schemamanager.h"
#include "keychaintokenstore.h"
#include "problemsmodel.h"
#include "scheduler.h"
#include "settingsdialog.h"
#include "stallmonitor.h"
#include "sync/syncrunner.h"
#include "sync/undojournal.h"
#include "tray.h"
#include "uilogging.h"
#include "usertext.h"

#include <QApplication>
#include <QCloseEvent>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QLocale>
#include <QMessageBox>
#include <QProgressBar>
#include <QPushButton>
#include <QSaveFile>
#include <QStandardPaths>

namespace pds {

namespace {

QString key(const char *name)
{
    return QString::fromLatin1(name);
}

QString durationText(qint64 seconds)
{
    if (seconds < 60)
        return MainWindow::tr("%n s", nullptr, int(seconds));
    if (seconds < 3600)
        return MainWindow::tr("%1 min %2 s").arg(seconds / 60).arg(seconds % 60);
    return MainWindow::tr("%1 h %2 min").arg(seconds / 3600).arg((seconds % 3600) / 60);
}

// Only what happened: "115 new, 2 skipped". The full counts are in the tooltip and the stats.
QString countsText(const RunCounts &counts)
{
    QStringList parts;
    if (counts.created > 0)
        parts << MainWindow::tr("%1 new").arg(QLocale().toString(counts.created));
    if (counts.updated > 0)
        parts << MainWindow::tr("%1 updated").arg(QLocale().toString(counts.updated));
    if (counts.skipped > 0)
        parts << MainWindow::tr("%1 skipped").arg(QLocale().toString(counts.skipped));
    if (counts.failed > 0)
        parts << MainWindow::tr("%1 failed").arg(QLocale().toString(counts.failed));
    if (parts.isEmpty())
        return MainWindow::tr("no changes");
    return parts.join(QLatin1String(", "));
}

QString countsTooltip(const RunCounts &counts, const QString &message)
{
    QString text = MainWindow::tr("%1 fetched, %2 new, %3 updated, %4 unchanged, %5 merged, "
                                  "%6 skipped, %7 failed, %8 deleted")
                       .arg(QLocale().toString(counts.fetched), QLocale().toString(counts.created),
                           QLocale().toString(counts.updated), QLocale().toString(counts.unchanged),
                           QLocale().toString(counts.merged), QLocale().toString(counts.skipped),
                           QLocale().toString(counts.failed), QLocale().toString(counts.deleted));
    if (!message.isEmpty())
        text += QLatin1Char('\n') + message;
    return text;
}

QString whenText(const QDateTime &time)
{
    const QDateTime local = time.toLocalTime();
    if (local.date() == QDate::currentDate())
        return QLocale().toString(local.time(), QLocale::ShortFormat);
    return QLocale().toString(local, QLocale::ShortFormat);
}

// Entities without a natural key in the CRM: once their mappings are gone, a sync cannot find
// their rows again and creates new ones.
bool hasNaturalKey(Entity entity)
{
    return entity == Entity::Users || entity == Entity::Organizations || entity == Entity::Persons;
}

} // namespace

MainWindow::MainWindow(QWidget *parent)
    : QMainWindow(parent)
    , m_ownedSettings(std::make_unique<Settings>())
{
    m_settings = m_ownedSettings.get();
    m_store = new KeychainTokenStore(this);
    setUp();
}

MainWindow::MainWindow(Settings *settings, TokenStore *store, QWidget *parent)
    : QMainWindow(parent)
    , m_settings(settings)
    , m_store(store)
{
    setUp();
}

MainWindow::~MainWindow()
{
    // The runner waits for its thread; the worker for its task: both before the widgets go.
    delete m_runner;
    delete m_worker;
}

void MainWindow::setUp()
{
    m_ui = std::make_unique<Ui::MainWindow>();
    m_ui->setupUi(this);
    m_interaction = Interaction::desktop();
    m_tester = new ConnectionTester(this);
    m_worker = new DatabaseWorker(this);
    m_runner = new SyncRunner(this);
    m_stallMonitor = new StallMonitor(this);
    m_scheduler = new Scheduler(*m_settings, this);
    m_tray = new Tray(this);

    setWindowIcon(QIcon(QStringLiteral(":/icons/pipedrive-sync.svg")));
    m_ui->tabs->setTabIcon(0, QIcon(QStringLiteral(":/icons/dashboard.svg")));
    m_ui->tabs->setTabIcon(1, QIcon(QStringLiteral(":/icons/stats.svg")));
    m_ui->tabs->setTabIcon(2, QIcon(QStringLiteral(":/icons/problems.svg")));
    m_ui->syncAllButton->setIcon(QIcon(QStringLiteral(":/icons/sync-all.svg")));
    m_ui->actionSyncAll->setIcon(m_ui->syncAllButton->icon());
    m_ui->cancelButton->setIcon(QIcon(QStringLiteral(":/icons/cancel.svg")));
    m_ui->actionCancel->setIcon(m_ui->cancelButton->icon());
    m_ui->actionSettings->setIcon(QIcon(QStringLiteral(":/icons/settings.svg")));
    m_ui->actionClearAllMappings->setIcon(QIcon(QStringLiteral(":/icons/clear.svg")));
    m_ui->actionRefresh->setIcon(QIcon(QStringLiteral(":/icons/refresh.svg")));
    m_ui->actionExportProblems->setIcon(QIcon(QStringLiteral(":/icons/export.svg")));
    m_ui->actionShowDashboard->setIcon(m_ui->tabs->tabIcon(0));
    m_ui->actionShowStats->setIcon(m_ui->tabs->tabIcon(1));
    m_ui->actionShowProblems->setIcon(m_ui->tabs->tabIcon(2));
    m_ui->actionSettings->setShortcuts(
        { QKeySequence(QStringLiteral("Ctrl+,")), QKeySequence(QKeySequence::Preferences) });
    m_ui->actionQuit->setShortcuts(QKeySequence::Quit);
    m_ui->syncAllButton->setToolTip(
        m_ui->actionSyncAll->shortcut().toString(QKeySequence::NativeText));
    m_ui->cancelButton->setToolTip(
        m_ui->actionCancel->shortcut().toString(QKeySequence::NativeText));
    buildEntityRows();

    connect(m_ui->actionSettings, &QAction::triggered, this, &MainWindow::openSettings);
    connect(m_ui->actionQuit, &QAction::triggered, this, &MainWindow::quit);
    connect(m_ui->actionSyncAll, &QAction::triggered, this, &MainWindow::syncAll);
    connect(m_ui->syncAllButton, &QPushButton::clicked, this, &MainWindow::syncAll);
    connect(m_ui->actionCancel, &QAction::triggered, this, &MainWindow::cancelSync);
    connect(m_ui->cancelButton, &QPushButton::clicked, this, &MainWindow::cancelSync);
    connect(m_ui->actionDryRun, &QAction::toggled, m_ui->dryRunCheck, &QCheckBox::setChecked);
    connect(m_ui->dryRunCheck, &QCheckBox::toggled, m_ui->actionDryRun, &QAction::setChecked);
    connect(m_ui->actionClearAllMappings, &QAction::triggered, this,
        [this] { requestClearMappings(allEntities()); });
    m_undoAction = new QAction(tr("&Undo last sync…"), this);
    m_undoAction->setObjectName(QStringLiteral("actionUndoLastRun"));
    m_ui->menuSync->insertAction(m_ui->actionClearAllMappings, m_undoAction);
    connect(m_undoAction, &QAction::triggered, this, &MainWindow::requestUndoLastRun);
    connect(m_ui->actionShowDashboard, &QAction::triggered, this,
        [this] { m_ui->tabs->setCurrentWidget(m_ui->dashboardTab); });
    connect(m_ui->actionShowStats, &QAction::triggered, this,
        [this] { m_ui->tabs->setCurrentWidget(m_ui->statsView); });
    connect(m_ui->actionShowProblems, &QAction::triggered, this,
        [this] { m_ui->tabs->setCurrentWidget(m_ui->problemsView); });
    connect(m_ui->actionRefresh, &QAction::triggered, this, &MainWindow::refreshViews);
    connect(m_ui->actionExportProblems, &QAction::triggered, this, &MainWindow::exportProblems);
    connect(m_ui->actionAbout, &QAction::triggered, this, &MainWindow::showAbout);

    connect(m_ui->statsView, &StatsView::refreshRequested, this, &MainWindow::refreshViews);
    connect(m_ui->statsView, &StatsView::clearMappingsRequested, this,
        &MainWindow::requestClearMappings);
    connect(m_ui->problemsView, &ProblemsView::refreshRequested, this, &MainWindow::refreshViews);
    connect(m_ui->problemsView, &ProblemsView::exportRequested, this, &MainWindow::exportProblems);
    connect(m_ui->problemsView, &ProblemsView::linkActivated, this, [this](const QUrl &url) {
        if (m_interaction.openUrl)
            m_interaction.openUrl(url);
    });

    connect(m_runner, &SyncRunner::progress, this, &MainWindow::onProgress);
    connect(m_runner, &SyncRunner::entityFinished, this, &MainWindow::onEntityFinished);
    connect(m_runner, &SyncRunner::finished, this, &MainWindow::onSyncFinished);

    m_scheduler->setStartSync([this] { return startScheduledSync(); });
    connect(m_scheduler, &Scheduler::nextRunChanged, this, &MainWindow::updateScheduleLine);
    connect(m_tray, &Tray::showWindowRequested, this, &MainWindow::showFromTray);
    connect(m_tray, &Tray::syncAllRequested, this, &MainWindow::syncAll);
    connect(m_tray, &Tray::quitRequested, this, &MainWindow::quit);
    m_scheduleLabel = new QLabel(this);
    m_scheduleLabel->setObjectName(QStringLiteral("scheduleLabel"));
    statusBar()->addPermanentWidget(m_scheduleLabel);

    const QByteArray geometry = m_settings->value(key(settingsKeys::WindowGeometry)).toByteArray();
    if (!geometry.isEmpty())
        restoreGeometry(geometry);
    m_ui->dryRunCheck->setChecked(m_settings->value(key(settingsKeys::DryRun), false).toBool());
    m_ui->problemsView->setCompanyDomain(m_settings->companyDomain());
    updateConnectionLine();
    updateScheduleLine();
    updateActions();
}

void MainWindow::buildEntityRows()
{
    QGridLayout *grid = m_ui->entityGrid;
    const QList<Entity> entities = allEntities();
    for (int i = 0; i < entities.size(); ++i) {
        const Entity entity = entities.at(i);
        const QString name = entityName(entity);
        const int gridRow = i + 1;
        EntityRow &r = row(entity);
        r.name = new QLabel(UserText::entity(entity), m_ui->entitiesBox);
        r.name->setObjectName(QStringLiteral("nameLabel_") + name);
        r.sync = new QPushButton(
            QIcon(QStringLiteral(":/icons/sync.svg")), tr("Sync"), m_ui->entitiesBox);
        r.sync->setObjectName(QStringLiteral("syncButton_") + name);
        r.sync->setAccessibleName(tr("Sync %1").arg(UserText::entity(entity)));
        r.sync->setToolTip(tr("Sync %1 (%2)")
                               .arg(UserText::entity(entity),
                                   QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key(Qt::Key_1 + i))
                                       .toString(QKeySequence::NativeText)));
        r.progress = new QProgressBar(m_ui->entitiesBox);
        r.progress->setObjectName(QStringLiteral("progressBar_") + name);
        r.progress->setMinimumWidth(160);
        r.progress->setAccessibleName(tr("%1 progress").arg(UserText::entity(entity)));
        r.records = new QLabel(m_ui->entitiesBox);
        r.records->setObjectName(QStringLiteral("recordsLabel_") + name);
        r.rate = new QLabel(m_ui->entitiesBox);
        r.rate->setObjectName(QStringLiteral("rateLabel_") + name);
        r.eta = new QLabel(m_ui->entitiesBox);
        r.eta->setObjectName(QStringLiteral("etaLabel_") + name);
        r.result = new QLabel(m_ui->entitiesBox);
        r.result->setObjectName(QStringLiteral("resultLabel_") + name);
        r.result->setTextFormat(Qt::PlainText);
        r.result->setMinimumWidth(260);
        for (QLabel *label : { r.records, r.rate, r.eta })
            label->setAlignment(Qt::AlignRight | Qt::AlignVCenter);
        grid->addWidget(r.name, gridRow, 0);
        grid->addWidget(r.sync, gridRow, 1);
        grid->addWidget(r.progress, gridRow, 2);
        grid->addWidget(r.records, gridRow, 3);
        grid->addWidget(r.rate, gridRow, 4);
        grid->addWidget(r.eta, gridRow, 5);
        grid->addWidget(r.result, gridRow, 6);
        connect(r.sync, &QPushButton::clicked, this, [this, entity] { syncEntities({ entity }); });

        // The keyboard way to the same button, listed in the Sync menu.
        auto *action = new QAction(tr("Sync %1").arg(UserText::entity(entity)), this);
        action->setObjectName(QStringLiteral("actionSync_") + name);
        action->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key(Qt::Key_1 + i)));
        connect(action, &QAction::triggered, r.sync, &QPushButton::click);
        m_ui->menuSync->insertAction(m_ui->actionCancel, action);
        setRowIdle(entity);
    }
    grid->setColumnStretch(2, 1);
    grid->setColumnStretch(6, 2);
    setTabOrder(m_ui->dryRunCheck, row(entities.first()).sync);
    for (int i = 1; i < entities.size(); ++i)
        setTabOrder(row(entities.at(i - 1)).sync, row(entities.at(i)).sync);
}

void MainWindow::setInteraction(const Interaction &interaction)
{
    m_interaction = interaction;
}

bool MainWindow::isSyncing() const
{
    return m_runner->isRunning();
}

bool MainWindow::isBusy() const
{
    return m_preparing || m_clearing || m_undoing || m_runner->isRunning();
}

void MainWindow::updateActions()
{
    const bool running = m_runner->isRunning();
    const bool busy = isBusy();
    m_ui->syncAllButton->setEnabled(!busy);
    m_ui->actionSyncAll->setEnabled(!busy);
    for (const EntityRow &r : m_rows)
        r.sync->setEnabled(!busy);
    for (QAction *action : m_ui->menuSync->actions()) {
        if (action->objectName().startsWith(QLatin1String("actionSync_")))
            action->setEnabled(!busy);
    }
    m_ui->cancelButton->setEnabled(running && !m_cancelRequested);
    m_ui->actionCancel->setEnabled(running && !m_cancelRequested);
    m_ui->dryRunCheck->setEnabled(!busy);
    m_ui->actionDryRun->setEnabled(!busy);
    m_ui->actionSettings->setEnabled(!busy);
    m_ui->actionClearAllMappings->setEnabled(!busy);
    m_undoAction->setEnabled(!busy);
    m_ui->statsView->setActionsEnabled(!busy);
    m_tray->setSyncEnabled(!busy);
}

// ---- Start, settings and the connection line ---------------------------------------------------

void MainWindow::start()
{
    m_connectionState = ConnectionState::Checking;
    updateConnectionLine();
    refreshViews();
    m_scheduler->start();
    auto *resolver = new CredentialsResolver(m_store, this);
    connect(resolver, &CredentialsResolver::resolved, this,
        [this, resolver](const QString &domain, const QString &token, const QString &error) {
            resolver->deleteLater();
            if (domain.isEmpty() || token.isEmpty()) {
                // No domain: a first start. A domain without a token: say why (none stored, or
                // the keychain cannot be read).
                m_connectionState
                    = domain.isEmpty() ? ConnectionState::NotConfigured : ConnectionState::Failed;
                m_connectionError = error;
                updateConnectionLine();
                emit connectionChecked(false);
                // A first start: nothing to sync with until the account is set up.
                openSettings();
                return;
            }
            checkConnection();
        });
    resolver->resolve(*m_settings);
}

void MainWindow::checkConnection()
{
    m_connectionState = ConnectionState::Checking;
    updateConnectionLine();
    auto *resolver = new CredentialsResolver(m_store, this);
    connect(resolver, &CredentialsResolver::resolved, this,
        [this, resolver](const QString &domain, const QString &token, const QString &error) {
            resolver->deleteLater();
            if (!error.isEmpty()) {
                m_connectionState
                    = domain.isEmpty() ? ConnectionState::NotConfigured : ConnectionState::Failed;
                m_connectionError = error;
                updateConnectionLine();
                emit connectionChecked(false);
                return;
            }
            m_tester->check(
                domain, token, this, [this](const AccountInfo &account, const ApiError &error) {
                    m_account = account;
                    m_connectionState
                        = error.isError() ? ConnectionState::Failed : ConnectionState::Connected;
                    m_connectionError = UserText::api(error);
                    if (error.rateLimit.dailyTokensRemaining >= 0)
                        m_rateLimit = error.rateLimit;
                    updateConnectionLine();
                    emit connectionChecked(!error.isError());
                });
        });
    resolver->resolve(*m_settings);
}

void MainWindow::updateConnectionLine()
{
    QString text;
    switch (m_connectionState) {
    case ConnectionState::Unknown:
        text = tr("Not connected.");
        break;
    case ConnectionState::NotConfigured:
        text = tr("Not connected: no Pipedrive account is set up yet. Open File > Settings "
                  "(Ctrl+,) to enter the company domain and API token.");
        break;
    case ConnectionState::Checking:
        text = tr("Connecting to Pipedrive…");
        break;
    case ConnectionState::Connected:
        text = tr("Connected to %1 as %2 (%3).")
                   .arg(m_account.companyName, m_account.userName, m_account.userEmail);
        break;
    case ConnectionState::Failed:
        text = tr("Not connected: %1").arg(m_connectionError);
        break;
    }
    if (m_rateLimit.dailyTokensRemaining >= 0) {
        text += QLatin1Char(' ');
        text += m_rateLimit.dailyTokenLimit > 0
            ? tr("API budget left today: %1 of %2 tokens.")
                  .arg(QLocale().toString(m_rateLimit.dailyTokensRemaining),
                      QLocale().toString(m_rateLimit.dailyTokenLimit))
            : tr("API budget left today: %1 tokens.")
                  .arg(QLocale().toString(m_rateLimit.dailyTokensRemaining));
    }
    m_ui->connectionLabel->setText(text);
}

SettingsDialog *MainWindow::settingsDialog() const
{
    return m_settingsDialog;
}

SettingsDialog *MainWindow::openSettings()
{
    if (m_settingsDialog) {
        m_settingsDialog->raise();
        m_settingsDialog->activateWindow();
        return m_settingsDialog;
    }
    auto *dialog
        = new SettingsDialog(*m_settings, *m_store, *m_tester, *m_worker, m_interaction, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    m_settingsDialog = dialog;
    connect(dialog, &SettingsDialog::saved, this, [this] {
        m_ui->problemsView->setCompanyDomain(m_settings->companyDomain());
        m_rateLimit = {};
        m_ui->runMessageLabel->setText(tr("Settings saved."));
        m_scheduler->reload();
        checkConnection();
        refreshViews();
    });
    dialog->open();
    return dialog;
}

void MainWindow::readSecret(
    const QString &secretKey, std::function<void(QString secret, QString error)> done)
{
    auto connection = std::make_shared<QMetaObject::Connection>();
    *connection = connect(m_store, &TokenStore::secretRead, this,
        [secretKey, done, connection](
            const QString &readKey, const QString &secret, const QString &error) {
            if (readKey != secretKey)
                return;
            QObject::disconnect(*connection);
            done(secret, error);
        });
    m_store->readSecret(secretKey);
}

// ---- Syncing -----------------------------------------------------------------------------------

void MainWindow::syncAll()
{
    syncEntities(allEntities());
}

void MainWindow::syncEntities(const QList<Entity> &entities)
{
    if (isBusy() || entities.isEmpty())
        return;
    QString databaseError;
    const std::optional<DatabaseConfig> database = savedDatabaseConfig(*m_settings, &databaseError);
    if (!database) {
        showRunMessage(tr("The saved database setting cannot be used: %1 Open Settings to "
                          "choose the database again.")
                           .arg(databaseError));
        if (m_scheduledRun)
            failScheduledSync(m_ui->runMessageLabel->text());
        return;
    }
    m_preparing = true;
    m_cancelRequested = false;
    updateActions();
    showRunMessage(tr("Reading the credentials from the keychain…"));
    auto *resolver = new CredentialsResolver(m_store, this);
    connect(resolver, &CredentialsResolver::resolved, this,
        [this, resolver, entities, database = *database](
            const QString &domain, const QString &token, const QString &error) {
            resolver->deleteLater();
            auto fail = [this](const QString &message) {
                m_preparing = false;
                updateActions();
                showRunMessage(message);
                if (m_scheduledRun)
                    failScheduledSync(message);
            };
            if (!error.isEmpty())
                return fail(tr("Cannot sync: %1").arg(error));
            QString domainError;
            const QUrl base = baseUrlForCompany(domain, &domainError);
            if (!base.isValid())
                return fail(tr("Cannot sync: %1 Open Settings to correct the company domain.")
                                .arg(domainError));
            SyncOptions options;
            options.baseUrl = base;
            options.token = token;
            options.database = database;
            options.entities = entities;
            // A scheduled sync is a real one, whatever the Dry run box says.
            options.dryRun = !m_scheduledRun && m_ui->dryRunCheck->isChecked();
            // A changed map or filter re-reads what it concerns (SyncConfig::prepareRun).
            SyncPreferences::load(*m_settings).applyTo(options, *m_settings);
            const int cost = qEnvironmentVariableIntValue("PDS_BCRYPT_COST");
            if (cost >= 4 && cost <= 31)
                options.bcryptCost = cost;
            if (!database.isPostgres() || !database.password.isEmpty())
                return launch(options);
            readSecret(TokenStore::databasePasswordKey(databaseUrlFor(database)),
                [this, options](const QString &secret, const QString &readError) mutable {
                    // Without a saved password libpq still tries PGPASSWORD and ~/.pgpass.
                    if (!readError.isEmpty())
                        qCWarning(lcUi) << "database password not read:" << readError;
                    options.database.password = secret;
                    launch(options);
                });
        });
    resolver->resolve(*m_settings);
}

void MainWindow::launch(const SyncOptions &options)
{
    m_preparing = false;
    m_runEntities.clear();
    for (Entity entity : options.entities) {
        m_runEntities.insert(int(entity));
        EntityRow &r = row(entity);
        r.progress->setRange(0, 0); // busy until the first count arrives
        r.progress->setValue(0);
        r.records->setText(tr("waiting"));
        r.rate->clear();
        r.eta->clear();
    }
    m_dryRun = options.dryRun;
    m_stallMonitor->start();
    if (!m_runner->start(options)) {
        m_stallMonitor->stop();
        for (Entity entity : options.entities)
            setRowIdle(entity);
        m_runEntities.clear();
        m_scheduledRun = false;
        showRunMessage(tr("A sync is already running."));
        updateActions();
        return;
    }
    showRunMessage(
        options.dryRun ? tr("Dry run: reading from Pipedrive, writing nothing…") : tr("Syncing…"));
    m_tray->syncStarted(m_scheduledRun);
    updateActions();
    emit syncStarted();
}

void MainWindow::cancelSync()
{
    if (!m_runner->isRunning() || m_cancelRequested)
        return;
    m_cancelRequested = true;
    m_runner->cancel();
    showRunMessage(tr("Cancelling: the page being written is rolled back…"));
    updateActions();
}

void MainWindow::onProgress(const SyncProgress &progress)
{
    if (progress.rateLimit.dailyTokensRemaining >= 0) {
        m_rateLimit = progress.rateLimit;
        updateConnectionLine();
    }
    if (!m_runEntities.contains(int(progress.entity)))
        return;
    EntityRow &r = row(progress.entity);
    const QString done = QLocale().toString(progress.done);
    if (progress.total > 0) {
        r.progress->setRange(0, int(qMin<qint64>(progress.total, INT_MAX)));
        r.progress->setValue(int(qMin(progress.done, progress.total)));
        r.progress->setFormat(tr("%1 of %2").arg(done, QLocale().toString(progress.total)));
        r.records->setText(tr("%1 of %2").arg(done, QLocale().toString(progress.total)));
    } else {
        // Pipedrive does not say how many there are: a busy bar and the count so far.
        if (r.progress->maximum() != 0)
            r.progress->setRange(0, 0);
        r.records->setText(done);
    }
    // The engine's last status is an outcome's stored name ("finished-with-problems").
    const QString status = UserText::runOutcome(progress.status);
    r.records->setToolTip(status);
    r.rate->setText(progress.recordsPerSecond > 0
            ? tr("%1/s").arg(QLocale().toString(progress.recordsPerSecond, 'f', 0))
            : QString());
    qint64 secondsLeft = progress.secondsLeft;
    if (secondsLeft < 0 && progress.total > 0 && progress.recordsPerSecond > 0)
        secondsLeft = qint64((progress.total - progress.done) / progress.recordsPerSecond);
    r.eta->setText(secondsLeft >= 0 ? durationText(secondsLeft) : QString());
    statusBar()->showMessage(
        tr("%1: %2 records, %3").arg(UserText::entity(progress.entity), done, status));
}

void MainWindow::onEntityFinished(const EntityResult &result)
{
    m_runEntities.remove(int(result.entity));
    SyncConfig::noteEntityFinished(*m_settings, result);
    EntityRow &r = row(result.entity);
    const qint64 handled = result.counts.fetched;
    const bool completed = result.outcome == SyncOutcome::Succeeded
        || result.outcome == SyncOutcome::FinishedWithProblems;
    // A completed entity fills its bar; a stopped one shows what it got to.
    const int maximum = int(qMax<qint64>(1, qMin<qint64>(handled, INT_MAX)));
    r.progress->setRange(0, maximum);
    r.progress->setValue(completed ? maximum : 0);
    r.progress->setFormat(tr("%1 records").arg(QLocale().toString(handled)));
    r.records->setText(QLocale().toString(handled));
    r.eta->clear();
    const QDateTime finished
        = result.finishedAt.isValid() ? result.finishedAt : QDateTime::currentDateTimeUtc();
    QString outcome = UserText::outcome(result.outcome);
    if (m_dryRun)
        outcome = tr("%1 (dry run)").arg(outcome);
    r.result->setText(
        tr("%1 · %2 · %3").arg(outcome, countsText(result.counts), whenText(finished)));
    r.result->setToolTip(countsTooltip(result.counts, result.message));
}

void MainWindow::onSyncFinished(const RunSummary &summary)
{
    m_stallMonitor->stop();
    m_lastStallMs = m_stallMonitor->longestStallMs();
    qCInfo(lcUi).nospace() << "longest event-loop stall during the sync: " << m_lastStallMs
                           << " ms, " << m_stallMonitor->longestStallAtMs()
                           << " ms after the start";
    for (int entity : std::as_const(m_runEntities))
        setRowIdle(Entity(entity));
    m_runEntities.clear();
    m_preparing = false;
    m_cancelRequested = false;
    QString detail;
    if (summary.apiError.isError())
        detail = summary.apiError.toString();
    else if (summary.dbError.isError())
        detail = summary.dbError.toString();
    showRunMessage(UserText::summary(summary), detail);
    if (summary.apiError.kind == ApiError::Kind::Authentication) {
        m_connectionState = ConnectionState::Failed;
        m_connectionError = UserText::api(summary.apiError);
        updateConnectionLine();
    }
    statusBar()->showMessage(
        tr("%1 requests, %2 API tokens spent.")
            .arg(QLocale().toString(summary.requests), QLocale().toString(summary.tokens)));
    m_tray->syncFinished(summary, m_scheduledRun);
    m_scheduledRun = false;
    updateActions();
    refreshViews();
    emit syncFinished(summary);
}

void MainWindow::setRowIdle(Entity entity)
{
    EntityRow &r = row(entity);
    r.progress->setRange(0, 1);
    r.progress->setValue(0);
    r.progress->setFormat(QString());
    r.records->clear();
    r.rate->clear();
    r.eta->clear();
}

void MainWindow::showRunMessage(const QString &text, const QString &detail)
{
    m_ui->runMessageLabel->setText(text);
    m_ui->runMessageLabel->setToolTip(detail);
}

// ---- Views -------------------------------------------------------------------------------------

void MainWindow::refreshViews()
{
    if (m_refreshesPending > 0) {
        m_refreshAgain = true;
        return;
    }
    QString databaseError;
    const std::optional<DatabaseConfig> database = savedDatabaseConfig(*m_settings, &databaseError);
    if (!database) {
        tasks::StatsSnapshot stats;
        stats.error = DbError::make(DbError::Kind::Unreachable, databaseError);
        m_ui->statsView->showSnapshot(stats);
        tasks::ProblemsSnapshot problems;
        problems.error = stats.error;
        m_ui->problemsView->showSnapshot(problems);
        emit viewsRefreshed();
        return;
    }
    m_refreshesPending = 2;
    const DatabaseConfig config = *database;
    const ProblemFilter filter = m_ui->problemsView->filter();
    m_worker->run<tasks::StatsSnapshot>([config] { return tasks::readStats(config); }, this,
        [this](const tasks::StatsSnapshot &snapshot) {
            m_lastStats = snapshot;
            m_ui->statsView->showSnapshot(snapshot);
            applyLastResults(snapshot);
            refreshDone();
        });
    m_worker->run<tasks::ProblemsSnapshot>(
        [config, filter] { return tasks::readProblems(config, filter); }, this,
        [this](const tasks::ProblemsSnapshot &snapshot) {
            m_ui->problemsView->showSnapshot(snapshot);
            refreshDone();
        });
}

void MainWindow::refreshDone()
{
    if (--m_refreshesPending > 0)
        return;
    if (m_refreshAgain) {
        m_refreshAgain = false;
        refreshViews();
        return;
    }
    emit viewsRefreshed();
}

void MainWindow::applyLastResults(const tasks::StatsSnapshot &snapshot)
{
    for (const EntityStats &stats : snapshot.entities) {
        if (!stats.lastRun || m_runEntities.contains(int(stats.entity)))
            continue;
        const RunRecord &run = *stats.lastRun;
        QString outcome = UserText::runOutcome(run.outcome);
        if (run.dryRun)
            outcome = tr("%1 (dry run)").arg(outcome);
        EntityRow &r = row(stats.entity);
        r.result->setText(
            tr("%1 · %2 · %3")
                .arg(outcome, countsText(run.counts),
                    whenText(run.finishedAt.isValid() ? run.finishedAt : run.startedAt)));
        r.result->setToolTip(countsTooltip(run.counts, run.message));
    }
}

void MainWindow::exportProblems()
{
    QString databaseError;
    const std::optional<DatabaseConfig> database = savedDatabaseConfig(*m_settings, &databaseError);
    if (!database)
        return showRunMessage(databaseError);
    const QString suggestion
        = QDir(QStandardPaths::writableLocation(QStandardPaths::DocumentsLocation))
              .filePath(QStringLiteral("pipedrive-sync-problems.csv"));
    m_interaction.chooseSaveFile(this, tr("Export problems"), suggestion, tr("CSV files (*.csv)"),
        [guard = QPointer<MainWindow>(this), config = *database](const QString &path) {
            if (!guard || path.isEmpty())
                return;
            MainWindow *self = guard;
            ProblemFilter filter = self->m_ui->problemsView->filter();
            filter.limit = std::numeric_limits<int>::max();
            const QString domain = self->m_settings->companyDomain();
            struct Written
            {
                qint64 count = 0;
                QString error;
            };
            self->m_worker->run<Written>(
                [config, filter, domain, path] {
                    Written written;
                    const tasks::ProblemsSnapshot snapshot = tasks::readProblems(config, filter);
                    if (snapshot.error.isError()) {
                        written.error = UserText::database(snapshot.error);
                        return written;
                    }
                    QSaveFile file(path);
                    if (!file.open(QIODevice::WriteOnly)
                        || file.write(ProblemsModel::toCsv(snapshot.problems, domain)) < 0
                        || !file.commit()) {
                        written.error
                            = MainWindow::tr("%1 could not be written: %2")
                                  .arg(QDir::toNativeSeparators(path), file.errorString());
                        return written;
                    }
                    written.count = snapshot.problems.size();
                    return written;
                },
                self,
                [self, path](const Written &written) {
                    self->statusBar()->showMessage(written.error.isEmpty()
                            ? tr("%n problem(s) exported to %1.", nullptr, int(written.count))
                                  .arg(QDir::toNativeSeparators(path))
                            : written.error);
                    emit self->problemsExported(path, written.count, written.error);
                });
        });
}

// ---- Clearing mappings -------------------------------------------------------------------------

void MainWindow::requestClearMappings(const QList<Entity> &entities)
{
    if (isBusy() || entities.isEmpty())
        return;
    qint64 mapped = 0;
    for (const EntityStats &stats : std::as_const(m_lastStats.entities)) {
        if (entities.contains(stats.entity))
            mapped += stats.mappedRows;
    }
    QStringList names;
    QStringList keyless;
    for (Entity entity : entities) {
        names << UserText::entity(entity);
        if (!hasNaturalKey(entity))
            keyless << UserText::entity(entity);
    }
    const bool all = entities.size() == allEntities().size();
    Interaction::Question question;
    question.title = tr("Clear mappings");
    question.text = tr("This forgets which CRM rows came from which Pipedrive records for %1: "
                       "%n mapping(s), and where their last sync stopped. The CRM rows "
                       "themselves stay.",
        nullptr, int(mapped))
                        .arg(all ? tr("all entities") : QLocale().createSeparatedList(names));
    question.text += QLatin1String("\n\n");
    question.text += tr("The next sync reads these records from Pipedrive again and matches "
                        "users, persons and organizations to CRM rows by e-mail or name.");
    if (!keyless.isEmpty()) {
        question.text += QLatin1Char(' ');
        question.text += tr("%1 have no such key: they will be created in the CRM a second "
                            "time.")
                             .arg(QLocale().createSeparatedList(keyless));
    }
    question.acceptText = tr("Clear mappings");
    m_interaction.confirm(
        this, question, [guard = QPointer<MainWindow>(this), entities](bool accepted) {
            if (guard && accepted)
                guard->clearMappingsNow(entities);
        });
}

void MainWindow::clearMappingsNow(const QList<Entity> &entities)
{
    if (isBusy())
        return;
    QString databaseError;
    const std::optional<DatabaseConfig> database = savedDatabaseConfig(*m_settings, &databaseError);
    if (!database) {
        showRunMessage(databaseError);
        emit mappingsCleared(-1, databaseError);
        return;
    }
    m_clearing = true;
    updateActions();
    showRunMessage(tr("Clearing mappings…"));
    m_worker->run<tasks::ClearResult>(
        [config = *database, entities] { return tasks::clearMappings(config, entities); }, this,
        [this](const tasks::ClearResult &result) {
            m_clearing = false;
            updateActions();
            const QString error = UserText::database(result.error);
            showRunMessage(error.isEmpty()
                    ? tr("%n mapping(s) cleared. The next sync matches these records again.",
                        nullptr, int(result.removedMappings))
                    : error,
                result.error.toString());
            refreshViews();
            emit mappingsCleared(result.error.isError() ? -1 : result.removedMappings, error);
        });
}

// ---- Undo the last sync
// --------------------------------------------------------------------------

namespace {

// Which sync "Undo last sync" would take back, read in the database worker.
struct UndoCandidate
{
    qint64 runId = 0; // 0: nothing to undo
    UndoResult preview;
    QDateTime startedAt;
    DbError error;
};

UndoCandidate findUndoCandidate(const DatabaseConfig &config)
{
    UndoCandidate candidate;
    if (config.isSqlite() && !QFileInfo::exists(config.sqlitePath))
        return candidate; // no database, nothing synced
    Database db;
    candidate.error = db.open(config);
    if (candidate.error.isOk()) {
        SchemaManager schema; // the journal's tables, in a database an older version filled
        candidate.error = schema.ensureSchema(db);
    }
    if (candidate.error.isOk())
        candidate.runId = lastUndoableRun(db, &candidate.error);
    if (candidate.error.isError() || candidate.runId == 0)
        return candidate;
    candidate.preview = previewUndo(db, candidate.runId);
    RunJournal journal(db);
    if (const std::optional<RunRecord> run
        = journal.run(candidate.preview.runIds.value(0, candidate.runId)))
        candidate.startedAt = run->startedAt;
    return candidate;
}

UndoResult undoInWorker(const DatabaseConfig &config, qint64 runId)
{
    Database db;
    UndoResult result;
    result.error = db.open(config);
    if (result.error.isError()) {
        result.message = UserText::database(result.error);
        return result;
    }
    return undoRun(db, runId);
}

} // namespace

void MainWindow::requestUndoLastRun()
{
    if (isBusy())
        return;
    QString databaseError;
    const std::optional<DatabaseConfig> database = savedDatabaseConfig(*m_settings, &databaseError);
    if (!database) {
        showRunMessage(databaseError);
        emit runUndone(false, databaseError);
        return;
    }
    m_undoing = true;
    updateActions();
    m_worker->run<UndoCandidate>([config = *database] { return findUndoCandidate(config); }, this,
        [this](const UndoCandidate &candidate) {
            m_undoing = false;
            updateActions();
            QString refusal;
            if (candidate.error.isError())
                refusal = UserText::database(candidate.error);
            else if (candidate.runId == 0)
                refusal = tr("Nothing to undo: no sync has changed the CRM since the last undo.");
            else if (!candidate.preview.possible)
                refusal = candidate.preview.message;
            if (!refusal.isEmpty()) {
                showRunMessage(refusal);
                emit runUndone(false, refusal);
                return;
            }
            QStringList entities;
            for (const QString &name : candidate.preview.entities) {
                const std::optional<Entity> entity = entityFromName(name);
                entities << (entity ? UserText::entity(*entity) : name);
            }
            Interaction::Question question;
            question.title = tr("Undo last sync");
            question.text
                = tr("This takes back the sync of %1 (%2): the rows it added to the CRM are "
                     "deleted, the rows it changed get their old values back, and the rows it "
                     "deleted come back.")
                      .arg(QLocale().toString(
                               candidate.startedAt.toLocalTime(), QLocale::ShortFormat),
                          QLocale().createSeparatedList(entities));
            question.text += QLatin1String("\n\n");
            question.text += tr("The next sync reads these records from Pipedrive again.");
            question.acceptText = tr("Undo sync");
            const qint64 runId = candidate.runId;
            m_interaction.confirm(
                this, question, [guard = QPointer<MainWindow>(this), runId](bool accepted) {
                    if (guard && accepted)
                        guard->undoNow(runId);
                });
        });
}

void MainWindow::undoNow(qint64 runId)
{
    if (isBusy())
        return;
    QString databaseError;
    const std::optional<DatabaseConfig> database = savedDatabaseConfig(*m_settings, &databaseError);
    if (!database) {
        showRunMessage(databaseError);
        emit runUndone(false, databaseError);
        return;
    }
    m_undoing = true;
    updateActions();
    showRunMessage(tr("Undoing the last sync…"));
    m_worker->run<UndoResult>([config = *database, runId] { return undoInWorker(config, runId); },
        this,
        [this](const UndoResult &result) {
            m_undoing = false;
            updateActions();
            showRunMessage(result.message, result.error.toString());
            refreshViews();
            emit runUndone(result.undone, result.message);
        });
}

// ---- The window --------------------------------------------------------------------------------

void MainWindow::closeEvent(QCloseEvent *event)
{
    m_settings->setValue(key(settingsKeys::WindowGeometry), saveGeometry());
    m_settings->setValue(key(settingsKeys::DryRun), m_ui->dryRunCheck->isChecked());
    m_settings->sync();
    if (!m_quitting
        && keepsRunningInTray(
            m_scheduler->schedule(), m_scheduler->keepInTray(), m_tray->isAvailable())) {
        // The schedule goes on in the tray; the tray's Quit ends the app.
        QGuiApplication::setQuitOnLastWindowClosed(false);
        hide();
        event->ignore();
        return;
    }
    if (m_runner->isRunning())
        m_runner->cancel(); // the runner's destructor waits for the rollback
    QMainWindow::closeEvent(event);
}

void MainWindow::quit()
{
    m_quitting = true;
    const bool inTray = isHidden() && !QGuiApplication::quitOnLastWindowClosed();
    close();
    // Closing a window hidden in the tray ends no event loop by itself.
    if (inTray)
        QCoreApplication::quit();
}

void MainWindow::showFromTray()
{
    QGuiApplication::setQuitOnLastWindowClosed(true);
    showNormal();
    raise();
    activateWindow();
}

// ---- Scheduled syncs ---------------------------------------------------------------------------

bool MainWindow::startScheduledSync()
{
    // Not while the user is at work: a running sync, a clearing, the settings being edited.
    if (isBusy() || m_settingsDialog)
        return false;
    qCInfo(lcUi) << "scheduled sync of all entities";
    m_scheduledRun = true;
    syncAll();
    return true;
}

void MainWindow::failScheduledSync(const QString &reason)
{
    m_scheduledRun = false;
    m_tray->scheduledSyncNotStarted(reason);
}

void MainWindow::updateScheduleLine()
{
    const QDateTime next = m_scheduler->nextRun();
    m_tray->setNextRun(next);
    m_scheduleLabel->setText(
        next.isValid() ? tr("Next scheduled sync: %1").arg(whenText(next)) : QString());
}

void MainWindow::showAbout()
{
    auto *box = new QMessageBox(QMessageBox::Information, tr("About Pipedrive Sync"),
        tr("Pipedrive Sync %1\n\nImports a Pipedrive account into the CRM's database.")
            .arg(QCoreApplication::applicationVersion()),
        QMessageBox::Close, this);
    box->setIconPixmap(windowIcon().pixmap(64, 64));
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->open();
}

} // namespace pds
