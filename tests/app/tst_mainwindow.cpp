// GUI tests of the desktop app: they drive the real MainWindow (offscreen) against the fake
// Pipedrive server, with a temporary settings file and a temporary SQLite database. The token
// goes to the real keychain when a session bus is there (scripts/test.sh provides one with an
// unlocked gnome-keyring); without one the keychain test is skipped and the others keep secrets
// in memory. Dialogs that would ask the user are answered through MainWindow::setInteraction.

#include "appsettings.h"
#include "config/settings.h"
#include "config/tokenstore.h"
#include "fakepipedrive.h"
#include "keychaintokenstore.h"
#include "mainwindow.h"
#include "problemsmodel.h"
#include "settingsdialog.h"
#include "stallmonitor.h"
#include "translations.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QMenuBar>
#include <QProgressBar>
#include <QPushButton>
#include <QRadioButton>
#include <QSpinBox>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTableView>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QToolButton>
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

namespace {

constexpr int SyncTimeoutMs = 60000;
const pds::test::DatasetSizes SmallDataset { 6, 40, 60, 30, 40, 20 };

template<class T> T *child(QObject *parent, const QString &name)
{
    T *found = parent->findChild<T *>(name);
    if (!found)
        qWarning() << "no child" << name;
    return found;
}

// The text of a cell of a QTableWidget, by row label (column 0) and column header.
QString cellText(QTableWidget *table, const QString &rowLabel, const QString &header)
{
    int column = -1;
    for (int c = 0; c < table->columnCount(); ++c) {
        if (table->horizontalHeaderItem(c) && table->horizontalHeaderItem(c)->text() == header)
            column = c;
    }
    for (int r = 0; r < table->rowCount(); ++r) {
        if (table->item(r, 0) && table->item(r, 0)->text() == rowLabel) {
            QTableWidgetItem *item = column >= 0 ? table->item(r, column) : nullptr;
            return item ? item->text() : QString();
        }
    }
    return QStringLiteral("<no row %1>").arg(rowLabel);
}

qint64 number(const QString &text)
{
    QString digits;
    for (QChar c : text) {
        if (c.isDigit())
            digits += c;
    }
    return digits.isEmpty() ? -1 : digits.toLongLong();
}

} // namespace

class TestMainWindow : public QObject
{
    Q_OBJECT

private:
    bool m_haveKeychain = false;
    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<pds::Settings> m_settings;
    std::unique_ptr<TokenStore> m_store;
    std::unique_ptr<FakePipedriveServer> m_server;
    QString m_token;
    QStringList m_writtenKeys;

    QString settingsPath() const { return m_dir->filePath(u"settings.ini"_s); }
    QString databasePath() const { return m_dir->filePath(u"crm.sqlite3"_s); }
    QString domain() const { return m_server->baseUrl().toString(); }

    std::unique_ptr<TokenStore> makeStore()
    {
        if (m_haveKeychain)
            return std::make_unique<pds::KeychainTokenStore>();
        return std::make_unique<pds::MemoryTokenStore>();
    }

    bool writeSecret(const QString &key, const QString &secret)
    {
        QSignalSpy written(m_store.get(), &TokenStore::secretWritten);
        m_store->writeSecret(key, secret);
        if (!written.wait(10000))
            return false;
        m_writtenKeys << key;
        return written.first().at(1).toString().isEmpty();
    }

    // The store answers every reader: wait for the answer to this key.
    QString readSecret(TokenStore &store, const QString &key)
    {
        QSignalSpy read(&store, &TokenStore::secretRead);
        store.readSecret(key);
        for (;;) {
            for (const QList<QVariant> &answer : std::as_const(read)) {
                if (answer.at(0).toString() == key)
                    return answer.at(1).toString();
            }
            if (!read.wait(10000))
                break;
        }
        return u"<no answer>"_s;
    }

    // Settings and token as the dialog would leave them.
    void configure(int pageSize = 500)
    {
        m_settings->setCompanyDomain(domain());
        m_settings->setDatabaseUrl(u"sqlite:"_s + databasePath());
        m_settings->setPageSize(pageSize);
        m_settings->sync();
        QVERIFY(writeSecret(TokenStore::tokenKey(domain()), m_token));
    }

    // A started window with its first refresh done.
    std::unique_ptr<MainWindow> openWindow()
    {
        auto window = std::make_unique<MainWindow>(m_settings.get(), m_store.get());
        QSignalSpy refreshed(window.get(), &MainWindow::viewsRefreshed);
        window->show();
        window->activateWindow();
        if (!QTest::qWaitForWindowActive(window.get()))
            qWarning() << "the window did not become active";
        window->start();
        if (!refreshed.wait(10000))
            qWarning() << "the views were not refreshed";
        return window;
    }

    RunSummary waitForSync(QSignalSpy &finished)
    {
        if (finished.isEmpty() && !finished.wait(SyncTimeoutMs))
            return { SyncOutcome::Failed, {}, {}, {}, u"timed out"_s };
        return finished.first().first().value<RunSummary>();
    }

    RunSummary syncAndRefresh(MainWindow &window, Entity entity)
    {
        QSignalSpy finished(&window, &MainWindow::syncFinished);
        QSignalSpy refreshed(&window, &MainWindow::viewsRefreshed);
        child<QPushButton>(&window, u"syncButton_"_s + pds::entityName(entity))->click();
        const RunSummary summary = waitForSync(finished);
        if (refreshed.isEmpty())
            refreshed.wait(10000);
        return summary;
    }

private slots:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        qputenv("PDS_BCRYPT_COST", "4");
        qunsetenv("PIPEDRIVE_API_TOKEN");
        qunsetenv("PIPEDRIVE_COMPANY_DOMAIN");
        QCoreApplication::setOrganizationName(u"PipedriveSyncTests"_s);
        QCoreApplication::setApplicationName(u"tst_mainwindow"_s);
        qRegisterMetaType<RunSummary>();
        m_haveKeychain = !qEnvironmentVariableIsEmpty("DBUS_SESSION_BUS_ADDRESS");
        if (!m_haveKeychain)
            qWarning("No session bus: secrets stay in memory and the keychain test is skipped. "
                     "Run through scripts/test.sh for the real keychain.");
    }

    void init()
    {
        m_dir = std::make_unique<QTemporaryDir>();
        QVERIFY(m_dir->isValid());
        m_settings = std::make_unique<pds::Settings>(settingsPath());
        m_store = makeStore();
        m_server = std::make_unique<FakePipedriveServer>();
        m_server->generate(7, SmallDataset);
        m_token = u"tok-"_s + QUuid::createUuid().toString(QUuid::Id128);
        m_server->setApiToken(m_token);
        QVERIFY(m_server->listen() != 0);
        m_writtenKeys.clear();
    }

    void cleanup()
    {
        // The real keychain outlives the test: take out what this test put in.
        for (const QString &key : std::as_const(m_writtenKeys)) {
            QSignalSpy deleted(m_store.get(), &TokenStore::secretDeleted);
            m_store->deleteSecret(key);
            deleted.wait(10000);
        }
        m_server.reset();
        m_store.reset();
        m_settings.reset();
        m_dir.reset();
    }

    void firstStartOpensTheSettings()
    {
        MainWindow window(m_settings.get(), m_store.get());
        window.show();
        window.start();
        QTRY_VERIFY(window.settingsDialog() && window.settingsDialog()->isVisible());
        auto *connection = child<QLabel>(&window, u"connectionLabel"_s);
        QVERIFY(connection->text().contains(u"Settings"_s));
        // Nothing can be synced yet, but trying says why instead of failing silently.
        window.settingsDialog()->reject();
        QTRY_VERIFY(!window.settingsDialog());
        child<QPushButton>(&window, u"syncAllButton"_s)->click();
        auto *message = child<QLabel>(&window, u"runMessageLabel"_s);
        QTRY_VERIFY(message->text().contains(u"domain"_s));
        QVERIFY(!window.isBusy());
    }

    void dialogStoresTheTokenInTheKeychainNotInTheSettingsFile()
    {
        if (!m_haveKeychain && qEnvironmentVariableIsSet("CI"))
            QFAIL("CI must run the tests with a session bus and a keyring (scripts/test.sh)");
        if (!m_haveKeychain)
            QSKIP("needs a session bus with a keyring (scripts/test.sh)");
        MainWindow window(m_settings.get(), m_store.get());
        window.show();
        window.start();
        QTRY_VERIFY(window.settingsDialog());
        SettingsDialog *dialog = window.settingsDialog();
        QVERIFY(QTest::qWaitForWindowExposed(dialog));

        auto *domainEdit = child<QLineEdit>(dialog, u"domainEdit"_s);
        auto *tokenEdit = child<QLineEdit>(dialog, u"tokenEdit"_s);
        QCOMPARE(tokenEdit->echoMode(), QLineEdit::Password);
        child<QToolButton>(dialog, u"showTokenButton"_s)->click();
        QCOMPARE(tokenEdit->echoMode(), QLineEdit::Normal);
        child<QToolButton>(dialog, u"showTokenButton"_s)->click();
        QCOMPARE(tokenEdit->echoMode(), QLineEdit::Password);

        domainEdit->setFocus();
        QTest::keyClicks(domainEdit, domain());
        tokenEdit->setFocus();
        QTest::keyClicks(tokenEdit, u"wrong-token"_s);
        QSignalSpy tested(dialog, &SettingsDialog::connectionTested);
        child<QPushButton>(dialog, u"testConnectionButton"_s)->click();
        QVERIFY(tested.wait(10000));
        QCOMPARE(tested.takeFirst().at(0).toBool(), false);
        auto *connectionResult = child<QLabel>(dialog, u"connectionResultLabel"_s);
        QVERIFY2(connectionResult->text().contains(u"refused the API token"_s),
            qPrintable(connectionResult->text()));

        tokenEdit->clear();
        QTest::keyClicks(tokenEdit, m_token);
        child<QPushButton>(dialog, u"testConnectionButton"_s)->click();
        QVERIFY(tested.wait(10000));
        QCOMPARE(tested.takeFirst().at(0).toBool(), true);
        QVERIFY2(connectionResult->text().contains(u"Fake Company GmbH"_s),
            qPrintable(connectionResult->text()));

        child<QRadioButton>(dialog, u"sqliteRadio"_s)->setChecked(true);
        auto *pathEdit = child<QLineEdit>(dialog, u"sqlitePathEdit"_s);
        pathEdit->setText(databasePath());
        QSignalSpy databaseTested(dialog, &SettingsDialog::databaseTested);
        child<QPushButton>(dialog, u"testDatabaseButton"_s)->click();
        QVERIFY(databaseTested.wait(10000));
        QCOMPARE(databaseTested.first().at(0).toBool(), true);

        QSignalSpy saved(dialog, &SettingsDialog::saved);
        QSignalSpy connected(&window, &MainWindow::connectionChecked);
        child<QDialogButtonBox>(dialog, u"buttonBox"_s)->button(QDialogButtonBox::Save)->click();
        QVERIFY(saved.wait(10000));
        m_writtenKeys << TokenStore::tokenKey(domain());
        QTRY_VERIFY(!window.settingsDialog());

        // Saved: the domain and database in the settings file, the token only in the keychain.
        QFile file(settingsPath());
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QByteArray contents = file.readAll();
        QVERIFY2(contents.contains(QUrl::toPercentEncoding(domain()))
                || contents.contains(domain().toUtf8()),
            contents.constData());
        QVERIFY(!contents.contains(m_token.toUtf8()));
        QVERIFY(!contents.toLower().contains("token"));
        pds::KeychainTokenStore keychain;
        QCOMPARE(readSecret(keychain, TokenStore::tokenKey(domain())), m_token);

        // The main window picked the new account up.
        QTRY_VERIFY_WITH_TIMEOUT(!connected.isEmpty(), 10000);
        QVERIFY(connected.last().at(0).toBool());
        QVERIFY(
            child<QLabel>(&window, u"connectionLabel"_s)->text().contains(u"Fake Company GmbH"_s));

        // Opened again, the dialog shows the saved token from the keychain.
        SettingsDialog *again = window.openSettings();
        QSignalSpy loaded(again, &SettingsDialog::secretsLoaded);
        QVERIFY(loaded.wait(10000));
        QCOMPARE(child<QLineEdit>(again, u"tokenEdit"_s)->text(), m_token);
        again->reject();
    }

    void postgresDatabaseIsTestedInTheDialog()
    {
        const QString host = qEnvironmentVariable("PDS_TEST_PG_HOST");
        if (host.isEmpty())
            QSKIP("needs PDS_TEST_PG_HOST/PORT/USER (scripts/test.sh starts a server)");
        MainWindow window(m_settings.get(), m_store.get());
        window.show();
        SettingsDialog *dialog = window.openSettings();
        child<QRadioButton>(dialog, u"postgresRadio"_s)->setChecked(true);
        child<QLineEdit>(dialog, u"hostEdit"_s)->setText(host);
        child<QSpinBox>(dialog, u"portSpin"_s)
            ->setValue(qEnvironmentVariableIntValue("PDS_TEST_PG_PORT"));
        child<QLineEdit>(dialog, u"userEdit"_s)->setText(qEnvironmentVariable("PDS_TEST_PG_USER"));
        auto *name = child<QLineEdit>(dialog, u"databaseNameEdit"_s);
        auto *result = child<QLabel>(dialog, u"databaseResultLabel"_s);
        QSignalSpy tested(dialog, &SettingsDialog::databaseTested);

        name->setText(u"pds_no_such_database"_s);
        child<QPushButton>(dialog, u"testDatabaseButton"_s)->click();
        QVERIFY(tested.wait(20000));
        QCOMPARE(tested.takeFirst().at(0).toBool(), false);
        QVERIFY2(result->text().contains(u"does not exist"_s), qPrintable(result->text()));

        name->setText(u"postgres"_s);
        child<QPushButton>(dialog, u"testDatabaseButton"_s)->click();
        QVERIFY(tested.wait(20000));
        QVERIFY2(result->text().startsWith(u"Connected"_s), qPrintable(result->text()));

        // Saved: the URL (without password) in the settings, the password in the store.
        m_settings->setCompanyDomain(domain());
        QVERIFY(writeSecret(TokenStore::tokenKey(domain()), m_token));
        SettingsDialog *again = window.openSettings();
        QCOMPARE(again, dialog);
        child<QLineEdit>(dialog, u"domainEdit"_s)->setText(domain());
        child<QLineEdit>(dialog, u"tokenEdit"_s)->setText(m_token);
        child<QLineEdit>(dialog, u"passwordEdit"_s)->setText(u"pg-secret"_s);
        QSignalSpy saved(dialog, &SettingsDialog::saved);
        child<QDialogButtonBox>(dialog, u"buttonBox"_s)->button(QDialogButtonBox::Save)->click();
        QVERIFY(saved.wait(10000));
        const QString url = m_settings->databaseUrl();
        QVERIFY2(
            url.startsWith(u"postgresql://"_s) && url.endsWith(u"/postgres"_s), qPrintable(url));
        QVERIFY(!url.contains(u"pg-secret"_s));
        const QString passwordKey = TokenStore::databasePasswordKey(url);
        m_writtenKeys << passwordKey;
        QCOMPARE(readSecret(*m_store, passwordKey), u"pg-secret"_s);
        QFile file(settingsPath());
        QVERIFY(file.open(QIODevice::ReadOnly));
        QVERIFY(!file.readAll().contains("pg-secret"));
    }

    void syncOfOneEntityFillsItsProgressBarAndTheStats()
    {
        configure(10);
        m_server->setLatencyMs(20); // a few pages, so that progress arrives during the run
        auto window = openWindow();
        auto *bar = child<QProgressBar>(window.get(), u"progressBar_organizations"_s);
        auto *stats = child<QTableWidget>(window.get(), u"entityTable"_s);
        QCOMPARE(cellText(stats, u"Organizations"_s, u"CRM rows"_s), QString());

        QSignalSpy started(window.get(), &MainWindow::syncStarted);
        QSignalSpy finished(window.get(), &MainWindow::syncFinished);
        QSignalSpy refreshed(window.get(), &MainWindow::viewsRefreshed);
        child<QPushButton>(window.get(), u"syncButton_organizations"_s)->click();
        QVERIFY(started.wait(10000));
        // Pipedrive gives no total: a busy bar, and the count growing beside it.
        QCOMPARE(bar->maximum(), 0);
        QVERIFY(!child<QPushButton>(window.get(), u"syncAllButton"_s)->isEnabled());
        QVERIFY(!child<QPushButton>(window.get(), u"syncButton_deals"_s)->isEnabled());
        QVERIFY(child<QPushButton>(window.get(), u"cancelButton"_s)->isEnabled());
        auto *records = child<QLabel>(window.get(), u"recordsLabel_organizations"_s);
        QTRY_VERIFY_WITH_TIMEOUT(number(records->text()) > 0, SyncTimeoutMs);

        const RunSummary summary = waitForSync(finished);
        QVERIFY2(summary.outcome == SyncOutcome::Succeeded
                || summary.outcome == SyncOutcome::FinishedWithProblems,
            qPrintable(summary.message));
        const int organizations = SmallDataset.organizations;
        QCOMPARE(bar->maximum(), organizations);
        QCOMPARE(bar->value(), bar->maximum());
        QCOMPARE(number(records->text()), organizations);
        QVERIFY(child<QPushButton>(window.get(), u"syncAllButton"_s)->isEnabled());
        QVERIFY(!child<QPushButton>(window.get(), u"cancelButton"_s)->isEnabled());
        auto *result = child<QLabel>(window.get(), u"resultLabel_organizations"_s);
        QVERIFY2(result->text().contains(u"new"_s), qPrintable(result->text()));

        // The stats view shows the new counts after the refresh that follows every run. (The
        // dataset has organizations of the same name: they merge into one CRM account.)
        if (refreshed.isEmpty())
            QVERIFY(refreshed.wait(10000));
        QCOMPARE(summary.entities.size(), 1);
        const pds::RunCounts counts = summary.entities.first().counts;
        QVERIFY(counts.created > 0);
        QCOMPARE(number(cellText(stats, u"Organizations"_s, u"CRM rows"_s)), counts.created);
        QCOMPARE(number(cellText(stats, u"Organizations"_s, u"Mapped rows"_s)),
            counts.created + counts.merged);
        QCOMPARE(number(cellText(stats, u"Organizations"_s, u"Created"_s)), counts.created);
        QCOMPARE(cellText(stats, u"Deals"_s, u"Mapped rows"_s), u"0"_s);
        auto *history = child<QTableWidget>(window.get(), u"historyTable"_s);
        QCOMPARE(history->rowCount(), 1);
        QCOMPARE(history->item(0, 1)->text(), u"Organizations"_s);
        QVERIFY(window->lastSyncStallMs() >= 0);
    }

    void dryRunWritesNothing()
    {
        configure();
        auto window = openWindow();
        QTest::keyClick(window.get(), Qt::Key_D, Qt::ControlModifier); // Sync > Dry run
        QVERIFY(child<QCheckBox>(window.get(), u"dryRunCheck"_s)->isChecked());
        const RunSummary summary = syncAndRefresh(*window, Entity::Organizations);
        QVERIFY(summary.dryRun);
        QVERIFY(summary.totals().fetched > 0);
        auto *stats = child<QTableWidget>(window.get(), u"entityTable"_s);
        QCOMPARE(cellText(stats, u"Organizations"_s, u"CRM rows"_s), u"0"_s);
        QCOMPARE(cellText(stats, u"Organizations"_s, u"Mapped rows"_s), u"0"_s);
        QVERIFY(child<QLabel>(window.get(), u"runMessageLabel"_s)
                    ->text()
                    .contains(u"nothing was written"_s));
        const QString result = child<QLabel>(window.get(), u"resultLabel_organizations"_s)->text();
        QVERIFY2(result.contains(u"dry run"_s), qPrintable(result));
    }

    void undoLastSyncAsksThenTakesItBack()
    {
        configure();
        auto window = openWindow();
        const RunSummary summary = syncAndRefresh(*window, Entity::Organizations);
        QVERIFY(summary.outcome != SyncOutcome::Failed);
        auto *stats = child<QTableWidget>(window.get(), u"entityTable"_s);
        QVERIFY(number(cellText(stats, u"Organizations"_s, u"CRM rows"_s)) > 0);

        QList<pds::Interaction::Question> questions;
        bool answer = false;
        pds::Interaction interaction = pds::Interaction::desktop();
        interaction.confirm = [&](QWidget *, const pds::Interaction::Question &question,
                                  std::function<void(bool)> reply) {
            questions << question;
            reply(answer);
        };
        window->setInteraction(interaction);
        // In the Sync menu.
        auto *undo = child<QAction>(window.get(), u"actionUndoLastRun"_s);
        QVERIFY(undo && undo->isEnabled());
        QVERIFY(window->findChild<QMenu *>(u"menuSync"_s)->actions().contains(undo));
        QSignalSpy undone(window.get(), &MainWindow::runUndone);

        // Declined: it said which sync, and nothing happened.
        undo->trigger();
        QTRY_COMPARE(questions.size(), 1);
        QVERIFY2(questions.first().text.contains(u"Organizations"_s),
            qPrintable(questions.first().text));
        QVERIFY(!undone.wait(300));
        QVERIFY(!window->isBusy());

        // Accepted: the accounts the sync created are gone, and the history says so.
        answer = true;
        QSignalSpy refreshed(window.get(), &MainWindow::viewsRefreshed);
        undo->trigger();
        QVERIFY(undone.wait(10000));
        QVERIFY2(undone.first().at(0).toBool(), qPrintable(undone.first().at(1).toString()));
        QTRY_VERIFY(!refreshed.isEmpty());
        QCOMPARE(cellText(stats, u"Organizations"_s, u"CRM rows"_s), u"0"_s);
        auto *history = child<QTableWidget>(window.get(), u"historyTable"_s);
        QCOMPARE(history->item(0, 2)->text(), u"undo"_s);

        // Once more: nothing left, said without asking.
        questions.clear();
        undone.clear();
        undo->trigger();
        QVERIFY(undone.wait(10000));
        QVERIFY(!undone.first().at(0).toBool());
        QVERIFY2(undone.first().at(1).toString().contains(u"Nothing to undo"_s),
            qPrintable(undone.first().at(1).toString()));
        QVERIFY(questions.isEmpty());
    }

    void cancellingStopsARunningSync()
    {
        configure(5);
        m_server->setLatencyMs(150); // slow pages: the sync is still running when we cancel
        auto window = openWindow();
        QSignalSpy started(window.get(), &MainWindow::syncStarted);
        QSignalSpy finished(window.get(), &MainWindow::syncFinished);
        child<QPushButton>(window.get(), u"syncAllButton"_s)->click();
        QVERIFY(started.wait(10000));
        auto *cancel = child<QPushButton>(window.get(), u"cancelButton"_s);
        QVERIFY(cancel->isEnabled());
        QVERIFY(window->isSyncing());
        QTest::keyClick(window.get(), Qt::Key_Period, Qt::ControlModifier); // Sync > Cancel
        QVERIFY(!cancel->isEnabled()); // once is enough
        const RunSummary summary = waitForSync(finished);
        QCOMPARE(summary.outcome, SyncOutcome::Cancelled);
        QVERIFY(!window->isSyncing());
        QVERIFY(child<QPushButton>(window.get(), u"syncAllButton"_s)->isEnabled());
        QVERIFY(!cancel->isEnabled());
        auto *message = child<QLabel>(window.get(), u"runMessageLabel"_s);
        QVERIFY2(message->text().contains(u"cancelled"_s), qPrintable(message->text()));
        // No bar is left spinning.
        for (Entity entity : pds::allEntities())
            QVERIFY(child<QProgressBar>(window.get(), u"progressBar_"_s + pds::entityName(entity))
                        ->maximum()
                > 0);
    }

    void clearingMappingsAsksFirstAndSaysWhatItDoes()
    {
        configure();
        auto window = openWindow();
        const RunSummary summary = syncAndRefresh(*window, Entity::Organizations);
        QCOMPARE(summary.outcome, SyncOutcome::Succeeded);
        auto *stats = child<QTableWidget>(window.get(), u"entityTable"_s);
        const qint64 organizations = number(cellText(stats, u"Organizations"_s, u"Mapped rows"_s));
        const qint64 accounts = number(cellText(stats, u"Organizations"_s, u"CRM rows"_s));
        QVERIFY(organizations > 0 && accounts > 0);

        QList<pds::Interaction::Question> questions;
        bool answer = false;
        pds::Interaction interaction = pds::Interaction::desktop();
        interaction.confirm = [&](QWidget *, const pds::Interaction::Question &question,
                                  std::function<void(bool)> reply) {
            questions << question;
            reply(answer);
        };
        window->setInteraction(interaction);
        window->findChild<QTabWidget *>(u"tabs"_s)->setCurrentIndex(1);
        stats->selectRow(1); // Organizations
        auto *clearEntity = child<QPushButton>(window.get(), u"clearEntityButton"_s);
        QVERIFY(clearEntity->isEnabled());

        // Declined: nothing happens.
        QSignalSpy cleared(window.get(), &MainWindow::mappingsCleared);
        clearEntity->click();
        QCOMPARE(questions.size(), 1);
        QVERIFY(questions.first().text.contains(u"Organizations"_s));
        QVERIFY2(questions.first().text.contains(QString::number(organizations)),
            qPrintable(questions.first().text));
        QVERIFY(questions.first().text.contains(u"CRM rows themselves stay"_s));
        QVERIFY(!window->isBusy());
        QVERIFY(!cleared.wait(300));

        // Accepted: the mappings go, the CRM rows stay.
        answer = true;
        QSignalSpy refreshed(window.get(), &MainWindow::viewsRefreshed);
        clearEntity->click();
        QVERIFY(cleared.wait(10000));
        QCOMPARE(cleared.first().at(0).toLongLong(), organizations);
        QVERIFY(refreshed.wait(10000));
        QCOMPARE(cellText(stats, u"Organizations"_s, u"Mapped rows"_s), u"0"_s);
        QCOMPARE(number(cellText(stats, u"Organizations"_s, u"CRM rows"_s)), accounts);

        // Clearing all names the entities that cannot be matched again.
        questions.clear();
        answer = false;
        child<QPushButton>(window.get(), u"clearAllButton"_s)->click();
        QCOMPARE(questions.size(), 1);
        QVERIFY(questions.first().text.contains(u"all entities"_s));
        QVERIFY(questions.first().text.contains(u"second time"_s));
    }

    void problemsViewLinksToPipedriveAndExportsCsv()
    {
        configure();
        m_server->setBadRecords(true);
        auto window = openWindow();
        QVERIFY(syncAndRefresh(*window, Entity::Users).outcome != SyncOutcome::Failed);
        const RunSummary summary = syncAndRefresh(*window, Entity::Deals);
        QCOMPARE(summary.outcome, SyncOutcome::FinishedWithProblems);

        auto *table = child<QTableView>(window.get(), u"problemsTable"_s);
        auto *model = qobject_cast<pds::ProblemsModel *>(table->model());
        QVERIFY(model);
        QVERIFY(model->rowCount() > 0);
        int dealRow = -1;
        for (int row = 0; row < model->rowCount(); ++row) {
            if (model->problems().at(row).entity == u"deals"_s
                && model->problems().at(row).pipedriveId)
                dealRow = row;
        }
        QVERIFY(dealRow >= 0);
        const qint64 id = *model->problems().at(dealRow).pipedriveId;
        QVERIFY(!model->problems().at(dealRow).reason.isEmpty());
        const QUrl expected(domain() + u"/deal/"_s + QString::number(id));
        QCOMPARE(model->link(dealRow), expected);

        QList<QUrl> opened;
        QString exportPath = m_dir->filePath(u"problems.csv"_s);
        pds::Interaction interaction = pds::Interaction::desktop();
        interaction.openUrl = [&](const QUrl &url) {
            opened << url;
        };
        interaction.chooseSaveFile = [&](QWidget *, const QString &, const QString &,
                                         const QString &, std::function<void(QString)> answer) {
            answer(exportPath);
        };
        window->setInteraction(interaction);
        window->findChild<QTabWidget *>(u"tabs"_s)->setCurrentIndex(2);
        table->setFocus();
        table->setCurrentIndex(model->index(dealRow, 0));
        QTest::keyClick(table, Qt::Key_Return);
        QCOMPARE(opened, QList<QUrl> { expected });
        child<QPushButton>(window.get(), u"openInPipedriveButton"_s)->click();
        QCOMPARE(opened.size(), 2);
        QTest::mouseClick(table->viewport(), Qt::LeftButton, {},
            table->visualRect(model->index(dealRow, pds::ProblemsModel::Link)).center());
        QCOMPARE(opened.size(), 3);
        QCOMPARE(opened.last(), expected);

        QSignalSpy exported(window.get(), &MainWindow::problemsExported);
        child<QPushButton>(window.get(), u"exportCsvButton"_s)->click();
        QVERIFY(exported.wait(10000));
        QCOMPARE(exported.first().at(2).toString(), QString());
        QFile csv(exportPath);
        QVERIFY(csv.open(QIODevice::ReadOnly));
        const QList<QByteArray> lines = csv.readAll().split('\n');
        QVERIFY(
            lines.first().startsWith("time,run_id,entity,pipedrive_id,kind,reason,detail,link"));
        QCOMPARE(exported.first().at(1).toLongLong(), qint64(model->rowCount()));
        QVERIFY(csv.fileName().endsWith(u".csv"_s));
        bool hasLink = false;
        for (const QByteArray &line : lines)
            hasLink = hasLink || line.contains(expected.toEncoded());
        QVERIFY(hasLink);
    }

    void wrongTokenIsReportedInWords()
    {
        m_settings->setCompanyDomain(domain());
        m_settings->setDatabaseUrl(u"sqlite:"_s + databasePath());
        QVERIFY(writeSecret(TokenStore::tokenKey(domain()), u"not-the-token"_s));
        auto window = openWindow();
        QTRY_VERIFY(
            child<QLabel>(window.get(), u"connectionLabel"_s)->text().contains(u"refused"_s));
        const RunSummary summary = syncAndRefresh(*window, Entity::Users);
        QCOMPARE(summary.outcome, SyncOutcome::Failed);
        QCOMPARE(summary.apiError.kind, pds::ApiError::Kind::Authentication);
        const QString message = child<QLabel>(window.get(), u"runMessageLabel"_s)->text();
        QVERIFY2(message.contains(u"refused the API token"_s) && message.contains(u"Settings"_s),
            qPrintable(message));
    }

    void spentBudgetIsReportedWithTheTimeItComesBack()
    {
        configure(10);
        m_server->setDailyBudget(120); // enough for the lookups and a few pages
        auto window = openWindow();
        QSignalSpy finished(window.get(), &MainWindow::syncFinished);
        window->syncAll();
        const RunSummary summary = waitForSync(finished);
        QCOMPARE(summary.outcome, SyncOutcome::Failed);
        QCOMPARE(summary.apiError.kind, pds::ApiError::Kind::BudgetExhausted);
        const QString message = child<QLabel>(window.get(), u"runMessageLabel"_s)->text();
        QVERIFY2(message.contains(u"budget is used up"_s) && message.contains(u"after"_s),
            qPrintable(message));
        // The connection line shows what Pipedrive reported about the budget.
        const QString line = child<QLabel>(window.get(), u"connectionLabel"_s)->text();
        QVERIFY2(line.contains(u"API budget left today: 0"_s), qPrintable(line));
        QVERIFY(child<QPushButton>(window.get(), u"syncAllButton"_s)->isEnabled());
    }

    void unreachableDatabaseIsReportedInWords()
    {
        configure();
        // A file below a regular file: no folder can be made there.
        QFile blocker(m_dir->filePath(u"not-a-folder"_s));
        QVERIFY(blocker.open(QIODevice::WriteOnly));
        blocker.close();
        m_settings->setDatabaseUrl(u"sqlite:"_s + blocker.fileName() + u"/crm.sqlite3"_s);
        auto window = openWindow();
        const RunSummary summary = syncAndRefresh(*window, Entity::Users);
        QCOMPARE(summary.outcome, SyncOutcome::Failed);
        QVERIFY(summary.dbError.isError());
        const QString message = child<QLabel>(window.get(), u"runMessageLabel"_s)->text();
        QVERIFY2(message.contains(u"database"_s) && message.contains(u"Settings"_s),
            qPrintable(message));
    }

    void notACrmDatabaseIsReportedInWords()
    {
        configure();
        {
            QSqlDatabase db = QSqlDatabase::addDatabase(u"QSQLITE"_s, u"foreign"_s);
            db.setDatabaseName(databasePath());
            QVERIFY(db.open());
            QSqlQuery(db).exec(u"CREATE TABLE invoices (id integer primary key, total real)"_s);
            db.close();
        }
        QSqlDatabase::removeDatabase(u"foreign"_s);
        auto window = openWindow();
        const RunSummary summary = syncAndRefresh(*window, Entity::Users);
        QCOMPARE(summary.outcome, SyncOutcome::Failed);
        const QString message = child<QLabel>(window.get(), u"runMessageLabel"_s)->text();
        QVERIFY2(message.contains(u"not a CRM database"_s), qPrintable(message));
    }

    void windowRemembersItsSize()
    {
        {
            MainWindow window(m_settings.get(), m_store.get());
            window.show();
            QVERIFY(QTest::qWaitForWindowExposed(&window));
            window.resize(1111, 777);
            QTRY_COMPARE(window.size(), QSize(1111, 777));
            window.close();
        }
        MainWindow again(m_settings.get(), m_store.get());
        again.show();
        QVERIFY(QTest::qWaitForWindowExposed(&again));
        QCOMPARE(again.size(), QSize(1111, 777));
    }

    void everyActionIsReachableByKeyboard()
    {
        MainWindow window(m_settings.get(), m_store.get());
        const QList<QAction *> actions = window.findChildren<QAction *>();
        int checked = 0;
        for (QAction *action : actions) {
            if (action->isSeparator() || action->menu() || action->text().isEmpty())
                continue;
            ++checked;
            QVERIFY2(!action->shortcut().isEmpty() || action->text().contains(u'&'),
                qPrintable(action->text()));
        }
        QVERIFY(checked >= 12);
        for (QMenu *menu : window.menuBar()->findChildren<QMenu *>())
            QVERIFY2(menu->title().contains(u'&'), qPrintable(menu->title()));
        for (QPushButton *button : window.findChildren<QPushButton *>())
            QVERIFY2(button->focusPolicy() & Qt::TabFocus, qPrintable(button->objectName()));
        // The per-entity Sync buttons have menu twins with shortcuts.
        for (Entity entity : pds::allEntities()) {
            auto *action = window.findChild<QAction *>(u"actionSync_"_s + pds::entityName(entity));
            QVERIFY(action);
            QVERIFY(!action->shortcut().isEmpty());
        }
    }

    void germanTranslationIsLoadedByLocale()
    {
        QVERIFY(pds::installTranslations(QLocale(QLocale::German, QLocale::Germany)));
        {
            MainWindow window(m_settings.get(), m_store.get());
            auto *syncAll = child<QPushButton>(&window, u"syncAllButton"_s);
            QVERIFY2(syncAll->text() != u"Sync &all"_s, qPrintable(syncAll->text()));
            QCOMPARE(child<QLabel>(&window, u"nameLabel_deals"_s)->text(), u"Deals"_s);
            QCOMPARE(window.findChild<QTabWidget *>(u"tabs"_s)->tabText(2), u"Probleme"_s);
        }
        QVERIFY(!pds::installTranslations(QLocale(QLocale::English, QLocale::UnitedStates)));
        MainWindow english(m_settings.get(), m_store.get());
        QCOMPARE(child<QPushButton>(&english, u"syncAllButton"_s)->text(), u"Sync &all"_s);
    }

    void germanTranslationIsComplete()
    {
        QFile ts(QStringLiteral(PDS_SOURCE_DIR "/translations/pipedrive-sync_de.ts"));
        QVERIFY(ts.open(QIODevice::ReadOnly));
        const QByteArray text = ts.readAll();
        const qsizetype messages = text.count("<message");
        QVERIFY2(messages > 150, QByteArray::number(messages).constData());
        QCOMPARE(text.count("type=\"unfinished\""), 0);
        QCOMPARE(text.count("type=\"vanished\""), 0);
        QCOMPARE(text.count("type=\"obsolete\""), 0);
    }

    // Not a check: a measurement for the report, run by hand with PDS_STALL_RECORDS=50000.
    // The fake server runs in a thread of its own here, so that the GUI thread only draws.
    void measureLongestStallDuringALargeSync()
    {
        const int records = qEnvironmentVariableIntValue("PDS_STALL_RECORDS");
        if (records <= 0)
            QSKIP("set PDS_STALL_RECORDS (e.g. 50000) to measure");
        m_server.reset();
        QThread serverThread;
        QObject inThread; // the receiver of calls that must run in the server's thread
        inThread.moveToThread(&serverThread);
        serverThread.start();
        const auto stopThread = qScopeGuard([&] {
            serverThread.quit();
            serverThread.wait();
        });
        FakePipedriveServer *server = nullptr;
        QMetaObject::invokeMethod(
            &inThread,
            [&] {
                server = new FakePipedriveServer;
                server->generate(11, pds::test::DatasetSizes::fromTotal(records));
                server->setApiToken(m_token);
                server->listen();
            },
            Qt::BlockingQueuedConnection);
        QVERIFY(server && server->port() != 0);
        m_settings->setCompanyDomain(server->baseUrl().toString());
        m_settings->setDatabaseUrl(u"sqlite:"_s + databasePath());
        m_settings->sync();
        QVERIFY(writeSecret(TokenStore::tokenKey(server->baseUrl().toString()), m_token));
        auto window = openWindow();
        // The baseline: how late the same monitor ticks on an idle window on this machine now
        // (other processes compete for the cores).
        pds::StallMonitor idle;
        idle.start();
        QTimer idleEnd;
        idleEnd.setSingleShot(true);
        QSignalSpy idleDone(&idleEnd, &QTimer::timeout);
        idleEnd.start(5000);
        QVERIFY(idleDone.wait(10000));
        idle.stop();
        qInfo("idle window, 5 s: longest stall %lld ms", idle.longestStallMs());
        // A control: the same monitor in an idle thread of its own. What it sees is the
        // machine's scheduling, not the GUI thread's work.
        QThread controlThread;
        pds::StallMonitor control;
        control.moveToThread(&controlThread);
        controlThread.start();
        const auto stopControl = qScopeGuard([&] {
            controlThread.quit();
            controlThread.wait();
        });
        QMetaObject::invokeMethod(
            &control, [&] { control.start(); }, Qt::BlockingQueuedConnection);
        QSignalSpy finished(window.get(), &MainWindow::syncFinished);
        QElapsedTimer clock;
        clock.start();
        window->syncAll();
        QVERIFY(finished.wait(30 * 60 * 1000));
        const RunSummary summary = finished.first().first().value<RunSummary>();
        QMetaObject::invokeMethod(
            &control, [&] { control.stop(); }, Qt::BlockingQueuedConnection);
        qInfo("%d records: outcome %s, %lld fetched in %.1f s, longest GUI stall %lld ms "
              "(idle control thread: %lld ms)",
            records, qPrintable(pds::outcomeName(summary.outcome)), summary.totals().fetched,
            clock.elapsed() / 1000.0, window->lastSyncStallMs(), control.longestStallMs());
        window.reset();
        QMetaObject::invokeMethod(
            server, [server] { delete server; }, Qt::BlockingQueuedConnection);
    }
};

QTEST_MAIN(TestMainWindow)
#include "tst_mainwindow.moc"
